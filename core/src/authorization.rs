//! The `Authorization: Bearer` header value (RFC 6750 §2.1, RFC 9110 §11.4).

use crate::error::Error;

/// Extracts the token from an `Authorization` header value.
///
/// Accepted: the scheme `Bearer` in any letter case, one or more spaces, then exactly one
/// token68 (`A-Z a-z 0-9 - . _ ~ + /` followed by optional `=`). Spaces and tabs around the
/// whole value are trimmed, as HTTP field parsing does. Anything else, such as another
/// scheme, a tab between scheme and token, a missing token, a second word or a trailing
/// comma, is [`Error::InvalidAuthorizationHeader`].
pub fn bearer_token(header_value: &str) -> Result<&str, Error> {
    let value = header_value.trim_matches([' ', '\t']);
    let (scheme, rest) = value
        .split_once(' ')
        .ok_or(Error::InvalidAuthorizationHeader)?;
    if !scheme.eq_ignore_ascii_case("bearer") {
        return Err(Error::InvalidAuthorizationHeader);
    }
    let token = rest.trim_start_matches(' ');
    if token.is_empty() || !is_token68(token) {
        return Err(Error::InvalidAuthorizationHeader);
    }
    Ok(token)
}

fn is_token68(text: &str) -> bool {
    let body = text.trim_end_matches('=');
    !body.is_empty()
        && body.bytes().all(|b| {
            b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~' | b'+' | b'/')
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accepts_bearer_forms() {
        for (value, token) in [
            ("Bearer abc.def.ghi", "abc.def.ghi"),
            ("bearer abc", "abc"),
            ("BEARER   abc", "abc"),
            ("Bearer abc \t", "abc"),
            ("Bearer abc==", "abc=="),
        ] {
            assert_eq!(bearer_token(value), Ok(token), "{value:?}");
        }
    }

    #[test]
    fn rejects_other_forms() {
        for value in [
            "",
            "Bearer",
            "Bearer ",
            "Basic abc",
            "Bearer\tabc",
            "Bearer abc def",
            "Bearer abc,",
            "Bearer =abc",
            "Bearer a=b",
            "Bearerabc",
            "Bearer \tabc",
        ] {
            assert_eq!(
                bearer_token(value),
                Err(Error::InvalidAuthorizationHeader),
                "{value:?}"
            );
        }
    }
}

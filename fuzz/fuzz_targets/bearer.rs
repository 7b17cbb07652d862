//! `Authorization` header parsing: `acs_jwt::bearer_token`.
//!
//! Invariants:
//! - an accepted token is a substring of the input and a token68 (RFC 9110 §11.2);
//! - the result equals that of an independent reading of RFC 6750 §2.1 written here as a
//!   byte loop: trim spaces and tabs, the scheme `Bearer` in any letter case, one or more
//!   spaces, one token68, nothing after it;
//! - an accepted token reads back unchanged from `Bearer <token>`.

#![no_main]

use acs_jwt::{Error, bearer_token};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(value) = std::str::from_utf8(data) else {
        return;
    };
    let result = bearer_token(value);
    let expected = reference(value.as_bytes());
    match result {
        Ok(token) => {
            let start = token.as_ptr() as usize - value.as_ptr() as usize;
            assert!(
                start + token.len() <= value.len(),
                "token is not inside the input"
            );
            assert_eq!(&value[start..start + token.len()], token);
            assert!(is_token68(token.as_bytes()), "not a token68: {token:?}");
            assert_eq!(
                expected,
                Some((start, start + token.len())),
                "reference disagrees"
            );
            assert_eq!(bearer_token(&format!("Bearer {token}")), Ok(token));
        }
        Err(err) => {
            assert_eq!(err, Error::InvalidAuthorizationHeader);
            assert_eq!(expected, None, "reference accepts {value:?}");
        }
    }
});

/// Returns the byte range of the token, or `None` when the value is not a bearer credential.
fn reference(value: &[u8]) -> Option<(usize, usize)> {
    let is_blank = |b: &u8| *b == b' ' || *b == b'\t';
    let start = value.iter().position(|b| !is_blank(b))?;
    let end = value.len() - value.iter().rev().position(|b| !is_blank(b))?;
    let value = &value[..end];
    let scheme_end = start + 6;
    if value.len() <= scheme_end || !value[start..scheme_end].eq_ignore_ascii_case(b"bearer") {
        return None;
    }
    let mut at = scheme_end;
    if value[at] != b' ' {
        return None;
    }
    while at < value.len() && value[at] == b' ' {
        at += 1;
    }
    is_token68(&value[at..]).then_some((at, value.len()))
}

/// `token68 = 1*( ALPHA / DIGIT / "-" / "." / "_" / "~" / "+" / "/" ) *"="`
fn is_token68(token: &[u8]) -> bool {
    let body_len = token.iter().take_while(|&&b| b != b'=').count();
    body_len > 0
        && token[body_len..].iter().all(|&b| b == b'=')
        && token[..body_len]
            .iter()
            .all(|&b| b.is_ascii_alphanumeric() || b"-._~+/".contains(&b))
}

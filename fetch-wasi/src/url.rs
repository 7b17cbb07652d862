//! Splits a key set URL into the parts that `wasi:http` sets one by one on an outgoing request.

/// The parts of an absolute `http` or `https` URL that an `outgoing-request` takes separately.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct UrlParts<'a> {
    /// `true` for `https`, `false` for plain `http`.
    pub(crate) https: bool,
    /// The host and optional port, as written in the URL.
    pub(crate) authority: &'a str,
    /// The path and query, starting with `/`; the fragment is dropped because it is never sent.
    pub(crate) path_with_query: String,
}

/// Splits `url`, or returns `None` when it is not an absolute `http` or `https` URL with a host
/// and without user information.
///
/// Callers check the URL with [`acs_jwt::discovery::is_allowed_url`] first. This function
/// repeats the structural checks, so it never builds a request from a URL that the core would
/// reject.
pub(crate) fn split_url(url: &str) -> Option<UrlParts<'_>> {
    let (scheme, rest) = url.split_once("://")?;
    let https = if scheme.eq_ignore_ascii_case("https") {
        true
    } else if scheme.eq_ignore_ascii_case("http") {
        false
    } else {
        return None;
    };
    let authority_end = rest.find(['/', '?', '#']).unwrap_or(rest.len());
    let (authority, rest) = rest.split_at(authority_end);
    let hidden_characters =
        url.contains(|ch: char| ch == '\\' || ch.is_whitespace() || ch.is_control());
    if authority.is_empty() || authority.contains('@') || hidden_characters {
        return None;
    }
    let without_fragment = rest.split('#').next().unwrap_or_default();
    let path_with_query = if without_fragment.starts_with('/') {
        String::from(without_fragment)
    } else {
        // An empty path, or a query directly after the authority: RFC 9112 §3.2.1 sends "/".
        format!("/{without_fragment}")
    };
    Some(UrlParts {
        https,
        authority,
        path_with_query,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parts<'a>(https: bool, authority: &'a str, path_with_query: &str) -> Option<UrlParts<'a>> {
        Some(UrlParts {
            https,
            authority,
            path_with_query: String::from(path_with_query),
        })
    }

    #[test]
    fn splits_scheme_authority_and_path() {
        assert_eq!(
            split_url("https://acscallautomation.communication.azure.com/calling/keys"),
            parts(
                true,
                "acscallautomation.communication.azure.com",
                "/calling/keys"
            )
        );
        assert_eq!(
            split_url("http://127.0.0.1:8080/keys?v=2#top"),
            parts(false, "127.0.0.1:8080", "/keys?v=2")
        );
        assert_eq!(
            split_url("HTTP://[::1]:9000"),
            parts(false, "[::1]:9000", "/")
        );
        assert_eq!(
            split_url("https://issuer.example?x=1"),
            parts(true, "issuer.example", "/?x=1")
        );
    }

    #[test]
    fn rejects_what_the_core_rejects() {
        for url in [
            "keys",
            "ftp://issuer.example/keys",
            "https:///keys",
            "https://user@issuer.example/keys",
            "https://issuer.example/a b",
            "https://issuer.example\\@evil.example/keys",
            "https://issuer.example/keys\u{7f}",
        ] {
            assert_eq!(split_url(url), None, "{url}");
        }
    }
}

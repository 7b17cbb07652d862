//! OpenID Provider configuration documents (OpenID Connect Discovery 1.0 §3 and §4.3).
//!
//! ACS serves its document at a non-standard path, see
//! [`acs::OPENID_CONFIGURATION_URL`](crate::acs::OPENID_CONFIGURATION_URL), so the URL is always
//! configured explicitly.

use alloc::string::String;
use core::fmt;

use crate::error::JsonProblem;
use crate::json::{self, Members};
use crate::limits::MAX_DISCOVERY_BYTES;

/// The members of an OpenID configuration document this crate uses.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct OpenIdConfiguration {
    /// `issuer`, after JSON unescaping.
    pub issuer: String,
    /// `jwks_uri`, after JSON unescaping.
    pub jwks_uri: String,
}

/// Why an OpenID configuration document was rejected.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum DiscoveryProblem {
    /// The document is larger than [`MAX_DISCOVERY_BYTES`].
    TooLarge,
    /// The document is not valid JSON.
    Json(JsonProblem),
    /// `issuer` is missing or not a string.
    MissingIssuer,
    /// `issuer` differs from the configured issuer (OpenID Connect Discovery §4.3).
    IssuerMismatch {
        /// The document's `issuer`, truncated to 256 bytes.
        found: String,
    },
    /// `jwks_uri` is missing or not a string.
    MissingJwksUri,
    /// `jwks_uri` is not an `https` URL (or, when explicitly allowed for tests, plain HTTP to
    /// a loopback address).
    InsecureJwksUri {
        /// The document's `jwks_uri`, truncated to 256 bytes.
        found: String,
    },
}

impl fmt::Display for DiscoveryProblem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::TooLarge => write!(f, "document is larger than {MAX_DISCOVERY_BYTES} bytes"),
            Self::Json(problem) => write!(f, "document is not valid JSON: {problem}"),
            Self::MissingIssuer => f.write_str("\"issuer\" is missing or not a string"),
            Self::IssuerMismatch { found } => {
                write!(f, "issuer {found:?} is not the configured issuer")
            }
            Self::MissingJwksUri => f.write_str("\"jwks_uri\" is missing or not a string"),
            Self::InsecureJwksUri { found } => write!(f, "jwks_uri {found:?} is not https"),
        }
    }
}

impl OpenIdConfiguration {
    /// Parses a document and checks it against the configured issuer.
    ///
    /// `issuer` must equal `expected_issuer` byte for byte, and `jwks_uri` must pass
    /// [`is_allowed_url`] with the same `allow_loopback_http` setting.
    pub fn from_json(
        document: &[u8],
        expected_issuer: &str,
        allow_loopback_http: bool,
    ) -> Result<Self, DiscoveryProblem> {
        if document.len() > MAX_DISCOVERY_BYTES {
            return Err(DiscoveryProblem::TooLarge);
        }
        json::validate_object(document).map_err(DiscoveryProblem::Json)?;
        let mut issuer = None;
        let mut jwks_uri = None;
        for member in Members::of_document(document).map_err(DiscoveryProblem::Json)? {
            let (name, value) = member.map_err(DiscoveryProblem::Json)?;
            let target = if json::name_is(name, "issuer") {
                &mut issuer
            } else if json::name_is(name, "jwks_uri") {
                &mut jwks_uri
            } else {
                continue;
            };
            if target.is_some() {
                return Err(DiscoveryProblem::Json(JsonProblem::DuplicateName));
            }
            *target = Some(json::string_value(&value).and_then(Result::ok));
        }
        let issuer = issuer
            .flatten()
            .ok_or(DiscoveryProblem::MissingIssuer)?
            .into_owned();
        if issuer != expected_issuer {
            return Err(DiscoveryProblem::IssuerMismatch {
                found: crate::error::truncated(&issuer, 256),
            });
        }
        let jwks_uri = jwks_uri
            .flatten()
            .ok_or(DiscoveryProblem::MissingJwksUri)?
            .into_owned();
        if !is_allowed_url(&jwks_uri, allow_loopback_http) {
            return Err(DiscoveryProblem::InsecureJwksUri {
                found: crate::error::truncated(&jwks_uri, 256),
            });
        }
        Ok(Self { issuer, jwks_uri })
    }
}

/// Returns `true` for an absolute `https` URL with a host and no user information, and, only
/// when `allow_loopback_http` is set, for plain `http` to `localhost`, `127.0.0.0/8` or `[::1]`.
///
/// URLs with a backslash, whitespace or control characters are rejected: WHATWG URL parsers,
/// which HTTP clients such as `reqwest` use, read `\` like `/` in `http` and `https` URLs, so
/// such a URL could hide user information or a different host.
pub fn is_allowed_url(url: &str, allow_loopback_http: bool) -> bool {
    if url.contains(|ch: char| ch == '\\' || ch.is_whitespace() || ch.is_control()) {
        return false;
    }
    let Some((scheme, rest)) = url.split_once("://") else {
        return false;
    };
    let authority = rest.split(['/', '?', '#']).next().unwrap_or_default();
    if authority.is_empty() || authority.contains('@') {
        return false;
    }
    if scheme.eq_ignore_ascii_case("https") {
        return true;
    }
    allow_loopback_http && scheme.eq_ignore_ascii_case("http") && is_loopback(authority)
}

fn is_loopback(authority: &str) -> bool {
    let host = if let Some(bracketed) = authority.strip_prefix('[') {
        match bracketed.split_once(']') {
            Some((host, port)) if port.is_empty() || port.starts_with(':') => host,
            _ => return false,
        }
    } else {
        authority.split(':').next().unwrap_or_default()
    };
    if host == "::1" || host.eq_ignore_ascii_case("localhost") {
        return true;
    }
    // Dotted-decimal only: each octet one to three ASCII digits, no sign, at most 255.
    let is_octet = |octet: &str| {
        (1..=3).contains(&octet.len())
            && octet.bytes().all(|b| b.is_ascii_digit())
            && octet.parse::<u8>().is_ok()
    };
    let mut octets = host.split('.');
    octets.next() == Some("127")
        && octets
            .by_ref()
            .take(3)
            .filter(|octet| is_octet(octet))
            .count()
            == 3
        && octets.next().is_none()
}

#[cfg(test)]
mod tests {
    use super::*;

    const ISSUER: &str = "https://issuer.example";

    #[test]
    fn accepts_matching_document() {
        let config = OpenIdConfiguration::from_json(
            br#"{"issuer":"https:\/\/issuer.example","jwks_uri":"https://issuer.example/keys","x":[1]}"#,
            ISSUER,
            false,
        )
        .expect("valid document");
        assert_eq!(config.jwks_uri, "https://issuer.example/keys");
    }

    #[test]
    fn rejects_issuer_mismatch_and_insecure_uri() {
        let check = |doc: &[u8]| OpenIdConfiguration::from_json(doc, ISSUER, false).unwrap_err();
        assert!(matches!(
            check(br#"{"issuer":"https://issuer.example/","jwks_uri":"https://a/k"}"#),
            DiscoveryProblem::IssuerMismatch { .. }
        ));
        assert!(matches!(
            check(br#"{"issuer":"https://issuer.example","jwks_uri":"http://a/k"}"#),
            DiscoveryProblem::InsecureJwksUri { .. }
        ));
        assert_eq!(
            check(br#"{"jwks_uri":"https://a/k"}"#),
            DiscoveryProblem::MissingIssuer
        );
        assert_eq!(
            check(br#"{"issuer":"https://issuer.example"}"#),
            DiscoveryProblem::MissingJwksUri
        );
        assert_eq!(
            check(br#"{"issuer":"https://issuer.example","issuer":"x","jwks_uri":"https://a"}"#),
            DiscoveryProblem::Json(JsonProblem::DuplicateName)
        );
        assert!(matches!(check(b"{"), DiscoveryProblem::Json(_)));
    }

    #[test]
    fn url_rules() {
        assert!(is_allowed_url("https://a.example/keys", false));
        assert!(!is_allowed_url("http://a.example/keys", false));
        assert!(!is_allowed_url("http://127.0.0.1:8080/keys", false));
        assert!(is_allowed_url("http://127.0.0.1:8080/keys", true));
        assert!(is_allowed_url("http://[::1]:8080/keys", true));
        assert!(is_allowed_url("http://localhost/keys", true));
        assert!(!is_allowed_url("http://127.0.0.1.example.com/keys", true));
        assert!(!is_allowed_url("http://10.0.0.1/keys", true));
        assert!(!is_allowed_url("https://user@a.example/keys", false));
        assert!(!is_allowed_url("https:///keys", false));
        assert!(!is_allowed_url("ftp://a.example/keys", true));
        assert!(!is_allowed_url("keys", true));
        assert!(!is_allowed_url("http://127.0.0.+1/keys", true));
        assert!(!is_allowed_url(
            r"https://\/user:pass@keys.example/jwks",
            false
        ));
        assert!(!is_allowed_url("https://keys.example/\tjwks", false));
    }
}

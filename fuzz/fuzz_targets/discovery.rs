//! OpenID configuration parsing: `acs_jwt::discovery::OpenIdConfiguration::from_json`, and
//! the key set URL rule `is_allowed_url` on the same bytes.
//!
//! Input: the first byte picks the expected issuer (low two bits) and whether plain HTTP to
//! loopback is allowed (top bit). The rest is the document.
//!
//! Invariants:
//! - an accepted document is at most `MAX_DISCOVERY_BYTES` long, a JSON object for
//!   `serde_json` with exactly one `issuer` and one `jwks_uri`, both strings, the issuer equal
//!   to the expected one and `jwks_uri` equal to the returned URL;
//! - an allowed URL is `https`, or plain `http` only when loopback was allowed; and where the
//!   `url` crate (which `reqwest` uses) can parse an allowed `http` URL, its host is loopback
//!   and it carries no user name or password.

#![no_main]

use acs_jwt::discovery::{OpenIdConfiguration, is_allowed_url};
use acs_jwt::limits::MAX_DISCOVERY_BYTES;
use acs_jwt_fuzz::{ISSUER, all_named, as_string, members};
use libfuzzer_sys::fuzz_target;

const ISSUERS: [&str; 4] = [
    ISSUER,
    "https://login.microsoftonline.com/9188040d-6c67-4c5b-b112-36a304b66dad/v2.0",
    "https://issuer.example",
    "http://127.0.0.1:8080",
];

fuzz_target!(|data: &[u8]| {
    let Some((&selector, document)) = data.split_first() else {
        return;
    };
    let expected_issuer = ISSUERS[usize::from(selector & 3)];
    let allow_loopback_http = selector & 0x80 != 0;

    if let Ok(text) = std::str::from_utf8(document) {
        check_url(text, allow_loopback_http);
    }

    let Ok(config) = OpenIdConfiguration::from_json(document, expected_issuer, allow_loopback_http)
    else {
        return;
    };
    assert!(document.len() <= MAX_DISCOVERY_BYTES);
    assert_eq!(config.issuer, expected_issuer);
    let found = members(document).expect("accepted document is a JSON object for serde_json");
    let issuer = all_named(&found, "issuer");
    assert_eq!(
        issuer.len(),
        1,
        "accepted a document without exactly one issuer"
    );
    assert_eq!(as_string(issuer[0]).as_deref(), Some(expected_issuer));
    let jwks_uri = all_named(&found, "jwks_uri");
    assert_eq!(
        jwks_uri.len(),
        1,
        "accepted a document without exactly one jwks_uri"
    );
    assert_eq!(
        as_string(jwks_uri[0]).as_deref(),
        Some(config.jwks_uri.as_str())
    );
    assert!(is_allowed_url(&config.jwks_uri, allow_loopback_http));
    check_url(&config.jwks_uri, allow_loopback_http);
});

fn check_url(text: &str, allow_loopback_http: bool) {
    if !is_allowed_url(text, allow_loopback_http) {
        return;
    }
    let scheme = text.split_once("://").expect("allowed URL has a scheme").0;
    let https = scheme.eq_ignore_ascii_case("https");
    assert!(https || (allow_loopback_http && scheme.eq_ignore_ascii_case("http")));
    let Ok(url) = url::Url::parse(text) else {
        return;
    };
    assert!(
        url.username().is_empty() && url.password().is_none(),
        "credentials in {text:?}"
    );
    if https {
        assert_eq!(url.scheme(), "https");
        return;
    }
    assert_eq!(url.scheme(), "http");
    let loopback = match url.host() {
        Some(url::Host::Ipv4(address)) => address.is_loopback(),
        Some(url::Host::Ipv6(address)) => address.is_loopback(),
        Some(url::Host::Domain(domain)) => domain == "localhost",
        None => false,
    };
    assert!(
        loopback,
        "plain HTTP allowed to a host that is not loopback: {text:?}"
    );
}

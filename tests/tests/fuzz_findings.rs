//! Regression tests for inputs found by the fuzz targets in `fuzz/`, one test per finding.
//!
//! `fuzz/README.md` lists every finding with its target.

use acs_jwt::discovery::{OpenIdConfiguration, is_allowed_url};

/// Finding 1 (target `discovery`): plain HTTP to a host that only looks like `127.0.0.0/8`.
///
/// `reqwest` parses URLs with the `url` crate, which reads `127.0.0.+80` as a domain name
/// (a `+` is not part of an IPv4 address), so the request would go to whatever that name
/// resolves to.
#[test]
fn loopback_rule_rejects_signed_octets() {
    for url in [
        "http://127.0.0.+80/keys",
        "http://127.+0.0.1/keys",
        "http://127.0.0.+1:8080/keys",
    ] {
        assert!(!is_allowed_url(url, true), "{url}");
    }
    let document = br#"{"issuer":"https://issuer.example","jwks_uri":"http://127.0.0.+80/keys"}"#;
    assert!(OpenIdConfiguration::from_json(document, "https://issuer.example", true).is_err());
}

/// Finding 2 (target `discovery`): user information hidden behind a backslash.
///
/// The `url` crate, like browsers, ends the authority of an `http` or `https` URL at `\` as
/// well as at `/`, so `https://\/user:pass@keys.example/jwks` has the host `keys.example`
/// and the user name `user`. `reqwest` sends such credentials as `Authorization: Basic`, which
/// the key fetcher contract forbids.
#[test]
fn user_information_after_a_backslash_is_rejected() {
    for url in [
        r"https://\/user:pass@keys.example/jwks",
        r"https://\\user@keys.example/jwks",
        r#"https://\/"iss"@-cal"#,
    ] {
        assert!(!is_allowed_url(url, false), "{url}");
    }
}

/// The forms of the findings that the core already handles, so a fix keeps them.
#[test]
fn related_urls_keep_their_verdicts() {
    assert!(is_allowed_url("http://127.0.0.1/keys", true));
    assert!(is_allowed_url("http://[::1]:8080/keys", true));
    assert!(is_allowed_url("https://keys.example/jwks", false));
    assert!(!is_allowed_url("https://user@keys.example/jwks", false));
    assert!(!is_allowed_url(
        r"https://keys.example\@evil.example/jwks",
        false
    ));
    assert!(!is_allowed_url("http://127.1/keys", true));
}

//! Settings, JSON verdicts and webhook responses on the host, with verifications produced by a
//! real `SnapshotVerifier` over an in-memory key endpoint.

use std::collections::HashMap;
use std::time::Duration;

use acs_jwt::UnixTime;
use acs_jwt::fetch::{FetchError, FetchErrorKind, FetchRequest, FetchResponse, KeyFetcher};
use acs_jwt_tests::{AUDIENCE, ISSUER, NOW, TestKey, jwks};
use acs_jwt_wasi::{Verification, block_on};
use acs_jwt_wasi_component_support::{
    Reply, Settings, SettingsError, now_override, settings_error_json, verification_json,
    webhook_reply,
};
use serde_json::{Value, json};

const KEYS_URL: &str = "http://127.0.0.1:8080/keys";

/// Serves one key set, or fails every request when `key_set` is `None`.
struct Endpoint {
    key_set: Option<Vec<u8>>,
}

impl KeyFetcher for &Endpoint {
    async fn fetch(&self, _request: FetchRequest) -> Result<FetchResponse, FetchError> {
        match &self.key_set {
            Some(body) => Ok(FetchResponse {
                status: 200,
                body: body.clone(),
                ..FetchResponse::default()
            }),
            None => Err(FetchError::new(FetchErrorKind::Connect)),
        }
    }
}

fn lookup(pairs: &[(&str, &str)]) -> impl Fn(&str) -> Option<String> {
    let map: HashMap<String, String> = pairs
        .iter()
        .map(|(name, value)| ((*name).to_owned(), (*value).to_owned()))
        .collect();
    move |name| map.get(name).cloned()
}

fn test_settings() -> Settings {
    Settings::from_lookup(lookup(&[
        ("ACS_JWT_AUDIENCE", AUDIENCE),
        ("ACS_JWT_JWKS_URL", KEYS_URL),
        ("ACS_JWT_INSECURE_ALLOW_LOOPBACK_HTTP", "1"),
    ]))
    .expect("valid settings")
}

fn token(key: &TestKey, audience: &str) -> String {
    let iat = NOW - 10;
    key.sign_claims(&json!({
        "iss": ISSUER, "aud": audience, "iat": iat, "nbf": iat, "exp": iat + 300,
    }))
}

fn verify(endpoint: &Endpoint, settings: &Settings, header: &str) -> Verification {
    block_on(
        settings
            .snapshot_verifier(endpoint)
            .verify(header, UnixTime::from_secs(NOW)),
    )
}

fn reply(endpoint: &Endpoint, authorization: &[&[u8]]) -> Reply {
    let values: Vec<Vec<u8>> = authorization.iter().map(|value| value.to_vec()).collect();
    webhook_reply(&Ok(test_settings()), &values, |settings, header| {
        verify(endpoint, settings, header)
    })
    .0
}

fn body(reply: &Reply) -> Value {
    serde_json::from_str(&reply.body).expect("the body is JSON")
}

#[test]
fn settings_have_documented_defaults() {
    let settings =
        Settings::from_lookup(lookup(&[("ACS_JWT_AUDIENCE", AUDIENCE)])).expect("valid settings");
    assert_eq!(
        settings.jwks_url,
        "https://acscallautomation.communication.azure.com/calling/keys"
    );
    assert_eq!(settings.fetch_timeout, Duration::from_secs(5));
    assert_eq!(settings.snapshot_path, None);
    assert!(!settings.allow_loopback_http);
    assert_eq!(settings.verifier.audiences(), [AUDIENCE]);
}

#[test]
fn settings_errors_name_the_variable() {
    let cases: [(&[(&str, &str)], SettingsError); 5] = [
        (&[], SettingsError::MissingAudience),
        (
            &[("ACS_JWT_AUDIENCE", "my-acs-resource")],
            SettingsError::InvalidAudience(String::from("my-acs-resource")),
        ),
        (
            &[
                ("ACS_JWT_AUDIENCE", AUDIENCE),
                ("ACS_JWT_JWKS_URL", KEYS_URL),
            ],
            SettingsError::InsecureJwksUrl(String::from(KEYS_URL)),
        ),
        (
            &[
                ("ACS_JWT_AUDIENCE", AUDIENCE),
                ("ACS_JWT_FETCH_TIMEOUT_MS", "0"),
            ],
            SettingsError::InvalidNumber {
                name: "ACS_JWT_FETCH_TIMEOUT_MS",
                value: String::from("0"),
            },
        ),
        (
            &[
                ("ACS_JWT_AUDIENCE", AUDIENCE),
                ("ACS_JWT_INSECURE_ALLOW_LOOPBACK_HTTP", "yes"),
            ],
            SettingsError::InvalidFlag {
                name: "ACS_JWT_INSECURE_ALLOW_LOOPBACK_HTTP",
                value: String::from("yes"),
            },
        ),
    ];
    for (pairs, expected) in cases {
        let err = Settings::from_lookup(lookup(pairs)).expect_err("invalid settings");
        assert_eq!(err, expected);
        let json: Value = serde_json::from_str(&settings_error_json(&err)).expect("JSON");
        assert_eq!(json["code"], "invalid_configuration");
    }
    assert_eq!(
        now_override(lookup(&[("ACS_JWT_NOW", "1767225600")])),
        Ok(Some(UnixTime::from_secs(1_767_225_600)))
    );
    assert!(now_override(lookup(&[("ACS_JWT_NOW", "yesterday")])).is_err());
    assert_eq!(now_override(lookup(&[])), Ok(None));
}

#[test]
fn verification_json_escapes_attacker_strings() {
    let a = TestKey::load("rsa2048-a");
    let endpoint = Endpoint {
        key_set: Some(jwks(&[a.jwk()])),
    };
    let settings = test_settings();
    let accepted: Value = serde_json::from_str(&verification_json(&verify(
        &endpoint,
        &settings,
        &token(&a, AUDIENCE),
    )))
    .expect("JSON");
    assert_eq!(accepted["verdict"], "accepted");
    assert_eq!(accepted["code"], Value::Null);
    assert_eq!(accepted["kid"], "rsa2048-a");
    assert_eq!(accepted["fetches"], 1);
    assert_eq!(accepted["restored"], "nothing");

    // The rejected audience, chosen by the token's sender, is echoed in the message.
    let hostile = "\"}\n\u{1}\\";
    let rejected_text = verification_json(&verify(&endpoint, &settings, &token(&a, hostile)));
    assert!(!rejected_text.contains('\n'), "one line: {rejected_text}");
    let rejected: Value = serde_json::from_str(&rejected_text).expect("JSON");
    assert_eq!(rejected["code"], "invalid_audience");
    assert_eq!(rejected["verdict"], "rejected");
}

#[test]
fn webhook_statuses_follow_the_verdict() {
    let a = TestKey::load("rsa2048-a");
    let up = Endpoint {
        key_set: Some(jwks(&[a.jwk()])),
    };
    let valid = format!("Bearer {}", token(&a, AUDIENCE));
    let wrong_audience = format!(
        "Bearer {}",
        token(&a, "0a0a0a0a-1b1b-2c2c-3d3d-4e4e4e4e4e4e")
    );

    let accepted = reply(&up, &[valid.as_bytes()]);
    assert_eq!(accepted.status, 200);
    assert_eq!(accepted.www_authenticate, None);
    assert_eq!(body(&accepted)["kid"], "rsa2048-a");

    let rejected = reply(&up, &[wrong_audience.as_bytes()]);
    assert_eq!(rejected.status, 401);
    assert_eq!(
        rejected.www_authenticate,
        Some("Bearer error=\"invalid_token\"")
    );
    assert_eq!(body(&rejected)["code"], "invalid_audience");

    let missing = reply(&up, &[]);
    assert_eq!(missing.status, 401);
    assert_eq!(missing.www_authenticate, Some("Bearer"));
    assert_eq!(body(&missing)["code"], "missing_authorization");

    for values in [
        vec![valid.as_bytes(), valid.as_bytes()],
        vec![&b"Bearer \xff"[..]],
    ] {
        let invalid = reply(&up, &values);
        assert_eq!(invalid.status, 401);
        assert_eq!(body(&invalid)["code"], "invalid_authorization_header");
    }

    let down = Endpoint { key_set: None };
    let unavailable = reply(&down, &[valid.as_bytes()]);
    assert_eq!(unavailable.status, 503);
    assert_eq!(unavailable.www_authenticate, None);
    assert_eq!(body(&unavailable)["code"], "key_set_unavailable");
}

#[test]
fn webhook_with_invalid_settings_answers_500() {
    let (answer, log) = webhook_reply(
        &Err(SettingsError::MissingAudience),
        &[b"Bearer x".to_vec()],
        |_, _| unreachable!("no verification without settings"),
    );
    assert_eq!(answer.status, 500);
    assert_eq!(body(&answer)["code"], "invalid_configuration");
    assert!(log.is_some_and(|line| line.contains("ACS_JWT_AUDIENCE")));
}

//! Remote verification end to end: `RemoteVerifier` + `ReqwestFetcher` against a real HTTP
//! server on 127.0.0.1 that counts its requests. The verification time is frozen and passed in.

mod common;

use std::sync::Arc;
use std::sync::atomic::Ordering;

use acs_jwt::cache::{CachePolicy, FetchFailure};
use acs_jwt::discovery::DiscoveryProblem;
use acs_jwt::fetch::FetchErrorKind;
use acs_jwt::{Error, KeySource, UnixTime};
use acs_jwt_tests::{AUDIENCE, ISSUER, NOW, TestKey, b64, jwks};
use common::{KeyServer, Mode, test_policy, verifier, verifier_for};
use serde_json::json;

fn key(name: &str) -> TestKey {
    TestKey::load(name)
}

fn at(offset: u64) -> UnixTime {
    UnixTime::from_secs(NOW + offset)
}

/// A webhook-style token from `key`, valid for 5 minutes from `NOW + offset - 10`.
fn token(key: &TestKey, offset: u64) -> String {
    let iat = NOW + offset - 10;
    key.sign_claims(&json!({
        "iss": ISSUER, "aud": AUDIENCE, "iat": iat, "nbf": iat, "exp": iat + 300,
    }))
}

/// A structurally valid token with a valid-looking claim set, an unknown `kid` and a random
/// signature: it reaches key selection, where the `kid` is not found.
fn unknown_kid_token(kid: &str, audience: &str, offset: u64) -> String {
    let iat = NOW + offset - 10;
    let header = json!({"alg": "RS256", "kid": kid});
    let claims = json!({"iss": ISSUER, "aud": audience, "iat": iat, "exp": iat + 300});
    format!(
        "{}.{}.{}",
        b64(header.to_string().as_bytes()),
        b64(claims.to_string().as_bytes()),
        b64(&[0x5a; 256])
    )
}

fn code(result: &Result<acs_jwt::VerifiedToken, Error>) -> &'static str {
    match result {
        Ok(_) => "valid",
        Err(err) => err.code(),
    }
}

#[tokio::test]
async fn first_verification_fetches_and_later_ones_use_the_cache() {
    let a = key("rsa2048-a");
    let server = KeyServer::start(jwks(&[a.jwk()])).await;
    let verifier = verifier(&server);
    let token = token(&a, 0);
    for offset in 0..5 {
        let result = verifier.verify_at(&token, at(offset)).await;
        assert_eq!(code(&result), "valid");
    }
    assert_eq!(server.key_requests(), 1);
    let header = format!("Bearer {token}");
    assert_eq!(code(&verifier.verify_at(&header, at(5)).await), "valid");
    assert_eq!(server.key_requests(), 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn concurrent_first_verifications_share_one_fetch() {
    let a = key("rsa2048-a");
    let server = KeyServer::start(jwks(&[a.jwk()])).await;
    // A slow first response, so that all callers arrive while it is running.
    let verifier = verifier(&server);
    let token = Arc::new(token(&a, 0));
    let mut tasks = Vec::new();
    for _ in 0..64 {
        let verifier = verifier.clone();
        let token = Arc::clone(&token);
        // Spawning proves that the verification future is `Send`.
        tasks.push(tokio::spawn(async move {
            code(&verifier.verify_at(&token, at(0)).await)
        }));
    }
    for task in tasks {
        assert_eq!(task.await.expect("task completes"), "valid");
    }
    assert_eq!(server.key_requests(), 1);
}

#[tokio::test]
async fn bare_remote_verifier_future_is_send() {
    let a = key("rsa2048-a");
    let server = KeyServer::start(jwks(&[a.jwk()])).await;
    let remote = Arc::new(common::remote(&server));
    let token = token(&a, 0);
    let task = tokio::spawn(async move { code(&remote.verify(&token, at(0)).await) });
    assert_eq!(task.await.expect("task completes"), "valid");
}

#[tokio::test]
async fn rotated_key_is_fetched_once_and_removed_key_stops_verifying() {
    let a = key("rsa2048-a");
    let b = key("rsa2048-b");
    let server = KeyServer::start(jwks(&[a.jwk()])).await;
    let verifier = verifier(&server);
    assert_eq!(
        code(&verifier.verify_at(&token(&a, 0), at(0)).await),
        "valid"
    );
    assert_eq!(server.key_requests(), 1);

    // The issuer rotates: it publishes b and stops publishing a.
    server.set_key_set(jwks(&[b.jwk()]));
    assert_eq!(
        code(&verifier.verify_at(&token(&b, 60), at(60)).await),
        "valid"
    );
    assert_eq!(
        server.key_requests(),
        2,
        "exactly one extra fetch for the new kid"
    );
    assert_eq!(
        code(&verifier.verify_at(&token(&b, 61), at(61)).await),
        "valid"
    );
    assert_eq!(server.key_requests(), 2);

    // The refresh replaced the whole set, so a is gone at once, and the unknown kid is
    // refused without a fetch during the cooldown.
    assert_eq!(
        code(&verifier.verify_at(&token(&a, 62), at(62)).await),
        "unknown_key"
    );
    assert_eq!(server.key_requests(), 2);
    // After the cooldown another refresh is allowed, and a is still unknown.
    assert_eq!(
        code(&verifier.verify_at(&token(&a, 100), at(100)).await),
        "unknown_key"
    );
    assert_eq!(server.key_requests(), 3);
}

#[tokio::test]
async fn expired_set_is_refreshed_and_removed_key_stops() {
    let a = key("rsa2048-a");
    let b = key("rsa2048-b");
    let server = KeyServer::start(jwks(&[a.jwk(), b.jwk()])).await;
    let verifier = verifier(&server);
    assert_eq!(
        code(&verifier.verify_at(&token(&a, 0), at(0)).await),
        "valid"
    );
    server.set_key_set(jwks(&[b.jwk()]));
    // Within the default lifetime of 1 hour the cached set is used.
    assert_eq!(
        code(&verifier.verify_at(&token(&a, 3000), at(3000)).await),
        "valid"
    );
    assert_eq!(server.key_requests(), 1);
    // Past it, the caller that notices verifies with the held set, then refreshes.
    assert_eq!(
        code(&verifier.verify_at(&token(&a, 3600), at(3600)).await),
        "valid"
    );
    assert_eq!(server.key_requests(), 2);
    assert_eq!(
        code(&verifier.verify_at(&token(&a, 3700), at(3700)).await),
        "unknown_key"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn unknown_kid_flood_fetches_once_per_cooldown() {
    let a = key("rsa2048-a");
    let server = KeyServer::start(jwks(&[a.jwk()])).await;
    let verifier = verifier(&server);
    assert_eq!(
        code(&verifier.verify_at(&token(&a, 0), at(0)).await),
        "valid"
    );
    assert_eq!(server.key_requests(), 1);

    // 10 000 tokens with random kids from 50 tasks, spread over three cooldown windows
    // (offsets 30..60, 60..90, 90..120).
    let mut tasks = Vec::new();
    for task in 0..50u64 {
        let verifier = verifier.clone();
        tasks.push(tokio::spawn(async move {
            let mut verdicts = Vec::new();
            for i in 0..200u64 {
                let offset = 30 + (task * 200 + i) % 90;
                let kid = format!(
                    "random-{task}-{i}-{:x}",
                    (task * 7919 + i * 104_729) % 65_521
                );
                let token = unknown_kid_token(&kid, AUDIENCE, offset);
                verdicts.push(code(&verifier.verify_at(&token, at(offset)).await));
            }
            verdicts
        }));
    }
    let mut total = 0;
    for task in tasks {
        for verdict in task.await.expect("task completes") {
            assert_eq!(verdict, "unknown_key");
            total += 1;
        }
    }
    assert_eq!(total, 10_000);
    let fetches = server.key_requests() - 1;
    assert!(
        (1..=3).contains(&fetches),
        "{fetches} fetches for three cooldown windows"
    );
    // A valid token with the known kid still verifies without another fetch.
    let before = server.key_requests();
    assert_eq!(
        code(&verifier.verify_at(&token(&a, 119), at(119)).await),
        "valid"
    );
    assert_eq!(server.key_requests(), before);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn tokens_failing_the_gate_never_cause_a_fetch() {
    let a = key("rsa2048-a");
    let server = KeyServer::start(jwks(&[a.jwk()])).await;
    let verifier = verifier(&server);
    assert_eq!(
        code(&verifier.verify_at(&token(&a, 0), at(0)).await),
        "valid"
    );

    let mut tasks = Vec::new();
    for task in 0..20u64 {
        let verifier = verifier.clone();
        tasks.push(tokio::spawn(async move {
            for i in 0..500u64 {
                let offset = 30 + i % 300;
                let kid = format!("flood-{task}-{i}");
                let wrong_audience = unknown_kid_token(&kid, "other-resource", offset);
                let result = verifier.verify_at(&wrong_audience, at(offset)).await;
                assert_eq!(code(&result), "unknown_key");
                // An expired token with an unknown kid fails the gate too.
                let expired = unknown_kid_token(&kid, AUDIENCE, offset);
                let result = verifier.verify_at(&expired, at(offset + 400)).await;
                assert_eq!(code(&result), "unknown_key");
            }
        }));
    }
    for task in tasks {
        task.await.expect("task completes");
    }
    assert_eq!(
        server.key_requests(),
        1,
        "no fetch for tokens rejected anyway"
    );
}

#[tokio::test]
async fn garbage_never_causes_a_fetch() {
    let server = KeyServer::start(jwks(&[key("rsa2048-a").jwk()])).await;
    let verifier = verifier(&server);
    for garbage in [
        "",
        "a.b",
        "a.b.c",
        "Bearer",
        "Basic abc",
        "....",
        "e30.e30.e30",
    ] {
        let result = verifier.verify_at(garbage, at(0)).await;
        assert_ne!(code(&result), "valid", "{garbage:?}");
    }
    assert_eq!(server.key_requests(), 0);
}

/// Verifies once to fill the cache, puts the server in `mode`, lets the set expire and checks
/// that the held keys keep verifying, that the failure is named, and that the set is refused
/// after the staleness limit.
async fn survives_refresh_failure(mode: Mode, expected: FetchFailure) {
    let a = key("rsa2048-a");
    let server = KeyServer::start(jwks(&[a.jwk()])).await;
    let verifier = verifier(&server);
    assert_eq!(
        code(&verifier.verify_at(&token(&a, 0), at(0)).await),
        "valid"
    );
    server.set_mode(mode.clone());

    // Past the 1-hour lifetime: verified with the held set; the refresh fails.
    let result = verifier.verify_at(&token(&a, 3600), at(3600)).await;
    assert_eq!(code(&result), "valid", "{mode:?}");
    assert_eq!(server.key_requests(), 2, "{mode:?}");
    let status = verifier.remote().status(at(3600));
    assert_eq!(status.last_error.as_ref(), Some(&expected), "{mode:?}");
    assert!(!status.fresh);
    assert!(status.usable);

    // A token signed by an unknown key is still refused.
    let b = key("rsa2048-b").with_kid("rsa2048-a");
    let forged = verifier.verify_at(&token(&b, 3700), at(3700)).await;
    assert_eq!(code(&forged), "invalid_signature", "{mode:?}");

    // Within the staleness limit (24 h past expiry) the held set still verifies.
    let late = 3600 + 86_399;
    assert_eq!(
        code(&verifier.verify_at(&token(&a, late), at(late)).await),
        "valid"
    );
    // Past it the verifier refuses to use the set.
    let too_late = 3600 + 86_400 + 60;
    let result = verifier.verify_at(&token(&a, too_late), at(too_late)).await;
    match result {
        Err(Error::KeySetUnavailable { cause }) => assert_eq!(cause, Some(expected)),
        other => panic!(
            "{mode:?}: expected key_set_unavailable, got {}",
            code(&other)
        ),
    }
}

#[tokio::test]
async fn refresh_failure_500_keeps_cached_keys() {
    survives_refresh_failure(Mode::Status(500), FetchFailure::Status(500)).await;
}

#[tokio::test]
async fn refresh_failure_timeout_keeps_cached_keys() {
    let timeout = FetchFailure::Fetch(acs_jwt::fetch::FetchError::new(FetchErrorKind::Timeout));
    survives_refresh_failure(Mode::Hang, timeout).await;
}

#[tokio::test]
async fn refresh_failure_oversized_body_keeps_cached_keys() {
    let too_large = FetchFailure::Fetch(acs_jwt::fetch::FetchError::new(
        FetchErrorKind::BodyTooLarge,
    ));
    survives_refresh_failure(Mode::Body(vec![b' '; 10 * 1024 * 1024]), too_large).await;
}

#[tokio::test]
async fn refresh_failure_invalid_json_keeps_cached_keys() {
    let failure =
        FetchFailure::InvalidKeySet(acs_jwt::KeySetProblem::Json(acs_jwt::JsonProblem::Syntax {
            offset: 1,
        }));
    survives_refresh_failure(Mode::Body(b"{not json".to_vec()), failure).await;
}

#[tokio::test]
async fn refresh_failure_redirect_is_not_followed() {
    survives_refresh_failure(Mode::Redirect, FetchFailure::Status(302)).await;
}

#[tokio::test]
async fn refresh_failure_only_unusable_keys_keeps_cached_keys() {
    let unusable = jwks(&[
        key("rsa1024").jwk(),
        json!({"kty": "EC", "crv": "P-256", "kid": "ec", "x": "AA", "y": "AA"}),
    ]);
    survives_refresh_failure(Mode::Body(unusable), FetchFailure::NoUsableKeys).await;
}

#[tokio::test]
async fn redirect_target_is_never_requested() {
    let a = key("rsa2048-a");
    let server = KeyServer::start(jwks(&[a.jwk()])).await;
    server.set_mode(Mode::Redirect);
    let verifier = verifier(&server);
    let result = verifier.verify_at(&token(&a, 0), at(0)).await;
    assert_eq!(code(&result), "key_set_unavailable");
    assert_eq!(server.state.redirected_requests.load(Ordering::SeqCst), 0);
}

#[tokio::test]
async fn connection_refused_on_cold_start() {
    // Bind and release a port so that nothing listens on it.
    let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind loopback");
    let addr = listener.local_addr().expect("address");
    drop(listener);
    let verifier = verifier_for(
        KeySource::JwksUrl(format!("http://{addr}/keys")),
        test_policy(),
    );
    let a = key("rsa2048-a");
    let result = verifier.verify_at(&token(&a, 0), at(0)).await;
    match result {
        Err(Error::KeySetUnavailable {
            cause: Some(FetchFailure::Fetch(err)),
        }) => assert_eq!(err.kind(), FetchErrorKind::Connect),
        other => panic!("expected a connection failure, got {}", code(&other)),
    }
    // During the cooldown the next caller fails at once without another attempt.
    let status = verifier.remote().status(at(1));
    assert!(status.cooling_down);
    assert_eq!(status.fetches, 1);
    let result = verifier.verify_at(&token(&a, 1), at(1)).await;
    assert_eq!(code(&result), "key_set_unavailable");
    assert_eq!(verifier.remote().status(at(1)).fetches, 1);
}

#[tokio::test]
async fn max_age_is_honoured_and_clamped() {
    let a = key("rsa2048-a");
    for (cache_control, ttl) in [
        ("max-age=600", 600),
        ("max-age=5", 300),
        ("max-age=900000", 86_400),
    ] {
        let server = KeyServer::start(jwks(&[a.jwk()])).await;
        server.set_cache_control(Some(cache_control));
        let verifier = verifier(&server);
        assert_eq!(
            code(&verifier.verify_at(&token(&a, 0), at(0)).await),
            "valid"
        );
        let status = verifier.remote().status(at(0));
        assert_eq!(status.expires_at, Some(at(ttl)), "{cache_control}");
    }
}

#[tokio::test]
async fn expires_header_is_used_without_max_age() {
    let a = key("rsa2048-a");
    let server = KeyServer::start(jwks(&[a.jwk()])).await;
    // NOW is 2026-01-01T00:00:00Z.
    server.set_expires(Some("Thu, 01 Jan 2026 02:00:00 GMT"));
    let verifier = verifier(&server);
    assert_eq!(
        code(&verifier.verify_at(&token(&a, 0), at(0)).await),
        "valid"
    );
    assert_eq!(verifier.remote().status(at(0)).expires_at, Some(at(7200)));
}

#[tokio::test]
async fn etag_revalidation_keeps_the_set() {
    let a = key("rsa2048-a");
    let server = KeyServer::start(jwks(&[a.jwk()])).await;
    server.set_etag(Some("\"v1\""));
    server.set_cache_control(Some("max-age=600"));
    let verifier = verifier(&server);
    assert_eq!(
        code(&verifier.verify_at(&token(&a, 0), at(0)).await),
        "valid"
    );
    assert_eq!(
        code(&verifier.verify_at(&token(&a, 600), at(600)).await),
        "valid"
    );
    assert_eq!(server.key_requests(), 2);
    assert_eq!(server.state.not_modified.load(Ordering::SeqCst), 1);
    let status = verifier.remote().status(at(600));
    assert!(status.fresh);
    assert_eq!(status.expires_at, Some(at(1200)));
    assert_eq!(status.key_count, 1);
}

#[tokio::test]
async fn discovery_finds_the_key_set() {
    let a = key("rsa2048-a");
    let server = KeyServer::start(jwks(&[a.jwk()])).await;
    let verifier = verifier_for(
        KeySource::OpenIdConfiguration(server.url("/.well-known/openid-configuration")),
        test_policy(),
    );
    assert_eq!(
        code(&verifier.verify_at(&token(&a, 0), at(0)).await),
        "valid"
    );
    assert_eq!(server.state.discovery_requests.load(Ordering::SeqCst), 1);
    assert_eq!(server.key_requests(), 1);
    // Later refreshes reuse the discovered URL.
    let b = key("rsa2048-b");
    server.set_key_set(jwks(&[a.jwk(), b.jwk()]));
    assert_eq!(
        code(&verifier.verify_at(&token(&b, 60), at(60)).await),
        "valid"
    );
    assert_eq!(server.state.discovery_requests.load(Ordering::SeqCst), 1);
    assert_eq!(server.key_requests(), 2);
}

async fn discovery_failure(configure: impl FnOnce(&KeyServer)) -> Option<FetchFailure> {
    let a = key("rsa2048-a");
    let server = KeyServer::start(jwks(&[a.jwk()])).await;
    configure(&server);
    let verifier = verifier_for(
        KeySource::OpenIdConfiguration(server.url("/.well-known/openid-configuration")),
        test_policy(),
    );
    let result = verifier.verify_at(&token(&a, 0), at(0)).await;
    assert_eq!(
        server.key_requests(),
        0,
        "no key set fetch after a failed discovery"
    );
    match result {
        Err(Error::KeySetUnavailable { cause }) => cause,
        other => panic!("expected key_set_unavailable, got {}", code(&other)),
    }
}

#[tokio::test]
async fn discovery_rejects_issuer_mismatch() {
    let cause = discovery_failure(|server| {
        server.set_discovery(&format!("{ISSUER}/"), &server.url("/keys"));
    })
    .await;
    assert!(matches!(
        cause,
        Some(FetchFailure::Discovery(
            DiscoveryProblem::IssuerMismatch { .. }
        ))
    ));
}

#[tokio::test]
async fn discovery_rejects_plain_http_key_set_url() {
    let cause = discovery_failure(|server| {
        server.set_discovery(ISSUER, "http://keys.example/keys");
    })
    .await;
    assert!(matches!(
        cause,
        Some(FetchFailure::Discovery(
            DiscoveryProblem::InsecureJwksUri { .. }
        ))
    ));
}

#[tokio::test]
async fn discovery_rejects_invalid_and_oversized_documents() {
    let cause = discovery_failure(|server| {
        server.set_discovery_document(b"<html>".to_vec());
    })
    .await;
    assert!(matches!(
        cause,
        Some(FetchFailure::Discovery(DiscoveryProblem::Json(_)))
    ));
    let cause = discovery_failure(|server| {
        let mut document = format!(
            r#"{{"issuer":"{ISSUER}","jwks_uri":"{}","pad":""#,
            server.url("/keys")
        );
        document.push_str(&"x".repeat(100 * 1024));
        document.push_str("\"}");
        server.set_discovery_document(document.into_bytes());
    })
    .await;
    assert!(matches!(
        cause,
        Some(FetchFailure::Fetch(err)) if err.kind() == FetchErrorKind::BodyTooLarge
    ));
}

#[tokio::test]
async fn plain_http_is_refused_without_the_test_option() {
    let a = key("rsa2048-a");
    let server = KeyServer::start(jwks(&[a.jwk()])).await;
    let verifier = acs_jwt_reqwest::AcsVerifier::with_verifier(
        acs_jwt::acs::verifier(AUDIENCE).expect("valid"),
        KeySource::JwksUrl(server.url("/keys")),
        CachePolicy::default(),
        acs_jwt_reqwest::ReqwestFetcher::new().expect("client"),
    );
    let result = verifier.verify_at(&token(&a, 0), at(0)).await;
    match result {
        Err(Error::KeySetUnavailable {
            cause: Some(FetchFailure::Fetch(err)),
        }) => assert_eq!(err.kind(), FetchErrorKind::InsecureUrl),
        other => panic!("expected an insecure-URL failure, got {}", code(&other)),
    }
    assert_eq!(server.key_requests(), 0);
}

#[tokio::test]
async fn snapshot_lets_a_new_instance_start_without_a_fetch() {
    let a = key("rsa2048-a");
    let server = KeyServer::start(jwks(&[a.jwk()])).await;
    let first = verifier(&server);
    assert_eq!(code(&first.verify_at(&token(&a, 0), at(0)).await), "valid");
    let bytes = first
        .remote()
        .export_snapshot()
        .expect("a set is held")
        .to_bytes();

    let second = verifier(&server);
    let snapshot = acs_jwt::Snapshot::from_bytes(&bytes).expect("snapshot parses");
    assert!(second.remote().import_snapshot(&snapshot));
    assert_eq!(
        code(&second.verify_at(&token(&a, 10), at(10)).await),
        "valid"
    );
    assert_eq!(server.key_requests(), 1);
}

#[test]
fn blocking_verifier_works_without_a_runtime() {
    let a = key("rsa2048-a");
    let runtime = tokio::runtime::Runtime::new().expect("runtime");
    let server = runtime.block_on(KeyServer::start(jwks(&[a.jwk()])));
    let blocking = acs_jwt_reqwest::BlockingAcsVerifier::new(verifier(&server)).expect("runtime");
    let result = blocking.verify_at(&format!("Bearer {}", token(&a, 0)), at(0));
    assert_eq!(code(&result), "valid");
    assert_eq!(server.key_requests(), 1);
}

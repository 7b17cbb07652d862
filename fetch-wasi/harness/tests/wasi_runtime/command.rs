//! The command component (`wasi:cli/run`): tokens on standard input, JSON verdicts on standard
//! output, keys fetched through `wasi:http` from a key server on 127.0.0.1.

use std::time::{Duration, Instant};

use acs_jwt_tests::{AUDIENCE, NOW, jwks};
use acs_jwt_wasi_harness::command::run_command;
use acs_jwt_wasi_harness::host::LoopbackPolicy;
use acs_jwt_wasi_harness::key_server::{KeyServer, Mode};
use serde_json::Value;

use crate::common::{
    TempDir, closed_port, code, key, set_env, setup, setup_with_policy, tampered, token,
    with_snapshot_dir,
};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn valid_token_is_accepted_with_one_fetch() {
    let a = key("rsa2048-a");
    let server = KeyServer::start(jwks(&[a.jwk()])).await;
    let run = run_command(&setup(&server, 0), &token(&a, 0)).await;

    let verdict = run.verdict();
    assert_eq!(code(&verdict), "valid", "{verdict}\n{}", run.stderr);
    assert_eq!(verdict["kid"], "rsa2048-a");
    assert_eq!(verdict["fetches"], 1);
    assert_eq!(run.exit_code, 0);
    assert_eq!(server.key_requests(), 1);
    assert_eq!(run.requests.sent, [server.keys_url()]);
    assert!(run.requests.denied.is_empty());

    let seen = &server.seen()[0];
    assert_eq!(seen.method, "GET");
    assert_eq!(
        seen.accept.as_deref(),
        Some("application/jwk-set+json, application/json")
    );
    assert!(
        seen.user_agent
            .as_deref()
            .is_some_and(|agent| agent.starts_with("acs-jwt-wasi/")),
        "{seen:?}"
    );
    assert_eq!(seen.if_none_match, None);
    assert!(!seen.carried_credentials);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn authorization_header_value_is_accepted() {
    let a = key("rsa2048-a");
    let server = KeyServer::start(jwks(&[a.jwk()])).await;
    let header = format!("Bearer {}", token(&a, 0));
    let run = run_command(&setup(&server, 0), &header).await;
    assert_eq!(code(&run.verdict()), "valid");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn rejected_tokens_have_their_codes() {
    let a = key("rsa2048-a");
    let server = KeyServer::start(jwks(&[a.jwk()])).await;
    let unknown = key("rsa2048-b").with_kid("not-published");
    let wrong_audience = a.sign_claims(&crate::common::claims(
        "0a0a0a0a-1b1b-2c2c-3d3d-4e4e4e4e4e4e",
        NOW,
    ));
    let cases = [
        ("expired", token(&a, 0), 1000),
        ("invalid_audience", wrong_audience, 0),
        ("invalid_signature", tampered(&token(&a, 0)), 0),
        ("unknown_key", token(&unknown, 0), 0),
        ("malformed_token", String::from("not.a.token"), 0),
    ];
    for (expected, token, offset) in cases {
        let run = run_command(&setup(&server, offset), &token).await;
        let verdict = run.verdict();
        assert_eq!(code(&verdict), expected, "{verdict}");
        assert_eq!(verdict["verdict"], "rejected");
        assert!(verdict["message"].as_str().is_some_and(|m| !m.is_empty()));
        assert_eq!(run.exit_code, 1, "{expected}");
    }
    // Each run is a cold instance without a store: one fetch each, except for the malformed
    // token, which is rejected before any fetch.
    assert_eq!(server.key_requests(), 4);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn independent_fixtures_match_their_expectations() {
    let fixtures: Vec<Value> =
        serde_json::from_slice(&acs_jwt_tests::data("tokens/independent.json"))
            .expect("the fixture file is JSON");
    let mut checked = 0;
    for jwks_file in ["jwks/acs.json", "jwks/all.json"] {
        let cases: Vec<&Value> = fixtures
            .iter()
            .filter(|fixture| fixture["jwks"] == jwks_file)
            .collect();
        for fixture in &cases {
            assert_eq!(fixture["audience"][0], AUDIENCE, "{}", fixture["name"]);
            assert_eq!(fixture["now"], NOW, "{}", fixture["name"]);
            assert_eq!(fixture["leeway"], 60, "{}", fixture["name"]);
        }
        let server = KeyServer::start(acs_jwt_tests::data(jwks_file)).await;
        let stdin: String = cases
            .iter()
            .map(|fixture| format!("{}\n", fixture["token"].as_str().expect("token")))
            .collect();
        let run = run_command(&setup(&server, 0), &stdin).await;
        let verdicts = run.verdicts();
        assert_eq!(verdicts.len(), cases.len(), "stderr:\n{}", run.stderr);
        for (fixture, verdict) in cases.iter().zip(&verdicts) {
            assert_eq!(
                code(verdict),
                fixture["expect"].as_str().expect("expect"),
                "{}: {verdict}",
                fixture["name"]
            );
            checked += 1;
        }
        // One instance: the first token fetched the set, every other one used it.
        assert_eq!(server.key_requests(), 1, "{jwks_file}");
    }
    assert_eq!(checked, fixtures.len(), "every fixture ran");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn rotated_key_is_fetched_once() {
    let a = key("rsa2048-a");
    let b = key("rsa2048-b");
    let server = KeyServer::start(jwks(&[a.jwk()])).await;
    let dir = TempDir::new("rotation");

    let first = run_command(&with_snapshot_dir(setup(&server, 0), &dir), &token(&a, 0)).await;
    assert_eq!(code(&first.verdict()), "valid");

    server.set_key_set(jwks(&[b.jwk()]));
    let rotated = run_command(&with_snapshot_dir(setup(&server, 60), &dir), &token(&b, 60)).await;
    let verdict = rotated.verdict();
    assert_eq!(code(&verdict), "valid", "{verdict}");
    assert_eq!(verdict["fetches"], 1);
    assert_eq!(
        server.key_requests(),
        2,
        "exactly one fetch for the new kid"
    );

    for offset in [61, 62, 63] {
        let later = run_command(
            &with_snapshot_dir(setup(&server, offset), &dir),
            &token(&b, offset),
        )
        .await;
        assert_eq!(code(&later.verdict()), "valid");
    }
    // The refresh replaced the whole set: a token of the removed key is refused, without a
    // fetch during the cooldown.
    let removed = run_command(&with_snapshot_dir(setup(&server, 64), &dir), &token(&a, 64)).await;
    assert_eq!(code(&removed.verdict()), "unknown_key");
    assert_eq!(server.key_requests(), 2);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn key_server_down_is_key_set_unavailable() {
    let closed = closed_port();
    let setup = setup_with_policy(
        format!("http://{closed}/keys"),
        LoopbackPolicy::allowing([closed]),
        0,
    );
    let run = run_command(&setup, &token(&key("rsa2048-a"), 0)).await;
    let verdict = run.verdict();
    assert_eq!(code(&verdict), "key_set_unavailable", "{verdict}");
    let message = verdict["message"].as_str().expect("message");
    assert!(message.contains("connection failed"), "{message}");
    assert_eq!(run.requests.sent.len(), 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn server_error_is_key_set_unavailable() {
    let server = KeyServer::start(Vec::new()).await;
    server.set_mode(Mode::Status(500));
    let run = run_command(&setup(&server, 0), &token(&key("rsa2048-a"), 0)).await;
    let verdict = run.verdict();
    assert_eq!(code(&verdict), "key_set_unavailable");
    let message = verdict["message"].as_str().expect("message");
    assert!(message.contains("unexpected HTTP status 500"), "{message}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn body_over_the_cap_is_rejected() {
    // 10 MiB against the 256 KiB cap: once announced in Content-Length, once chunked
    // without it, so that the cap is also enforced while the stream is read.
    for mode in [
        Mode::LargeBody(10 * 1024 * 1024),
        Mode::LargeChunkedBody(10 * 1024 * 1024),
    ] {
        let server = KeyServer::start(Vec::new()).await;
        server.set_mode(mode.clone());
        let run = run_command(&setup(&server, 0), &token(&key("rsa2048-a"), 0)).await;
        let verdict = run.verdict();
        assert_eq!(code(&verdict), "key_set_unavailable", "{mode:?}");
        let message = verdict["message"].as_str().expect("message");
        assert!(message.contains("body too large"), "{mode:?}: {message}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn hanging_server_times_out_at_the_deadline() {
    let server = KeyServer::start(Vec::new()).await;
    server.set_mode(Mode::Hang);
    let mut setup = setup(&server, 0);
    set_env(&mut setup, "ACS_JWT_FETCH_TIMEOUT_MS", "500");
    let started = Instant::now();
    let run = run_command(&setup, &token(&key("rsa2048-a"), 0)).await;
    let elapsed = started.elapsed();
    let verdict = run.verdict();
    assert_eq!(code(&verdict), "key_set_unavailable");
    let message = verdict["message"].as_str().expect("message");
    assert!(message.contains("timed out"), "{message}");
    assert!(
        elapsed < Duration::from_secs(5),
        "took {elapsed:?} for a 500 ms deadline"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn redirect_is_not_followed() {
    let server = KeyServer::start(jwks(&[key("rsa2048-a").jwk()])).await;
    server.set_mode(Mode::Redirect);
    let run = run_command(&setup(&server, 0), &token(&key("rsa2048-a"), 0)).await;
    let verdict = run.verdict();
    assert_eq!(code(&verdict), "key_set_unavailable");
    let message = verdict["message"].as_str().expect("message");
    assert!(message.contains("unexpected HTTP status 302"), "{message}");
    assert_eq!(server.moved_requests(), 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn requests_outside_the_policy_are_refused() {
    let allowed = KeyServer::start(jwks(&[key("rsa2048-a").jwk()])).await;
    let other = KeyServer::start(jwks(&[key("rsa2048-a").jwk()])).await;
    // A loopback server the policy does not list, and a name that is never looked up.
    for url in [
        other.keys_url(),
        String::from("https://keys.example.invalid/keys"),
    ] {
        let setup = setup_with_policy(url.clone(), LoopbackPolicy::allowing([allowed.addr()]), 0);
        let run = run_command(&setup, &token(&key("rsa2048-a"), 0)).await;
        let verdict = run.verdict();
        assert_eq!(code(&verdict), "key_set_unavailable", "{url}");
        let message = verdict["message"].as_str().expect("message");
        assert!(message.contains("HttpRequestDenied"), "{url}: {message}");
        assert!(run.requests.sent.is_empty(), "{url}");
        assert_eq!(run.requests.denied.len(), 1, "{url}");
    }
    assert_eq!(other.key_requests(), 0);
    assert_eq!(allowed.key_requests(), 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn snapshot_makes_later_cold_starts_free() {
    let a = key("rsa2048-a");
    let server = KeyServer::start(jwks(&[a.jwk()])).await;
    let dir = TempDir::new("snapshot");

    let first = run_command(&with_snapshot_dir(setup(&server, 0), &dir), &token(&a, 0)).await;
    let verdict = first.verdict();
    assert_eq!(code(&verdict), "valid", "{verdict}");
    assert_eq!(verdict["restored"], "nothing");
    assert_eq!(verdict["fetches"], 1);
    assert_eq!(verdict["saved"], true);
    assert!(dir.path.join("acs-jwt-keys").is_file());

    for offset in 1..6 {
        let run = run_command(
            &with_snapshot_dir(setup(&server, offset), &dir),
            &token(&a, offset),
        )
        .await;
        let verdict = run.verdict();
        assert_eq!(code(&verdict), "valid", "{verdict}");
        assert_eq!(verdict["restored"], "key_set");
        assert_eq!(verdict["fetches"], 0);
        assert!(run.requests.sent.is_empty());
    }
    assert_eq!(server.key_requests(), 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn stale_snapshot_is_revalidated_with_its_etag() {
    let a = key("rsa2048-a");
    let server = KeyServer::start(jwks(&[a.jwk()])).await;
    server.set_etag(Some("\"v1\""));
    let dir = TempDir::new("etag");
    run_command(&with_snapshot_dir(setup(&server, 0), &dir), &token(&a, 0)).await;

    // Past the default lifetime of one hour.
    let run = run_command(
        &with_snapshot_dir(setup(&server, 3600), &dir),
        &token(&a, 3600),
    )
    .await;
    let verdict = run.verdict();
    assert_eq!(code(&verdict), "valid", "{verdict}");
    assert_eq!(verdict["fetches"], 1);
    let seen = server.seen();
    assert_eq!(seen.len(), 2);
    assert_eq!(seen[1].if_none_match.as_deref(), Some("\"v1\""));

    let renewed = run_command(
        &with_snapshot_dir(setup(&server, 3700), &dir),
        &token(&a, 3700),
    )
    .await;
    assert_eq!(
        renewed.verdict()["fetches"],
        0,
        "the 304 renewed the stored set"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn unknown_kid_flood_fetches_once_per_cooldown() {
    let a = key("rsa2048-a");
    let server = KeyServer::start(jwks(&[a.jwk()])).await;
    let dir = TempDir::new("flood");
    run_command(&with_snapshot_dir(setup(&server, 0), &dir), &token(&a, 0)).await;

    // 12 instances between 30 s and 59 s, one cooldown window: at most one more fetch.
    let unknown = key("rsa2048-b").with_kid("not-published");
    for offset in (30..60).step_by(3) {
        let run = run_command(
            &with_snapshot_dir(setup(&server, offset), &dir),
            &token(&unknown, offset),
        )
        .await;
        assert_eq!(code(&run.verdict()), "unknown_key");
    }
    assert_eq!(server.key_requests(), 2);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn clock_comes_from_the_host() {
    let a = key("rsa2048-a");
    let server = KeyServer::start(jwks(&[a.jwk()])).await;
    let valid = run_command(&setup(&server, 0), &token(&a, 0)).await;
    assert_eq!(code(&valid.verdict()), "valid");
    // The same token, with the host clock 1000 s later.
    let late = run_command(&setup(&server, 1000), &token(&a, 0)).await;
    assert_eq!(code(&late.verdict()), "expired");
    // `ACS_JWT_NOW` takes precedence over the wall clock.
    let mut replay = setup(&server, 1000);
    set_env(&mut replay, "ACS_JWT_NOW", &NOW.to_string());
    let replayed = run_command(&replay, &token(&a, 0)).await;
    assert_eq!(code(&replayed.verdict()), "valid");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn invalid_settings_are_reported_without_fetching() {
    let server = KeyServer::start(jwks(&[key("rsa2048-a").jwk()])).await;
    let mut missing = setup(&server, 0);
    missing.env.retain(|(name, _)| name != "ACS_JWT_AUDIENCE");
    let mut not_a_guid = setup(&server, 0);
    set_env(&mut not_a_guid, "ACS_JWT_AUDIENCE", "my-acs-resource");
    let mut plain_http = setup(&server, 0);
    set_env(&mut plain_http, "ACS_JWT_INSECURE_ALLOW_LOOPBACK_HTTP", "0");

    for (setup, mentions) in [
        (missing, "ACS_JWT_AUDIENCE is not set"),
        (not_a_guid, "is not a GUID"),
        (plain_http, "is not an https URL"),
    ] {
        let run = run_command(&setup, &token(&key("rsa2048-a"), 0)).await;
        let verdict = run.verdict();
        assert_eq!(verdict["verdict"], "error");
        assert_eq!(verdict["code"], "invalid_configuration");
        let message = verdict["message"].as_str().expect("message");
        assert!(message.contains(mentions), "{message}");
        assert_eq!(run.exit_code, 1, "wasi:cli/exit reports 2 as failure");
    }
    assert_eq!(server.key_requests(), 0);
}

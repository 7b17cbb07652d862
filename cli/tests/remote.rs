//! End-to-end tests of `--jwks-url` and `--openid-config` against a key server on 127.0.0.1.

mod common;

use serde_json::Value;

use common::{
    ACS_KID_A, ACS_KID_B, AUDIENCE, CONFIGURATION_PATH, KEYS_PATH, KeyServer, NOW, case_token,
    closed_port_url, exit_code, json_stdout, message, run, stderr, stdout,
};

const INSECURE: &str = "--insecure-allow-loopback-http";

/// Arguments of `verify` at the fixture time, with `source` and its URL.
fn verify_args<'a>(source: &'a str, url: &'a str) -> Vec<&'a str> {
    vec![
        "verify",
        source,
        url,
        INSECURE,
        "--audience",
        AUDIENCE,
        "--now",
        NOW,
    ]
}

#[test]
fn jwks_url_accepts_with_one_fetch() {
    let server = KeyServer::start();
    let url = server.url(KEYS_PATH);
    let token = case_token("acs_key_a_valid");
    let mut args = verify_args("--jwks-url", &url);
    args.extend(["--json", &token]);
    let output = run(&args);

    assert_eq!(exit_code(&output), 0, "{}", stderr(&output));
    let result = json_stdout(&output);
    assert_eq!(result["valid"], true);
    assert_eq!(result["kid"], ACS_KID_A);
    assert_eq!(server.key_requests(), 1);
    assert_eq!(server.configuration_requests(), 0);
}

#[test]
fn jwks_url_human_summary() {
    let server = KeyServer::start();
    let url = server.url(KEYS_PATH);
    let token = case_token("acs_key_b_valid");
    let mut args = verify_args("--jwks-url", &url);
    args.push(&token);
    let output = run(&args);

    assert_eq!(exit_code(&output), 0, "{}", stderr(&output));
    let text = stdout(&output);
    assert!(text.starts_with("valid: signed by key"), "{text}");
    assert!(text.contains(ACS_KID_B), "{text}");
    assert!(text.contains("2048-bit RSA"), "{text}");
    assert!(
        stderr(&output).contains("warning: --insecure-allow-loopback-http"),
        "{}",
        stderr(&output)
    );
}

#[test]
fn jwks_url_unknown_kid_fetches_once() {
    let server = KeyServer::start();
    let url = server.url(KEYS_PATH);
    let token = case_token("unknown_kid");
    let mut args = verify_args("--jwks-url", &url);
    args.push(&token);
    let output = run(&args);

    assert_eq!(exit_code(&output), 1);
    let text = stderr(&output);
    assert!(text.contains("invalid token (unknown_key)"), "{text}");
    assert!(text.contains(&format!("usable kids in {url}")), "{text}");
    assert!(text.contains(ACS_KID_A), "{text}");
    // The refresh for the unknown kid falls within the cooldown of the first fetch.
    assert_eq!(server.key_requests(), 1);
}

/// Every case of `tokens/independent.json` for `jwks/acs.json` gets the same verdict through
/// `--jwks-url` as the fixture expects.
#[test]
fn independent_cases_via_jwks_url() {
    let server = KeyServer::start();
    let url = server.url(KEYS_PATH);
    let document: Value = serde_json::from_slice(&common::read_data("tokens/independent.json"))
        .expect("tokens/independent.json is JSON");
    let cases: Vec<&Value> = document
        .as_array()
        .expect("tokens/independent.json is an array")
        .iter()
        .filter(|case| case["jwks"] == "jwks/acs.json")
        .collect();
    assert!(
        cases.len() >= 20,
        "only {} cases use jwks/acs.json",
        cases.len()
    );

    for case in cases {
        let name = case["name"].as_str().expect("case has a name");
        let expect = case["expect"].as_str().expect("case has an expectation");
        let token = case["token"].as_str().expect("case has a token");
        let mut args = verify_args("--jwks-url", &url);
        args.extend(["--json", token]);
        let output = run(&args);

        let result = json_stdout(&output);
        if expect == "valid" {
            assert_eq!(exit_code(&output), 0, "{name}: {result}");
            assert_eq!(result["valid"], true, "{name}: {result}");
        } else {
            assert_eq!(exit_code(&output), 1, "{name}: {result}");
            assert_eq!(result["code"], expect, "{name}: {result}");
        }
    }
}

#[test]
fn malformed_token_sends_no_request() {
    let server = KeyServer::start();
    let url = server.url(KEYS_PATH);
    let token = case_token("two_segments");
    let mut args = verify_args("--jwks-url", &url);
    args.extend(["--json", &token]);
    let output = run(&args);

    assert_eq!(exit_code(&output), 1);
    assert_eq!(json_stdout(&output)["code"], "malformed_token");
    assert_eq!(server.key_requests(), 0);
}

#[test]
fn http_without_flag_is_config_error() {
    let server = KeyServer::start();
    let url = server.url(KEYS_PATH);
    let token = case_token("acs_key_a_valid");
    let output = run(&[
        "verify",
        "--jwks-url",
        &url,
        "--audience",
        AUDIENCE,
        "--now",
        NOW,
        "--json",
        &token,
    ]);

    assert_eq!(exit_code(&output), 2);
    let result = json_stdout(&output);
    assert_eq!(result["code"], "config_error");
    assert!(message(&result).contains("is not https"), "{result}");
    assert!(stderr(&output).contains(INSECURE), "{}", stderr(&output));
    assert_eq!(server.key_requests(), 0);
}

#[test]
fn openid_config_http_without_flag_is_config_error() {
    let server = KeyServer::start();
    let url = server.url(CONFIGURATION_PATH);
    let output = run(&["keys", "--openid-config", &url]);

    assert_eq!(exit_code(&output), 2);
    assert!(
        stderr(&output).contains("is not https"),
        "{}",
        stderr(&output)
    );
    assert_eq!(server.configuration_requests(), 0);
}

#[test]
fn openid_config_discovers_key_set() {
    let server = KeyServer::start();
    let url = server.url(CONFIGURATION_PATH);
    let token = case_token("acs_key_a_valid");
    let mut args = verify_args("--openid-config", &url);
    args.extend(["--json", &token]);
    let output = run(&args);

    assert_eq!(exit_code(&output), 0, "{}", stderr(&output));
    assert_eq!(json_stdout(&output)["kid"], ACS_KID_A);
    assert_eq!(server.configuration_requests(), 1);
    assert_eq!(server.key_requests(), 1);
}

#[test]
fn openid_config_issuer_mismatch_unavailable() {
    let server = KeyServer::start();
    server.set_configuration("https://issuer.example", &server.url(KEYS_PATH));
    let url = server.url(CONFIGURATION_PATH);
    let token = case_token("acs_key_a_valid");
    let mut args = verify_args("--openid-config", &url);
    args.push(&token);
    let output = run(&args);

    assert_eq!(exit_code(&output), 1);
    let text = stderr(&output);
    assert!(text.contains("error (key_set_unavailable)"), "{text}");
    assert!(text.contains("\"https://issuer.example\""), "{text}");
    assert!(text.contains("pass --issuer"), "{text}");
    assert_eq!(server.key_requests(), 0);
}

#[test]
fn key_server_500_is_unavailable() {
    let server = KeyServer::start();
    server.fail_with(500);
    let url = server.url(KEYS_PATH);
    let token = case_token("acs_key_a_valid");
    let mut args = verify_args("--jwks-url", &url);
    args.extend(["--json", &token]);
    let output = run(&args);

    assert_eq!(exit_code(&output), 1);
    let result = json_stdout(&output);
    assert_eq!(result["valid"], false);
    assert_eq!(result["code"], "key_set_unavailable");
    assert!(message(&result).contains("HTTP status 500"), "{result}");
    assert_eq!(server.key_requests(), 1);
}

#[test]
fn key_server_500_text_names_source() {
    let server = KeyServer::start();
    server.fail_with(500);
    let url = server.url(KEYS_PATH);
    let token = case_token("acs_key_a_valid");
    let mut args = verify_args("--jwks-url", &url);
    args.push(&token);
    let output = run(&args);

    assert_eq!(exit_code(&output), 1);
    let text = stderr(&output);
    assert!(
        text.contains("error (key_set_unavailable): no usable key set: unexpected HTTP status 500"),
        "{text}"
    );
    assert!(
        text.contains(&format!("key source: the key set at {url}")),
        "{text}"
    );
    assert!(stdout(&output).is_empty(), "{}", stdout(&output));
}

#[test]
fn refused_connection_is_unavailable() {
    let url = closed_port_url(KEYS_PATH);
    let token = case_token("acs_key_a_valid");
    let mut args = verify_args("--jwks-url", &url);
    args.extend(["--json", &token]);
    let output = run(&args);

    assert_eq!(exit_code(&output), 1);
    let result = json_stdout(&output);
    assert_eq!(result["code"], "key_set_unavailable");
    assert!(message(&result).contains("connection failed"), "{result}");
}

#[test]
fn signature_only_jwks_url() {
    let server = KeyServer::start();
    let url = server.url(KEYS_PATH);
    let token = case_token("expired_beyond_leeway");
    let output = run(&[
        "verify",
        "--jwks-url",
        &url,
        INSECURE,
        "--signature-only",
        &token,
    ]);

    assert_eq!(exit_code(&output), 0, "{}", stderr(&output));
    assert!(
        stdout(&output).starts_with("valid signature: signed by key"),
        "{}",
        stdout(&output)
    );
    assert_eq!(server.key_requests(), 1);
}

#[test]
fn signature_only_issuer_needs_discovery() {
    let server = KeyServer::start();
    let url = server.url(KEYS_PATH);
    let token = case_token("acs_key_a_valid");
    let output = run(&[
        "verify",
        "--jwks-url",
        &url,
        INSECURE,
        "--signature-only",
        "--issuer",
        "https://issuer.example",
        "--json",
        &token,
    ]);

    assert_eq!(exit_code(&output), 2);
    assert_eq!(json_stdout(&output)["code"], "usage_error");
    assert_eq!(server.key_requests(), 0);
}

#[test]
fn keys_jwks_url_lists_fetched_set() {
    let server = KeyServer::start();
    let url = server.url(KEYS_PATH);
    let output = run(&["keys", "--jwks-url", &url, INSECURE]);

    assert_eq!(exit_code(&output), 0, "{}", stderr(&output));
    let text = stdout(&output);
    assert!(
        text.starts_with(&format!("{url}: 2 entries, 2 usable, 0 skipped")),
        "{text}"
    );
    for kid in [ACS_KID_A, ACS_KID_B] {
        let line = text
            .lines()
            .find(|line| line.contains(kid))
            .unwrap_or_else(|| panic!("no line for {kid}: {text}"));
        assert!(line.ends_with("2048  usable"), "{text}");
    }
    assert_eq!(server.key_requests(), 1);
}

#[test]
fn keys_jwks_url_json() {
    let server = KeyServer::start();
    let url = server.url(KEYS_PATH);
    let output = run(&["keys", "--jwks-url", &url, INSECURE, "--json"]);

    assert_eq!(exit_code(&output), 0, "{}", stderr(&output));
    let result = json_stdout(&output);
    let entries = result.as_array().expect("keys --json prints an array");
    assert_eq!(entries.len(), 2);
    assert_eq!(entries[0]["kid"], ACS_KID_A);
    assert_eq!(entries[0]["status"], "usable");
    assert_eq!(entries[1]["kid"], ACS_KID_B);
}

#[test]
fn keys_openid_config_lists_discovered_set() {
    let server = KeyServer::start();
    let url = server.url(CONFIGURATION_PATH);
    let output = run(&["keys", "--openid-config", &url, INSECURE]);

    assert_eq!(exit_code(&output), 0, "{}", stderr(&output));
    let keys_url = server.url(KEYS_PATH);
    assert!(
        stdout(&output).starts_with(&format!("{keys_url}: 2 entries")),
        "{}",
        stdout(&output)
    );
    assert_eq!(server.configuration_requests(), 1);
    assert_eq!(server.key_requests(), 1);
}

#[test]
fn keys_server_error_is_unavailable() {
    let server = KeyServer::start();
    server.fail_with(503);
    let url = server.url(KEYS_PATH);
    let output = run(&["keys", "--jwks-url", &url, INSECURE, "--json"]);

    assert_eq!(exit_code(&output), 1);
    let result = json_stdout(&output);
    assert_eq!(result["code"], "key_set_unavailable");
    assert!(message(&result).contains("HTTP status 503"), "{result}");
    assert!(message(&result).contains(&url), "{result}");
}

#[test]
fn jwks_and_jwks_url_conflict() {
    let url = closed_port_url(KEYS_PATH);
    let jwks = common::data("jwks/acs.json").display().to_string();
    let output = run(&["keys", "--jwks", &jwks, "--jwks-url", &url, "--json"]);

    assert_eq!(exit_code(&output), 2);
    assert_eq!(json_stdout(&output)["code"], "usage_error");
}

#[test]
fn insecure_flag_conflicts_with_jwks() {
    let jwks = common::data("jwks/acs.json").display().to_string();
    let output = run(&["keys", "--jwks", &jwks, INSECURE, "--json"]);

    assert_eq!(exit_code(&output), 2);
    assert_eq!(json_stdout(&output)["code"], "usage_error");
}

#[test]
fn malformed_url_is_config_error() {
    let output = run(&["keys", "--jwks-url", "keys.example/jwks", "--json"]);

    assert_eq!(exit_code(&output), 2);
    let result = json_stdout(&output);
    assert_eq!(result["code"], "config_error");
    assert!(message(&result).contains("is not a valid URL"), "{result}");
}

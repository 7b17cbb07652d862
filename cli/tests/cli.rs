//! End-to-end tests of the `acs-jwt` binary against the fixtures in `tests/data`.

use std::io::Write;
use std::path::PathBuf;
use std::process::{Command, Output, Stdio};

use base64ct::{Base64UrlUnpadded, Encoding};
use serde_json::Value;

/// Verification time of every case in `tokens/independent.json`: 2026-01-01T00:00:00Z.
const NOW: &str = "1767225600";

/// Audience of every case in `tokens/independent.json`.
const AUDIENCE: &str = "4f5b9c34-1a9e-4b6e-9c2d-2f0a7e6d5c1b";

/// Kid of `rsa2048-a` in `jwks/acs.json`.
const ACS_KID_A: &str = "acs-2026-a-Q7mK2pL9vR4tW8zN3bF6hJ1dS5gC0";

/// Number of cases in `tokens/independent.json`, so that a truncated file fails the test.
const INDEPENDENT_CASES: usize = 32;

fn data(relative: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../tests/data")
        .join(relative)
}

fn data_arg(relative: &str) -> String {
    data(relative).display().to_string()
}

fn read_data(relative: &str) -> Vec<u8> {
    let path = data(relative);
    std::fs::read(&path).unwrap_or_else(|error| panic!("reading {}: {error}", path.display()))
}

fn independent_cases() -> Vec<Value> {
    let document: Value = serde_json::from_slice(&read_data("tokens/independent.json"))
        .expect("tokens/independent.json is JSON");
    document
        .as_array()
        .expect("tokens/independent.json is an array")
        .clone()
}

fn case_token(name: &str) -> String {
    independent_cases()
        .iter()
        .find(|case| case["name"] == name)
        .and_then(|case| case["token"].as_str())
        .unwrap_or_else(|| panic!("no case {name:?} in tokens/independent.json"))
        .to_owned()
}

/// Runs the binary with `args` and standard input closed.
fn run(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_acs-jwt"))
        .args(args)
        .stdin(Stdio::null())
        .output()
        .expect("acs-jwt starts")
}

/// Runs the binary with `args` and `input` on standard input.
fn run_with_stdin(args: &[&str], input: &str) -> Output {
    let mut child = Command::new(env!("CARGO_BIN_EXE_acs-jwt"))
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("acs-jwt starts");
    child
        .stdin
        .take()
        .expect("stdin is piped")
        .write_all(input.as_bytes())
        .expect("writing standard input");
    child.wait_with_output().expect("acs-jwt finishes")
}

fn exit_code(output: &Output) -> i32 {
    output.status.code().expect("acs-jwt exits with a status")
}

fn stdout(output: &Output) -> String {
    String::from_utf8_lossy(&output.stdout).into_owned()
}

fn stderr(output: &Output) -> String {
    String::from_utf8_lossy(&output.stderr).into_owned()
}

/// Parses standard output as exactly one line holding one JSON value.
fn json_stdout(output: &Output) -> Value {
    let text = stdout(output);
    assert_eq!(
        text.lines().count(),
        1,
        "expected one line of JSON: {text:?}"
    );
    serde_json::from_str(&text)
        .unwrap_or_else(|error| panic!("stdout is not JSON ({error}): {text:?}"))
}

/// Arguments of `verify` for an ACS-shaped case of `tokens/independent.json`.
fn acs_verify_args(jwks: &str) -> Vec<&str> {
    vec![
        "verify",
        "--jwks",
        jwks,
        "--audience",
        AUDIENCE,
        "--now",
        NOW,
    ]
}

#[test]
fn rfc7520_signature_only_accepted() {
    let jwks = data_arg("rfc/rfc7520-4.1.jwks.json");
    let token = String::from_utf8(read_data("rfc/rfc7520-4.1.jws")).expect("token is ASCII");
    let output = run(&["verify", "--jwks", &jwks, "--signature-only", &token]);

    assert_eq!(exit_code(&output), 0, "{}", stderr(&output));
    assert!(
        stdout(&output).starts_with("valid signature"),
        "{}",
        stdout(&output)
    );
    assert!(stdout(&output).contains("bilbo.baggins@hobbiton.example"));
}

#[test]
fn rfc7520_signature_only_json_payload() {
    let jwks = data_arg("rfc/rfc7520-4.1.jwks.json");
    let token = String::from_utf8(read_data("rfc/rfc7520-4.1.jws")).expect("token is ASCII");
    let output = run(&[
        "verify",
        "--jwks",
        &jwks,
        "--signature-only",
        "--json",
        &token,
    ]);

    assert_eq!(exit_code(&output), 0, "{}", stderr(&output));
    let result = json_stdout(&output);
    assert_eq!(result["valid"], true);
    assert_eq!(result["kid"], "bilbo.baggins@hobbiton.example");
    assert_eq!(result["header"]["alg"], "RS256");
    assert!(result.get("claims").is_none(), "{result}");
    let payload = result["payload"].as_str().expect("payload is a string");
    let decoded = Base64UrlUnpadded::decode_vec(payload).expect("payload is base64url");
    assert_eq!(decoded, read_data("rfc/rfc7520-4.1.payload.txt"));
}

#[test]
fn signature_only_rejects_claim_options() {
    let jwks = data_arg("rfc/rfc7520-4.1.jwks.json");
    let token = String::from_utf8(read_data("rfc/rfc7520-4.1.jws")).expect("token is ASCII");
    let output = run(&[
        "verify",
        "--jwks",
        &jwks,
        "--signature-only",
        "--audience",
        AUDIENCE,
        &token,
    ]);

    assert_eq!(exit_code(&output), 2);
    assert!(
        stderr(&output).contains("--audience"),
        "{}",
        stderr(&output)
    );
}

#[test]
fn acs_token_json_claims() {
    let jwks = data_arg("jwks/acs.json");
    let token = case_token("acs_key_a_valid");
    let mut args = acs_verify_args(&jwks);
    args.extend(["--json", &token]);
    let output = run(&args);

    assert_eq!(exit_code(&output), 0, "{}", stderr(&output));
    let result = json_stdout(&output);
    assert_eq!(result["valid"], true);
    assert_eq!(result["kid"], ACS_KID_A);
    assert_eq!(result["header"]["kid"], ACS_KID_A);
    assert_eq!(result["header"]["typ"], "JWT");
    assert_eq!(result["claims"]["aud"], AUDIENCE);
    assert_eq!(
        result["claims"]["iss"],
        "https://acscallautomation.communication.azure.com"
    );
    assert_eq!(result["claims"]["exp"], 1_767_225_890);
}

#[test]
fn acs_token_human_summary() {
    let jwks = data_arg("jwks/acs.json");
    let token = case_token("acs_key_a_valid");
    let mut args = acs_verify_args(&jwks);
    args.push(&token);
    let output = run(&args);

    assert_eq!(exit_code(&output), 0, "{}", stderr(&output));
    let text = stdout(&output);
    assert!(text.starts_with("valid: signed by key"), "{text}");
    assert!(text.contains(ACS_KID_A), "{text}");
    assert!(text.contains("2048-bit RSA"), "{text}");
    assert!(text.contains(&format!("aud: \"{AUDIENCE}\"")), "{text}");
    assert!(
        text.contains("exp: 1767225890 (expires in 290 s)"),
        "{text}"
    );
}

#[test]
fn independent_cases_match_expectations() {
    let cases = independent_cases();
    assert_eq!(cases.len(), INDEPENDENT_CASES);

    for case in &cases {
        let name = case["name"].as_str().expect("case has a name");
        let expect = case["expect"].as_str().expect("case has an expectation");
        let jwks = data_arg(case["jwks"].as_str().expect("case has a key set"));
        let now = case["now"].as_u64().expect("case has a time").to_string();
        let leeway = case["leeway"]
            .as_u64()
            .expect("case has a leeway")
            .to_string();
        let mut args = vec![
            "verify",
            "--json",
            "--jwks",
            &jwks,
            "--issuer",
            case["issuer"].as_str().expect("case has an issuer"),
            "--now",
            &now,
            "--leeway",
            &leeway,
        ];
        for audience in case["audience"].as_array().expect("case has audiences") {
            args.push("--audience");
            args.push(audience.as_str().expect("audience is a string"));
        }
        args.push(case["token"].as_str().expect("case has a token"));

        let output = run(&args);
        let result = json_stdout(&output);
        if expect == "valid" {
            assert_eq!(exit_code(&output), 0, "{name}: {result}");
            assert_eq!(result["valid"], true, "{name}: {result}");
        } else {
            assert_eq!(exit_code(&output), 1, "{name}: {result}");
            assert_eq!(result["valid"], false, "{name}: {result}");
            assert_eq!(result["code"], expect, "{name}: {result}");
            assert!(result["message"].is_string(), "{name}: {result}");
        }
    }
}

#[test]
fn token_read_from_stdin() {
    let jwks = data_arg("jwks/acs.json");
    let token = case_token("acs_key_b_valid");
    let mut args = acs_verify_args(&jwks);
    args.push("--json");
    let output = run_with_stdin(&args, &format!("  {token}\n"));

    assert_eq!(exit_code(&output), 0, "{}", stderr(&output));
    assert_eq!(json_stdout(&output)["valid"], true);
}

#[test]
fn dash_reads_token_from_stdin() {
    let jwks = data_arg("jwks/acs.json");
    let token = case_token("acs_key_b_valid");
    let mut args = acs_verify_args(&jwks);
    args.push("-");
    let output = run_with_stdin(&args, &format!("{token}\n"));

    assert_eq!(exit_code(&output), 0, "{}", stderr(&output));
}

#[test]
fn empty_stdin_is_usage_error() {
    let jwks = data_arg("jwks/acs.json");
    let mut args = acs_verify_args(&jwks);
    args.push("--json");
    let output = run_with_stdin(&args, " \n");

    assert_eq!(exit_code(&output), 2);
    assert_eq!(json_stdout(&output)["code"], "usage_error");
}

#[test]
fn authorization_bearer_accepted() {
    let jwks = data_arg("jwks/acs.json");
    let header = format!("Bearer {}", case_token("acs_key_a_valid"));
    let mut args = acs_verify_args(&jwks);
    args.extend(["--json", "--authorization", &header]);
    let output = run(&args);

    assert_eq!(exit_code(&output), 0, "{}", stderr(&output));
    let result = json_stdout(&output);
    assert_eq!(result["valid"], true);
    assert_eq!(result["kid"], ACS_KID_A);
}

#[test]
fn authorization_from_stdin_accepted() {
    let jwks = data_arg("jwks/acs.json");
    let header = format!("Bearer {}\n", case_token("acs_key_a_valid"));
    let mut args = acs_verify_args(&jwks);
    args.extend(["--authorization", "-"]);
    let output = run_with_stdin(&args, &header);

    assert_eq!(exit_code(&output), 0, "{}", stderr(&output));
}

#[test]
fn authorization_other_scheme_rejected() {
    let jwks = data_arg("jwks/acs.json");
    let header = format!("Basic {}", case_token("acs_key_a_valid"));
    let mut args = acs_verify_args(&jwks);
    args.extend(["--json", "--authorization", &header]);
    let output = run(&args);

    assert_eq!(exit_code(&output), 1);
    let result = json_stdout(&output);
    assert_eq!(result["valid"], false);
    assert_eq!(result["code"], "invalid_authorization_header");
}

#[test]
fn authorization_field_name_hint() {
    let jwks = data_arg("jwks/acs.json");
    let header = format!("Authorization: Bearer {}", case_token("acs_key_a_valid"));
    let mut args = acs_verify_args(&jwks);
    args.extend(["--authorization", &header]);
    let output = run(&args);

    assert_eq!(exit_code(&output), 1);
    let text = stderr(&output);
    assert!(text.contains("invalid_authorization_header"), "{text}");
    assert!(
        text.contains("without the \"Authorization:\" field name"),
        "{text}"
    );
}

#[test]
fn authorization_conflicts_with_token() {
    let jwks = data_arg("jwks/acs.json");
    let token = case_token("acs_key_a_valid");
    let header = format!("Bearer {token}");
    let mut args = acs_verify_args(&jwks);
    args.extend(["--authorization", &header, &token]);
    let output = run(&args);

    assert_eq!(exit_code(&output), 2);
}

#[test]
fn missing_audience_is_usage_error() {
    let jwks = data_arg("jwks/acs.json");
    let token = case_token("acs_key_a_valid");
    let output = run(&["verify", "--json", "--jwks", &jwks, "--now", NOW, &token]);

    assert_eq!(exit_code(&output), 2);
    let result = json_stdout(&output);
    assert_eq!(result["valid"], false);
    assert_eq!(result["code"], "usage_error");
    assert!(
        result["message"]
            .as_str()
            .is_some_and(|message| message.contains("--audience"))
    );
}

/// Without a key source option, the source is the ACS OpenID configuration document, which
/// only fits the ACS issuer. The ACS default itself needs the internet and is not tested.
#[test]
fn other_issuer_without_source_is_usage_error() {
    let token = case_token("acs_key_a_valid");
    let output = run(&[
        "verify",
        "--issuer",
        "https://issuer.example",
        "--audience",
        AUDIENCE,
        &token,
    ]);

    assert_eq!(exit_code(&output), 2);
    let text = stderr(&output);
    assert!(text.contains("no key source given"), "{text}");
    assert!(text.contains("--jwks FILE, --jwks-url URL"), "{text}");
}

#[test]
fn unreadable_jwks_is_config_error() {
    let jwks = data_arg("jwks/no-such-file.json");
    let token = case_token("acs_key_a_valid");
    let mut args = acs_verify_args(&jwks);
    args.extend(["--json", &token]);
    let output = run(&args);

    assert_eq!(exit_code(&output), 2);
    let result = json_stdout(&output);
    assert_eq!(result["code"], "config_error");
    assert!(
        result["message"]
            .as_str()
            .is_some_and(|message| message.contains("no-such-file.json")),
        "{result}"
    );
}

#[test]
fn non_json_jwks_is_config_error() {
    let jwks = data_arg("README.md");
    let token = case_token("acs_key_a_valid");
    let mut args = acs_verify_args(&jwks);
    args.extend(["--json", &token]);
    let output = run(&args);

    assert_eq!(exit_code(&output), 2);
    let result = json_stdout(&output);
    assert_eq!(result["code"], "config_error");
    assert!(
        result["message"]
            .as_str()
            .is_some_and(|message| message.contains("invalid key set")),
        "{result}"
    );
}

#[test]
fn leeway_above_maximum_is_config_error() {
    let jwks = data_arg("jwks/acs.json");
    let token = case_token("acs_key_a_valid");
    let mut args = acs_verify_args(&jwks);
    args.extend(["--json", "--leeway", "301", &token]);
    let output = run(&args);

    assert_eq!(exit_code(&output), 2);
    let result = json_stdout(&output);
    assert_eq!(result["code"], "config_error");
    assert!(
        result["message"]
            .as_str()
            .is_some_and(|message| message.contains("301")),
        "{result}"
    );
}

#[test]
fn leeway_at_maximum_accepted() {
    let jwks = data_arg("jwks/acs.json");
    let token = case_token("acs_key_a_valid");
    let mut args = acs_verify_args(&jwks);
    args.extend(["--leeway", "300", &token]);
    let output = run(&args);

    assert_eq!(exit_code(&output), 0, "{}", stderr(&output));
}

#[test]
fn expired_message_states_seconds() {
    let jwks = data_arg("jwks/acs.json");
    let token = case_token("expired_beyond_leeway");
    let mut args = acs_verify_args(&jwks);
    args.push(&token);
    let output = run(&args);

    assert_eq!(exit_code(&output), 1);
    let text = stderr(&output);
    assert!(text.starts_with("invalid token (expired): "), "{text}");
    assert!(
        text.contains(" s before now 1767225600 (leeway 60 s)"),
        "{text}"
    );
    assert!(stdout(&output).is_empty());
}

#[test]
fn unknown_key_hint_lists_kids() {
    let jwks = data_arg("jwks/acs.json");
    let token = case_token("unknown_kid");
    let mut args = acs_verify_args(&jwks);
    args.push(&token);
    let output = run(&args);

    assert_eq!(exit_code(&output), 1);
    let text = stderr(&output);
    assert!(text.contains("(unknown_key)"), "{text}");
    assert!(text.contains(ACS_KID_A), "{text}");
    assert!(
        text.contains("acs-2026-b-X3nT8cV1qM6wZ9kR2hB5yG7pD4fL0"),
        "{text}"
    );
}

#[test]
fn unknown_key_hint_names_skipped_entry() {
    let jwks = data_arg("jwks/all.json");
    let token = case_token("all_jwks_rsa1024_skipped_key");
    let mut args = acs_verify_args(&jwks);
    args.push(&token);
    let output = run(&args);

    assert_eq!(exit_code(&output), 1);
    let text = stderr(&output);
    assert!(
        text.contains("lists kid \"rsa1024\" at index 4 but skips it: modulus is 1024 bits"),
        "{text}"
    );
}

#[test]
fn inspect_marks_output_unverified() {
    let token = case_token("acs_key_a_valid");
    let output = run(&["inspect", &token]);

    assert_eq!(exit_code(&output), 0, "{}", stderr(&output));
    let text = stdout(&output);
    let first_line = text.lines().next().unwrap_or_default();
    assert!(first_line.starts_with("UNVERIFIED"), "{text}");
    assert!(text.contains(&format!("\"aud\": \"{AUDIENCE}\"")), "{text}");
}

#[test]
fn inspect_json_not_verified() {
    let token = case_token("tampered_payload");
    let output = run(&["inspect", "--json", &token]);

    assert_eq!(exit_code(&output), 0, "{}", stderr(&output));
    let result = json_stdout(&output);
    assert_eq!(result["verified"], false);
    assert_eq!(result["header"]["alg"], "RS256");
    assert!(result["claims"].is_object(), "{result}");
}

#[test]
fn inspect_reads_stdin() {
    let token = case_token("acs_key_a_valid");
    let output = run_with_stdin(&["inspect"], &format!("{token}\n"));

    assert_eq!(exit_code(&output), 0, "{}", stderr(&output));
    assert!(stdout(&output).starts_with("UNVERIFIED"));
}

#[test]
fn inspect_malformed_token_rejected() {
    let token = case_token("two_segments");
    let output = run(&["inspect", "--json", &token]);

    assert_eq!(exit_code(&output), 1);
    assert_eq!(json_stdout(&output)["code"], "malformed_token");
}

#[test]
fn inspect_header_not_json_rejected() {
    let token = case_token("header_not_json");
    let output = run(&["inspect", &token]);

    assert_eq!(exit_code(&output), 1);
    assert!(
        stderr(&output).contains("header is not a JSON object"),
        "{}",
        stderr(&output)
    );
}

#[test]
fn keys_lists_usable_and_skipped() {
    let jwks = data_arg("jwks/all.json");
    let output = run(&["keys", "--jwks", &jwks]);

    assert_eq!(exit_code(&output), 0, "{}", stderr(&output));
    let text = stdout(&output);
    let line_of = |kid: &str| {
        text.lines()
            .find(|line| line.contains(&format!("\"{kid}\"")))
            .unwrap_or_else(|| panic!("no line for {kid}: {text}"))
            .to_owned()
    };
    assert!(line_of("rsa2048-a").ends_with("2048  usable"), "{text}");
    assert!(
        line_of("rsa1024").contains("skipped: modulus is 1024 bits, fewer than 2048"),
        "{text}"
    );
}

#[test]
fn keys_json_array() {
    let jwks = data_arg("jwks/all.json");
    let output = run(&["keys", "--jwks", &jwks, "--json"]);

    assert_eq!(exit_code(&output), 0, "{}", stderr(&output));
    let result = json_stdout(&output);
    let entries = result.as_array().expect("keys --json prints an array");
    assert_eq!(entries.len(), 7);
    let entry = |kid: &str| {
        entries
            .iter()
            .find(|entry| entry["kid"] == kid)
            .unwrap_or_else(|| panic!("no entry for {kid}: {result}"))
    };

    let usable = entry("rsa2048-a");
    assert_eq!(usable["status"], "usable");
    assert_eq!(usable["bits"], 2048);
    assert_eq!(usable["index"], 0);
    assert!(usable.get("reason").is_none(), "{usable}");

    let skipped = entry("rsa1024");
    assert_eq!(skipped["status"], "skipped");
    assert_eq!(skipped["index"], 4);
    assert_eq!(skipped["bits"], 1024);
    assert!(
        skipped["reason"]
            .as_str()
            .is_some_and(|reason| reason.contains("1024 bits")),
        "{skipped}"
    );
}

#[test]
fn keys_other_issuer_without_source_is_usage_error() {
    let output = run(&["keys", "--issuer", "https://issuer.example", "--json"]);

    assert_eq!(exit_code(&output), 2);
    assert_eq!(json_stdout(&output)["code"], "usage_error");
}

#[test]
fn keys_issuer_conflicts_with_jwks() {
    let jwks = data_arg("jwks/acs.json");
    let output = run(&[
        "keys",
        "--jwks",
        &jwks,
        "--issuer",
        "https://issuer.example",
    ]);

    assert_eq!(exit_code(&output), 2);
    assert!(stderr(&output).contains("--issuer"), "{}", stderr(&output));
}

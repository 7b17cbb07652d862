//! Tokens signed by independent implementations (Python `cryptography` and `joserfc`), from
//! `data/tokens/independent.json`, written by `data/generate_fixtures.py`.

use std::time::Duration;

use acs_jwt::{JwkSet, UnixTime, VerifierBuilder};
use acs_jwt_tests::data;
use serde_json::Value;

#[test]
fn independent_tokens_get_expected_verdicts() {
    let cases: Value =
        serde_json::from_slice(&data("tokens/independent.json")).expect("cases are JSON");
    let cases = cases.as_array().expect("array of cases");
    let mut failures = Vec::new();
    let mut valid = 0;
    for case in cases {
        let name = case["name"].as_str().expect("name");
        let keys = JwkSet::from_json(&data(case["jwks"].as_str().expect("jwks path")))
            .expect("fixture key set parses");
        let mut builder = VerifierBuilder::new(case["issuer"].as_str().expect("issuer")).leeway(
            Duration::from_secs(case["leeway"].as_u64().expect("leeway")),
        );
        for audience in case["audience"].as_array().expect("audience array") {
            builder = builder.audience(audience.as_str().expect("audience text"));
        }
        let verifier = builder.build().expect("fixture configuration is valid");
        let now = UnixTime::from_secs(case["now"].as_u64().expect("now"));
        let token = case["token"].as_str().expect("token");
        let verdict = match verifier.verify(token, &keys, now) {
            Ok(_) => "valid",
            Err(err) => err.code(),
        };
        let expected = case["expect"].as_str().expect("expect");
        if verdict == "valid" {
            valid += 1;
        }
        if verdict != expected {
            failures.push(format!("{name}: expected {expected}, got {verdict}"));
        }
    }
    assert!(cases.len() >= 30, "only {} cases ran", cases.len());
    assert!(valid >= 10, "only {valid} cases were valid");
    assert!(failures.is_empty(), "{failures:#?}");
}

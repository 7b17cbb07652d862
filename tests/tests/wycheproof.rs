//! Project Wycheproof RSASSA-PKCS1-v1_5 SHA-256 vectors, 2048 and 3072 bits.
//!
//! Every `valid` case must verify and every `invalid` case must be rejected; `acceptable` cases
//! follow `data/wycheproof/decisions.json`. The harness fails when no case ran.

use acs_jwt::PreparedKey;
use acs_jwt_tests::{data, hex};
use serde_json::Value;

struct Tally {
    valid: usize,
    invalid: usize,
    acceptable: usize,
}

fn run(file: &str) -> Tally {
    let document: Value = serde_json::from_slice(&data(file)).expect("vector file is JSON");
    let decisions: Value =
        serde_json::from_slice(&data("wycheproof/decisions.json")).expect("decisions are JSON");
    let mut tally = Tally {
        valid: 0,
        invalid: 0,
        acceptable: 0,
    };
    let groups = document["testGroups"].as_array().expect("testGroups array");
    for group in groups {
        assert_eq!(group["sha"], "SHA-256");
        let modulus = hex(group["publicKey"]["modulus"].as_str().expect("modulus"));
        let exponent = hex(group["publicKey"]["publicExponent"]
            .as_str()
            .expect("exponent"));
        let key = PreparedKey::from_components(&modulus, &exponent)
            .unwrap_or_else(|reason| panic!("{file}: group key rejected: {reason}"));

        for case in group["tests"].as_array().expect("tests array") {
            let id = &case["tcId"];
            let message = hex(case["msg"].as_str().expect("msg"));
            let signature = hex(case["sig"].as_str().expect("sig"));
            let accepted = key.verify_rs256(&message, &signature).is_ok();
            match case["result"].as_str().expect("result") {
                "valid" => {
                    assert!(accepted, "{file} tcId {id}: valid signature rejected");
                    tally.valid += 1;
                }
                "invalid" => {
                    assert!(!accepted, "{file} tcId {id}: invalid signature accepted");
                    tally.invalid += 1;
                }
                "acceptable" => {
                    let flags = case["flags"].as_array().expect("flags array");
                    assert!(
                        !flags.is_empty(),
                        "{file} tcId {id}: acceptable without a flag"
                    );
                    for flag in flags {
                        let flag = flag.as_str().expect("flag text");
                        let decision = decisions["acceptable"][flag]["decision"]
                            .as_str()
                            .unwrap_or_else(|| {
                                panic!("{file} tcId {id}: no decision for flag {flag}")
                            });
                        let expected = decision == "accept";
                        assert_eq!(accepted, expected, "{file} tcId {id}: flag {flag}");
                    }
                    tally.acceptable += 1;
                }
                other => panic!("{file} tcId {id}: unknown result {other:?}"),
            }
        }
    }
    tally
}

#[test]
fn wycheproof_rsa_2048_sha256() {
    let tally = run("wycheproof/rsa_signature_2048_sha256_test.json");
    assert!(tally.valid >= 9, "only {} valid cases ran", tally.valid);
    assert!(
        tally.invalid >= 249,
        "only {} invalid cases ran",
        tally.invalid
    );
    assert_eq!(tally.acceptable, 1);
}

#[test]
fn wycheproof_rsa_3072_sha256() {
    let tally = run("wycheproof/rsa_signature_3072_sha256_test.json");
    assert!(tally.valid >= 8, "only {} valid cases ran", tally.valid);
    assert!(
        tally.invalid >= 250,
        "only {} invalid cases ran",
        tally.invalid
    );
    assert_eq!(tally.acceptable, 1);
}

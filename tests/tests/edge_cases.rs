//! A table of edge cases, one per verification rule, each asserting the exact error code.

use std::time::Duration;

use acs_jwt::{Error, JwkSet, KeyRejection, UnixTime, Verifier, VerifierBuilder, acs};
use acs_jwt_tests::{AUDIENCE, ISSUER, NOW, TestKey, acs_claims, b64, jwks};
use serde_json::{Value, json};

fn verifier() -> Verifier {
    acs::verifier(AUDIENCE).expect("valid ACS configuration")
}

fn key_a() -> TestKey {
    TestKey::load("rsa2048-a")
}

fn set(keys: &[Value]) -> JwkSet {
    JwkSet::from_json(&jwks(keys)).expect("key set parses")
}

/// Verifies `token` with the ACS verifier at [`NOW`] and returns `"valid"` or the error code.
fn verdict_with(verifier: &Verifier, token: &str, keys: &JwkSet, now: u64) -> &'static str {
    match verifier.verify(token, keys, UnixTime::from_secs(now)) {
        Ok(_) => "valid",
        Err(err) => err.code(),
    }
}

/// An ACS verifier that admits tokens up to the 64 KiB ceiling.
fn large_tokens() -> Verifier {
    acs::builder(AUDIENCE)
        .max_token_bytes(acs_jwt::limits::MAX_TOKEN_BYTES_LIMIT)
        .build()
        .expect("valid limit")
}

fn verdict(token: &str, keys: &JwkSet) -> &'static str {
    verdict_with(&verifier(), token, keys, NOW)
}

/// Signs raw header and payload text with key A and checks it against key A's set.
fn verdict_raw(header: &str, payload: &str) -> &'static str {
    let key = key_a();
    verdict(
        &key.sign(header.as_bytes(), payload.as_bytes()),
        &set(&[key.jwk()]),
    )
}

fn claims_with(changes: Value) -> Value {
    let mut claims = acs_claims();
    for (name, value) in changes.as_object().expect("object of changes") {
        if value.is_null() {
            claims.as_object_mut().expect("object").remove(name);
        } else {
            claims[name] = value.clone();
        }
    }
    claims
}

/// Signs ACS claims with `changes` applied (a `null` removes the claim) and returns the verdict.
fn verdict_claims(changes: Value) -> &'static str {
    let key = key_a();
    verdict(&key.sign_claims(&claims_with(changes)), &set(&[key.jwk()]))
}

const HEADER: &str = r#"{"alg":"RS256","kid":"rsa2048-a","typ":"JWT"}"#;

fn payload_text() -> String {
    acs_claims().to_string()
}

#[test]
fn baseline_token_is_valid() {
    assert_eq!(verdict_raw(HEADER, &payload_text()), "valid");
}

#[test]
fn base64_must_be_canonical_base64url() {
    let key = key_a();
    let keys = set(&[key.jwk()]);
    let token = key.sign_claims(&acs_claims());
    let segments: Vec<&str> = token.split('.').collect();

    let padded_header = format!("{}=.{}.{}", segments[0], segments[1], segments[2]);
    assert_eq!(verdict(&padded_header, &keys), "malformed_token");

    let padded_signature = format!("{token}==");
    assert_eq!(verdict(&padded_signature, &keys), "malformed_token");

    // The same bytes in the standard alphabet: swap any '-' or '_' for '+' or '/'.
    let standard = token.replace('-', "+").replace('_', "/");
    if standard != token {
        assert_eq!(verdict(&standard, &keys), "malformed_token");
    }
    let forced_standard = format!("{}.{}.+{}", segments[0], segments[1], &segments[2][1..]);
    assert_eq!(verdict(&forced_standard, &keys), "malformed_token");

    let with_space = format!("{} .{}.{}", segments[0], segments[1], segments[2]);
    assert_eq!(verdict(&with_space, &keys), "malformed_token");
}

#[test]
fn non_canonical_payload_is_malformed_after_signature() {
    // The signature covers the encoded text, so a payload with stray trailing bits can carry
    // a valid signature; it must still be rejected when the payload is decoded.
    let key = key_a();
    let header = b64(HEADER.as_bytes());
    // Pick a payload whose encoding ends in a partial group, where the last character
    // carries unused low bits.
    let mut payload = (0..3)
        .map(|pad| {
            b64(claims_with(json!({ "pad": "p".repeat(pad) }))
                .to_string()
                .as_bytes())
        })
        .find(|encoded| !encoded.len().is_multiple_of(4))
        .expect("one of three lengths leaves a partial group");
    // Check that the unmodified token is valid, so the rejection below is the bit flip.
    let clean_input = format!("{header}.{payload}");
    let clean = format!(
        "{clean_input}.{}",
        b64(&key.sign_raw(clean_input.as_bytes()))
    );
    assert_eq!(verdict(&clean, &set(&[key.jwk()])), "valid");
    let last = payload.pop().expect("payload");
    // Flip the lowest bit of the final sextet; for a 2- or 3-character tail it is padding.
    let alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
    let index = alphabet.find(last).expect("base64url character");
    payload.push(alphabet.as_bytes()[index ^ 1] as char);
    let signing_input = format!("{header}.{payload}");
    let token = format!(
        "{signing_input}.{}",
        b64(&key.sign_raw(signing_input.as_bytes()))
    );
    assert_eq!(verdict(&token, &set(&[key.jwk()])), "malformed_token");
}

#[test]
fn segment_count_must_be_three() {
    let key = key_a();
    let keys = set(&[key.jwk()]);
    let token = key.sign_claims(&acs_claims());
    let segments: Vec<&str> = token.split('.').collect();
    assert_eq!(verdict(&segments[..2].join("."), &keys), "malformed_token");
    assert_eq!(
        verdict(&format!("{token}.e30.e30"), &keys),
        "malformed_token"
    );
    assert_eq!(verdict("", &keys), "malformed_token");
    assert_eq!(verdict("..", &keys), "malformed_token");
}

#[test]
fn token_size_is_limited() {
    let key = key_a();
    let keys = set(&[key.jwk()]);
    let filler = "x".repeat(64 * 1024);
    let token = key.sign_claims(&claims_with(json!({ "filler": filler })));
    assert!(token.len() > 64 * 1024);
    assert_eq!(verdict(&token, &keys), "token_too_large");

    // The largest token within the default limit is accepted; one byte more is rejected.
    let limit = acs_jwt::limits::DEFAULT_MAX_TOKEN_BYTES;
    let padded_token =
        |pad: usize| key.sign_claims(&claims_with(json!({ "pad": "p".repeat(pad) })));
    let (mut low, mut high) = (0, limit);
    while low + 1 < high {
        let middle = (low + high) / 2;
        if padded_token(middle).len() <= limit {
            low = middle;
        } else {
            high = middle;
        }
    }
    let under = padded_token(low);
    assert!(
        under.len() <= limit && under.len() > limit - 4,
        "{}",
        under.len()
    );
    assert_eq!(verdict(&under, &keys), "valid");
    let over = padded_token(high);
    assert!(over.len() > limit);
    assert_eq!(verdict(&over, &keys), "token_too_large");
    let larger = acs::builder(AUDIENCE)
        .max_token_bytes(16 * 1024)
        .build()
        .expect("valid limit");
    assert_eq!(verdict_with(&larger, &over, &keys, NOW), "valid");
}

#[test]
fn algorithm_allow_list_is_rs256_only() {
    for alg in [
        "none", "HS256", "RS512", "PS256", "ES256", "rs256", "RS256 ", "",
    ] {
        let header = format!(r#"{{"alg":"{alg}","kid":"rsa2048-a"}}"#);
        assert_eq!(
            verdict_raw(&header, &payload_text()),
            "unsupported_algorithm",
            "{alg}"
        );
    }
    assert_eq!(
        verdict_raw(r#"{"alg":5,"kid":"rsa2048-a"}"#, &payload_text()),
        "malformed_token"
    );
    assert_eq!(
        verdict_raw(r#"{"kid":"rsa2048-a"}"#, &payload_text()),
        "malformed_token"
    );
}

#[test]
fn alg_none_with_empty_signature_is_rejected() {
    let token = format!(
        "{}.{}.",
        b64(br#"{"alg":"none"}"#),
        b64(payload_text().as_bytes())
    );
    assert_eq!(
        verdict(&token, &set(&[key_a().jwk()])),
        "unsupported_algorithm"
    );
    let empty_rs256 = format!(
        "{}.{}.",
        b64(HEADER.as_bytes()),
        b64(payload_text().as_bytes())
    );
    assert_eq!(
        verdict(&empty_rs256, &set(&[key_a().jwk()])),
        "malformed_token"
    );
}

#[test]
fn hs256_signed_with_public_key_is_rejected() {
    // The classic key-confusion attack: an HMAC keyed with the public modulus. The token is
    // rejected on `alg` alone, before any key is used.
    let key = key_a();
    let header = b64(br#"{"alg":"HS256","kid":"rsa2048-a"}"#);
    let payload = b64(payload_text().as_bytes());
    let token = format!("{header}.{payload}.{}", b64(&[7u8; 32]));
    assert_eq!(verdict(&token, &set(&[key.jwk()])), "unsupported_algorithm");
}

#[test]
fn processing_header_parameters_are_rejected() {
    for header in [
        r#"{"alg":"RS256","kid":"rsa2048-a","crit":["exp"],"exp":1}"#,
        r#"{"alg":"RS256","kid":"rsa2048-a","crit":[]}"#,
        r#"{"alg":"RS256","kid":"rsa2048-a","crit":"x"}"#,
        r#"{"alg":"RS256","kid":"rsa2048-a","b64":false}"#,
        r#"{"alg":"RS256","kid":"rsa2048-a","zip":"DEF"}"#,
    ] {
        assert_eq!(
            verdict_raw(header, &payload_text()),
            "unsupported_critical_header",
            "{header}"
        );
    }
}

#[test]
fn duplicate_header_parameters_are_rejected() {
    assert_eq!(
        verdict_raw(
            r#"{"alg":"RS256","alg":"RS256","kid":"rsa2048-a"}"#,
            &payload_text()
        ),
        "malformed_token"
    );
    assert_eq!(
        verdict_raw(
            r#"{"alg":"RS256","kid":"rsa2048-a","kid":"rsa2048-b"}"#,
            &payload_text()
        ),
        "malformed_token"
    );
}

#[test]
fn header_key_sources_are_ignored() {
    // An attacker key embedded in the header must not be used: the signature is checked only
    // against the caller's key set.
    let attacker = TestKey::load("rsa2048-b").with_kid("rsa2048-a");
    let victim_keys = set(&[key_a().jwk()]);
    let jwk = attacker.jwk();
    let header = json!({
        "alg": "RS256",
        "kid": "rsa2048-a",
        "jwk": jwk,
        "jku": "https://attacker.invalid/keys",
        "x5u": "https://attacker.invalid/cert",
        "x5c": ["MIIB"],
    });
    let token = attacker.sign(header.to_string().as_bytes(), payload_text().as_bytes());
    assert_eq!(verdict(&token, &victim_keys), "invalid_signature");
}

#[test]
fn deeply_nested_header_is_rejected() {
    let mut header = String::from(r#"{"alg":"RS256","kid":"rsa2048-a","x":"#);
    header.push_str(&"[".repeat(5_000));
    header.push_str(&"]".repeat(5_000));
    header.push('}');
    // Within a raised token limit, the header is larger than its segment limit; a smaller
    // nesting still breaks the depth limit, so both paths are covered.
    let key = key_a();
    let token = key.sign(header.as_bytes(), payload_text().as_bytes());
    assert_eq!(
        verdict_with(&large_tokens(), &token, &set(&[key.jwk()]), NOW),
        "malformed_token"
    );
    let mut shallow = String::from(r#"{"alg":"RS256","kid":"rsa2048-a","x":"#);
    shallow.push_str(&"[".repeat(40));
    shallow.push_str(&"]".repeat(40));
    shallow.push('}');
    assert_eq!(verdict_raw(&shallow, &payload_text()), "malformed_token");
}

#[test]
fn deeply_nested_payload_is_rejected_after_signature() {
    let mut payload = payload_text();
    payload.pop();
    payload.push_str(r#","x":"#);
    payload.push_str(&"[".repeat(5_000));
    payload.push_str(&"]".repeat(5_000));
    payload.push('}');
    let result = std::thread::Builder::new()
        .stack_size(64 * 1024)
        .spawn(move || {
            let key = key_a();
            let token = key.sign(HEADER.as_bytes(), payload.as_bytes());
            large_tokens()
                .verify(&token, &set(&[key.jwk()]), UnixTime::from_secs(NOW))
                .map(|_| ())
        })
        .expect("thread spawns")
        .join()
        .expect("no stack overflow");
    assert_eq!(
        result,
        Err(Error::MalformedToken(acs_jwt::Malformed::Json {
            segment: "payload",
            problem: acs_jwt::JsonProblem::TooDeep
        }))
    );
}

#[test]
fn non_utf8_payload_is_rejected() {
    let key = key_a();
    let token = key.sign(HEADER.as_bytes(), b"{\"iss\":\"\xff\"}");
    assert_eq!(verdict(&token, &set(&[key.jwk()])), "malformed_token");
    let binary = key.sign(HEADER.as_bytes(), &[0x80, 0x81, 0x00]);
    assert_eq!(verdict(&binary, &set(&[key.jwk()])), "malformed_token");
    // The JWS layer alone accepts any payload bytes.
    let verified = acs_jwt::jws::verify_compact(&binary, &set(&[key.jwk()])).expect("signature");
    assert_eq!(verified.payload(), [0x80, 0x81, 0x00]);
}

#[test]
fn signature_length_must_match_modulus() {
    let key = key_a();
    let keys = set(&[key.jwk()]);
    let token = key.sign_claims(&acs_claims());
    let (signing_input, signature) = token.rsplit_once('.').expect("three segments");
    let signature = base64_decode(signature);
    assert_eq!(signature.len(), 256);

    let short = format!("{signing_input}.{}", b64(&signature[1..]));
    assert_eq!(verdict(&short, &keys), "invalid_signature");
    let mut long_bytes = vec![0u8];
    long_bytes.extend_from_slice(&signature);
    let long = format!("{signing_input}.{}", b64(&long_bytes));
    assert_eq!(verdict(&long, &keys), "invalid_signature");
    let mut flipped = signature.clone();
    flipped[100] ^= 1;
    let flipped = format!("{signing_input}.{}", b64(&flipped));
    assert_eq!(verdict(&flipped, &keys), "invalid_signature");
}

fn base64_decode(text: &str) -> Vec<u8> {
    use base64ct::{Base64UrlUnpadded, Encoding};
    Base64UrlUnpadded::decode_vec(text).expect("base64url")
}

#[test]
fn modulus_with_leading_zero_octets_is_accepted() {
    let key = key_a();
    let mut modulus = vec![0u8, 0u8];
    modulus.extend(key.modulus());
    let jwk = json!({"kty": "RSA", "kid": "rsa2048-a", "n": b64(&modulus), "e": "AQAB"});
    let keys = set(&[jwk]);
    assert_eq!(keys.keys()[0].modulus_bits(), 2048);
    assert_eq!(verdict(&key.sign_claims(&acs_claims()), &keys), "valid");
}

#[test]
fn exponent_with_leading_zero_octet_is_accepted() {
    let key = key_a();
    let jwk = json!({"kty": "RSA", "kid": "rsa2048-a", "n": b64(&key.modulus()), "e": "AAEAAQ"});
    assert_eq!(
        verdict(&key.sign_claims(&acs_claims()), &set(&[jwk])),
        "valid"
    );
}

#[test]
fn small_and_odd_sized_keys_are_skipped() {
    for (name, bits) in [("rsa1024", 1024), ("rsa2047", 2047)] {
        let key = TestKey::load(name);
        let keys = set(&[key.jwk()]);
        assert!(keys.keys().is_empty());
        assert_eq!(
            keys.skipped()[0].reason,
            KeyRejection::ModulusTooSmall { bits },
            "{name}"
        );
        assert_eq!(
            verdict(&key.sign_claims(&acs_claims()), &keys),
            "unknown_key"
        );
    }
    for name in ["rsa3072", "rsa4096", "rsa2048-e3"] {
        let key = TestKey::load(name);
        assert_eq!(
            verdict(&key.sign_claims(&acs_claims()), &set(&[key.jwk()])),
            "valid",
            "{name}"
        );
    }
}

#[test]
fn unusable_key_entries_are_skipped_not_fatal() {
    let key = key_a();
    let n = b64(&key.modulus());
    let entries = vec![
        json!({"kty": "EC", "crv": "P-256", "kid": "rsa2048-a", "x": "AA", "y": "AA"}),
        json!({"kty": "OKP", "crv": "Ed25519", "kid": "rsa2048-a", "x": "AA"}),
        json!({"kty": "oct", "kid": "rsa2048-a", "k": "c2VjcmV0"}),
        json!({"kty": "RSA", "kid": "rsa2048-a", "use": "enc", "n": n, "e": "AQAB"}),
        json!({"kty": "RSA", "kid": "rsa2048-a", "key_ops": ["encrypt"], "n": n, "e": "AQAB"}),
        json!({"kty": "RSA", "kid": "rsa2048-a", "alg": "RS512", "n": n, "e": "AQAB"}),
        json!({"kty": "RSA", "kid": "rsa2048-a", "n": n, "e": "AQAA"}),
        json!({"kty": "RSA", "kid": "rsa2048-a", "n": n, "e": "AQ"}),
        json!({"kty": "RSA", "kid": "rsa2048-a", "n": n, "e": "Aw", "e2": 1}),
        json!({"kty": "RSA", "kid": "rsa2048-a", "n": n}),
        json!({"kty": "RSA", "kid": 7, "n": n, "e": "AQAB"}),
        json!({"kty": "RSA", "kid": "rsa2048-a", "n": format!("{n}="), "e": "AQAB"}),
        json!("not an object"),
        json!(null),
    ];
    let keys = set(&entries);
    // Entry 8 has e = 3 with this modulus: a usable key that will not verify this signature.
    assert_eq!(keys.keys().len(), 1);
    assert_eq!(keys.skipped().len(), entries.len() - 1);
    let token = key.sign_claims(&acs_claims());
    assert_eq!(verdict(&token, &keys), "invalid_signature");

    let mut with_good = entries.clone();
    with_good.push(key.jwk());
    assert_eq!(verdict(&token, &set(&with_good)), "valid");

    let only_enc = set(&entries[3..4]);
    assert_eq!(only_enc.skipped()[0].reason, KeyRejection::NotForSignatures);
    assert_eq!(verdict(&token, &only_enc), "unknown_key");
}

#[test]
fn key_usage_members_allow_signatures() {
    let key = key_a();
    let n = b64(&key.modulus());
    let jwk = json!({
        "kty": "RSA", "kid": "rsa2048-a", "use": "sig", "alg": "RS256",
        "key_ops": ["verify", "sign"], "n": n, "e": "AQAB",
    });
    assert_eq!(
        verdict(&key.sign_claims(&acs_claims()), &set(&[jwk])),
        "valid"
    );
}

#[test]
fn duplicate_members_in_a_key_skip_it() {
    let key = key_a();
    let n = b64(&key.modulus());
    let document =
        format!(r#"{{"keys":[{{"kty":"RSA","kid":"rsa2048-a","n":"{n}","e":"AQAB","e":"Aw"}}]}}"#);
    let keys = JwkSet::from_json(document.as_bytes()).expect("set parses");
    assert!(keys.keys().is_empty());
    assert_eq!(
        keys.skipped()[0].reason,
        KeyRejection::Malformed { member: "key" }
    );
}

#[test]
fn kid_rules() {
    let a = key_a();
    let b = TestKey::load("rsa2048-b");
    let claims = acs_claims();
    let payload = claims.to_string();

    // No kid and exactly one usable key: that key is used.
    let no_kid = a.sign(br#"{"alg":"RS256"}"#, payload.as_bytes());
    assert_eq!(verdict(&no_kid, &set(&[a.jwk()])), "valid");
    // No kid and two usable keys: rejected even though one would verify.
    assert_eq!(verdict(&no_kid, &set(&[a.jwk(), b.jwk()])), "unknown_key");
    // Empty kid matches only a key whose kid is empty.
    let empty = a.sign(br#"{"alg":"RS256","kid":""}"#, payload.as_bytes());
    assert_eq!(verdict(&empty, &set(&[a.jwk()])), "unknown_key");
    let mut empty_jwk = a.jwk();
    empty_jwk["kid"] = json!("");
    assert_eq!(verdict(&empty, &set(&[empty_jwk])), "valid");
    // A numeric kid is malformed.
    let numeric = a.sign(br#"{"alg":"RS256","kid":1}"#, payload.as_bytes());
    assert_eq!(verdict(&numeric, &set(&[a.jwk()])), "malformed_token");
    // kid is compared after unescaping, on both sides.
    let escaped = a.sign(br#"{"alg":"RS256","kid":"a\/b\u0063"}"#, payload.as_bytes());
    let document = format!(
        r#"{{"keys":[{{"kty":"RSA","kid":"\u0061/bc","n":"{}","e":"AQAB"}}]}}"#,
        b64(&a.modulus())
    );
    let keys = JwkSet::from_json(document.as_bytes()).expect("set parses");
    assert_eq!(verdict(&escaped, &keys), "valid");
    // A kid longer than the limit is malformed.
    let long_kid = "k".repeat(acs_jwt::limits::MAX_KID_BYTES + 1);
    let header = format!(r#"{{"alg":"RS256","kid":"{long_kid}"}}"#);
    let long = a.sign(header.as_bytes(), payload.as_bytes());
    assert_eq!(verdict(&long, &set(&[a.jwk()])), "malformed_token");
}

#[test]
fn keys_sharing_a_kid_are_each_tried() {
    let a = key_a();
    let b = TestKey::load("rsa2048-b").with_kid("rsa2048-a");
    let token = a.sign_claims(&acs_claims());
    assert_eq!(verdict(&token, &set(&[b.jwk(), a.jwk()])), "valid");
    // At most four keys with one kid are tried: a fifth one is never reached.
    let decoys = vec![b.jwk(); acs_jwt::limits::MAX_KEYS_PER_KID];
    let mut keys = decoys.clone();
    keys.push(a.jwk());
    assert_eq!(verdict(&token, &set(&keys)), "invalid_signature");
    let mut keys = decoys[1..].to_vec();
    keys.push(a.jwk());
    assert_eq!(verdict(&token, &set(&keys)), "valid");
}

#[test]
fn audience_forms() {
    assert_eq!(verdict_claims(json!({ "aud": AUDIENCE })), "valid");
    assert_eq!(verdict_claims(json!({ "aud": [AUDIENCE] })), "valid");
    assert_eq!(
        verdict_claims(json!({ "aud": ["other", AUDIENCE] })),
        "valid"
    );
    assert_eq!(
        verdict_claims(json!({ "aud": ["other"] })),
        "invalid_audience"
    );
    assert_eq!(verdict_claims(json!({ "aud": [] })), "invalid_audience");
    assert_eq!(
        verdict_claims(json!({ "aud": "other" })),
        "invalid_audience"
    );
    assert_eq!(
        verdict_claims(json!({ "aud": AUDIENCE.to_uppercase() })),
        "invalid_audience"
    );
    assert_eq!(verdict_claims(json!({ "aud": 5 })), "malformed_token");
    assert_eq!(
        verdict_claims(json!({ "aud": [AUDIENCE, 5] })),
        "malformed_token"
    );
    assert_eq!(verdict_claims(json!({ "aud": null })), "missing_claim");
}

#[test]
fn any_configured_audience_matches() {
    let key = key_a();
    let keys = set(&[key.jwk()]);
    let token = key.sign_claims(&claims_with(json!({ "aud": "second" })));
    let verifier = VerifierBuilder::new(ISSUER)
        .audience("first")
        .audience("second")
        .build()
        .expect("valid");
    assert_eq!(verdict_with(&verifier, &token, &keys, NOW), "valid");
}

#[test]
fn issuer_is_compared_exactly() {
    assert_eq!(
        verdict_claims(json!({ "iss": format!("{ISSUER}/") })),
        "invalid_issuer"
    );
    assert_eq!(
        verdict_claims(json!({ "iss": ISSUER.to_uppercase() })),
        "invalid_issuer"
    );
    assert_eq!(
        verdict_claims(json!({ "iss": " https://acscallautomation.communication.azure.com" })),
        "invalid_issuer"
    );
    assert_eq!(verdict_claims(json!({ "iss": null })), "missing_claim");
    assert_eq!(verdict_claims(json!({ "iss": 1 })), "malformed_token");

    let escaped = payload_text().replace("https://", r"https:\/\/");
    assert!(escaped.contains(r"\/"));
    assert_eq!(verdict_raw(HEADER, &escaped), "valid");
    let unicode_escaped = payload_text().replace("https", r"\u0068ttps");
    assert_eq!(verdict_raw(HEADER, &unicode_escaped), "valid");
}

#[test]
fn duplicate_registered_claims_are_rejected() {
    let payload = payload_text();
    let duplicated = payload.replacen('{', r#"{"aud":"other","#, 1);
    assert_eq!(verdict_raw(HEADER, &duplicated), "malformed_token");
    let private_twice = payload.replacen('{', r#"{"x":1,"x":2,"#, 1);
    assert_eq!(verdict_raw(HEADER, &private_twice), "valid");
}

#[test]
fn numeric_date_forms() {
    let exp = NOW + 100;
    assert_eq!(verdict_claims(json!({ "exp": exp as f64 + 0.5 })), "valid");
    let float_payload =
        payload_text().replace(&format!("\"exp\":{}", NOW + 290), "\"exp\":1.7672259e9");
    assert_eq!(verdict_raw(HEADER, &float_payload), "valid");
    assert_eq!(
        verdict_claims(json!({ "exp": exp.to_string() })),
        "malformed_token"
    );
    assert_eq!(verdict_claims(json!({ "exp": true })), "malformed_token");
    assert_eq!(verdict_claims(json!({ "nbf": -1 })), "malformed_token");
    assert_eq!(verdict_claims(json!({ "iat": "0" })), "malformed_token");
    let null_exp = payload_text().replace(&format!("\"exp\":{}", NOW + 290), "\"exp\":null");
    assert_eq!(verdict_raw(HEADER, &null_exp), "malformed_token");
    assert_eq!(verdict_claims(json!({ "exp": null })), "missing_claim");
}

#[test]
fn overflowing_times_do_not_wrap() {
    assert_eq!(verdict_claims(json!({ "exp": u64::MAX })), "valid");
    let huge = payload_text().replace(&format!("\"exp\":{}", NOW + 290), "\"exp\":1e400");
    assert_eq!(verdict_raw(HEADER, &huge), "valid");
    let beyond = payload_text().replace(
        &format!("\"exp\":{}", NOW + 290),
        "\"exp\":184467440737095516160000",
    );
    assert_eq!(verdict_raw(HEADER, &beyond), "valid");
    assert_eq!(verdict_claims(json!({ "nbf": u64::MAX })), "not_yet_valid");
    assert_eq!(verdict_claims(json!({ "iat": u64::MAX })), "not_yet_valid");
    // A far-future `now` with a u64::MAX `exp` does not overflow `exp + leeway`.
    let key = key_a();
    let token = key.sign_claims(&claims_with(
        json!({ "exp": u64::MAX, "nbf": null, "iat": null }),
    ));
    assert_eq!(
        verdict_with(&verifier(), &token, &set(&[key.jwk()]), u64::MAX),
        "expired"
    );
}

#[test]
fn leeway_boundaries() {
    let key = key_a();
    let keys = set(&[key.jwk()]);
    let leeway = 60;
    let exp = NOW + 290;
    let token = key.sign_claims(&acs_claims());
    // `exp`: valid while now < exp + leeway.
    assert_eq!(
        verdict_with(&verifier(), &token, &keys, exp + leeway - 1),
        "valid"
    );
    assert_eq!(
        verdict_with(&verifier(), &token, &keys, exp + leeway),
        "expired"
    );
    // `nbf` and `iat`: valid once now + leeway >= value.
    let nbf = NOW - 10;
    assert_eq!(
        verdict_with(&verifier(), &token, &keys, nbf - leeway),
        "valid"
    );
    assert_eq!(
        verdict_with(&verifier(), &token, &keys, nbf - leeway - 1),
        "not_yet_valid"
    );

    let iat_future = key.sign_claims(&claims_with(json!({ "iat": NOW + leeway, "nbf": null })));
    assert_eq!(verdict(&iat_future, &keys), "valid");
    let iat_late = key.sign_claims(&claims_with(
        json!({ "iat": NOW + leeway + 1, "nbf": null }),
    ));
    assert_eq!(verdict(&iat_late, &keys), "not_yet_valid");

    // With zero leeway the boundary moves to exp itself.
    let strict = acs::builder(AUDIENCE)
        .leeway(Duration::ZERO)
        .build()
        .expect("valid");
    assert_eq!(verdict_with(&strict, &token, &keys, exp - 1), "valid");
    assert_eq!(verdict_with(&strict, &token, &keys, exp), "expired");
}

#[test]
fn expired_error_carries_the_values() {
    let key = key_a();
    let token = key.sign_claims(&acs_claims());
    let err = verifier()
        .verify(&token, &set(&[key.jwk()]), UnixTime::from_secs(NOW + 1_000))
        .unwrap_err();
    assert_eq!(
        err,
        Error::Expired {
            exp: NOW + 290,
            now: NOW + 1_000,
            leeway: 60
        }
    );
    assert_eq!(
        err.to_string(),
        "token expired at 1767225890, 710 s before now 1767226600 (leeway 60 s)"
    );
}

#[test]
fn missing_exp_is_rejected() {
    assert_eq!(verdict_claims(json!({ "exp": null })), "missing_claim");
    // nbf and iat are optional.
    assert_eq!(verdict_claims(json!({ "nbf": null, "iat": null })), "valid");
}

#[test]
fn maximum_age() {
    let key = key_a();
    let keys = set(&[key.jwk()]);
    let five_minutes = acs::builder(AUDIENCE)
        .max_age(Duration::from_secs(300))
        .build()
        .expect("valid");
    let webhook = key.sign_claims(&acs_claims());
    assert_eq!(verdict_with(&five_minutes, &webhook, &keys, NOW), "valid");
    let day = key.sign_claims(&claims_with(json!({ "exp": NOW - 10 + 86_400 })));
    assert_eq!(
        verdict_with(&five_minutes, &day, &keys, NOW),
        "token_too_old"
    );
    assert_eq!(verdict_with(&verifier(), &day, &keys, NOW), "valid");
    // Without iat the remaining lifetime counts.
    let no_iat = key.sign_claims(&claims_with(json!({ "iat": null, "exp": NOW + 301 })));
    assert_eq!(
        verdict_with(&five_minutes, &no_iat, &keys, NOW),
        "token_too_old"
    );
    assert_eq!(
        verdict_with(&five_minutes, &no_iat, &keys, NOW + 1),
        "valid"
    );
}

#[test]
fn builder_requires_an_audience_and_bounds_leeway() {
    use acs_jwt::ConfigError;
    assert_eq!(
        VerifierBuilder::new(ISSUER).build().unwrap_err(),
        ConfigError::NoAudience
    );
    assert_eq!(
        acs::builder(AUDIENCE)
            .leeway(Duration::from_secs(301))
            .build()
            .unwrap_err(),
        ConfigError::LeewayTooLarge { secs: 301 }
    );
    assert!(
        acs::builder(AUDIENCE)
            .leeway(Duration::from_secs(300))
            .build()
            .is_ok()
    );
    assert_eq!(
        VerifierBuilder::new(ISSUER)
            .audience("")
            .build()
            .unwrap_err(),
        ConfigError::EmptyValue
    );
}

#[test]
fn authorization_header_forms() {
    let key = key_a();
    let keys = set(&[key.jwk()]);
    let token = key.sign_claims(&acs_claims());
    let now = UnixTime::from_secs(NOW);
    for value in [
        format!("Bearer {token}"),
        format!("bearer {token}"),
        format!("BEARER   {token}  "),
        format!("Bearer {token}\t"),
    ] {
        assert!(
            verifier().verify_authorization(&value, &keys, now).is_ok(),
            "{value:.20}"
        );
    }
    for value in [
        token.clone(),
        format!("Basic {token}"),
        format!("Bearer\t{token}"),
        "Bearer".to_string(),
        "Bearer ".to_string(),
        format!("Bearer {token} extra"),
        format!("Bearer {token},"),
        format!("Bearer {token}, Bearer {token}"),
    ] {
        let err = verifier()
            .verify_authorization(&value, &keys, now)
            .unwrap_err();
        assert_eq!(err.code(), "invalid_authorization_header", "{value:.20}");
    }
}

#[test]
fn key_set_documents() {
    use acs_jwt::KeySetProblem;
    let code = |document: &[u8]| JwkSet::from_json(document).unwrap_err();
    assert!(matches!(
        code(b"not json"),
        Error::InvalidKeySet(KeySetProblem::Json(_))
    ));
    assert!(matches!(
        code(b"[]"),
        Error::InvalidKeySet(KeySetProblem::Json(_))
    ));
    assert_eq!(
        code(b"{}"),
        Error::InvalidKeySet(KeySetProblem::MissingKeys)
    );
    assert_eq!(
        code(br#"{"keys":{}}"#),
        Error::InvalidKeySet(KeySetProblem::MissingKeys)
    );
    assert!(matches!(
        code(br#"{"keys":[],"keys":[]}"#),
        Error::InvalidKeySet(KeySetProblem::Json(_))
    ));
    let too_many = jwks(&vec![
        json!({"kty": "oct"});
        acs_jwt::limits::MAX_JWKS_KEYS + 1
    ]);
    assert_eq!(
        code(&too_many),
        Error::InvalidKeySet(KeySetProblem::TooManyKeys)
    );
    let just_enough = jwks(&vec![json!({"kty": "oct"}); acs_jwt::limits::MAX_JWKS_KEYS]);
    assert_eq!(
        JwkSet::from_json(&just_enough)
            .expect("at the limit")
            .skipped()
            .len(),
        64
    );
    let huge = vec![b' '; acs_jwt::limits::MAX_JWKS_BYTES + 1];
    assert_eq!(code(&huge), Error::InvalidKeySet(KeySetProblem::TooLarge));
    let mut deep = String::from(r#"{"keys":[],"x":"#);
    deep.push_str(&"[".repeat(5_000));
    deep.push_str(&"]".repeat(5_000));
    deep.push('}');
    let deep_result = std::thread::Builder::new()
        .stack_size(64 * 1024)
        .spawn(move || JwkSet::from_json(deep.as_bytes()).map(|_| ()))
        .expect("thread spawns")
        .join()
        .expect("no stack overflow");
    assert_eq!(
        deep_result,
        Err(Error::InvalidKeySet(KeySetProblem::Json(
            acs_jwt::JsonProblem::TooDeep
        )))
    );
    assert!(
        JwkSet::from_json(br#"{"keys":[]}"#)
            .expect("empty set")
            .keys()
            .is_empty()
    );
}

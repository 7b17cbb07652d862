//! One test per limit in `acs_jwt::limits`: the input just under the limit passes that check
//! and the input just over it is rejected by it.
//!
//! An input over a size limit is filled with bytes that are not base64url or not JSON, so that
//! the size error (and not a decoding error) shows that the length was checked before any
//! decoding. Limits that `edge_cases.rs` already covers on both sides are only referenced
//! here: `DEFAULT_MAX_TOKEN_BYTES` (valid and rejected tokens), `MAX_JWKS_KEYS`,
//! `MAX_KEYS_PER_KID`, `MIN_MODULUS_BITS` (2047- and 1024-bit keys) and `MAX_LEEWAY_SECS`.

use std::time::Duration;

use acs_jwt::discovery::{DiscoveryProblem, OpenIdConfiguration};
use acs_jwt::limits::*;
use acs_jwt::{
    Claims, ConfigError, Error, JsonProblem, JwkSet, KeyRejection, KeySetProblem, Malformed,
    PreparedKey, UnixTime, Verifier, VerifierBuilder, acs,
};
use acs_jwt_tests::{AUDIENCE, ISSUER, NOW, TestKey, acs_claims, b64, jwks};
use serde_json::json;

fn verifier() -> Verifier {
    acs::verifier(AUDIENCE).expect("valid ACS configuration")
}

fn key_a() -> TestKey {
    TestKey::load("rsa2048-a")
}

fn now() -> UnixTime {
    UnixTime::from_secs(NOW)
}

/// Returns the encoded payload of a valid ACS token.
fn payload() -> String {
    b64(acs_claims().to_string().as_bytes())
}

/// Returns a signature-sized segment: 342 characters, the length of a 2048-bit signature.
fn signature() -> String {
    b64(&[1u8; 256])
}

/// Returns `count` characters that are not base64url.
fn junk(count: usize) -> String {
    "!".repeat(count)
}

/// Runs `check` on a thread with a 64 KiB stack and returns its result. A recursive parser
/// would overflow that stack on 5 000 levels of nesting.
fn on_small_stack<T: Send + 'static>(check: impl FnOnce() -> T + Send + 'static) -> T {
    std::thread::Builder::new()
        .stack_size(64 * 1024)
        .spawn(check)
        .expect("thread spawns")
        .join()
        .expect("no stack overflow")
}

/// Returns the value of a top-level member that makes its document `depth` levels deep:
/// `depth - 1` arrays around `1`, inside the top-level object.
fn nested_arrays(depth: usize) -> String {
    format!(
        "{}1{}",
        "[".repeat(depth.saturating_sub(1)),
        "]".repeat(depth.saturating_sub(1))
    )
}

#[test]
fn token_size_is_checked_before_decoding() {
    // DEFAULT_MAX_TOKEN_BYTES: edge_cases.rs shows the largest valid token passing; here the
    // oversized token is junk, so only the length check can reject it as too large.
    let limit = DEFAULT_MAX_TOKEN_BYTES;
    assert_eq!(
        verifier().check_structure(&junk(limit + 1)),
        Err(Error::TokenTooLarge {
            len: limit + 1,
            max: limit
        })
    );
    assert_eq!(
        verifier().check_structure(&junk(limit)),
        Err(Error::MalformedToken(Malformed::SegmentCount))
    );
}

#[test]
fn token_size_ceiling() {
    let build = |bytes| acs::builder(AUDIENCE).max_token_bytes(bytes).build();
    let largest = build(MAX_TOKEN_BYTES_LIMIT).expect("the ceiling itself is allowed");
    assert_eq!(
        build(MAX_TOKEN_BYTES_LIMIT + 1).unwrap_err(),
        ConfigError::InvalidMaxTokenBytes {
            bytes: MAX_TOKEN_BYTES_LIMIT + 1
        }
    );
    assert_eq!(
        build(0).unwrap_err(),
        ConfigError::InvalidMaxTokenBytes { bytes: 0 }
    );
    assert_eq!(
        largest.check_structure(&junk(MAX_TOKEN_BYTES_LIMIT + 1)),
        Err(Error::TokenTooLarge {
            len: MAX_TOKEN_BYTES_LIMIT + 1,
            max: MAX_TOKEN_BYTES_LIMIT
        })
    );
    assert_eq!(
        largest.check_structure(&junk(MAX_TOKEN_BYTES_LIMIT)),
        Err(Error::MalformedToken(Malformed::SegmentCount))
    );
}

/// Returns a header `{"alg":"RS256","kid":"rsa2048-a","p":"…"}` whose encoding is exactly
/// `encoded_len` characters long (a multiple of 4, so that every length is reachable).
fn header_of_encoded_len(encoded_len: usize) -> String {
    let base = r#"{"alg":"RS256","kid":"rsa2048-a","p":""}"#.len();
    let decoded_len = encoded_len / 4 * 3;
    let header = format!(
        r#"{{"alg":"RS256","kid":"rsa2048-a","p":"{}"}}"#,
        "x".repeat(decoded_len - base)
    );
    assert_eq!(b64(header.as_bytes()).len(), encoded_len);
    header
}

#[test]
fn header_segment_size() {
    let key = key_a();
    let keys = JwkSet::from_json(&jwks(&[key.jwk()])).expect("key set parses");
    let header = header_of_encoded_len(MAX_HEADER_BYTES);
    let token = key.sign(header.as_bytes(), acs_claims().to_string().as_bytes());
    assert!(verifier().verify(&token, &keys, now()).is_ok());

    let too_large = Err(Error::MalformedToken(Malformed::SegmentTooLarge {
        segment: "header",
    }));
    let over = format!(
        "{}.{}.{}",
        junk(MAX_HEADER_BYTES + 1),
        payload(),
        signature()
    );
    assert_eq!(verifier().check_structure(&over), too_large);
    let at = format!("{}.{}.{}", junk(MAX_HEADER_BYTES), payload(), signature());
    assert_eq!(
        verifier().check_structure(&at),
        Err(Error::MalformedToken(Malformed::Base64 {
            segment: "header"
        }))
    );
    let over_valid = header_of_encoded_len(MAX_HEADER_BYTES + 4);
    let over_valid = format!(
        "{}.{}.{}",
        b64(over_valid.as_bytes()),
        payload(),
        signature()
    );
    assert_eq!(verifier().check_structure(&over_valid), too_large);
}

#[test]
fn header_parameter_count() {
    let header = |count: usize| {
        let mut members = vec![r#""alg":"RS256""#.to_string()];
        members.extend((1..count).map(|i| format!(r#""p{i}":{i}"#)));
        format!("{{{}}}", members.join(","))
    };
    let token = |count: usize| {
        format!(
            "{}.{}.{}",
            b64(header(count).as_bytes()),
            payload(),
            signature()
        )
    };
    assert_eq!(
        verifier().check_structure(&token(MAX_HEADER_PARAMETERS)),
        Ok(())
    );
    assert_eq!(
        verifier().check_structure(&token(MAX_HEADER_PARAMETERS + 1)),
        Err(Error::MalformedToken(Malformed::TooManyHeaderParameters))
    );
}

#[test]
fn signature_segment_size() {
    let header = b64(br#"{"alg":"RS256","kid":"rsa2048-a"}"#);
    let token = |signature: &str| format!("{header}.{}.{signature}", payload());
    assert_eq!(
        verifier().check_structure(&token(&junk(MAX_SIGNATURE_BYTES + 1))),
        Err(Error::MalformedToken(Malformed::SegmentTooLarge {
            segment: "signature"
        }))
    );
    assert_eq!(
        verifier().check_structure(&token(&junk(MAX_SIGNATURE_BYTES))),
        Err(Error::MalformedToken(Malformed::Base64 {
            segment: "signature"
        }))
    );
    // 1366 characters are the encoding of a 1024-byte (8192-bit) signature.
    let largest = b64(&[1u8; 1024]);
    assert_eq!(largest.len(), MAX_SIGNATURE_BYTES);
    assert_eq!(verifier().check_structure(&token(&largest)), Ok(()));
}

#[test]
fn kid_length_in_token_and_key_set() {
    let keys = JwkSet::from_json(&jwks(&[key_a().jwk()])).expect("key set parses");
    let token = |kid: &str| {
        let header = json!({ "alg": "RS256", "kid": kid }).to_string();
        format!("{}.{}.{}", b64(header.as_bytes()), payload(), signature())
    };
    let longest = "k".repeat(MAX_KID_BYTES);
    assert_eq!(
        verifier().verify(&token(&longest), &keys, now()),
        Err(Error::UnknownKey {
            kid: Some(longest.clone())
        })
    );
    assert_eq!(
        verifier().verify(&token(&"k".repeat(MAX_KID_BYTES + 1)), &keys, now()),
        Err(Error::MalformedToken(Malformed::KidTooLong))
    );
    // The limit applies after unescaping: 256 characters written as `\u006b` pass.
    let escaped_header = format!(
        r#"{{"alg":"RS256","kid":"{}"}}"#,
        r"\u006b".repeat(MAX_KID_BYTES)
    );
    let escaped = format!(
        "{}.{}.{}",
        b64(escaped_header.as_bytes()),
        payload(),
        signature()
    );
    assert_eq!(
        verifier().verify(&escaped, &keys, now()),
        Err(Error::UnknownKey {
            kid: Some(longest.clone())
        })
    );

    let mut jwk = key_a().jwk();
    jwk["kid"] = json!(longest);
    let accepted = JwkSet::from_json(&jwks(&[jwk.clone()])).expect("set parses");
    assert_eq!(accepted.keys().len(), 1);
    jwk["kid"] = json!("k".repeat(MAX_KID_BYTES + 1));
    let skipped = JwkSet::from_json(&jwks(&[jwk])).expect("set parses");
    assert_eq!(
        skipped.skipped()[0].reason,
        KeyRejection::Malformed { member: "kid" }
    );
}

#[test]
fn json_depth_in_every_document() {
    let at_limit = nested_arrays(MAX_JSON_DEPTH);
    let over_limit = nested_arrays(MAX_JSON_DEPTH + 1);

    let header = |value: &str| format!(r#"{{"alg":"RS256","kid":"rsa2048-a","x":{value}}}"#);
    let token = |value: &str| {
        format!(
            "{}.{}.{}",
            b64(header(value).as_bytes()),
            payload(),
            signature()
        )
    };
    assert_eq!(verifier().check_structure(&token(&at_limit)), Ok(()));
    assert_eq!(
        verifier().check_structure(&token(&over_limit)),
        Err(Error::MalformedToken(Malformed::Json {
            segment: "header",
            problem: JsonProblem::TooDeep
        }))
    );

    let claims = |value: &str| format!(r#"{{"exp":1,"x":{value}}}"#);
    assert!(Claims::parse(claims(&at_limit).as_bytes()).is_ok());
    assert_eq!(
        Claims::parse(claims(&over_limit).as_bytes()),
        Err(Error::MalformedToken(Malformed::Json {
            segment: "payload",
            problem: JsonProblem::TooDeep
        }))
    );

    let key_set = |value: &str| format!(r#"{{"keys":[],"x":{value}}}"#);
    assert!(JwkSet::from_json(key_set(&at_limit).as_bytes()).is_ok());
    assert_eq!(
        JwkSet::from_json(key_set(&over_limit).as_bytes()).unwrap_err(),
        Error::InvalidKeySet(KeySetProblem::Json(JsonProblem::TooDeep))
    );

    let discovery = |value: &str| {
        format!(r#"{{"issuer":"{ISSUER}","jwks_uri":"https://issuer.example/keys","x":{value}}}"#)
    };
    let read =
        |document: String| OpenIdConfiguration::from_json(document.as_bytes(), ISSUER, false);
    assert!(read(discovery(&at_limit)).is_ok());
    assert_eq!(
        read(discovery(&over_limit)).unwrap_err(),
        DiscoveryProblem::Json(JsonProblem::TooDeep)
    );
}

#[test]
fn deep_nesting_does_not_grow_the_stack() {
    // 5 000 levels in the payload, the key set and the discovery document. edge_cases.rs runs
    // the same depth through a signed payload and a key set.
    let deep = nested_arrays(5_000);
    let too_deep = |segment| {
        Err(Error::MalformedToken(Malformed::Json {
            segment,
            problem: JsonProblem::TooDeep,
        }))
    };

    let claims = format!(r#"{{"exp":1,"x":{deep}}}"#);
    assert_eq!(
        on_small_stack(move || Claims::parse(claims.as_bytes())),
        too_deep("payload")
    );

    let key_set = format!(r#"{{"keys":[],"x":{deep}}}"#);
    assert_eq!(
        on_small_stack(move || JwkSet::from_json(key_set.as_bytes()).map(|_| ())),
        Err(Error::InvalidKeySet(KeySetProblem::Json(
            JsonProblem::TooDeep
        )))
    );

    let discovery = format!(r#"{{"issuer":"{ISSUER}","x":{deep}}}"#);
    assert_eq!(
        on_small_stack(move || {
            OpenIdConfiguration::from_json(discovery.as_bytes(), ISSUER, false).map(|_| ())
        }),
        Err(DiscoveryProblem::Json(JsonProblem::TooDeep))
    );

    // A 5 000-deep header is longer than the header segment limit, so it is rejected by size
    // before it is decoded. The deepest header that fits the limit still reaches the JSON
    // reader, which must stop at its depth limit without recursing.
    let verifier = acs::builder(AUDIENCE)
        .max_token_bytes(MAX_TOKEN_BYTES_LIMIT)
        .build()
        .expect("valid limit");
    let header_token = |depth: usize| {
        let header = format!(r#"{{"alg":"RS256","x":{}}}"#, nested_arrays(depth));
        format!("{}.{}.{}", b64(header.as_bytes()), payload(), signature())
    };
    // The decoded header is the fixed text, one `1` and two brackets per level below the top.
    let fixed = r#"{"alg":"RS256","x":1}"#.len();
    let deepest_fitting = (MAX_HEADER_BYTES / 4 * 3 - fixed) / 2 + 1;
    assert!(
        header_token(deepest_fitting)
            .split('.')
            .next()
            .map(str::len)
            <= Some(MAX_HEADER_BYTES)
    );
    assert!(deepest_fitting > 1_000, "{deepest_fitting}");
    let (fitting, too_long) = (header_token(deepest_fitting), header_token(5_000));
    let (fitting, too_long) = on_small_stack(move || {
        (
            verifier.check_structure(&fitting),
            verifier.check_structure(&too_long),
        )
    });
    assert_eq!(
        fitting,
        Err(Error::MalformedToken(Malformed::Json {
            segment: "header",
            problem: JsonProblem::TooDeep,
        }))
    );
    assert_eq!(
        too_long,
        Err(Error::MalformedToken(Malformed::SegmentTooLarge {
            segment: "header"
        }))
    );
}

#[test]
fn key_set_document_size() {
    // MAX_JWKS_BYTES: a valid set padded with spaces to exactly the limit parses; one byte
    // more of junk is rejected before the JSON reader runs.
    let mut document = jwks(&[key_a().jwk()]);
    document.resize(MAX_JWKS_BYTES, b' ');
    assert_eq!(
        JwkSet::from_json(&document)
            .expect("a set at the limit parses")
            .keys()
            .len(),
        1
    );
    assert_eq!(
        JwkSet::from_json(&vec![b'!'; MAX_JWKS_BYTES + 1]).unwrap_err(),
        Error::InvalidKeySet(KeySetProblem::TooLarge)
    );
}

#[test]
fn modulus_encoding_length() {
    // MAX_MODULUS_ENCODED_BYTES: a 2048-bit modulus with 1280 leading zero octets is exactly
    // 2048 characters and is accepted; a longer `n` is rejected before it is decoded.
    let key = key_a();
    let mut padded = vec![0u8; 1280];
    padded.extend(key.modulus());
    let n = b64(&padded);
    assert_eq!(n.len(), MAX_MODULUS_ENCODED_BYTES);
    let entry = |n: &str| json!({"kty": "RSA", "kid": "k", "n": n, "e": "AQAB"});
    let accepted = JwkSet::from_json(&jwks(&[entry(&n)])).expect("set parses");
    assert_eq!(accepted.keys()[0].modulus_bits(), 2048);

    let rejected =
        JwkSet::from_json(&jwks(&[entry(&junk(MAX_MODULUS_ENCODED_BYTES + 1))])).expect("parses");
    assert_eq!(
        rejected.skipped()[0].reason,
        KeyRejection::ModulusTooLarge {
            bits: MAX_MODULUS_BITS + 1
        }
    );
}

#[test]
fn modulus_bit_lengths() {
    // Only size and parity are checked when a key is prepared, so any odd number will do.
    let e = [1, 0, 1];
    let mut smallest = vec![0xFFu8; MIN_MODULUS_BITS / 8];
    smallest[0] = 0x80;
    assert_eq!(
        PreparedKey::from_components(&smallest, &e)
            .expect("2048 bits")
            .modulus_bits(),
        MIN_MODULUS_BITS
    );
    assert_eq!(
        PreparedKey::from_components(&smallest[1..], &e).unwrap_err(),
        KeyRejection::ModulusTooSmall {
            bits: MIN_MODULUS_BITS - 8
        }
    );
    let mut one_short = smallest.clone();
    one_short[0] = 0x7F;
    assert_eq!(
        PreparedKey::from_components(&one_short, &e).unwrap_err(),
        KeyRejection::ModulusTooSmall {
            bits: MIN_MODULUS_BITS - 1
        }
    );

    let largest = vec![0xFFu8; MAX_MODULUS_BITS / 8];
    assert_eq!(
        PreparedKey::from_components(&largest, &e)
            .expect("8192 bits")
            .modulus_bits(),
        MAX_MODULUS_BITS
    );
    let mut one_over = vec![0x01u8];
    one_over.extend(&largest);
    assert_eq!(
        PreparedKey::from_components(&one_over, &e).unwrap_err(),
        KeyRejection::ModulusTooLarge {
            bits: MAX_MODULUS_BITS + 1
        }
    );
}

#[test]
fn public_exponent_range() {
    let modulus = key_a().modulus();
    let prepare = |e: u64| {
        let bytes = e.to_be_bytes();
        PreparedKey::from_components(&modulus, &bytes).map(|_| ())
    };
    assert_eq!(prepare(MIN_PUBLIC_EXPONENT), Ok(()));
    assert_eq!(prepare(MAX_PUBLIC_EXPONENT), Ok(()));

    for rejected in [
        0,
        1,
        MIN_PUBLIC_EXPONENT - 1,
        65_536,
        MAX_PUBLIC_EXPONENT + 2,
        u64::MAX,
    ] {
        assert_eq!(
            prepare(rejected),
            Err(KeyRejection::InvalidExponent),
            "{rejected}"
        );
    }

    // Nine significant octets are rejected whatever their value.
    let mut nine = vec![1u8];
    nine.extend([0xFF; 8]);
    assert_eq!(
        PreparedKey::from_components(&modulus, &nine).unwrap_err(),
        KeyRejection::InvalidExponent
    );

    // In a key set, an `e` longer than 16 characters is rejected before it is decoded.
    let entry = json!({"kty": "RSA", "n": b64(&modulus), "e": junk(17)});
    let set = JwkSet::from_json(&jwks(&[entry])).expect("set parses");
    assert_eq!(set.skipped()[0].reason, KeyRejection::InvalidExponent);
}

#[test]
fn default_leeway() {
    assert_eq!(verifier().leeway_secs(), DEFAULT_LEEWAY_SECS);
    let key = key_a();
    let keys = JwkSet::from_json(&jwks(&[key.jwk()])).expect("key set parses");
    let token = key.sign_claims(&json!({ "iss": ISSUER, "aud": AUDIENCE, "exp": NOW }));
    // Valid while now < exp + leeway.
    let at = |secs: u64| verifier().verify(&token, &keys, UnixTime::from_secs(secs));
    assert!(at(NOW + DEFAULT_LEEWAY_SECS - 1).is_ok());
    assert_eq!(at(NOW + DEFAULT_LEEWAY_SECS).unwrap_err().code(), "expired");
}

#[test]
fn configured_audience_count() {
    let build = |count: usize| {
        (0..count)
            .fold(VerifierBuilder::new(ISSUER), |builder, i| {
                builder.audience(format!("audience-{i}"))
            })
            .build()
    };
    let verifier = build(MAX_CONFIGURED_AUDIENCES).expect("the maximum is allowed");
    assert_eq!(verifier.audiences().len(), MAX_CONFIGURED_AUDIENCES);
    assert_eq!(
        build(MAX_CONFIGURED_AUDIENCES + 1).unwrap_err(),
        ConfigError::TooManyAudiences
    );
    // The last configured audience still matches.
    let key = key_a();
    let keys = JwkSet::from_json(&jwks(&[key.jwk()])).expect("key set parses");
    let token = key.sign_claims(&json!({
        "iss": ISSUER,
        "aud": format!("audience-{}", MAX_CONFIGURED_AUDIENCES - 1),
        "exp": NOW + 10,
    }));
    assert!(verifier.verify(&token, &keys, now()).is_ok());
}

#[test]
fn discovery_document_size() {
    let document = json!({ "issuer": ISSUER, "jwks_uri": acs::JWKS_URL }).to_string();
    let mut at_limit = document.into_bytes();
    at_limit.resize(MAX_DISCOVERY_BYTES, b' ');
    assert!(OpenIdConfiguration::from_json(&at_limit, ISSUER, false).is_ok());
    assert_eq!(
        OpenIdConfiguration::from_json(&vec![b'!'; MAX_DISCOVERY_BYTES + 1], ISSUER, false)
            .unwrap_err(),
        DiscoveryProblem::TooLarge
    );
}

#[test]
fn leeway_ceiling_is_covered_by_edge_cases() {
    // MAX_LEEWAY_SECS is tested on both sides in edge_cases.rs; this pins the value the
    // README and SECURITY.md state.
    assert_eq!(MAX_LEEWAY_SECS, 300);
    assert_eq!(
        acs::builder(AUDIENCE)
            .leeway(Duration::from_secs(MAX_LEEWAY_SECS + 1))
            .build()
            .unwrap_err(),
        ConfigError::LeewayTooLarge {
            secs: MAX_LEEWAY_SECS + 1
        }
    );
}

//! The full verification path with a fixed key set and clock.
//!
//! Input: a compact token, or, when the first byte is 0xF0 or above, a header and a payload
//! separated by the first 0x00 byte, which the target signs with a test key (`rsa2048-a` for
//! an even first byte, `rsa2048-e3` for an odd one) so that the fuzzer can reach acceptance
//! by mutating JSON. Signing costs milliseconds in an instrumented build, and the fuzzer soon
//! fills its corpus with inputs of this form, so only one in eight of them (by a hash of the
//! input, so a rerun takes the same branch) is signed; the others carry a fixed signature that
//! does not verify. Signatures are also memoized.
//!
//! Invariants:
//! - anything accepted verifies under the `rsa` crate's PKCS#1 v1.5 verifier for the key
//!   with the reported `kid`, and a signature the `rsa` crate accepts for a fixture key is
//!   never reported as `invalid_signature`;
//! - an accepted token is at most the default size, has three canonical base64url segments,
//!   a header with unique names, `alg` RS256 and no `crit`, `b64` or `zip`, and claims, read
//!   by `serde_json`, with the issuer, an audience and times the verifier must require;
//! - the key-free checks (`check_structure`) reject exactly what verification rejects at
//!   steps 1 to 6, with the same error;
//! - every error has a listed code and a message.

#![no_main]

use acs_jwt::{Error, JwkSet, VerifiedToken};
use acs_jwt_fuzz::{
    AUDIENCE, Fixture, ISSUER, LEEWAY, NOW, all_named, as_string, b64, b64_decode, fixture,
    members, numeric_date_range,
};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let fixture = fixture();
    let token = match data.split_first() {
        Some((&selector, rest)) if selector >= 0xF0 => {
            let (header, payload) = match rest.iter().position(|&b| b == 0) {
                Some(at) => (&rest[..at], &rest[at + 1..]),
                None => (rest, &[][..]),
            };
            if fnv1a(rest) % 8 == 0 {
                fixture.sign(selector, header, payload)
            } else {
                format!("{}.{}.{}", b64(header), b64(payload), b64(&[0x5a; 256]))
            }
        }
        _ => match std::str::from_utf8(data) {
            Ok(token) => token.to_string(),
            Err(_) => return,
        },
    };
    let result = check(fixture, &token, &fixture.keys);
    // Tokens without a kid verify only against a set with exactly one key.
    if matches!(result, Err(Error::UnknownKey { kid: None })) {
        let _ = check(fixture, &token, &fixture.single);
    }
});

/// FNV-1a, 64-bit: a fixed, cheap hash.
fn fnv1a(bytes: &[u8]) -> u64 {
    bytes.iter().fold(0xcbf2_9ce4_8422_2325, |hash, &byte| {
        (hash ^ u64::from(byte)).wrapping_mul(0x0100_0000_01b3)
    })
}

fn check(fixture: &Fixture, token: &str, keys: &JwkSet) -> Result<VerifiedToken, Error> {
    let result = fixture.verifier.verify(token, keys, fixture.now());
    let structure = fixture.verifier.check_structure(token);
    match (&result, &structure) {
        (Ok(_), Err(err)) => panic!("accepted a token that check_structure rejects: {err}"),
        (Err(verify_err), Err(structure_err)) => assert_eq!(
            verify_err, structure_err,
            "verify and check_structure disagree on a structural error"
        ),
        _ => {}
    }
    match &result {
        Ok(verified) => check_accepted(fixture, token, keys, verified),
        Err(err) => {
            assert!(
                Error::CODES.contains(&err.code()),
                "unlisted code {}",
                err.code()
            );
            assert!(!err.to_string().is_empty());
            if *err == Error::InvalidSignature {
                assert_ne!(
                    reference_signature(fixture, token, keys),
                    Some(true),
                    "invalid_signature for a signature the rsa crate accepts"
                );
            }
            assert_eq!(
                err.refresh_may_help(),
                matches!(err, Error::UnknownKey { .. })
            );
        }
    }
    result
}

/// Returns the `rsa` crate's verdict on the token's signature for the key its header names,
/// when the token has three segments, a JSON header with a fixture `kid` and a decodable
/// signature. A token without a `kid` is checked against the only key of a one-key set.
fn reference_signature(fixture: &Fixture, token: &str, keys: &JwkSet) -> Option<bool> {
    let mut segments = token.split('.');
    let (header, payload, signature) = (segments.next()?, segments.next()?, segments.next()?);
    if segments.next().is_some() {
        return None;
    }
    let header_members = members(&b64_decode(header)?).ok()?;
    let kid = match all_named(&header_members, "kid").as_slice() {
        [raw] => as_string(raw)?,
        [] if keys.keys().len() == 1 => keys.keys()[0].kid()?.to_string(),
        _ => return None,
    };
    if !keys.contains_kid(&kid) {
        return None;
    }
    let signing_input = &token[..header.len() + 1 + payload.len()];
    fixture.reference_verifies(&kid, signing_input.as_bytes(), &b64_decode(signature)?)
}

fn check_accepted(fixture: &Fixture, token: &str, keys: &JwkSet, verified: &VerifiedToken) {
    assert!(token.len() <= acs_jwt::limits::DEFAULT_MAX_TOKEN_BYTES);
    let segments: Vec<&str> = token.split('.').collect();
    assert_eq!(segments.len(), 3, "accepted token without three segments");
    let mut decoded = Vec::new();
    for segment in &segments {
        let bytes = b64_decode(segment).expect("accepted segment is base64url");
        assert_eq!(b64(&bytes), *segment, "accepted a non-canonical segment");
        decoded.push(bytes);
    }
    assert_eq!(
        verified.payload(),
        decoded[1],
        "payload differs from its segment"
    );
    assert_eq!(
        verified.header_json(),
        decoded[0],
        "header differs from its segment"
    );

    // A token without a kid is verified by the only key of a one-key set.
    let key = &keys.keys()[verified.key_index()];
    let kid = key.kid().expect("every fixture key has a kid");
    let signing_input = &token[..segments[0].len() + 1 + segments[1].len()];
    assert_eq!(
        fixture.reference_verifies(kid, signing_input.as_bytes(), &decoded[2]),
        Some(true),
        "accepted a signature that the rsa crate rejects for kid {kid:?}"
    );

    check_header(&decoded[0], verified, kid);
    check_claims(&decoded[1]);
}

fn check_header(header: &[u8], verified: &VerifiedToken, kid: &str) {
    let header = members(header).expect("accepted header is a JSON object for serde_json");
    let mut names: Vec<&str> = header.iter().map(|(name, _)| name.as_str()).collect();
    names.sort_unstable();
    let before = names.len();
    names.dedup();
    assert_eq!(
        names.len(),
        before,
        "accepted a header with a duplicate name"
    );
    for name in ["crit", "b64", "zip"] {
        assert!(!names.contains(&name), "accepted a header with {name:?}");
    }
    let alg = all_named(&header, "alg");
    assert_eq!(alg.len(), 1);
    assert_eq!(as_string(alg[0]).as_deref(), Some("RS256"));
    let parsed = verified.header();
    assert_eq!(parsed.alg, "RS256");
    assert_eq!(parsed.kid, verified.kid());
    match all_named(&header, "kid").as_slice() {
        [raw] => {
            assert_eq!(as_string(raw).as_deref(), Some(kid), "kid differs");
            assert_eq!(parsed.kid.as_deref(), Some(kid));
        }
        [] => assert_eq!(parsed.kid, None),
        _ => unreachable!("duplicates were rejected above"),
    }
}

fn check_claims(payload: &[u8]) {
    let claims = members(payload).expect("accepted payload is a JSON object for serde_json");
    for name in ["iss", "sub", "aud", "exp", "nbf", "iat", "jti"] {
        assert!(all_named(&claims, name).len() <= 1, "{name} appears twice");
    }

    let iss = all_named(&claims, "iss");
    assert_eq!(
        as_string(iss[0]).as_deref(),
        Some(ISSUER),
        "accepted another issuer"
    );

    let aud = all_named(&claims, "aud")[0];
    let audiences = match as_string(aud) {
        Some(single) => vec![single],
        None => serde_json::from_str::<Vec<String>>(aud).expect("aud is a string or strings"),
    };
    assert!(
        audiences.iter().any(|value| value == AUDIENCE),
        "accepted another audience"
    );

    let exp = all_named(&claims, "exp");
    let (_, exp_high) = numeric_date_range(exp[0]).expect("exp is a non-negative number");
    assert!(
        NOW < exp_high.saturating_add(LEEWAY),
        "accepted an expired token"
    );
    for name in ["nbf", "iat"] {
        if let Some(raw) = all_named(&claims, name).first() {
            let (low, _) = numeric_date_range(raw).expect("a non-negative number");
            assert!(
                low <= NOW + LEEWAY,
                "accepted a token whose {name} is in the future"
            );
        }
    }
}

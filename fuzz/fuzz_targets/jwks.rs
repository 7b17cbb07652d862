//! JSON Web Key Set parsing and key preparation: `JwkSet::from_json`.
//!
//! Invariants:
//! - an accepted document is at most `MAX_JWKS_BYTES` long, a JSON object for `serde_json`
//!   with exactly one `keys` member, an array of at most `MAX_JWKS_KEYS` entries, and every
//!   entry is either a usable key or listed as skipped, in document order;
//! - every usable key has a modulus of 2048 to 8192 bits, and its entry, read by `serde_json`
//!   and `base64ct`, has `kty` RSA, canonical base64url `n` and `e`, an odd modulus of exactly
//!   that bit length, an odd exponent in [3, 2^33 − 1], `use`, `key_ops` and `alg` that allow
//!   RS256 signatures, and the same `kid`; the `rsa` crate accepts the same `n` and `e`;
//! - a skipped entry's reason matches what the entry holds;
//! - parsing is deterministic.

#![no_main]

use acs_jwt::limits::{
    MAX_JWKS_BYTES, MAX_JWKS_KEYS, MAX_KID_BYTES, MAX_MODULUS_BITS, MIN_MODULUS_BITS,
};
use acs_jwt::{Error, JwkSet, KeyRejection, PreparedKey};
use acs_jwt_fuzz::{all_named, as_string, b64_decode, members, reference_key, strip_leading_zeros};
use libfuzzer_sys::fuzz_target;
use serde_json::value::RawValue;

fuzz_target!(|data: &[u8]| {
    let result = JwkSet::from_json(data);
    let Ok(set) = result else {
        let err = result.unwrap_err();
        assert!(
            matches!(err, Error::InvalidKeySet(_)),
            "unexpected error {err:?}"
        );
        return;
    };
    assert!(data.len() <= MAX_JWKS_BYTES);

    let document = members(data).expect("accepted key set is a JSON object for serde_json");
    let keys = all_named(&document, "keys");
    assert_eq!(
        keys.len(),
        1,
        "accepted a set without exactly one keys member"
    );
    let entries: Vec<Box<RawValue>> =
        serde_json::from_str(keys[0]).expect("accepted keys member is an array");
    assert!(entries.len() <= MAX_JWKS_KEYS);
    assert_eq!(set.keys().len() + set.skipped().len(), entries.len());

    let mut usable = set.keys().iter();
    let mut skipped = set.skipped().iter().peekable();
    for (index, entry) in entries.iter().enumerate() {
        if skipped.peek().is_some_and(|skip| skip.index == index) {
            let skip = skipped.next().expect("peeked");
            check_skipped(entry.get(), &skip.reason);
        } else {
            let key = usable.next().expect("one usable key per entry not skipped");
            check_usable(entry.get(), key);
        }
    }
    assert!(
        skipped.next().is_none(),
        "skipped index out of order or range"
    );

    let again = JwkSet::from_json(data).expect("parsing is deterministic");
    assert_eq!(again.skipped(), set.skipped());
    let kids = |set: &JwkSet| -> Vec<(Option<String>, usize)> {
        set.keys()
            .iter()
            .map(|key| (key.kid().map(String::from), key.modulus_bits()))
            .collect()
    };
    assert_eq!(kids(&again), kids(&set));
});

fn member(entry: &[(String, Box<RawValue>)], name: &str) -> Option<String> {
    match all_named(entry, name).as_slice() {
        [] => None,
        [raw] => Some(raw.to_string()),
        _ => panic!("usable key with a duplicate {name:?}"),
    }
}

fn check_usable(entry: &str, key: &PreparedKey) {
    let bits = key.modulus_bits();
    assert!(
        (MIN_MODULUS_BITS..=MAX_MODULUS_BITS).contains(&bits),
        "{bits}-bit modulus"
    );

    let entry = members(entry.as_bytes()).expect("usable key is a JSON object");
    let text = |name: &str| member(&entry, name).map(|raw| as_string(&raw).expect("a string"));
    assert_eq!(text("kty").as_deref(), Some("RSA"));
    assert!(matches!(text("use").as_deref(), None | Some("sig")));
    assert!(matches!(text("alg").as_deref(), None | Some("RS256")));
    if let Some(raw) = member(&entry, "key_ops") {
        let ops: Vec<String> = serde_json::from_str(&raw).expect("key_ops is an array of strings");
        assert!(
            ops.iter().any(|op| op == "verify"),
            "usable key without verify in key_ops"
        );
    }
    let kid = text("kid");
    assert_eq!(key.kid(), kid.as_deref());
    assert!(kid.is_none_or(|kid| kid.len() <= MAX_KID_BYTES));

    let n = b64_decode(&text("n").expect("n")).expect("n is canonical base64url");
    let e = b64_decode(&text("e").expect("e")).expect("e is canonical base64url");
    let modulus = strip_leading_zeros(&n);
    assert_eq!(
        modulus.len() * 8 - modulus[0].leading_zeros() as usize,
        bits
    );
    assert_eq!(modulus[modulus.len() - 1] & 1, 1, "even modulus");
    let exponent = strip_leading_zeros(&e);
    assert!(exponent.len() <= 8);
    let e = exponent
        .iter()
        .fold(0u64, |acc, &b| (acc << 8) | u64::from(b));
    assert!(
        e & 1 == 1 && (3..=(1u64 << 33) - 1).contains(&e),
        "exponent {e}"
    );
    assert!(
        reference_key(&n, exponent).is_some(),
        "the rsa crate rejects this key"
    );
}

fn check_skipped(entry: &str, reason: &KeyRejection) {
    let Ok(entry) = members(entry.as_bytes()) else {
        // Not an object, or not one serde_json reads: only a malformed entry.
        assert!(
            matches!(reason, KeyRejection::Malformed { .. }),
            "{reason:?}"
        );
        return;
    };
    let unique = |name: &str| match all_named(&entry, name).as_slice() {
        [raw] => Some(raw.to_string()),
        _ => None,
    };
    match reason {
        KeyRejection::NotRsa { kty } => {
            let found = unique("kty")
                .and_then(|raw| as_string(&raw))
                .expect("kty string");
            assert_ne!(found, "RSA");
            assert!(found.starts_with(kty.as_str()));
        }
        KeyRejection::NotForSignatures => {
            let found = unique("use").and_then(|raw| as_string(&raw));
            assert_ne!(found.as_deref(), Some("sig"));
        }
        KeyRejection::OtherAlgorithm { .. } => {
            let found = unique("alg").and_then(|raw| as_string(&raw));
            assert_ne!(found.as_deref(), Some("RS256"));
        }
        KeyRejection::ModulusTooSmall { bits } => assert!(*bits < MIN_MODULUS_BITS),
        KeyRejection::ModulusTooLarge { bits } => assert!(*bits > MAX_MODULUS_BITS),
        _ => {}
    }
}

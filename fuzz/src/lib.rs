//! Fixtures and independent reference checks shared by the fuzz targets.
//!
//! The references come from other code than the crate under test: `serde_json` reads JSON,
//! `base64ct` decodes base64url, the `rsa` crate verifies and creates signatures, and `url`
//! parses URLs the way `reqwest` does. A target asserts that acs-jwt agrees with them.

use std::collections::HashMap;
use std::sync::{Mutex, OnceLock};

use acs_jwt::{JwkSet, UnixTime, Verifier, acs};
use base64ct::{Base64UrlUnpadded, Encoding};
use rsa::BoxedUint;
use rsa::pkcs1v15::{Signature, SigningKey, VerifyingKey};
use rsa::pkcs8::DecodePrivateKey;
use serde::de::{Deserializer, MapAccess, Visitor};
use serde_json::value::RawValue;
use sha2::Sha256;
use signature::{SignatureEncoding, Signer};

/// The verification time of the fixtures: 2026-01-01T00:00:00Z.
pub const NOW: u64 = 1_767_225_600;

/// The ACS issuer, as in every fixture.
pub const ISSUER: &str = acs::ISSUER;

/// The audience of the fixtures.
pub const AUDIENCE: &str = "4f5b9c34-1a9e-4b6e-9c2d-2f0a7e6d5c1b";

/// The verifier's leeway in seconds: the default.
pub const LEEWAY: u64 = acs_jwt::limits::DEFAULT_LEEWAY_SECS;

const ALL_KEYS: &str = include_str!("../../tests/data/jwks/all.json");
const ACS_KEYS: &str = include_str!("../../tests/data/jwks/acs.json");
const RSA2048_A: &str = include_str!("../../tests/data/keys/rsa2048-a.pem");
const RSA2048_E3: &str = include_str!("../../tests/data/keys/rsa2048-e3.pem");

/// Everything the targets share, built once per process.
pub struct Fixture {
    /// The ACS verifier for [`AUDIENCE`] with the default limits.
    pub verifier: Verifier,
    /// Every usable key of `jwks/all.json` and `jwks/acs.json`: five kids, unique.
    pub keys: JwkSet,
    /// `rsa2048-a` alone, for tokens without a `kid`.
    pub single: JwkSet,
    /// Reference verifiers by `kid`, built by the `rsa` crate from the same `n` and `e`.
    reference: HashMap<String, VerifyingKey<Sha256>>,
    /// Private keys for the signing branch: `rsa2048-a` (e = 65537) and `rsa2048-e3` (e = 3).
    signers: [SigningKey<Sha256>; 2],
    /// Signatures already made, by signing input, so a re-run input costs no signing.
    signatures: Mutex<HashMap<Vec<u8>, Vec<u8>>>,
}

/// The number of signatures kept in [`Fixture`]'s memo before it is cleared.
const MAX_MEMO_SIGNATURES: usize = 4096;

/// Returns the process-wide fixture.
pub fn fixture() -> &'static Fixture {
    static FIXTURE: OnceLock<Fixture> = OnceLock::new();
    FIXTURE.get_or_init(Fixture::load)
}

impl Fixture {
    fn load() -> Self {
        let mut entries = key_entries(ALL_KEYS);
        entries.extend(key_entries(ACS_KEYS));
        let document = serde_json::json!({ "keys": entries }).to_string();
        let keys = JwkSet::from_json(document.as_bytes()).expect("fixture key sets parse");

        let mut reference = HashMap::new();
        for entry in &entries {
            let kid = entry["kid"].as_str().expect("fixture keys have a kid");
            if !keys.contains_kid(kid) {
                continue;
            }
            let n = entry["n"].as_str().expect("n is a string");
            let e = entry["e"].as_str().expect("e is a string");
            let key = reference_key(&b64_decode(n).expect("n"), &b64_decode(e).expect("e"))
                .expect("the rsa crate accepts every key that acs-jwt uses");
            assert!(
                reference.insert(kid.to_string(), key).is_none(),
                "kids are unique"
            );
        }

        let single_entry = entries
            .iter()
            .find(|entry| entry["kid"] == "rsa2048-a")
            .expect("rsa2048-a is in all.json");
        let single_document = serde_json::json!({ "keys": [single_entry] }).to_string();
        let single = JwkSet::from_json(single_document.as_bytes()).expect("one key parses");

        let signer = |pem: &str| {
            let key = rsa::PrivateKey::from_pkcs8_pem(pem).expect("valid PKCS#8 test key");
            SigningKey::<Sha256>::new(key)
        };
        Self {
            verifier: acs::verifier(AUDIENCE).expect("valid ACS configuration"),
            keys,
            single,
            reference,
            signers: [signer(RSA2048_A), signer(RSA2048_E3)],
            signatures: Mutex::new(HashMap::new()),
        }
    }

    /// Returns the verification time.
    pub fn now(&self) -> UnixTime {
        UnixTime::from_secs(NOW)
    }

    /// Returns whether the `rsa` crate accepts `signature` over `message` for the key with
    /// this `kid`, or `None` when no fixture key has that `kid`.
    pub fn reference_verifies(&self, kid: &str, message: &[u8], signature: &[u8]) -> Option<bool> {
        let key = self.reference.get(kid)?;
        let Ok(signature) = Signature::try_from(signature) else {
            return Some(false);
        };
        Some(signature::Verifier::verify(key, message, &signature).is_ok())
    }

    /// Builds a compact token from raw header and payload bytes, signed with `rsa2048-a` when
    /// `selector` is even and with `rsa2048-e3` when it is odd.
    pub fn sign(&self, selector: u8, header: &[u8], payload: &[u8]) -> String {
        let signing_input = format!("{}.{}", b64(header), b64(payload));
        let mut memo = self.signatures.lock().expect("memo lock");
        let signature = match memo.get(signing_input.as_bytes()) {
            Some(signature) => signature.clone(),
            None => {
                let signer = &self.signers[usize::from(selector % 2)];
                let signature = signer.sign(signing_input.as_bytes()).to_vec();
                if memo.len() >= MAX_MEMO_SIGNATURES {
                    memo.clear();
                }
                memo.insert(signing_input.as_bytes().to_vec(), signature.clone());
                signature
            }
        };
        format!("{signing_input}.{}", b64(&signature))
    }
}

fn key_entries(document: &str) -> Vec<serde_json::Value> {
    let set: serde_json::Value = serde_json::from_str(document).expect("fixture JSON");
    set["keys"].as_array().expect("keys array").clone()
}

/// Builds the `rsa` crate's verifying key from a big-endian modulus and exponent, with the
/// modulus sizes acs-jwt accepts.
pub fn reference_key(modulus: &[u8], exponent: &[u8]) -> Option<VerifyingKey<Sha256>> {
    let modulus = strip_leading_zeros(modulus);
    let exponent = strip_leading_zeros(exponent);
    if modulus.is_empty() || exponent.len() > 8 {
        return None;
    }
    let precision = u32::try_from((modulus.len() * 8).next_multiple_of(64)).ok()?;
    let n = BoxedUint::from_be_slice(modulus, precision).ok()?;
    let e = exponent
        .iter()
        .fold(0u64, |acc, &byte| (acc << 8) | u64::from(byte));
    let key = rsa::PublicKey::new_with_size_limits(n, BoxedUint::from(e), 2048..=8192).ok()?;
    Some(VerifyingKey::new(key))
}

/// Returns `bytes` without leading zero octets.
pub fn strip_leading_zeros(bytes: &[u8]) -> &[u8] {
    let start = bytes.iter().position(|&b| b != 0).unwrap_or(bytes.len());
    &bytes[start..]
}

/// Encodes bytes as unpadded base64url with `base64ct`.
pub fn b64(bytes: &[u8]) -> String {
    Base64UrlUnpadded::encode_string(bytes)
}

/// Decodes canonical unpadded base64url with `base64ct`.
pub fn b64_decode(text: &str) -> Option<Vec<u8>> {
    Base64UrlUnpadded::decode_vec(text).ok()
}

/// Reads the members of a top-level JSON object with `serde_json`, in document order and with
/// duplicates kept: each unescaped name with its value's raw text.
///
/// Values are kept raw so that numbers outside the range of `f64` still read.
pub fn members(document: &[u8]) -> Result<Vec<(String, Box<RawValue>)>, serde_json::Error> {
    struct MembersVisitor;

    impl<'de> Visitor<'de> for MembersVisitor {
        type Value = Vec<(String, Box<RawValue>)>;

        fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
            f.write_str("a JSON object")
        }

        fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
            let mut out = Vec::new();
            while let Some(name) = map.next_key::<String>()? {
                let value: Box<RawValue> = map.next_value()?;
                out.push((name, value));
            }
            Ok(out)
        }
    }

    let mut deserializer = serde_json::Deserializer::from_slice(document);
    // serde_json stops at 128 levels; acs-jwt stops at 32, so this never hides a document
    // that acs-jwt accepts.
    let out = (&mut deserializer).deserialize_map(MembersVisitor)?;
    deserializer.end()?;
    Ok(out)
}

/// Returns the values of the members called `name`.
pub fn all_named<'a>(members: &'a [(String, Box<RawValue>)], name: &str) -> Vec<&'a str> {
    members
        .iter()
        .filter(|(member, _)| member == name)
        .map(|(_, value)| value.get())
        .collect()
}

/// Reads a raw JSON value as a string, if it is one.
pub fn as_string(raw: &str) -> Option<String> {
    serde_json::from_str::<String>(raw).ok()
}

/// Returns the maximum nesting depth of a JSON document that `serde_json` accepted, counting
/// the top-level container as 1.
pub fn json_depth(document: &[u8]) -> usize {
    let (mut depth, mut max, mut in_string, mut escaped) = (0usize, 0usize, false, false);
    for &byte in document {
        if in_string {
            match (escaped, byte) {
                (true, _) => escaped = false,
                (false, b'\\') => escaped = true,
                (false, b'"') => in_string = false,
                _ => {}
            }
            continue;
        }
        match byte {
            b'"' => in_string = true,
            b'{' | b'[' => {
                depth += 1;
                max = max.max(depth);
            }
            b'}' | b']' => depth = depth.saturating_sub(1),
            _ => {}
        }
    }
    max
}

/// The range a NumericDate written as `raw` must read as, in whole seconds: exact for
/// plain integers, and otherwise near `ceil` of the `f64` value, because `f64` cannot hold every
/// decimal. Returns `None` for a negative or non-numeric value.
pub fn numeric_date_range(raw: &str) -> Option<(u64, u64)> {
    let raw = raw.trim();
    if raw.starts_with('-') {
        return None;
    }
    if !raw.is_empty() && raw.bytes().all(|b| b.is_ascii_digit()) {
        let value = raw.trim_start_matches('0').parse::<u64>().unwrap_or(
            if raw.trim_start_matches('0').is_empty() {
                0
            } else {
                u64::MAX
            },
        );
        return Some((value, value));
    }
    let value: f64 = raw.parse().ok()?;
    let ceiling = value.ceil();
    // One second, or two units in the last place where f64 is coarser than a second.
    let tolerance = (value * f64::EPSILON * 2.0).max(1.0);
    // f64 -> u64 casts saturate, so values beyond u64::MAX read as u64::MAX.
    let low = (ceiling - tolerance).max(0.0) as u64;
    let high = (ceiling + tolerance) as u64;
    Some((low, high))
}

//! The inputs every benchmark shares: an ACS-shaped token, raw signatures and a key set.

use std::time::{SystemTime, UNIX_EPOCH};

use acs_jwt::{JwkSet, PreparedKey};
use acs_jwt_tests::{AUDIENCE, ISSUER, TestKey, b64, data};
use serde_json::{Value, json};

/// The `kid` of `rsa2048-a` in `tests/data/jwks/acs.json`: 40 characters, like the ACS key ids.
pub const ACS_KID: &str = "acs-2026-a-Q7mK2pL9vR4tW8zN3bF6hJ1dS5gC0";

/// Lifetime of the benchmark token, in seconds.
///
/// ACS tokens live 5 minutes, but some peers check `exp` against the system clock, and a
/// benchmark run can take longer than that. The lifetime does not change the work done.
pub const TOKEN_LIFETIME_SECS: u64 = 3600;

/// Returns the current time from the system clock in whole seconds since the Unix epoch.
pub fn current_time() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .expect("system clock is after 1970")
        .as_secs()
}

/// An ACS-shaped token, valid at `now`, and what each verifier needs to check it.
pub struct AcsToken {
    /// The compact token.
    pub token: String,
    /// The verification time in Unix seconds.
    pub now: u64,
    /// The big-endian modulus of the signing key.
    pub modulus: Vec<u8>,
    /// The big-endian public exponent of the signing key.
    pub exponent: Vec<u8>,
    /// `tests/data/jwks/acs.json`: the signing key and a second one, both with `x5c`.
    pub key_set: JwkSet,
}

impl AcsToken {
    /// Signs a token with `rsa2048-a` under [`ACS_KID`]: header `alg`, `kid` and `typ`; claims
    /// `iss`, `aud`, `iat`, `nbf` and `exp`, issued 10 s before `now`.
    pub fn new(now: u64) -> Self {
        let key = TestKey::load("rsa2048-a").with_kid(ACS_KID);
        let iat = now - 10;
        let claims = json!({
            "aud": AUDIENCE,
            "iss": ISSUER,
            "iat": iat,
            "nbf": iat,
            "exp": iat + TOKEN_LIFETIME_SECS,
        });
        let key_set =
            JwkSet::from_json(&data("jwks/acs.json")).expect("tests/data/jwks/acs.json parses");
        assert!(key_set.contains_kid(ACS_KID), "acs.json lists {ACS_KID}");
        Self {
            token: key.sign_claims(&claims),
            now,
            modulus: key.modulus(),
            exponent: key.exponent(),
            key_set,
        }
    }

    /// The bytes the signature covers: `header.payload`.
    pub fn signing_input(&self) -> &[u8] {
        let end = self
            .token
            .rfind('.')
            .expect("compact token has three segments");
        &self.token.as_bytes()[..end]
    }
}

/// A message signed with RSASSA-PKCS1-v1_5 SHA-256 by one of the test keys.
pub struct SignedMessage {
    /// The big-endian modulus.
    pub modulus: Vec<u8>,
    /// The big-endian public exponent.
    pub exponent: Vec<u8>,
    /// The signed bytes.
    pub message: Vec<u8>,
    /// The signature, as long as the modulus.
    pub signature: Vec<u8>,
}

impl SignedMessage {
    /// Signs `message` with `tests/data/keys/{key_name}.pem`.
    pub fn new(key_name: &str, message: &[u8]) -> Self {
        let key = TestKey::load(key_name);
        Self {
            modulus: key.modulus(),
            exponent: key.exponent(),
            message: message.to_vec(),
            signature: key.sign_raw(message),
        }
    }

    /// Prepares the key with this crate.
    pub fn prepared_key(&self) -> PreparedKey {
        PreparedKey::from_components(&self.modulus, &self.exponent).expect("test key is usable")
    }
}

/// Returns a key set document of about 10 KB: `rsa2048-a`, `rsa2048-b`, `rsa3072` and
/// `rsa4096`, each with `use`, `alg`, `kid`, `x5t` and an `x5c` chain of two certificates.
///
/// The certificates are the two from `tests/data/jwks/acs.json`, reused for every key: the key
/// set parser reads `x5c` only to skip it, so their contents do not matter here.
pub fn jwks_document() -> Vec<u8> {
    let acs: Value =
        serde_json::from_slice(&data("jwks/acs.json")).expect("tests/data/jwks/acs.json is JSON");
    let certificates: Vec<Value> = acs["keys"]
        .as_array()
        .expect("keys array")
        .iter()
        .map(|key| key["x5c"][0].clone())
        .collect();
    let keys: Vec<Value> = ["rsa2048-a", "rsa2048-b", "rsa3072", "rsa4096"]
        .iter()
        .enumerate()
        .map(|(index, name)| {
            let key = TestKey::load(name);
            json!({
                "kty": "RSA",
                "use": "sig",
                "alg": "RS256",
                "kid": format!("{name}-{}", &ACS_KID[..30]),
                "n": b64(&key.modulus()),
                "e": b64(&key.exponent()),
                "x5t": acs["keys"][index % 2]["x5t"],
                "x5c": [certificates[index % 2], certificates[(index + 1) % 2]],
            })
        })
        .collect();
    serde_json::to_vec(&json!({ "keys": keys })).expect("serializes")
}

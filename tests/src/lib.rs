//! Helpers shared by the cross-crate tests: fixture loading and token signing.
//!
//! Tokens are signed with the `rsa` crate's private-key operations and the test keys in
//! `data/keys/`, which are published test keys and protect nothing.

use std::path::PathBuf;

use base64ct::{Base64UrlUnpadded, Encoding};
use rsa::pkcs1v15::SigningKey;
use rsa::pkcs8::DecodePrivateKey;
use rsa::traits::PublicKeyParts;
use serde_json::{Value, json};
use sha2::{Digest, Sha256};
use signature::SignatureEncoding;
use signature::hazmat::PrehashSigner;

/// The verification time of the fixtures: 2026-01-01T00:00:00Z.
pub const NOW: u64 = 1_767_225_600;

/// The ACS issuer, as in every fixture.
pub const ISSUER: &str = "https://acscallautomation.communication.azure.com";

/// The audience of the fixtures: an ACS immutable resource id.
pub const AUDIENCE: &str = "4f5b9c34-1a9e-4b6e-9c2d-2f0a7e6d5c1b";

/// Returns the path of a file under `tests/data`.
pub fn data_path(relative: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("data")
        .join(relative)
}

/// Reads a file under `tests/data`.
pub fn data(relative: &str) -> Vec<u8> {
    let path = data_path(relative);
    std::fs::read(&path).unwrap_or_else(|err| panic!("cannot read {}: {err}", path.display()))
}

/// Encodes bytes as unpadded base64url.
pub fn b64(bytes: &[u8]) -> String {
    Base64UrlUnpadded::encode_string(bytes)
}

/// Decodes a hexadecimal string.
pub fn hex(text: &str) -> Vec<u8> {
    assert!(text.len().is_multiple_of(2), "odd-length hex {text:?}");
    (0..text.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&text[i..i + 2], 16).expect("hex digits"))
        .collect()
}

/// A test private key and the `kid` it is published under.
pub struct TestKey {
    key: rsa::PrivateKey,
    /// The key id used in key sets and token headers.
    pub kid: String,
}

impl TestKey {
    /// Loads `data/keys/{name}.pem`; the `kid` is `name`.
    pub fn load(name: &str) -> Self {
        let pem = String::from_utf8(data(&format!("keys/{name}.pem"))).expect("PEM is text");
        let key = rsa::PrivateKey::from_pkcs8_pem(&pem).expect("valid PKCS#8 test key");
        Self {
            key,
            kid: name.to_string(),
        }
    }

    /// The same key under another `kid`.
    pub fn with_kid(mut self, kid: &str) -> Self {
        self.kid = kid.to_string();
        self
    }

    /// The big-endian modulus without leading zero octets.
    pub fn modulus(&self) -> Vec<u8> {
        strip_zeros(self.key.n().as_ref().to_be_bytes().to_vec())
    }

    /// The big-endian public exponent without leading zero octets.
    pub fn exponent(&self) -> Vec<u8> {
        strip_zeros(self.key.e().to_be_bytes().to_vec())
    }

    /// The public JWK: `kty`, `kid`, `n` and `e`.
    pub fn jwk(&self) -> Value {
        json!({
            "kty": "RSA",
            "kid": self.kid,
            "n": b64(&self.modulus()),
            "e": b64(&self.exponent()),
        })
    }

    /// Signs `message` with RSASSA-PKCS1-v1_5 SHA-256.
    pub fn sign_raw(&self, message: &[u8]) -> Vec<u8> {
        let signer = SigningKey::<Sha256>::new(self.key.clone());
        let digest = Sha256::digest(message);
        signer
            .sign_prehash(&digest)
            .expect("signing with a valid test key")
            .to_vec()
    }

    /// Builds a compact token from literal header and payload bytes, signed by this key.
    pub fn sign(&self, header: &[u8], payload: &[u8]) -> String {
        let signing_input = format!("{}.{}", b64(header), b64(payload));
        let signature = self.sign_raw(signing_input.as_bytes());
        format!("{signing_input}.{}", b64(&signature))
    }

    /// Signs `claims` under the header `{"alg":"RS256","kid":<kid>,"typ":"JWT"}`.
    pub fn sign_claims(&self, claims: &Value) -> String {
        let header = json!({"alg": "RS256", "kid": self.kid, "typ": "JWT"});
        self.sign(header.to_string().as_bytes(), claims.to_string().as_bytes())
    }
}

fn strip_zeros(mut bytes: Vec<u8>) -> Vec<u8> {
    let leading = bytes.iter().take_while(|&&b| b == 0).count();
    bytes.drain(..leading);
    bytes
}

/// A key set document holding `keys`.
pub fn jwks(keys: &[Value]) -> Vec<u8> {
    json!({ "keys": keys }).to_string().into_bytes()
}

/// ACS-shaped claims valid at [`NOW`]: issued 10 s earlier, valid for 5 minutes.
pub fn acs_claims() -> Value {
    let iat = NOW - 10;
    json!({
        "iss": ISSUER,
        "aud": AUDIENCE,
        "iat": iat,
        "nbf": iat,
        "exp": iat + 300,
    })
}

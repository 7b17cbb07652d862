//! Signing the demo callbacks with RS256 (RSASSA-PKCS1-v1_5 with SHA-256, RFC 7518 §3.3).

use acs_jwt::base64url_encode;
use rsa::pkcs1v15::SigningKey;
use rsa::pkcs8::DecodePrivateKey;
use rsa::signature::{SignatureEncoding, Signer};
use rsa::traits::PublicKeyParts;
use serde_json::{Value, json};
use sha2::Sha256;

use crate::output::Failure;

// These are TEST keys, published in this repository with the test fixtures. They protect
// nothing, and the demo prints that in its output. Embedding them keeps the demo free of key
// generation, which takes seconds in debug builds.
// NOTE: the paths leave the crate directory, so `cargo package` cannot build this crate alone.
const TEST_KEY_A_PEM: &str = include_str!("../../../tests/data/keys/rsa2048-a.pem");
const TEST_KEY_B_PEM: &str = include_str!("../../../tests/data/keys/rsa2048-b.pem");

/// The files of the embedded keys, for the demo output.
pub(crate) const TEST_KEY_FILES: &str =
    "tests/data/keys/rsa2048-a.pem and tests/data/keys/rsa2048-b.pem";

/// Length of an RS256 signature made with a 2048-bit key, in bytes.
const SIGNATURE_BYTES: usize = 256;

/// A private key that signs demo callbacks, and the `kid` it is published under.
pub(crate) struct DemoKey {
    signing_key: SigningKey<Sha256>,
    pub(crate) kid: &'static str,
}

impl DemoKey {
    /// Loads the key that signs from the start: the test key `rsa2048-a`.
    pub(crate) fn first() -> Result<Self, Failure> {
        Self::from_pem(TEST_KEY_A_PEM, "demo-key-a")
    }

    /// Loads the key that the issuer adds in its key rotation: the test key `rsa2048-b`.
    pub(crate) fn rotated() -> Result<Self, Failure> {
        Self::from_pem(TEST_KEY_B_PEM, "demo-key-b")
    }

    fn from_pem(pem: &str, kid: &'static str) -> Result<Self, Failure> {
        let signing_key = SigningKey::<Sha256>::from_pkcs8_pem(pem).map_err(|error| {
            Failure::config(format!(
                "failed to parse the embedded test key {kid}: {error}"
            ))
        })?;
        Ok(Self { signing_key, kid })
    }

    /// Returns the public key as a JWK, shaped like an ACS key set entry.
    pub(crate) fn jwk(&self) -> Value {
        let key = self.signing_key.as_ref();
        json!({
            "kty": "RSA",
            "use": "sig",
            "alg": "RS256",
            "kid": self.kid,
            "n": base64url_encode(without_leading_zeros(&key.n().as_ref().to_be_bytes())),
            "e": base64url_encode(without_leading_zeros(&key.e().to_be_bytes())),
        })
    }

    /// Signs `claims` under the header `{"alg":"RS256","kid":...,"typ":"JWT"}`.
    pub(crate) fn sign(&self, claims: &Value) -> Result<String, Failure> {
        let signing_input = signing_input(self.kid, claims);
        let signature = self
            .signing_key
            .try_sign(signing_input.as_bytes())
            .map_err(|error| {
                Failure::config(format!(
                    "failed to sign with test key {}: {error}",
                    self.kid
                ))
            })?;
        Ok(format!(
            "{signing_input}.{}",
            base64url_encode(&signature.to_vec())
        ))
    }
}

/// Builds a token with the header `kid` and a made-up signature, as a flood from someone
/// without a signing key would. The verifier finds no key for the `kid`, so it never reaches
/// the signature.
pub(crate) fn forged(kid: &str, claims: &Value) -> String {
    let signing_input = signing_input(kid, claims);
    let signature = [0x5a_u8; SIGNATURE_BYTES];
    format!("{signing_input}.{}", base64url_encode(&signature))
}

/// Builds a JSON Web Key Set document with the public keys of `keys`.
pub(crate) fn key_set(keys: &[&DemoKey]) -> Vec<u8> {
    let keys: Vec<Value> = keys.iter().map(|key| key.jwk()).collect();
    json!({ "keys": keys }).to_string().into_bytes()
}

fn signing_input(kid: &str, claims: &Value) -> String {
    let header = json!({ "alg": "RS256", "kid": kid, "typ": "JWT" });
    format!(
        "{}.{}",
        base64url_encode(header.to_string().as_bytes()),
        base64url_encode(claims.to_string().as_bytes())
    )
}

/// Strips leading zero octets, because JWK `n` and `e` are minimal big-endian integers
/// (RFC 7518 §6.3.1).
fn without_leading_zeros(bytes: &[u8]) -> &[u8] {
    let leading = bytes.iter().take_while(|&&byte| byte == 0).count();
    &bytes[leading..]
}

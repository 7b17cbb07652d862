//! Other crates' verifiers, each set up once and then asked to verify the same token or
//! signature as acs-jwt.
//!
//! Every full-token verifier checks the signature, `iss`, `aud`, `exp` and `nbf` with a leeway
//! of 60 s. Peers that read the system clock get a token that is valid now. A peer is handed
//! the right key directly, while acs-jwt selects it by `kid` from a two-key set, so the peers
//! skip that step.

use std::sync::Once;
use std::sync::atomic::{AtomicBool, Ordering};

use acs_jwt_tests::{AUDIENCE, ISSUER, b64};
use serde::Deserialize;

use crate::fixtures::SignedMessage;

/// The claims that the serde-based peers deserialize.
#[derive(Deserialize)]
pub struct AcsClaims {
    /// The issuer.
    pub iss: String,
    /// The audience.
    pub aud: String,
}

/// A backend of `jsonwebtoken`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum JsonwebtokenBackend {
    /// `aws_lc_rs`: AWS-LC through aws-lc-rs.
    AwsLcRs,
    /// `rust_crypto`: the `rsa` 0.10 crate.
    RustCrypto,
}

/// `jsonwebtoken::decode` with a prepared `DecodingKey` and `Validation`.
///
/// jsonwebtoken picks its backend from a process-wide `CryptoProvider`, which can be installed
/// once. To measure both backends in one process, the installed provider forwards each call to
/// the backend of the `Jsonwebtoken` whose `verify` is running, which costs one relaxed atomic
/// load per token.
pub struct Jsonwebtoken {
    backend: JsonwebtokenBackend,
    key: jsonwebtoken::DecodingKey,
    validation: jsonwebtoken::Validation,
}

/// The jsonwebtoken backend that the forwarding provider calls.
static USE_AWS_LC_RS: AtomicBool = AtomicBool::new(true);

fn forward_verifier(
    algorithm: &jsonwebtoken::Algorithm,
    key: &jsonwebtoken::DecodingKey,
) -> jsonwebtoken::errors::Result<Box<dyn jsonwebtoken::crypto::JwtVerifier>> {
    use jsonwebtoken::crypto::{aws_lc, rust_crypto};
    if USE_AWS_LC_RS.load(Ordering::Relaxed) {
        (aws_lc::DEFAULT_PROVIDER.verifier_factory)(algorithm, key)
    } else {
        (rust_crypto::DEFAULT_PROVIDER.verifier_factory)(algorithm, key)
    }
}

fn install_forwarding_provider() {
    static INSTALL: Once = Once::new();
    INSTALL.call_once(|| {
        let aws_lc = &jsonwebtoken::crypto::aws_lc::DEFAULT_PROVIDER;
        let provider = jsonwebtoken::crypto::CryptoProvider {
            signer_factory: aws_lc.signer_factory,
            verifier_factory: forward_verifier,
            key_utils: aws_lc.key_utils.clone(),
        };
        Box::leak(Box::new(provider))
            .install_default()
            .expect("no other jsonwebtoken provider is installed");
    });
}

impl Jsonwebtoken {
    /// Prepares the key from its components and a validation for the ACS issuer and audience.
    pub fn new(backend: JsonwebtokenBackend, modulus: &[u8], exponent: &[u8]) -> Self {
        install_forwarding_provider();
        let key = jsonwebtoken::DecodingKey::from_rsa_components(&b64(modulus), &b64(exponent))
            .expect("valid RSA components");
        let mut validation = jsonwebtoken::Validation::new(jsonwebtoken::Algorithm::RS256);
        validation.set_audience(&[AUDIENCE]);
        validation.set_issuer(&[ISSUER]);
        validation.set_required_spec_claims(&["exp", "iss", "aud"]);
        validation.validate_nbf = true;
        validation.leeway = 60;
        Self {
            backend,
            key,
            validation,
        }
    }

    /// Verifies `token` against the system clock.
    pub fn verify(&self, token: &str) -> bool {
        USE_AWS_LC_RS.store(
            self.backend == JsonwebtokenBackend::AwsLcRs,
            Ordering::Relaxed,
        );
        jsonwebtoken::decode::<AcsClaims>(token, &self.key, &self.validation).is_ok()
    }
}

/// `jwt-simple` with its `pure-rust` feature.
pub struct JwtSimple {
    key: jwt_simple::prelude::RS256PublicKey,
    options: jwt_simple::prelude::VerificationOptions,
}

impl JwtSimple {
    /// Prepares the key and the verification options for the ACS issuer and audience.
    pub fn new(modulus: &[u8], exponent: &[u8]) -> Self {
        use jwt_simple::prelude::{Duration, RS256PublicKey, VerificationOptions};
        let key = RS256PublicKey::from_components(modulus, exponent).expect("valid components");
        let options = VerificationOptions {
            allowed_issuers: Some([ISSUER.to_string()].into()),
            allowed_audiences: Some([AUDIENCE.to_string()].into()),
            time_tolerance: Some(Duration::from_secs(60)),
            ..VerificationOptions::default()
        };
        Self { key, options }
    }

    /// Verifies `token` against the system clock.
    pub fn verify(&self, token: &str) -> bool {
        use jwt_simple::prelude::{NoCustomClaims, RSAPublicKeyLike};
        self.key
            .verify_token::<NoCustomClaims>(token, Some(self.options.clone()))
            .is_ok()
    }
}

/// `jwt-compact` 0.8 with its `rsa` feature (the `rsa` 0.9 crate).
pub struct JwtCompact {
    key: jwt_compact::alg::RsaPublicKey,
}

impl JwtCompact {
    /// Builds the `rsa` 0.9 public key.
    pub fn new(modulus: &[u8], exponent: &[u8]) -> Self {
        use rsa_0_9::BigUint;
        let key = jwt_compact::alg::RsaPublicKey::new(
            BigUint::from_bytes_be(modulus),
            BigUint::from_bytes_be(exponent),
        )
        .expect("valid components");
        Self { key }
    }

    /// Verifies `token` against the system clock. jwt-compact checks the signature and the
    /// times; the issuer and audience are compared here.
    pub fn verify(&self, token: &str) -> bool {
        use jwt_compact::{AlgorithmExt, TimeOptions, UntrustedToken};
        let Ok(untrusted) = UntrustedToken::new(token) else {
            return false;
        };
        let Ok(token) = jwt_compact::alg::Rsa::rs256()
            .validator::<AcsClaims>(&self.key)
            .validate(&untrusted)
        else {
            return false;
        };
        let claims = token.claims();
        let options = TimeOptions::default();
        claims.validate_expiration(&options).is_ok()
            && claims.validate_maturity(&options).is_ok()
            && claims.custom.iss == ISSUER
            && claims.custom.aud == AUDIENCE
    }
}

/// `rsa` 0.10 `pkcs1v15::VerifyingKey<Sha256>`.
pub struct RustCryptoRsa {
    key: rsa::pkcs1v15::VerifyingKey<sha2::Sha256>,
}

impl RustCryptoRsa {
    /// Builds the public key, which also precomputes its Montgomery parameters.
    pub fn new(modulus: &[u8], exponent: &[u8]) -> Self {
        let n = rsa::BoxedUint::from_be_slice_vartime(modulus);
        let e = rsa::BoxedUint::from_be_slice_vartime(exponent);
        let key = rsa::PublicKey::new(n, e).expect("valid components");
        Self {
            key: rsa::pkcs1v15::VerifyingKey::new(key),
        }
    }

    /// Verifies an RSASSA-PKCS1-v1_5 SHA-256 signature.
    pub fn verify(&self, message: &[u8], signature: &[u8]) -> bool {
        use signature::Verifier;
        let Ok(signature) = rsa::pkcs1v15::Signature::try_from(signature) else {
            return false;
        };
        self.key.verify(message, &signature).is_ok()
    }
}

/// An aws-lc-rs `ParsedPublicKey`, which keeps the parsed key (and, after the first
/// verification, AWS-LC's cached Montgomery context) between verifications.
pub struct AwsLcRs {
    key: aws_lc_rs::signature::ParsedPublicKey,
}

impl AwsLcRs {
    /// Parses the key from its components.
    pub fn new(modulus: &[u8], exponent: &[u8]) -> Self {
        let components = aws_lc_rs::signature::RsaPublicKeyComponents {
            n: modulus,
            e: exponent,
        };
        let key = components
            .to_parsed_public_key(&aws_lc_rs::signature::RSA_PKCS1_2048_8192_SHA256)
            .expect("valid components");
        Self { key }
    }

    /// Verifies an RSASSA-PKCS1-v1_5 SHA-256 signature.
    pub fn verify(&self, message: &[u8], signature: &[u8]) -> bool {
        self.key.verify_sig(message, signature).is_ok()
    }
}

/// ring 0.17 `RsaPublicKeyComponents::verify`. ring keeps no parsed RSA public key between
/// calls, so each verification also parses the key and computes its Montgomery parameters.
pub fn ring_verify(signed: &SignedMessage) -> bool {
    let components = ring::signature::RsaPublicKeyComponents {
        n: &signed.modulus,
        e: &signed.exponent,
    };
    components
        .verify(
            &ring::signature::RSA_PKCS1_2048_8192_SHA256,
            &signed.message,
            &signed.signature,
        )
        .is_ok()
}

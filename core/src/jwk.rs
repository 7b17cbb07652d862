//! One JSON Web Key (RFC 7517 §4, RFC 7518 §6.3) and its prepared RSA verifying key.

use alloc::string::String;
use alloc::vec::Vec;
use core::fmt;

use crate::base64url;
use crate::error::Error;
use crate::json::{self, Kind, Members, Value};
use crate::limits::{
    MAX_KID_BYTES, MAX_MODULUS_BITS, MAX_MODULUS_ENCODED_BYTES, MAX_PUBLIC_EXPONENT,
    MIN_MODULUS_BITS, MIN_PUBLIC_EXPONENT,
};
use crate::rsa_verify::RsaPublicKey;

/// An RSA public key that passed every usability rule, with its Montgomery parameters
/// computed once so that each verification does no key setup.
#[derive(Clone)]
pub struct PreparedKey {
    kid: Option<String>,
    modulus_bits: usize,
    public_key: RsaPublicKey,
}

/// Why a key was not usable. Unusable entries are skipped; they never make a set invalid.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum KeyRejection {
    /// `kty` is not `RSA`.
    NotRsa {
        /// The `kty` value, truncated to 64 bytes.
        kty: String,
    },
    /// `use` is present and not `sig`.
    NotForSignatures,
    /// `key_ops` is present and does not contain `verify`.
    VerifyNotAllowed,
    /// `alg` is present and not `RS256`.
    OtherAlgorithm {
        /// The `alg` value, truncated to 64 bytes.
        alg: String,
    },
    /// The modulus is shorter than [`MIN_MODULUS_BITS`].
    ModulusTooSmall {
        /// The modulus length in bits.
        bits: usize,
    },
    /// The modulus is longer than [`MAX_MODULUS_BITS`].
    ModulusTooLarge {
        /// The modulus length in bits, or a lower bound when the encoding itself was too long.
        bits: usize,
    },
    /// The modulus is even, so it cannot be a product of two odd primes.
    EvenModulus,
    /// The public exponent is even, or outside [3, 2^33 − 1].
    InvalidExponent,
    /// A member is missing, has the wrong type, is not canonical base64url, or appears twice.
    Malformed {
        /// The member name.
        member: &'static str,
    },
}

impl fmt::Display for KeyRejection {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::NotRsa { kty } => write!(f, "kty {kty:?} is not RSA"),
            Self::NotForSignatures => f.write_str("use is not \"sig\""),
            Self::VerifyNotAllowed => f.write_str("key_ops does not contain \"verify\""),
            Self::OtherAlgorithm { alg } => write!(f, "alg {alg:?} is not RS256"),
            Self::ModulusTooSmall { bits } => {
                write!(f, "modulus is {bits} bits, fewer than {MIN_MODULUS_BITS}")
            }
            Self::ModulusTooLarge { bits } => {
                write!(f, "modulus is {bits} bits, more than {MAX_MODULUS_BITS}")
            }
            Self::EvenModulus => f.write_str("modulus is even"),
            Self::InvalidExponent => write!(
                f,
                "public exponent is even or outside {MIN_PUBLIC_EXPONENT}..={MAX_PUBLIC_EXPONENT}"
            ),
            Self::Malformed { member } => write!(f, "member {member:?} is missing or invalid"),
        }
    }
}

impl PreparedKey {
    /// Prepares a key from the big-endian modulus and public exponent.
    ///
    /// Leading zero octets are ignored in both. The modulus must be odd and between
    /// [`MIN_MODULUS_BITS`] and [`MAX_MODULUS_BITS`] bits long by its integer bit length; the
    /// exponent must be odd and between [`MIN_PUBLIC_EXPONENT`] and [`MAX_PUBLIC_EXPONENT`].
    pub fn from_components(modulus: &[u8], exponent: &[u8]) -> Result<Self, KeyRejection> {
        let modulus = strip_leading_zeros(modulus);
        let modulus_bits = match modulus.first() {
            Some(&top) => modulus.len() * 8 - top.leading_zeros() as usize,
            None => 0,
        };
        if modulus_bits < MIN_MODULUS_BITS {
            return Err(KeyRejection::ModulusTooSmall { bits: modulus_bits });
        }
        if modulus_bits > MAX_MODULUS_BITS {
            return Err(KeyRejection::ModulusTooLarge { bits: modulus_bits });
        }
        if modulus.last().is_some_and(|low| low & 1 == 0) {
            return Err(KeyRejection::EvenModulus);
        }

        let exponent = strip_leading_zeros(exponent);
        if exponent.len() > 8 {
            return Err(KeyRejection::InvalidExponent);
        }
        let e = exponent
            .iter()
            .fold(0u64, |acc, &byte| (acc << 8) | u64::from(byte));
        if e & 1 == 0 || !(MIN_PUBLIC_EXPONENT..=MAX_PUBLIC_EXPONENT).contains(&e) {
            return Err(KeyRejection::InvalidExponent);
        }

        // The checks above leave nothing for `RsaPublicKey::new` to reject; map a failure to a
        // rejection all the same rather than panicking.
        let public_key =
            RsaPublicKey::new(modulus, e).ok_or(KeyRejection::Malformed { member: "n" })?;
        Ok(Self {
            kid: None,
            modulus_bits,
            public_key,
        })
    }

    /// Sets the key id used to match tokens' `kid`.
    pub fn with_kid(mut self, kid: impl Into<String>) -> Self {
        self.kid = Some(kid.into());
        self
    }

    /// The key id, if the key has one.
    pub fn kid(&self) -> Option<&str> {
        self.kid.as_deref()
    }

    /// The modulus length in bits.
    pub fn modulus_bits(&self) -> usize {
        self.modulus_bits
    }

    /// Verifies an RSASSA-PKCS1-v1_5 SHA-256 signature (RFC 8017 §8.2.2) over `message`.
    ///
    /// The signature must be exactly as long as the modulus. A failure says only that the
    /// signature is invalid.
    pub fn verify_rs256(&self, message: &[u8], signature: &[u8]) -> Result<(), Error> {
        if self.public_key.verify_pkcs1v15_sha256(message, signature) {
            Ok(())
        } else {
            Err(Error::InvalidSignature)
        }
    }

    /// Reads and prepares one entry of a key set.
    pub(crate) fn from_jwk(value: Value<'_>) -> Result<Self, (Option<String>, KeyRejection)> {
        let jwk = JwkMembers::read(value).map_err(|reason| (None, reason))?;
        let kid = jwk.kid.clone();
        jwk.prepare().map_err(|reason| (kid, reason))
    }
}

impl fmt::Debug for PreparedKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("PreparedKey")
            .field("kid", &self.kid)
            .field("modulus_bits", &self.modulus_bits)
            .finish_non_exhaustive()
    }
}

fn strip_leading_zeros(bytes: &[u8]) -> &[u8] {
    let start = bytes.iter().position(|&b| b != 0).unwrap_or(bytes.len());
    &bytes[start..]
}

/// The members of a JWK this crate reads, still encoded.
#[derive(Default)]
struct JwkMembers<'a> {
    kty: Option<String>,
    use_: Option<String>,
    key_ops: Option<Vec<String>>,
    alg: Option<String>,
    kid: Option<String>,
    n: Option<&'a [u8]>,
    e: Option<&'a [u8]>,
}

impl<'a> JwkMembers<'a> {
    fn read(value: Value<'a>) -> Result<Self, KeyRejection> {
        if value.kind != Kind::Object {
            return Err(KeyRejection::Malformed { member: "key" });
        }
        let mut jwk = JwkMembers::default();
        let mut names: Vec<String> = Vec::new();
        for member in Members::new(value) {
            let (name, value) = member.map_err(|_| KeyRejection::Malformed { member: "key" })?;
            let name = json::unescape(name)
                .map_err(|_| KeyRejection::Malformed { member: "key" })?
                .into_owned();
            match name.as_str() {
                "kty" => jwk.kty = Some(text(&value, "kty")?),
                "use" => jwk.use_ = Some(text(&value, "use")?),
                "alg" => jwk.alg = Some(text(&value, "alg")?),
                "kid" => {
                    let kid = text(&value, "kid")?;
                    if kid.len() > MAX_KID_BYTES {
                        return Err(KeyRejection::Malformed { member: "kid" });
                    }
                    jwk.kid = Some(kid);
                }
                "key_ops" => jwk.key_ops = Some(text_array(value, "key_ops")?),
                "n" => jwk.n = Some(base64_text(&value, "n")?),
                "e" => jwk.e = Some(base64_text(&value, "e")?),
                _ => {}
            }
            names.push(name);
        }
        names.sort_unstable();
        if names.windows(2).any(|pair| pair[0] == pair[1]) {
            return Err(KeyRejection::Malformed { member: "key" });
        }
        Ok(jwk)
    }

    fn prepare(self) -> Result<PreparedKey, KeyRejection> {
        match self.kty.as_deref() {
            Some("RSA") => {}
            Some(other) => {
                return Err(KeyRejection::NotRsa {
                    kty: crate::error::truncated(other, 64),
                });
            }
            None => return Err(KeyRejection::Malformed { member: "kty" }),
        }
        if self.use_.as_deref().is_some_and(|value| value != "sig") {
            return Err(KeyRejection::NotForSignatures);
        }
        if let Some(ops) = &self.key_ops {
            if !ops.iter().any(|op| op == "verify") {
                return Err(KeyRejection::VerifyNotAllowed);
            }
        }
        if let Some(alg) = self.alg.as_deref() {
            if alg != "RS256" {
                return Err(KeyRejection::OtherAlgorithm {
                    alg: crate::error::truncated(alg, 64),
                });
            }
        }
        let n = self.n.ok_or(KeyRejection::Malformed { member: "n" })?;
        let e = self.e.ok_or(KeyRejection::Malformed { member: "e" })?;
        if n.len() > MAX_MODULUS_ENCODED_BYTES {
            return Err(KeyRejection::ModulusTooLarge {
                bits: MAX_MODULUS_BITS + 1,
            });
        }
        if e.len() > 16 {
            return Err(KeyRejection::InvalidExponent);
        }
        let n = base64url::decode(n).ok_or(KeyRejection::Malformed { member: "n" })?;
        let e = base64url::decode(e).ok_or(KeyRejection::Malformed { member: "e" })?;
        let key = PreparedKey::from_components(&n, &e)?;
        Ok(match self.kid {
            Some(kid) => key.with_kid(kid),
            None => key,
        })
    }
}

fn text(value: &Value<'_>, member: &'static str) -> Result<String, KeyRejection> {
    match json::string_value(value) {
        Some(Ok(text)) => Ok(text.into_owned()),
        _ => Err(KeyRejection::Malformed { member }),
    }
}

fn text_array(value: Value<'_>, member: &'static str) -> Result<Vec<String>, KeyRejection> {
    if value.kind != Kind::Array {
        return Err(KeyRejection::Malformed { member });
    }
    let mut items = Vec::new();
    for element in Members::new(value) {
        let (_, element) = element.map_err(|_| KeyRejection::Malformed { member })?;
        items.push(text(&element, member)?);
    }
    Ok(items)
}

/// Returns the contents of a base64url string member. Base64url text never needs JSON escapes,
/// so a member that contains one is rejected instead of unescaped.
fn base64_text<'a>(value: &Value<'a>, member: &'static str) -> Result<&'a [u8], KeyRejection> {
    if value.kind != Kind::String {
        return Err(KeyRejection::Malformed { member });
    }
    let inner = &value.raw[1..value.raw.len() - 1];
    if inner.contains(&b'\\') {
        return Err(KeyRejection::Malformed { member });
    }
    Ok(inner)
}

//! RSASSA-PKCS1-v1_5 SHA-256 signature verification (RFC 8017 §8.2.2) on a prepared key.
//!
//! The key's Montgomery parameters are computed once, when the key is prepared, and a
//! verification allocates nothing. The arithmetic is variable-time, which is safe only because
//! every input is public; see [`montgomery`].
//!
//! The decoded signature is compared byte for byte with the one valid encoding of the message
//! (EMSA-PKCS1-v1_5, RFC 8017 §9.2). No ASN.1 is parsed, so encodings that differ in any byte,
//! such as a DigestInfo without the NULL parameters, are rejected.

mod montgomery;

use sha2::{Digest, Sha256};

use crate::limits::{MAX_MODULUS_BITS, MIN_MODULUS_BITS};
use montgomery::{MAX_MODULUS_BYTES, Modulus};

/// The DER encoding of the SHA-256 DigestInfo up to the digest itself (RFC 8017 §9.2, note 1).
const SHA256_DIGEST_INFO_PREFIX: [u8; 19] = [
    0x30, 0x31, 0x30, 0x0d, 0x06, 0x09, 0x60, 0x86, 0x48, 0x01, 0x65, 0x03, 0x04, 0x02, 0x01, 0x05,
    0x00, 0x04, 0x20,
];

/// The length of the DigestInfo for SHA-256: the prefix and the 32-byte digest.
const DIGEST_INFO_LEN: usize = SHA256_DIGEST_INFO_PREFIX.len() + 32;

/// The shortest encoded message: `00 01`, at least 8 bytes of `FF`, `00` and the DigestInfo
/// (RFC 8017 §9.2, step 3).
const MIN_ENCODED_LEN: usize = DIGEST_INFO_LEN + 11;

// Every modulus size that `PreparedKey` accepts has a Montgomery width and fits the encoding.
const _: () = assert!(MAX_MODULUS_BITS <= MAX_MODULUS_BYTES * 8);
const _: () = assert!(MIN_MODULUS_BITS >= MIN_ENCODED_LEN * 8);

/// An RSA public key with its Montgomery parameters.
#[derive(Clone)]
pub(crate) struct RsaPublicKey {
    modulus: Modulus,
    exponent: u64,
}

impl RsaPublicKey {
    /// Prepares a key from the big-endian modulus, without leading zero octets, and the
    /// public exponent.
    ///
    /// Returns `None` when the modulus is even, wider than 8192 bits or too short to hold a
    /// SHA-256 encoding. The caller checks the size and exponent policy.
    pub(crate) fn new(modulus: &[u8], exponent: u64) -> Option<Self> {
        if modulus.len() < MIN_ENCODED_LEN {
            return None;
        }
        Some(Self {
            modulus: Modulus::new(modulus)?,
            exponent,
        })
    }

    /// Verifies an RSASSA-PKCS1-v1_5 SHA-256 signature over `message` (RFC 8017 §8.2.2).
    ///
    /// Returns `false` when the signature is not exactly as long as the modulus, when it is
    /// not below the modulus, or when the recovered encoding differs from the expected one.
    pub(crate) fn verify_pkcs1v15_sha256(&self, message: &[u8], signature: &[u8]) -> bool {
        let len = self.modulus.byte_len();
        if signature.len() != len {
            return false;
        }
        let digest = Sha256::digest(message);
        let mut buffer = [0u8; MAX_MODULUS_BYTES];
        let Some(expected) = buffer.get_mut(..len) else {
            return false;
        };
        encode_pkcs1v15_sha256(&digest, expected);
        self.modulus
            .power_equals(signature, self.exponent, expected)
    }
}

/// Writes EMSA-PKCS1-v1_5 with SHA-256 (RFC 8017 §9.2) of `digest` into all of `out`:
/// `00 01 FF…FF 00 || DigestInfo prefix || digest`. `out` must be at least
/// [`MIN_ENCODED_LEN`] bytes long.
fn encode_pkcs1v15_sha256(digest: &[u8], out: &mut [u8]) {
    let padding_end = out.len() - DIGEST_INFO_LEN - 1;
    out[0] = 0x00;
    out[1] = 0x01;
    out[2..padding_end].fill(0xFF);
    out[padding_end] = 0x00;
    let (prefix, hash) = out[padding_end + 1..].split_at_mut(SHA256_DIGEST_INFO_PREFIX.len());
    prefix.copy_from_slice(&SHA256_DIGEST_INFO_PREFIX);
    hash.copy_from_slice(digest);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn encoding_matches_rfc_8017_layout() {
        let digest = [0xAB; 32];
        let mut out = [0x55; 256];
        encode_pkcs1v15_sha256(&digest, &mut out);
        assert_eq!(out[..2], [0x00, 0x01]);
        assert!(out[2..256 - 52].iter().all(|&b| b == 0xFF));
        assert_eq!(out[256 - 52], 0x00);
        assert_eq!(out[256 - 51..256 - 32], SHA256_DIGEST_INFO_PREFIX);
        assert_eq!(out[256 - 32..], digest);
    }

    #[test]
    fn shortest_encoding_has_eight_padding_bytes() {
        let mut out = [0x55; MIN_ENCODED_LEN];
        encode_pkcs1v15_sha256(&[0; 32], &mut out);
        assert_eq!(out[2..10], [0xFF; 8]);
        assert_eq!(out[10], 0x00);
    }

    #[test]
    fn rejects_short_or_even_moduli() {
        assert!(RsaPublicKey::new(&[0xFF; MIN_ENCODED_LEN - 1], 3).is_none());
        assert!(RsaPublicKey::new(&[0xFF; MIN_ENCODED_LEN], 3).is_some());
        let mut even = [0xFF; 256];
        even[255] = 0xFE;
        assert!(RsaPublicKey::new(&even, 65537).is_none());
    }

    #[test]
    fn rejects_wrong_signature_length() {
        let key = RsaPublicKey::new(&[0xFF; 256], 65537).expect("odd modulus");
        assert!(!key.verify_pkcs1v15_sha256(b"message", &[0x01; 255]));
        assert!(!key.verify_pkcs1v15_sha256(b"message", &[0x01; 257]));
        assert!(!key.verify_pkcs1v15_sha256(b"message", &[]));
    }
}

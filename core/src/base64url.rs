//! Strict unpadded base64url (RFC 7515 §2, RFC 4648 §5).
//!
//! Decoding accepts only the canonical encoding: no `=` padding, no `+` or `/`, no whitespace,
//! and no non-zero bits after the last full octet, so each byte string has exactly one
//! encoding. `base64ct` enforces all of these; the tests below pin that behaviour.

use alloc::vec;
use alloc::vec::Vec;
use base64ct::{Base64UrlUnpadded, Encoding};

/// Returns the number of bytes that `encoded_len` characters of unpadded base64url decode to.
pub(crate) fn decoded_len(encoded_len: usize) -> usize {
    encoded_len / 4 * 3 + (encoded_len % 4 * 3) / 4
}

/// Decodes `src` into a new vector, or returns `None` when it is not canonical base64url.
pub(crate) fn decode(src: &[u8]) -> Option<Vec<u8>> {
    let mut out = vec![0u8; decoded_len(src.len())];
    let len = Base64UrlUnpadded::decode(src, &mut out).ok()?.len();
    out.truncate(len);
    Some(out)
}

/// Decodes `src` into `dst` and returns the decoded bytes, or `None` when `src` is not
/// canonical base64url or does not fit.
pub(crate) fn decode_into<'d>(src: &[u8], dst: &'d mut [u8]) -> Option<&'d [u8]> {
    let len = decoded_len(src.len());
    let dst = dst.get_mut(..len)?;
    Base64UrlUnpadded::decode(src, dst)
        .ok()
        .map(|decoded| &*decoded)
}

/// Encodes `src` as unpadded base64url.
pub fn encode(src: &[u8]) -> alloc::string::String {
    Base64UrlUnpadded::encode_string(src)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trip_all_lengths() {
        let data: Vec<u8> = (0u8..=255).collect();
        for len in 0..40 {
            let encoded = encode(&data[..len]);
            assert_eq!(decoded_len(encoded.len()), len);
            assert_eq!(decode(encoded.as_bytes()).as_deref(), Some(&data[..len]));
        }
    }

    #[test]
    fn rejects_padding_and_standard_alphabet() {
        assert!(decode(b"YQ==").is_none());
        assert!(decode(b"YQ=").is_none());
        assert!(decode(b"-_-_").is_some());
        assert!(decode(b"+/+/").is_none());
    }

    #[test]
    fn rejects_whitespace() {
        assert!(decode(b"YW Jj").is_none());
        assert!(decode(b"YWJj\n").is_none());
        assert!(decode(b" YWJj").is_none());
    }

    #[test]
    fn rejects_non_zero_trailing_bits() {
        // "YQ" is the canonical encoding of "a"; "YR" decodes to the same byte with a stray bit.
        assert!(decode(b"YQ").is_some());
        assert!(decode(b"YR").is_none());
        assert!(decode(b"YWI").is_some());
        assert!(decode(b"YWJ").is_none());
    }

    #[test]
    fn rejects_impossible_length() {
        assert!(decode(b"Y").is_none());
        assert!(decode(b"YWJjZ").is_none());
    }
}

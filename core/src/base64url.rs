//! Strict unpadded base64url (RFC 7515 §2, RFC 4648 §5).
//!
//! Decoding accepts only the canonical encoding: no `=` padding, no `+` or `/`, no whitespace,
//! and no non-zero bits after the last full octet, so each byte string has exactly one
//! encoding.
//!
//! Decoding uses a lookup table and branches on the input, so it is not constant-time: token
//! segments and key set members are public data. That is about four times faster than
//! `base64ct`'s constant-time decoder (measured in `benches/`), which encodes, and is the
//! reference in the tests below.

use alloc::vec;
use alloc::vec::Vec;
use base64ct::{Base64UrlUnpadded, Encoding};

/// Returns the number of bytes that `encoded_len` characters of unpadded base64url decode to.
pub(crate) fn decoded_len(encoded_len: usize) -> usize {
    encoded_len / 4 * 3 + (encoded_len % 4 * 3) / 4
}

/// Marks a byte outside the base64url alphabet in [`DECODE_TABLE`].
const INVALID: u8 = 0xFF;

/// The 6-bit value of each base64url character, or [`INVALID`].
const DECODE_TABLE: [u8; 256] = {
    let mut table = [INVALID; 256];
    let alphabet = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
    let mut index = 0;
    while index < 64 {
        table[alphabet[index] as usize] = index as u8;
        index += 1;
    }
    table
};

/// Decodes `src` into a new vector, or returns `None` when it is not canonical base64url.
pub(crate) fn decode(src: &[u8]) -> Option<Vec<u8>> {
    let mut out = vec![0u8; decoded_len(src.len())];
    decode_into(src, &mut out)?;
    Some(out)
}

/// Decodes `src` into `dst` and returns the decoded bytes, or `None` when `src` is not
/// canonical base64url or does not fit.
pub(crate) fn decode_into<'d>(src: &[u8], dst: &'d mut [u8]) -> Option<&'d [u8]> {
    // One leftover character cannot carry a whole octet.
    if src.len() % 4 == 1 {
        return None;
    }
    let len = decoded_len(src.len());
    let dst = dst.get_mut(..len)?;
    let mut chunks = src.chunks_exact(4);
    let mut written = 0;
    for chunk in chunks.by_ref() {
        let a = sextet(chunk[0])?;
        let b = sextet(chunk[1])?;
        let c = sextet(chunk[2])?;
        let d = sextet(chunk[3])?;
        let group = (a << 18) | (b << 12) | (c << 6) | d;
        dst[written] = (group >> 16) as u8;
        dst[written + 1] = (group >> 8) as u8;
        dst[written + 2] = group as u8;
        written += 3;
    }
    match *chunks.remainder() {
        [] => {}
        [first, second] => {
            let group = (sextet(first)? << 6) | sextet(second)?;
            // 12 bits carry one octet; the low 4 bits must be zero.
            if group & 0x0F != 0 {
                return None;
            }
            dst[written] = (group >> 4) as u8;
        }
        [first, second, third] => {
            let group = (sextet(first)? << 12) | (sextet(second)? << 6) | sextet(third)?;
            // 18 bits carry two octets; the low 2 bits must be zero.
            if group & 0x03 != 0 {
                return None;
            }
            dst[written] = (group >> 10) as u8;
            dst[written + 1] = (group >> 2) as u8;
        }
        _ => return None,
    }
    Some(dst)
}

fn sextet(byte: u8) -> Option<u32> {
    let value = DECODE_TABLE[usize::from(byte)];
    (value != INVALID).then_some(u32::from(value))
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

    /// Checks every string of up to three characters over the alphabet plus characters that
    /// base64 variants and sloppy encoders use, against `base64ct`'s strict decoder.
    #[test]
    fn matches_base64ct_exhaustively_for_short_inputs() {
        let mut characters: Vec<u8> =
            b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_".to_vec();
        characters.extend_from_slice(b"+/= .\n\0\xff");
        let mut checked = 0;
        let mut input = Vec::new();
        for len in 0..=3 {
            let count = characters.len().pow(len as u32);
            for mut number in 0..count {
                input.clear();
                for _ in 0..len {
                    input.push(characters[number % characters.len()]);
                    number /= characters.len();
                }
                let mut expected = [0u8; 3];
                let reference = Base64UrlUnpadded::decode(&input, &mut expected).ok();
                assert_eq!(decode(&input).as_deref(), reference, "{input:?}");
                checked += 1;
            }
        }
        assert!(checked > 300_000);
    }

    #[test]
    fn matches_base64ct_on_longer_inputs() {
        // A simple linear congruential generator keeps the test deterministic.
        let mut state: u32 = 0x2545_f491;
        let mut next = || {
            state = state.wrapping_mul(1_664_525).wrapping_add(1_013_904_223);
            (state >> 24) as u8
        };
        for _ in 0..20_000 {
            let len = usize::from(next() % 16) + 4;
            let data: Vec<u8> = (0..len).map(|_| next()).collect();
            let mut text = encode(&data).into_bytes();
            assert_eq!(decode(&text).as_deref(), Some(&data[..]));
            // Damage one character and compare with the reference again.
            let position = usize::from(next()) % text.len();
            text[position] = next();
            let mut expected = vec![0u8; decoded_len(text.len())];
            let reference = Base64UrlUnpadded::decode(&text, &mut expected).ok();
            assert_eq!(decode(&text).as_deref(), reference, "{text:?}");
        }
    }

    #[test]
    fn rejects_impossible_length() {
        assert!(decode(b"Y").is_none());
        assert!(decode(b"YWJjZ").is_none());
    }
}

//! Reading a response into a [`FetchResponse`]: header values, the body cap and timeouts.
//!
//! These helpers take plain byte values, so they build and are tested on every target; the
//! `wasi:http` code feeds them what the host returns.

use core::time::Duration;

use acs_jwt::fetch::{FetchError, FetchErrorKind};

/// Returns the first value of a header as text, or `None` when there is none or it is not
/// visible ASCII (tabs and spaces allowed), the same rule as `http::HeaderValue::to_str` in
/// the reqwest adapter.
pub(crate) fn header_text(values: &[Vec<u8>]) -> Option<String> {
    let first = values.first()?;
    let visible = first
        .iter()
        .all(|&byte| byte == b'\t' || (b' '..=b'~').contains(&byte));
    if !visible {
        return None;
    }
    String::from_utf8(first.clone()).ok()
}

/// Returns `true` when a `Content-Length` value announces more than `max_body_bytes`, so the
/// body need not be read at all. A missing or unparsable value returns `false`: the cap is
/// then enforced while the body is read.
pub(crate) fn announced_too_large(content_length: &[Vec<u8>], max_body_bytes: usize) -> bool {
    let Some(text) = header_text(content_length) else {
        return false;
    };
    text.trim()
        .parse::<u64>()
        .is_ok_and(|length| length > max_body_bytes as u64)
}

/// A response body collected chunk by chunk, with the cap checked before each chunk is kept.
#[derive(Debug)]
pub(crate) struct CappedBody {
    bytes: Vec<u8>,
    max_bytes: usize,
}

impl CappedBody {
    pub(crate) fn new(max_bytes: usize) -> Self {
        Self {
            bytes: Vec::new(),
            max_bytes,
        }
    }

    /// Returns how many bytes to request in the next read: up to 64 KiB, and one byte more
    /// than the cap still allows, so a body that is exactly one byte too long is detected
    /// without reading further.
    pub(crate) fn next_read_len(&self) -> u64 {
        const READ_CHUNK_BYTES: usize = 64 * 1024;
        let allowed = self.max_bytes - self.bytes.len();
        allowed.saturating_add(1).min(READ_CHUNK_BYTES) as u64
    }

    /// Appends `chunk`, or returns [`FetchErrorKind::BodyTooLarge`] when it would take the
    /// body past the cap; the chunk is then dropped.
    pub(crate) fn push(&mut self, chunk: &[u8]) -> Result<(), FetchError> {
        if chunk.len() > self.max_bytes - self.bytes.len() {
            return Err(FetchError::new(FetchErrorKind::BodyTooLarge));
        }
        self.bytes.extend_from_slice(chunk);
        Ok(())
    }

    pub(crate) fn into_bytes(self) -> Vec<u8> {
        self.bytes
    }
}

/// Converts a timeout to the nanoseconds of `wasi:clocks/monotonic-clock`, saturating at
/// `u64::MAX` (about 584 years).
pub(crate) fn duration_nanos(duration: Duration) -> u64 {
    u64::try_from(duration.as_nanos()).unwrap_or(u64::MAX)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn header_text_takes_first_visible_value() {
        assert_eq!(
            header_text(&[b"max-age=3600".to_vec(), b"public".to_vec()]),
            Some(String::from("max-age=3600"))
        );
        assert_eq!(
            header_text(&[b"W/\"a b\"\t".to_vec()]),
            Some(String::from("W/\"a b\"\t"))
        );
        assert_eq!(header_text(&[]), None);
        assert_eq!(header_text(&[b"caf\xc3\xa9".to_vec()]), None);
        assert_eq!(header_text(&[b"a\x00b".to_vec()]), None);
    }

    #[test]
    fn content_length_over_the_cap_is_detected() {
        assert!(announced_too_large(&[b"1025".to_vec()], 1024));
        assert!(!announced_too_large(&[b"1024".to_vec()], 1024));
        assert!(!announced_too_large(&[b"not a number".to_vec()], 1024));
        assert!(!announced_too_large(&[], 1024));
    }

    #[test]
    fn body_cap_is_checked_per_chunk() {
        let mut body = CappedBody::new(10);
        assert_eq!(body.next_read_len(), 11);
        body.push(b"0123456").expect("within the cap");
        assert_eq!(body.next_read_len(), 4);
        body.push(b"789").expect("exactly at the cap");
        assert_eq!(body.next_read_len(), 1);
        let err = body.push(b"x").expect_err("one byte over the cap");
        assert_eq!(err.kind(), FetchErrorKind::BodyTooLarge);
        assert_eq!(body.into_bytes(), b"0123456789");
    }

    #[test]
    fn large_caps_read_in_64_kib_chunks() {
        let body = CappedBody::new(256 * 1024);
        assert_eq!(body.next_read_len(), 64 * 1024);
    }

    #[test]
    fn timeouts_convert_to_nanoseconds() {
        assert_eq!(duration_nanos(Duration::from_millis(1500)), 1_500_000_000);
        assert_eq!(duration_nanos(Duration::MAX), u64::MAX);
    }
}

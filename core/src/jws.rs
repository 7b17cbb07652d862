//! Compact JWS signature verification (RFC 7515 §5.2), without any claim checks.
//!
//! # Verification order
//!
//! The steps run in this order, and each rejects before the next begins:
//!
//! 1. Token size: at most the configured maximum ([`DEFAULT_MAX_TOKEN_BYTES`] unless set).
//! 2. Exactly three `.`-separated segments, each within its size limit.
//! 3. Strict base64url for the header and the signature: unpadded, canonical, no whitespace.
//! 4. The protected header is parsed as strict JSON with unique parameter names.
//! 5. `alg` must be in the caller's allow-list; it is never taken from the token or the key.
//! 6. `crit` (with any value), `b64` and `zip` are rejected: each changes processing.
//! 7. The key is selected from the key set by `kid`; `jku`, `jwk`, `x5u` and `x5c` are ignored.
//! 8. The signature is checked over the original ASCII bytes `header.payload`.
//! 9. Only then is the payload decoded. [`crate::Verifier`] goes on to check the claims.

use alloc::string::String;
use alloc::vec::Vec;

use crate::base64url;
use crate::error::{Error, Malformed};
use crate::header::{Algorithm, Header, HeaderView};
use crate::json;
use crate::jwk_set::JwkSet;
use crate::limits::{DEFAULT_MAX_TOKEN_BYTES, MAX_HEADER_BYTES, MAX_SIGNATURE_BYTES};

/// A compact JWS whose signature verified.
///
/// It keeps the decoded header and payload, the only two allocations of a verification, and
/// reads header parameters from them on request.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct VerifiedJws {
    header: Vec<u8>,
    payload: Vec<u8>,
    key_index: usize,
}

impl VerifiedJws {
    pub(crate) fn new(header: Vec<u8>, payload: Vec<u8>, key_index: usize) -> Self {
        Self {
            header,
            payload,
            key_index,
        }
    }

    /// Parses the protected header's `alg`, `kid` and `typ`.
    pub fn header(&self) -> Header {
        parse_verified_header(&self.header)
    }

    /// The decoded protected header: a JSON object, validated by the strict reader.
    pub fn header_json(&self) -> &[u8] {
        &self.header
    }

    /// The token's `kid` after JSON unescaping, if it has one.
    pub fn kid(&self) -> Option<String> {
        self.header().kid
    }

    /// The decoded payload; it may be any bytes, JSON or not.
    pub fn payload(&self) -> &[u8] {
        &self.payload
    }

    /// Returns the decoded payload, consuming the result.
    pub fn into_payload(self) -> Vec<u8> {
        self.payload
    }

    /// The position in [`JwkSet::keys`] of the key that verified the signature.
    pub fn key_index(&self) -> usize {
        self.key_index
    }
}

/// Parses a header that already passed [`HeaderView::parse`] during verification.
pub(crate) fn parse_verified_header(json: &[u8]) -> Header {
    // The bytes were validated when the token was verified, so parsing cannot fail; an empty
    // header is returned rather than a panic if that ever changes.
    HeaderView::parse(json)
        .and_then(|view| view.to_header())
        .unwrap_or(Header {
            alg: String::new(),
            kid: None,
            typ: None,
        })
}

/// Verifies the signature of a compact JWS and returns its header and payload.
///
/// Performs steps 1 to 9 of the verification order above with the default token size limit and
/// RS256 as the only allowed algorithm. It checks no claims: use [`crate::Verifier`] for JWTs.
pub fn verify_compact(token: &str, keys: &JwkSet) -> Result<VerifiedJws, Error> {
    verify_compact_with(token, keys, &[Algorithm::Rs256], DEFAULT_MAX_TOKEN_BYTES)
}

/// Like [`verify_compact`], with the caller's algorithm allow-list and token size limit.
pub fn verify_compact_with(
    token: &str,
    keys: &JwkSet,
    algorithms: &[Algorithm],
    max_token_bytes: usize,
) -> Result<VerifiedJws, Error> {
    let mut buffers = Buffers::new();
    let verified = verify_signature_stage(token, keys, algorithms, max_token_bytes, &mut buffers)?;
    let payload = decode_payload(&verified.parts)?;
    Ok(VerifiedJws::new(
        verified.header_json.to_vec(),
        payload,
        verified.key_index,
    ))
}

/// Stack space for the decoded header and signature, so that verification allocates only
/// for the payload.
pub(crate) struct Buffers {
    header: [u8; MAX_DECODED_HEADER_BYTES],
    signature: [u8; MAX_DECODED_SIGNATURE_BYTES],
}

const MAX_DECODED_HEADER_BYTES: usize = MAX_HEADER_BYTES / 4 * 3;
const MAX_DECODED_SIGNATURE_BYTES: usize = MAX_SIGNATURE_BYTES / 4 * 3 + 2;

impl Buffers {
    pub(crate) fn new() -> Self {
        Self {
            header: [0; MAX_DECODED_HEADER_BYTES],
            signature: [0; MAX_DECODED_SIGNATURE_BYTES],
        }
    }
}

/// The outcome of steps 1 to 8: the header, borrowed from the buffers, and the index of the
/// verifying key in [`JwkSet::keys`].
pub(crate) struct SignatureVerified<'t, 'b> {
    pub(crate) parts: Parts<'t>,
    pub(crate) header_json: &'b [u8],
    pub(crate) key_index: usize,
}

/// Steps 1 to 8.
pub(crate) fn verify_signature_stage<'t, 'b>(
    token: &'t str,
    keys: &JwkSet,
    algorithms: &[Algorithm],
    max_token_bytes: usize,
    buffers: &'b mut Buffers,
) -> Result<SignatureVerified<'t, 'b>, Error> {
    let parts = split(token, max_token_bytes)?;
    let (header_json, header, signature) = check_header(&parts, algorithms, buffers)?;
    let kid = header.kid()?;
    let key_index = verify_signature(&parts, kid.as_deref(), signature, keys)?;
    Ok(SignatureVerified {
        parts,
        header_json,
        key_index,
    })
}

/// Step 9: decodes the payload.
pub(crate) fn decode_payload(parts: &Parts<'_>) -> Result<Vec<u8>, Error> {
    base64url::decode(parts.payload.as_bytes()).ok_or(Error::MalformedToken(Malformed::Base64 {
        segment: "payload",
    }))
}

/// The three segments of a compact token, still encoded.
pub(crate) struct Parts<'t> {
    pub(crate) header: &'t str,
    pub(crate) payload: &'t str,
    pub(crate) signature: &'t str,
    /// `header.payload`: the bytes the signature covers.
    pub(crate) signing_input: &'t str,
}

/// Steps 1 and 2: size and segment checks.
pub(crate) fn split(token: &str, max_token_bytes: usize) -> Result<Parts<'_>, Error> {
    if token.len() > max_token_bytes {
        return Err(Error::TokenTooLarge {
            len: token.len(),
            max: max_token_bytes,
        });
    }
    let mut segments = token.split('.');
    let (Some(header), Some(payload), Some(signature), None) = (
        segments.next(),
        segments.next(),
        segments.next(),
        segments.next(),
    ) else {
        return Err(Error::MalformedToken(Malformed::SegmentCount));
    };
    if header.len() > MAX_HEADER_BYTES {
        return Err(Error::MalformedToken(Malformed::SegmentTooLarge {
            segment: "header",
        }));
    }
    if signature.len() > MAX_SIGNATURE_BYTES {
        return Err(Error::MalformedToken(Malformed::SegmentTooLarge {
            segment: "signature",
        }));
    }
    let signing_input = &token[..header.len() + 1 + payload.len()];
    Ok(Parts {
        header,
        payload,
        signature,
        signing_input,
    })
}

/// Steps 3 to 6: decoding, header parsing, the algorithm allow-list and processing parameters.
/// Returns the decoded header, its parameters and the decoded signature, all borrowed from
/// `buffers`.
pub(crate) fn check_header<'b>(
    parts: &Parts<'_>,
    algorithms: &[Algorithm],
    buffers: &'b mut Buffers,
) -> Result<(&'b [u8], HeaderView<'b>, &'b [u8]), Error> {
    let header_bytes = base64url::decode_into(parts.header.as_bytes(), &mut buffers.header).ok_or(
        Error::MalformedToken(Malformed::Base64 { segment: "header" }),
    )?;
    let signature = base64url::decode_into(parts.signature.as_bytes(), &mut buffers.signature)
        .ok_or(Error::MalformedToken(Malformed::Base64 {
            segment: "signature",
        }))?;
    let header = HeaderView::parse(header_bytes)?;
    if !algorithms
        .iter()
        .any(|alg| json::string_equals(header.alg, alg.name()))
    {
        let alg = String::from_utf8_lossy(header.alg);
        return Err(Error::UnsupportedAlgorithm {
            alg: crate::error::truncated(&alg, 64),
        });
    }
    if let Some(parameter) = header.processing_parameter {
        return Err(Error::UnsupportedCriticalHeader { parameter });
    }
    if signature.is_empty() {
        return Err(Error::MalformedToken(Malformed::EmptySignature));
    }
    Ok((header_bytes, header, signature))
}

/// Steps 7 and 8: key selection and the signature check. Returns the index of the verifying
/// key in [`JwkSet::keys`].
pub(crate) fn verify_signature(
    parts: &Parts<'_>,
    kid: Option<&str>,
    signature: &[u8],
    keys: &JwkSet,
) -> Result<usize, Error> {
    for (index, key) in keys.select(kid)? {
        if key
            .verify_rs256(parts.signing_input.as_bytes(), signature)
            .is_ok()
        {
            return Ok(index);
        }
    }
    Err(Error::InvalidSignature)
}

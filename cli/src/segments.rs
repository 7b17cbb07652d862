//! Splitting and decoding the segments of a compact token for display.
//!
//! The core verifies tokens itself and returns only `alg`, `kid` and `typ` of the header, so
//! these helpers decode the header and payload again to print them in full. `inspect` also
//! uses them to decode tokens that are never verified.

use acs_jwt::{Error, Malformed};
use base64ct::{Base64UrlUnpadded, Encoding};
use serde::Serialize;
use serde_json::{Map, Value};

/// The three segments of a compact token, still base64url-encoded.
pub(crate) struct Segments<'t> {
    pub(crate) header: &'t str,
    pub(crate) payload: &'t str,
    pub(crate) signature: &'t str,
}

/// Splits a compact token at its two `.` separators.
pub(crate) fn split(token: &str) -> Result<Segments<'_>, Error> {
    let mut parts = token.split('.');
    match (parts.next(), parts.next(), parts.next(), parts.next()) {
        (Some(header), Some(payload), Some(signature), None) => Ok(Segments {
            header,
            payload,
            signature,
        }),
        _ => Err(Error::MalformedToken(Malformed::SegmentCount)),
    }
}

/// Decodes one segment. Like the core, this accepts only canonical unpadded base64url.
///
/// `name` is `"header"`, `"payload"` or `"signature"`, for the error.
pub(crate) fn decode(segment: &str, name: &'static str) -> Result<Vec<u8>, Error> {
    Base64UrlUnpadded::decode_vec(segment)
        .map_err(|_| Error::MalformedToken(Malformed::Base64 { segment: name }))
}

/// Parses `bytes` as a JSON object, or returns why they are not one.
pub(crate) fn json_object(bytes: &[u8]) -> Result<Map<String, Value>, String> {
    match serde_json::from_slice(bytes) {
        Ok(Value::Object(object)) => Ok(object),
        Ok(_) => Err(String::from("the top-level value is not an object")),
        Err(error) => Err(error.to_string()),
    }
}

/// Decodes the header segment of a token that the core has already verified.
///
/// Returns `None` only if serde_json rejects a header that the core's stricter reader
/// accepted, such as one with a number beyond the range of `f64`.
pub(crate) fn verified_header(token: &str) -> Option<Map<String, Value>> {
    let segments = split(token).ok()?;
    let bytes = decode(segments.header, "header").ok()?;
    json_object(&bytes).ok()
}

/// The payload for JSON output: `claims` when it is a JSON object, else `payload` with the raw
/// bytes in base64url. Exactly one of the two is `Some`, and the JSON leaves out the other.
#[derive(Serialize)]
pub(crate) struct PayloadJson {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) claims: Option<Map<String, Value>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) payload: Option<String>,
}

impl PayloadJson {
    pub(crate) fn new(payload: &[u8]) -> Self {
        match json_object(payload) {
            Ok(claims) => Self {
                claims: Some(claims),
                payload: None,
            },
            Err(_) => Self {
                claims: None,
                payload: Some(acs_jwt::base64url_encode(payload)),
            },
        }
    }
}

/// Describes a payload for the human output: pretty JSON under `claims_heading` when it is a
/// JSON object, else the text quoted with escapes, else base64url.
pub(crate) fn describe_payload(payload: &[u8], claims_heading: &str) -> String {
    if let Ok(claims) = json_object(payload) {
        let pretty = crate::output::pretty_json(&Value::Object(claims));
        return format!("{claims_heading}:\n{pretty}\n");
    }
    match std::str::from_utf8(payload) {
        Ok(text) => format!(
            "payload ({} bytes, not a JSON object): {text:?}\n",
            payload.len()
        ),
        Err(_) => format!(
            "payload ({} bytes, not UTF-8, shown as base64url): {}\n",
            payload.len(),
            acs_jwt::base64url_encode(payload)
        ),
    }
}

//! The one error type of this crate and its stable codes.

use alloc::string::String;
use alloc::vec::Vec;
use core::fmt;

/// The reason a token, an `Authorization` header or a key set was rejected.
///
/// Each variant carries the values that were compared, never the whole token. [`Error::code`]
/// returns a stable machine-readable code; the codes are listed in [`Error::CODES`].
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum Error {
    /// The token is not a well-formed compact JWS/JWT.
    MalformedToken(Malformed),
    /// The token is longer than the configured maximum.
    TokenTooLarge {
        /// Length of the token in bytes.
        len: usize,
        /// Configured maximum in bytes.
        max: usize,
    },
    /// The header's `alg` is not in the verifier's allow-list.
    UnsupportedAlgorithm {
        /// The `alg` value of the token, truncated to 64 bytes.
        alg: String,
    },
    /// The header contains `crit` or a parameter that would change how the token is processed.
    UnsupportedCriticalHeader {
        /// The header parameter name.
        parameter: &'static str,
    },
    /// No usable key in the key set matches the token.
    UnknownKey {
        /// The token's `kid`, if it had one.
        kid: Option<String>,
    },
    /// The signature does not verify under any candidate key.
    InvalidSignature,
    /// The token expired: `now >= exp + leeway`.
    Expired {
        /// The token's `exp`, in Unix seconds (fractions rounded up).
        exp: u64,
        /// The verification time, in Unix seconds.
        now: u64,
        /// The leeway in seconds.
        leeway: u64,
    },
    /// The token is not valid yet: `nbf` or `iat` lies after `now + leeway`.
    NotYetValid {
        /// The claim that was checked: `"nbf"` or `"iat"`.
        claim: &'static str,
        /// That claim's value, in Unix seconds (fractions rounded up).
        value: u64,
        /// The verification time, in Unix seconds.
        now: u64,
        /// The leeway in seconds.
        leeway: u64,
    },
    /// The token's lifetime is longer than the configured maximum age.
    TokenTooOld {
        /// `exp - iat`, or `exp - now` when the token has no `iat`, in seconds.
        age: u64,
        /// Configured maximum age in seconds.
        max_age: u64,
    },
    /// The `iss` claim differs from the configured issuer.
    InvalidIssuer {
        /// The token's `iss` after JSON unescaping, truncated to 256 bytes.
        found: String,
    },
    /// No `aud` value equals a configured audience.
    InvalidAudience {
        /// The token's `aud` values, each truncated to 256 bytes, at most 8 of them.
        found: Vec<String>,
    },
    /// A required claim is absent.
    MissingClaim {
        /// The claim name.
        claim: &'static str,
    },
    /// The `Authorization` header is not `Bearer` followed by exactly one token.
    InvalidAuthorizationHeader,
    /// The key set document is not a valid JSON Web Key Set.
    InvalidKeySet(KeySetProblem),
    /// No usable key set could be obtained: the first fetch failed, or every refresh failed
    /// for longer than the maximum staleness.
    KeySetUnavailable {
        /// The most recent fetch failure, if a fetch was attempted.
        cause: Option<crate::cache::FetchFailure>,
    },
}

/// The defect of a malformed token.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum Malformed {
    /// The token does not have exactly three `.`-separated segments.
    SegmentCount,
    /// A segment is not canonical unpadded base64url.
    Base64 {
        /// The segment: `"header"`, `"payload"` or `"signature"`.
        segment: &'static str,
    },
    /// A segment is longer than its limit.
    SegmentTooLarge {
        /// The segment: `"header"`, `"payload"` or `"signature"`.
        segment: &'static str,
    },
    /// A segment is not valid JSON, or breaks a limit of the JSON reader.
    Json {
        /// The segment: `"header"` or `"payload"`.
        segment: &'static str,
        /// The reader's finding.
        problem: JsonProblem,
    },
    /// A header parameter or claim has the wrong JSON type.
    WrongType {
        /// The parameter or claim name.
        name: &'static str,
    },
    /// A header parameter or registered claim appears twice.
    DuplicateMember {
        /// The parameter or claim name.
        name: &'static str,
    },
    /// The header has no `alg`.
    MissingAlgorithm,
    /// The header has more than [`crate::limits::MAX_HEADER_PARAMETERS`] parameters.
    TooManyHeaderParameters,
    /// The `kid` is longer than [`crate::limits::MAX_KID_BYTES`].
    KidTooLong,
    /// The signature is empty.
    EmptySignature,
}

/// A defect found by the JSON reader.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum JsonProblem {
    /// The bytes are not valid UTF-8.
    InvalidUtf8,
    /// The document starts with a byte order mark.
    ByteOrderMark,
    /// The syntax is invalid at this byte offset.
    Syntax {
        /// Byte offset of the problem.
        offset: usize,
    },
    /// Nesting is deeper than [`crate::limits::MAX_JSON_DEPTH`].
    TooDeep,
    /// A string contains an invalid escape or a lone surrogate.
    InvalidEscape {
        /// Byte offset of the problem.
        offset: usize,
    },
    /// A member name appears twice in an object where names must be unique.
    DuplicateName,
    /// The top-level value is not an object.
    NotAnObject,
}

/// The defect of an invalid key set document.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum KeySetProblem {
    /// The document is larger than [`crate::limits::MAX_JWKS_BYTES`].
    TooLarge,
    /// The document is not valid JSON.
    Json(JsonProblem),
    /// The document has no `keys` member, or it is not an array.
    MissingKeys,
    /// The `keys` array has more than [`crate::limits::MAX_JWKS_KEYS`] entries.
    TooManyKeys,
}

impl Error {
    /// Every code [`Error::code`] can return, in declaration order.
    pub const CODES: &'static [&'static str] = &[
        "malformed_token",
        "token_too_large",
        "unsupported_algorithm",
        "unsupported_critical_header",
        "unknown_key",
        "invalid_signature",
        "expired",
        "not_yet_valid",
        "token_too_old",
        "invalid_issuer",
        "invalid_audience",
        "missing_claim",
        "invalid_authorization_header",
        "invalid_key_set",
        "key_set_unavailable",
    ];

    /// Returns the stable machine-readable code of this error, such as `"expired"`.
    pub fn code(&self) -> &'static str {
        match self {
            Self::MalformedToken(_) => "malformed_token",
            Self::TokenTooLarge { .. } => "token_too_large",
            Self::UnsupportedAlgorithm { .. } => "unsupported_algorithm",
            Self::UnsupportedCriticalHeader { .. } => "unsupported_critical_header",
            Self::UnknownKey { .. } => "unknown_key",
            Self::InvalidSignature => "invalid_signature",
            Self::Expired { .. } => "expired",
            Self::NotYetValid { .. } => "not_yet_valid",
            Self::TokenTooOld { .. } => "token_too_old",
            Self::InvalidIssuer { .. } => "invalid_issuer",
            Self::InvalidAudience { .. } => "invalid_audience",
            Self::MissingClaim { .. } => "missing_claim",
            Self::InvalidAuthorizationHeader => "invalid_authorization_header",
            Self::InvalidKeySet(_) => "invalid_key_set",
            Self::KeySetUnavailable { .. } => "key_set_unavailable",
        }
    }

    /// Returns `true` when the same token may verify after the key set is refreshed.
    ///
    /// Only [`Error::UnknownKey`] qualifies: the issuer may have rotated to a key the cached
    /// set does not hold yet. Every other rejection is final for that token.
    pub fn refresh_may_help(&self) -> bool {
        matches!(self, Self::UnknownKey { .. })
    }

    /// Returns `true` when the same token may verify later: after a key refresh
    /// ([`Error::UnknownKey`]) or once the key endpoint is reachable again
    /// ([`Error::KeySetUnavailable`]). Every other rejection is final for that token.
    pub fn is_retryable(&self) -> bool {
        matches!(
            self,
            Self::UnknownKey { .. } | Self::KeySetUnavailable { .. }
        )
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::MalformedToken(problem) => write!(f, "malformed token: {problem}"),
            Self::TokenTooLarge { len, max } => {
                write!(
                    f,
                    "token is {len} bytes, more than the maximum of {max} bytes"
                )
            }
            Self::UnsupportedAlgorithm { alg } => {
                write!(
                    f,
                    "algorithm {alg:?} is not allowed; only RS256 is accepted"
                )
            }
            Self::UnsupportedCriticalHeader { parameter } => write!(
                f,
                "header parameter {parameter:?} changes how the token is processed and is not supported"
            ),
            Self::UnknownKey { kid: Some(kid) } => write!(
                f,
                "no usable key with kid {kid:?} in the key set; the issuer may have rotated its keys"
            ),
            Self::UnknownKey { kid: None } => write!(
                f,
                "token has no kid and the key set does not hold exactly one usable key"
            ),
            Self::InvalidSignature => f.write_str("signature verification failed"),
            Self::Expired { exp, now, leeway } => write!(
                f,
                "token expired at {exp}, {} s before now {now} (leeway {leeway} s)",
                now.saturating_sub(*exp)
            ),
            Self::NotYetValid {
                claim,
                value,
                now,
                leeway,
            } => write!(
                f,
                "token {claim} is {value}, {} s after now {now} (leeway {leeway} s)",
                value.saturating_sub(*now)
            ),
            Self::TokenTooOld { age, max_age } => write!(
                f,
                "token lifetime is {age} s, more than the maximum age of {max_age} s"
            ),
            Self::InvalidIssuer { found } => {
                write!(f, "issuer {found:?} is not the configured issuer")
            }
            Self::InvalidAudience { found } => {
                write!(f, "audience {found:?} matches no configured audience")
            }
            Self::MissingClaim { claim } => write!(f, "required claim {claim:?} is missing"),
            Self::InvalidAuthorizationHeader => {
                f.write_str("Authorization header is not \"Bearer\" followed by exactly one token")
            }
            Self::InvalidKeySet(problem) => write!(f, "invalid key set: {problem}"),
            Self::KeySetUnavailable { cause: Some(cause) } => {
                write!(f, "no usable key set: {cause}")
            }
            Self::KeySetUnavailable { cause: None } => f.write_str("no usable key set"),
        }
    }
}

impl fmt::Display for Malformed {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::SegmentCount => f.write_str("a compact token has exactly three segments"),
            Self::Base64 { segment } => {
                write!(f, "{segment} is not canonical unpadded base64url")
            }
            Self::SegmentTooLarge { segment } => write!(f, "{segment} is too large"),
            Self::Json { segment, problem } => write!(f, "{segment} is not valid JSON: {problem}"),
            Self::WrongType { name } => write!(f, "{name:?} has the wrong JSON type"),
            Self::DuplicateMember { name } => write!(f, "{name:?} appears more than once"),
            Self::MissingAlgorithm => f.write_str("header has no \"alg\""),
            Self::TooManyHeaderParameters => write!(
                f,
                "header has more than {} parameters",
                crate::limits::MAX_HEADER_PARAMETERS
            ),
            Self::KidTooLong => write!(
                f,
                "kid is longer than {} bytes",
                crate::limits::MAX_KID_BYTES
            ),
            Self::EmptySignature => f.write_str("signature is empty"),
        }
    }
}

impl fmt::Display for JsonProblem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::InvalidUtf8 => f.write_str("not valid UTF-8"),
            Self::ByteOrderMark => f.write_str("starts with a byte order mark"),
            Self::Syntax { offset } => write!(f, "syntax error at byte {offset}"),
            Self::TooDeep => write!(
                f,
                "nested deeper than {} levels",
                crate::limits::MAX_JSON_DEPTH
            ),
            Self::InvalidEscape { offset } => write!(f, "invalid string escape at byte {offset}"),
            Self::DuplicateName => f.write_str("duplicate member name"),
            Self::NotAnObject => f.write_str("top-level value is not an object"),
        }
    }
}

impl fmt::Display for KeySetProblem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::TooLarge => write!(
                f,
                "document is larger than {} bytes",
                crate::limits::MAX_JWKS_BYTES
            ),
            Self::Json(problem) => write!(f, "{problem}"),
            Self::MissingKeys => f.write_str("no \"keys\" array"),
            Self::TooManyKeys => write!(f, "more than {} keys", crate::limits::MAX_JWKS_KEYS),
        }
    }
}

#[cfg(feature = "std")]
impl std::error::Error for Error {}

/// Copies at most `max` bytes of `value`, cut at a character boundary.
pub(crate) fn truncated(value: &str, max: usize) -> String {
    if value.len() <= max {
        return String::from(value);
    }
    let mut end = max;
    while !value.is_char_boundary(end) {
        end -= 1;
    }
    String::from(&value[..end])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_are_unique_and_listed() {
        let mut sorted: Vec<&str> = Error::CODES.to_vec();
        sorted.sort_unstable();
        sorted.dedup();
        assert_eq!(sorted.len(), Error::CODES.len());
        assert!(Error::CODES.contains(&Error::InvalidSignature.code()));
    }

    #[test]
    fn only_unknown_key_may_succeed_after_refresh() {
        assert!(Error::UnknownKey { kid: None }.refresh_may_help());
        assert!(!Error::InvalidSignature.refresh_may_help());
        assert!(!Error::InvalidAuthorizationHeader.is_retryable());
    }

    #[test]
    fn truncation_respects_char_boundaries() {
        assert_eq!(truncated("aé", 2), "a");
        assert_eq!(truncated("abc", 8), "abc");
    }
}

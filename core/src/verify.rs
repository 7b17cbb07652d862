//! JWT verification: the JWS checks followed by the registered-claim checks (RFC 7519 §7.2).
//! [`Verifier::verify`] lists the claim checks in their order.

use alloc::string::String;
use alloc::vec::Vec;
use core::fmt;
use core::time::Duration;

use crate::authorization::bearer_token;
use crate::claims::{Claims, NumericDate, RawClaims};
use crate::error::{Error, truncated};
use crate::header::{Algorithm, Header};
use crate::json;
use crate::jwk_set::JwkSet;
use crate::jws;
use crate::jws::VerifiedJws;
use crate::limits::{
    DEFAULT_LEEWAY_SECS, DEFAULT_MAX_TOKEN_BYTES, MAX_CONFIGURED_AUDIENCES, MAX_LEEWAY_SECS,
    MAX_TOKEN_BYTES_LIMIT,
};

/// A point in time, in whole seconds since the Unix epoch.
///
/// The verifier never reads a clock: the caller passes the time, so tests can freeze it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct UnixTime(u64);

impl UnixTime {
    /// A time `secs` seconds after the Unix epoch.
    pub const fn from_secs(secs: u64) -> Self {
        Self(secs)
    }

    /// Seconds since the Unix epoch.
    pub const fn as_secs(self) -> u64 {
        self.0
    }

    /// The current time from the system clock, rounded down to whole seconds.
    ///
    /// A clock set before 1970 reads as the epoch itself.
    #[cfg(feature = "std")]
    pub fn now() -> Self {
        let since_epoch = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap_or_default();
        Self(since_epoch.as_secs())
    }
}

/// Why a [`VerifierBuilder`] could not build a verifier.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum ConfigError {
    /// No audience was configured. Every ACS resource shares the issuer and the keys, so the
    /// audience is what binds a token to one resource.
    NoAudience,
    /// More than [`MAX_CONFIGURED_AUDIENCES`] audiences were configured.
    TooManyAudiences,
    /// An audience or the issuer is the empty string.
    EmptyValue,
    /// The leeway is longer than [`MAX_LEEWAY_SECS`].
    LeewayTooLarge {
        /// The requested leeway in seconds.
        secs: u64,
    },
    /// The maximum token size is zero or above [`MAX_TOKEN_BYTES_LIMIT`].
    InvalidMaxTokenBytes {
        /// The requested maximum.
        bytes: usize,
    },
    /// The ACS resource id is not a GUID such as `4f5b9c34-1a9e-4b6e-9c2d-2f0a7e6d5c1b`.
    InvalidResourceId,
}

impl fmt::Display for ConfigError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::NoAudience => f.write_str(
                "no audience configured; set the expected audience (for ACS, the resource's immutable resource id)",
            ),
            Self::TooManyAudiences => write!(
                f,
                "more than {MAX_CONFIGURED_AUDIENCES} audiences configured"
            ),
            Self::EmptyValue => f.write_str("issuer and audiences must not be empty"),
            Self::LeewayTooLarge { secs } => write!(
                f,
                "leeway of {secs} s is above the maximum of {MAX_LEEWAY_SECS} s"
            ),
            Self::InvalidMaxTokenBytes { bytes } => write!(
                f,
                "maximum token size of {bytes} bytes is outside 1..={MAX_TOKEN_BYTES_LIMIT}"
            ),
            Self::InvalidResourceId => f.write_str(
                "ACS resource id must be a GUID (the immutable resource id from the resource's JSON view in the Azure portal)",
            ),
        }
    }
}

#[cfg(feature = "std")]
impl std::error::Error for ConfigError {}

/// Builds a [`Verifier`]. [`VerifierBuilder::build`] fails without an audience.
#[derive(Clone, Debug)]
pub struct VerifierBuilder {
    issuer: String,
    audiences: Vec<String>,
    leeway_secs: u64,
    max_age_secs: Option<u64>,
    max_token_bytes: usize,
}

impl VerifierBuilder {
    /// Starts a verifier for tokens from `issuer`, compared byte for byte with `iss`.
    pub fn new(issuer: impl Into<String>) -> Self {
        Self {
            issuer: issuer.into(),
            audiences: Vec::new(),
            leeway_secs: DEFAULT_LEEWAY_SECS,
            max_age_secs: None,
            max_token_bytes: DEFAULT_MAX_TOKEN_BYTES,
        }
    }

    /// Adds an accepted audience. A token is accepted when any of its `aud` values equals any
    /// configured audience. At least one is required.
    pub fn audience(mut self, audience: impl Into<String>) -> Self {
        self.audiences.push(audience.into());
        self
    }

    /// Sets the clock-skew allowance for `exp`, `nbf` and `iat`. Defaults to 60 s; at most
    /// 300 s. Sub-second parts are ignored.
    pub fn leeway(mut self, leeway: Duration) -> Self {
        self.leeway_secs = leeway.as_secs();
        self
    }

    /// Rejects tokens whose lifetime (`exp - iat`, or `exp - now` without `iat`) is longer
    /// than `max_age`. Defaults to no limit.
    pub fn max_age(mut self, max_age: Duration) -> Self {
        self.max_age_secs = Some(max_age.as_secs());
        self
    }

    /// Sets the maximum token length in bytes. Defaults to [`DEFAULT_MAX_TOKEN_BYTES`].
    pub fn max_token_bytes(mut self, bytes: usize) -> Self {
        self.max_token_bytes = bytes;
        self
    }

    /// Checks the configuration and builds the verifier.
    pub fn build(self) -> Result<Verifier, ConfigError> {
        if self.audiences.is_empty() {
            return Err(ConfigError::NoAudience);
        }
        if self.audiences.len() > MAX_CONFIGURED_AUDIENCES {
            return Err(ConfigError::TooManyAudiences);
        }
        if self.issuer.is_empty() || self.audiences.iter().any(String::is_empty) {
            return Err(ConfigError::EmptyValue);
        }
        if self.leeway_secs > MAX_LEEWAY_SECS {
            return Err(ConfigError::LeewayTooLarge {
                secs: self.leeway_secs,
            });
        }
        if self.max_token_bytes == 0 || self.max_token_bytes > MAX_TOKEN_BYTES_LIMIT {
            return Err(ConfigError::InvalidMaxTokenBytes {
                bytes: self.max_token_bytes,
            });
        }
        Ok(Verifier {
            issuer: self.issuer,
            audiences: self.audiences,
            leeway_secs: self.leeway_secs,
            max_age_secs: self.max_age_secs,
            max_token_bytes: self.max_token_bytes,
        })
    }
}

/// Verifies RS256 JWTs for one issuer and a set of audiences.
///
/// Built only through [`VerifierBuilder`], which requires an audience.
#[derive(Clone, Debug)]
pub struct Verifier {
    issuer: String,
    audiences: Vec<String>,
    leeway_secs: u64,
    max_age_secs: Option<u64>,
    max_token_bytes: usize,
}

/// A token whose signature and claims verified.
///
/// It keeps the decoded header and payload, the only two allocations of a verification, and
/// reads the header parameters and registered claims from them on request.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct VerifiedToken {
    jws: VerifiedJws,
    expires_at: NumericDate,
}

impl VerifiedToken {
    /// Parses the protected header's `alg`, `kid` and `typ`.
    pub fn header(&self) -> Header {
        self.jws.header()
    }

    /// The decoded protected header: a JSON object, validated by the strict reader.
    pub fn header_json(&self) -> &[u8] {
        self.jws.header_json()
    }

    /// The token's `kid` after JSON unescaping, if it has one.
    pub fn kid(&self) -> Option<String> {
        self.jws.kid()
    }

    /// Parses the registered claims (`iss`, `sub`, `aud`, `exp`, `nbf`, `iat`, `jti`).
    pub fn claims(&self) -> Claims {
        // The payload was validated during verification, so parsing cannot fail; default
        // claims are returned rather than a panic if that ever changes.
        Claims::parse(self.payload()).unwrap_or_default()
    }

    /// The `exp` claim, which every verified token has.
    pub fn expires_at(&self) -> NumericDate {
        self.expires_at
    }

    /// The decoded payload: a JSON object, validated by the strict reader.
    pub fn payload(&self) -> &[u8] {
        self.jws.payload()
    }

    /// Returns the decoded payload, consuming the token.
    pub fn into_payload(self) -> Vec<u8> {
        self.jws.into_payload()
    }

    /// The position in [`JwkSet::keys`] of the key that verified the signature.
    pub fn key_index(&self) -> usize {
        self.jws.key_index()
    }

    /// A token built from parts, for unit tests of code that consumes verified tokens.
    #[cfg(test)]
    pub(crate) fn for_tests(header: &[u8], payload: &[u8], expires_at: NumericDate) -> Self {
        Self {
            jws: VerifiedJws::new(header.to_vec(), payload.to_vec(), 0),
            expires_at,
        }
    }

    /// Deserializes the payload into the caller's claims type with `serde-json-core`.
    ///
    /// `serde-json-core` 0.7 hands out strings with their JSON escapes left in place and reads
    /// only integers into integer fields; the registered claims in [`VerifiedToken::claims`]
    /// are already read correctly.
    pub fn deserialize_claims<'a, T: serde::Deserialize<'a>>(
        &'a self,
    ) -> Result<T, serde_json_core::de::Error> {
        serde_json_core::from_slice(self.payload()).map(|(value, _)| value)
    }
}

impl Verifier {
    /// The configured issuer.
    pub fn issuer(&self) -> &str {
        &self.issuer
    }

    /// The configured audiences.
    pub fn audiences(&self) -> &[String] {
        &self.audiences
    }

    /// The leeway in seconds.
    pub fn leeway_secs(&self) -> u64 {
        self.leeway_secs
    }

    /// Verifies a compact token against `keys` at time `now`.
    ///
    /// Runs the signature steps listed in [`crate::jws`], then checks the claims in this order
    /// (RFC 7519 §4.1 and §7.2):
    ///
    /// 1. `iss` equals the configured issuer byte for byte, after JSON unescaping.
    /// 2. Some `aud` value (a string or an array of strings) equals some configured audience.
    /// 3. `exp` is present and `now < exp + leeway`.
    /// 4. `nbf` and `iat`, when present, are at most `now + leeway`.
    /// 5. With a maximum age set, `exp - iat` (or `exp - now` without `iat`) is within it.
    ///
    /// Not checked: `sub`, `jti` and private claims. The token does not cover the HTTP request
    /// body, and a captured token can be replayed until it expires, so the caller decides
    /// about replay.
    pub fn verify(
        &self,
        token: &str,
        keys: &JwkSet,
        now: UnixTime,
    ) -> Result<VerifiedToken, Error> {
        let mut buffers = jws::Buffers::new();
        let verified = jws::verify_signature_stage(
            token,
            keys,
            &[Algorithm::Rs256],
            self.max_token_bytes,
            &mut buffers,
        )?;
        let payload = jws::decode_payload(&verified.parts)?;
        let claims = RawClaims::parse(&payload)?;
        let expires_at = self.check_claims(&claims, now)?;
        Ok(VerifiedToken {
            jws: VerifiedJws::new(verified.header_json.to_vec(), payload, verified.key_index),
            expires_at,
        })
    }

    /// Verifies the token of an `Authorization: Bearer` header value.
    pub fn verify_authorization(
        &self,
        header_value: &str,
        keys: &JwkSet,
        now: UnixTime,
    ) -> Result<VerifiedToken, Error> {
        self.verify(bearer_token(header_value)?, keys, now)
    }

    /// Runs the checks that need no key: size, segments, base64url, the header, the algorithm
    /// allow-list and the processing parameters (steps 1 to 6 of [`crate::jws`]).
    pub fn check_structure(&self, token: &str) -> Result<(), Error> {
        let parts = jws::split(token, self.max_token_bytes)?;
        let mut buffers = jws::Buffers::new();
        jws::check_header(&parts, &[Algorithm::Rs256], &mut buffers).map(|_| ())
    }

    /// Checks whether a token would pass every check except the signature, without verifying
    /// it. Used only to decide whether a key refresh is worth a fetch, never to accept a token.
    pub(crate) fn precheck_unverified(&self, token: &str, now: UnixTime) -> Result<(), Error> {
        let parts = jws::split(token, self.max_token_bytes)?;
        let mut buffers = jws::Buffers::new();
        jws::check_header(&parts, &[Algorithm::Rs256], &mut buffers)?;
        let payload = jws::decode_payload(&parts)?;
        let claims = RawClaims::parse(&payload)?;
        self.check_claims(&claims, now).map(|_| ())
    }

    /// Checks the registered claims against this verifier's policy at time `now`, comparing
    /// the escaped JSON strings without allocating.
    /// Returns the token's `exp`.
    fn check_claims(&self, claims: &RawClaims<'_>, now: UnixTime) -> Result<NumericDate, Error> {
        let now = now.as_secs();
        let leeway = self.leeway_secs;

        let iss = claims.iss.ok_or(Error::MissingClaim { claim: "iss" })?;
        if !json::string_equals(iss, &self.issuer) {
            return Err(Error::InvalidIssuer {
                found: truncated(&json::unescape(iss).unwrap_or_default(), 256),
            });
        }

        if claims.aud.is_none() {
            return Err(Error::MissingClaim { claim: "aud" });
        }
        let matches = claims.any_audience(|raw| {
            self.audiences
                .iter()
                .any(|audience| json::string_equals(raw, audience))
        });
        if !matches {
            let mut found = Vec::new();
            claims.any_audience(|raw| {
                found.push(truncated(&json::unescape(raw).unwrap_or_default(), 256));
                found.len() == 8
            });
            return Err(Error::InvalidAudience { found });
        }

        let exp = claims.exp.ok_or(Error::MissingClaim { claim: "exp" })?.0;
        if now >= exp.saturating_add(leeway) {
            return Err(Error::Expired { exp, now, leeway });
        }
        let latest = now.saturating_add(leeway);
        for (claim, value) in [("nbf", claims.nbf), ("iat", claims.iat)] {
            if let Some(value) = value {
                if value.0 > latest {
                    return Err(Error::NotYetValid {
                        claim,
                        value: value.0,
                        now,
                        leeway,
                    });
                }
            }
        }

        if let Some(max_age) = self.max_age_secs {
            let start = claims.iat.map_or(now, |iat| iat.0);
            let age = exp.saturating_sub(start);
            if age > max_age {
                return Err(Error::TokenTooOld { age, max_age });
            }
        }
        Ok(NumericDate(exp))
    }
}

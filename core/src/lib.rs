#![doc = include_str!("../README.md")]
#![no_std]
#![forbid(unsafe_code)]
#![deny(missing_docs)]
#![cfg_attr(
    not(test),
    deny(clippy::unwrap_used, clippy::expect_used, clippy::panic)
)]

extern crate alloc;
#[cfg(any(feature = "std", test))]
extern crate std;

pub mod acs;
mod authorization;
mod base64url;
pub mod cache;
mod claims;
pub mod discovery;
mod error;
pub mod fetch;
mod header;
mod http_headers;
mod json;
mod jwk;
mod jwk_set;
pub mod jws;
pub mod limits;
mod remote;
pub mod replay;
mod rsa_verify;
mod snapshot;
mod verify;

pub use authorization::bearer_token;
pub use base64url::encode as base64url_encode;
pub use claims::{Claims, NumericDate};
pub use error::{Error, JsonProblem, KeySetProblem, Malformed};
pub use header::{Algorithm, Header};
pub use jwk::{KeyRejection, PreparedKey};
pub use jwk_set::{JwkSet, SkippedKey};
pub use jws::VerifiedJws;
pub use remote::{KeySource, RemoteVerifier};
pub use snapshot::Snapshot;
pub use verify::{ConfigError, UnixTime, VerifiedToken, Verifier, VerifierBuilder};

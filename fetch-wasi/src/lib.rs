//! Fetches JSON Web Key Sets through `wasi:http/outgoing-handler` for
//! [`acs_jwt::RemoteVerifier`], so the same verifier runs inside a WASI 0.2 component
//! (`wasm32-wasip2`) on any host that provides `wasi:http`. The tests run it in wasmtime 48.
//!
//! | item | targets | what it is |
//! | --- | --- | --- |
//! | `WasiFetcher` | `wasm32-wasip2` only | the [`KeyFetcher`](acs_jwt::fetch::KeyFetcher) over `wasi:http` |
//! | [`SnapshotVerifier`] | all | a verifier whose key cache is restored and saved through a [`SnapshotStore`] |
//! | [`FileSnapshotStore`], [`MemorySnapshotStore`] | all | stores: a file in a preopened directory, or bytes the host passes in |
//! | [`block_on`] | all | runs a verification whose fetcher blocks, as `WasiFetcher` does |
//!
//! A component is often instantiated for one request, so an in-memory cache dies with it.
//! [`SnapshotVerifier`] keeps the key set and the time of the last fetch in a store: with a
//! fresh stored set a cold start sends no request, without one it sends exactly one, and the
//! refresh cooldown applies across instances.
//!
//! A webhook handler, generic over the fetcher so that it also builds on the host; on
//! `wasm32-wasip2` pass `acs_jwt_wasi::WasiFetcher::new()`:
//!
//! ```no_run
//! use acs_jwt::fetch::KeyFetcher;
//! use acs_jwt::{KeySource, UnixTime, acs};
//! use acs_jwt_wasi::{FileSnapshotStore, SnapshotVerifier, block_on};
//!
//! fn status_for<F: KeyFetcher>(fetcher: F, authorization: &str) -> u16 {
//!     let Ok(verifier) = acs::verifier("4f5b9c34-1a9e-4b6e-9c2d-2f0a7e6d5c1b") else {
//!         return 500;
//!     };
//!     let keys = SnapshotVerifier::new(
//!         verifier,
//!         KeySource::JwksUrl(acs::JWKS_URL.into()),
//!         fetcher,
//!         // In a directory the host preopens: `wasmtime serve --dir /var/cache/acs::/cache`.
//!         FileSnapshotStore::new("/cache/acs-jwt-keys"),
//!     );
//!     let verification = block_on(keys.verify(authorization, UnixTime::now()));
//!     match verification.result {
//!         Ok(_token) => 200,
//!         Err(acs_jwt::Error::KeySetUnavailable { .. }) => 503,
//!         Err(_rejected) => 401,
//!     }
//! }
//! ```
//!
//! `fetch-wasi/components/` contains two complete components built on this crate: a
//! `wasi:http/incoming-handler` webhook receiver and a `wasi:cli/run` command.
//!
//! # What the fetcher guarantees
//!
//! `WasiFetcher` honours the contract of [`KeyFetcher`](acs_jwt::fetch::KeyFetcher), like the
//! reqwest adapter:
//!
//! - it sends only GET requests, with `Accept: application/jwk-set+json, application/json`,
//!   `User-Agent: acs-jwt-wasi/<version>` and, for a revalidation, `If-None-Match`;
//! - it returns 3xx responses as they are, because the outgoing handler follows no redirects;
//! - it reads the body only for a 200, and rejects a body longer than the cap from its
//!   `Content-Length`, or while reading the stream, before buffering the rest;
//! - it rejects URLs that are not `https`, unless loopback HTTP was allowed for tests;
//! - it gives up with [`FetchErrorKind::Timeout`](acs_jwt::fetch::FetchErrorKind::Timeout)
//!   when the request's deadline passes, from sending the request to the last body byte. The
//!   deadline is kept with `wasi:clocks/monotonic-clock` and also passed to the host as the
//!   connect, first-byte and between-bytes timeouts of the `wasi:http` request options.

#![deny(missing_docs)]

mod block_on;
mod snapshot_verifier;
mod store;

// Used only by the `wasi:http` fetcher, and by the tests on every target.
#[cfg_attr(not(all(target_os = "wasi", target_env = "p2")), allow(dead_code))]
mod response;
#[cfg_attr(not(all(target_os = "wasi", target_env = "p2")), allow(dead_code))]
mod url;

#[cfg(all(target_os = "wasi", target_env = "p2"))]
mod wasi_http;

pub use block_on::block_on;
pub use snapshot_verifier::{Restored, SnapshotVerifier, Verification};
pub use store::{FileSnapshotStore, MemorySnapshotStore, SnapshotStore};
#[cfg(all(target_os = "wasi", target_env = "p2"))]
pub use wasi_http::{USER_AGENT, WasiFetcher};

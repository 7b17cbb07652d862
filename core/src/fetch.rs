//! The seam between the key-set cache and an HTTP client: one GET, described by the core and
//! carried out by an adapter crate.

use alloc::string::String;
use alloc::sync::Arc;
use alloc::vec::Vec;
use core::fmt;
use core::future::Future;
use core::time::Duration;

/// The `Accept` header value a fetcher sends for key sets and discovery documents.
pub const ACCEPT: &str = "application/jwk-set+json, application/json";

/// Default cap on a response body: 256 KiB, the same as
/// [`MAX_JWKS_BYTES`](crate::limits::MAX_JWKS_BYTES).
pub const DEFAULT_MAX_BODY_BYTES: usize = crate::limits::MAX_JWKS_BYTES;

/// Default deadline for one fetch, from the start of the connection to the last body byte:
/// 5 seconds. A key endpoint that is slower than that is treated as down.
pub const DEFAULT_FETCH_TIMEOUT: Duration = Duration::from_secs(5);

/// One HTTP GET the cache needs.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FetchRequest {
    /// The absolute URL to GET.
    pub url: String,
    /// The `If-None-Match` header value, an `ETag` from an earlier response.
    pub if_none_match: Option<String>,
    /// Maximum body length in bytes; a longer body is an error, detected while reading.
    pub max_body_bytes: usize,
    /// Deadline for the whole exchange.
    pub timeout: Duration,
}

/// The parts of an HTTP response the cache reads.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct FetchResponse {
    /// The status code, as received. Redirects are returned as they are, never followed.
    pub status: u16,
    /// The `Cache-Control` header value.
    pub cache_control: Option<String>,
    /// The `Expires` header value.
    pub expires: Option<String>,
    /// The `ETag` header value.
    pub etag: Option<String>,
    /// The `Content-Type` header value.
    pub content_type: Option<String>,
    /// The body, at most [`FetchRequest::max_body_bytes`] long.
    pub body: Vec<u8>,
}

/// Performs the GET requests of a [`RemoteVerifier`](crate::RemoteVerifier).
///
/// An implementation must:
///
/// - send a GET, with `Accept: `[`ACCEPT`] and `If-None-Match` when the request has one, and
///   nothing that carries credentials;
/// - not follow redirects: a 3xx response is returned with its status, and the cache treats it
///   as a failure;
/// - return the status as received; the cache accepts only 200, and 304 when it revalidates;
/// - stop reading the body once it exceeds [`FetchRequest::max_body_bytes`] and return
///   [`FetchErrorKind::BodyTooLarge`], without buffering the rest;
/// - give up after [`FetchRequest::timeout`] with [`FetchErrorKind::Timeout`];
/// - refuse URLs that are not `https`, unless the caller explicitly allowed plain HTTP to a
///   loopback address for tests.
///
/// The returned future need not be `Send`, so single-threaded runtimes such as WASI hosts can
/// implement this trait. A `Send` future from a concrete fetcher keeps
/// [`RemoteVerifier::verify`](crate::RemoteVerifier::verify) `Send` too.
pub trait KeyFetcher {
    /// Performs one GET.
    fn fetch(
        &self,
        request: FetchRequest,
    ) -> impl Future<Output = Result<FetchResponse, FetchError>>;
}

/// What went wrong in a fetch, before a status code was available or while reading the body.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum FetchErrorKind {
    /// The deadline passed.
    Timeout,
    /// The connection could not be made (refused, DNS failure, TLS failure).
    Connect,
    /// The body is longer than the cap.
    BodyTooLarge,
    /// The URL is not allowed: not `https`, or plain HTTP to a host that is not loopback.
    InsecureUrl,
    /// Any other transport failure.
    Transport,
}

impl fmt::Display for FetchErrorKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::Timeout => "timed out",
            Self::Connect => "connection failed",
            Self::BodyTooLarge => "body too large",
            Self::InsecureUrl => "URL is not https",
            Self::Transport => "transport error",
        })
    }
}

/// A failed fetch: its kind and, when the adapter has one, the underlying error.
#[derive(Clone)]
pub struct FetchError {
    kind: FetchErrorKind,
    source: Option<Arc<dyn core::error::Error + Send + Sync>>,
}

impl FetchError {
    /// A failure of this kind with no underlying error.
    pub fn new(kind: FetchErrorKind) -> Self {
        Self { kind, source: None }
    }

    /// A failure of this kind caused by `source`, which is kept for
    /// [`core::error::Error::source`].
    pub fn with_source(
        kind: FetchErrorKind,
        source: impl core::error::Error + Send + Sync + 'static,
    ) -> Self {
        Self {
            kind,
            source: Some(Arc::new(source)),
        }
    }

    /// What went wrong.
    pub fn kind(&self) -> FetchErrorKind {
        self.kind
    }
}

impl PartialEq for FetchError {
    /// Compares the kinds only; underlying errors are not comparable.
    fn eq(&self, other: &Self) -> bool {
        self.kind == other.kind
    }
}

impl Eq for FetchError {}

impl fmt::Debug for FetchError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut debug = f.debug_struct("FetchError");
        debug.field("kind", &self.kind);
        if let Some(source) = &self.source {
            debug.field("source", &format_args!("{source}"));
        }
        debug.finish()
    }
}

impl fmt::Display for FetchError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.source {
            Some(source) => write!(f, "{}: {source}", self.kind),
            None => write!(f, "{}", self.kind),
        }
    }
}

impl core::error::Error for FetchError {
    fn source(&self) -> Option<&(dyn core::error::Error + 'static)> {
        self.source
            .as_deref()
            .map(|source| source as &(dyn core::error::Error + 'static))
    }
}

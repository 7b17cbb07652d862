//! Fetches JSON Web Key Sets over HTTPS with `reqwest` for [`acs_jwt::RemoteVerifier`], and
//! a ready verifier for Azure Communication Services (ACS) callbacks.
//!
//! ```no_run
//! # async fn handler(authorization: &str) -> Result<(), Box<dyn std::error::Error>> {
//! // Once, at start-up: the audience is the ACS resource's immutable resource id.
//! let verifier = acs_jwt_reqwest::AcsVerifier::new("4f5b9c34-1a9e-4b6e-9c2d-2f0a7e6d5c1b")?;
//!
//! // Per callback: the whole `Authorization` header value, or the bare token.
//! let token = verifier.verify(authorization).await?;
//! println!("callback for {:?}", token.claims().aud);
//! # Ok(())
//! # }
//! ```
//!
//! The same verifier checks the token of a media WebSocket upgrade: ACS sends one token per
//! connection, valid for 24 hours, in the upgrade request's `Authorization` header. Verify it
//! before accepting the upgrade; the connection then needs no further checks.
//!
//! # What the fetcher guarantees
//!
//! [`ReqwestFetcher`] sends only GET requests with `Accept: application/jwk-set+json,
//! application/json` and its own `User-Agent`; follows no redirects; refuses URLs that are not
//! `https` (unless [`ReqwestFetcher::insecure_allow_loopback_http_for_tests`] is set); rejects
//! a body longer than the cap while it is streamed, before buffering the rest; and gives up after
//! the request's deadline (5 s by default) for the whole exchange, body included.
//!
//! # Logging
//!
//! With a `tracing` subscriber installed, each fetch logs its URL, status, duration and size,
//! and [`AcsVerifier::verify`] logs refreshes, cooldown rejections and fetch failures with the
//! token's `kid`. Tokens, signatures and key material are never logged.

use std::sync::Arc;
use std::time::Instant;

use acs_jwt::cache::{CachePolicy, CacheStatus};
use acs_jwt::fetch::{FetchError, FetchErrorKind, FetchRequest, FetchResponse, KeyFetcher};
use acs_jwt::{
    ConfigError, Error, KeySource, RemoteVerifier, UnixTime, VerifiedToken, Verifier, acs,
};
use reqwest::header::{self, HeaderMap};

/// The `User-Agent` sent with every fetch.
pub const USER_AGENT: &str = concat!("acs-jwt-reqwest/", env!("CARGO_PKG_VERSION"));

/// A [`KeyFetcher`] over one shared `reqwest` client.
#[derive(Clone, Debug)]
pub struct ReqwestFetcher {
    client: reqwest::Client,
    allow_loopback_http: bool,
}

impl ReqwestFetcher {
    /// Builds a fetcher with its own client: rustls, no redirects, no cookies, no proxy from
    /// the environment.
    pub fn new() -> Result<Self, reqwest::Error> {
        let client = reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .user_agent(USER_AGENT)
            .no_proxy()
            .build()?;
        Ok(Self {
            client,
            allow_loopback_http: false,
        })
    }

    /// Uses the caller's client. It must not follow redirects
    /// (`redirect(reqwest::redirect::Policy::none())`): a redirect-following client breaks the
    /// fetcher's contract.
    pub fn with_client(client: reqwest::Client) -> Self {
        Self {
            client,
            allow_loopback_http: false,
        }
    }

    /// Allows plain-HTTP URLs on loopback addresses (`localhost`, `127.0.0.0/8`, `[::1]`). For
    /// tests against local servers only.
    pub fn insecure_allow_loopback_http_for_tests(mut self, allow: bool) -> Self {
        self.allow_loopback_http = allow;
        self
    }

    async fn get(&self, request: &FetchRequest) -> Result<FetchResponse, FetchError> {
        if !acs_jwt::discovery::is_allowed_url(&request.url, self.allow_loopback_http) {
            return Err(FetchError::new(FetchErrorKind::InsecureUrl));
        }
        let mut builder = self
            .client
            .get(&request.url)
            .header(header::ACCEPT, acs_jwt::fetch::ACCEPT)
            .timeout(request.timeout);
        if let Some(etag) = &request.if_none_match {
            builder = builder.header(header::IF_NONE_MATCH, etag);
        }
        let mut response = builder.send().await.map_err(transport_error)?;
        let status = response.status().as_u16();
        let headers = response.headers();
        let mut result = FetchResponse {
            status,
            cache_control: header_text(headers, header::CACHE_CONTROL),
            expires: header_text(headers, header::EXPIRES),
            etag: header_text(headers, header::ETAG),
            content_type: header_text(headers, header::CONTENT_TYPE),
            body: Vec::new(),
        };
        if status != 200 {
            // Only a 200 body is ever used; do not read the rest.
            return Ok(result);
        }
        if response
            .content_length()
            .is_some_and(|len| len > request.max_body_bytes as u64)
        {
            return Err(FetchError::new(FetchErrorKind::BodyTooLarge));
        }
        while let Some(chunk) = response.chunk().await.map_err(transport_error)? {
            if result.body.len() + chunk.len() > request.max_body_bytes {
                return Err(FetchError::new(FetchErrorKind::BodyTooLarge));
            }
            result.body.extend_from_slice(&chunk);
        }
        Ok(result)
    }
}

impl KeyFetcher for ReqwestFetcher {
    async fn fetch(&self, request: FetchRequest) -> Result<FetchResponse, FetchError> {
        let started = Instant::now();
        let result = self.get(&request).await;
        let duration_ms = started.elapsed().as_millis() as u64;
        match &result {
            Ok(response) => tracing::info!(
                url = %request.url,
                status = response.status,
                duration_ms,
                bytes = response.body.len(),
                revalidation = request.if_none_match.is_some(),
                "fetched key set document"
            ),
            Err(err) => tracing::warn!(
                url = %request.url,
                error = %err,
                duration_ms,
                "key set fetch failed"
            ),
        }
        result
    }
}

fn header_text(headers: &HeaderMap, name: header::HeaderName) -> Option<String> {
    headers
        .get(name)
        .and_then(|value| value.to_str().ok())
        .map(String::from)
}

fn transport_error(err: reqwest::Error) -> FetchError {
    let kind = if err.is_timeout() {
        FetchErrorKind::Timeout
    } else if err.is_connect() {
        FetchErrorKind::Connect
    } else {
        FetchErrorKind::Transport
    };
    FetchError::with_source(kind, err)
}

/// Why an [`AcsVerifier`] could not be built.
#[derive(Debug)]
#[non_exhaustive]
pub enum BuildError {
    /// The verifier configuration is invalid (for example, the resource id is not a GUID).
    Config(ConfigError),
    /// The HTTP client could not be built.
    Client(reqwest::Error),
}

impl std::fmt::Display for BuildError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::Config(err) => write!(f, "invalid verifier configuration: {err}"),
            Self::Client(err) => write!(f, "cannot build the HTTP client: {err}"),
        }
    }
}

impl std::error::Error for BuildError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            Self::Config(err) => Some(err),
            Self::Client(err) => Some(err),
        }
    }
}

/// A verifier that fetches its keys over HTTPS and reads the system clock.
///
/// Cheap to clone: clones share one key cache and one HTTP client. Built for ACS by
/// [`AcsVerifier::new`], or for any issuer by [`AcsVerifier::with_verifier`].
#[derive(Clone)]
pub struct AcsVerifier {
    inner: Arc<RemoteVerifier<ReqwestFetcher>>,
}

impl AcsVerifier {
    /// A verifier for ACS callbacks to the resource with this immutable resource id (a GUID),
    /// with keys from [`acs::JWKS_URL`] and the default [`CachePolicy`].
    pub fn new(resource_id: &str) -> Result<Self, BuildError> {
        let verifier = acs::verifier(resource_id).map_err(BuildError::Config)?;
        let fetcher = ReqwestFetcher::new().map_err(BuildError::Client)?;
        Ok(Self::from_remote(RemoteVerifier::new(
            verifier,
            KeySource::JwksUrl(String::from(acs::JWKS_URL)),
            fetcher,
        )))
    }

    /// A verifier for any issuer: the claims policy, where its keys come from, and the cache
    /// policy.
    pub fn with_verifier(
        verifier: Verifier,
        source: KeySource,
        policy: CachePolicy,
        fetcher: ReqwestFetcher,
    ) -> Self {
        let allow_loopback_http = fetcher.allow_loopback_http;
        Self::from_remote(
            RemoteVerifier::new(verifier, source, fetcher)
                .with_policy(policy)
                .insecure_allow_loopback_http_for_tests(allow_loopback_http),
        )
    }

    /// Wraps a configured [`RemoteVerifier`].
    pub fn from_remote(remote: RemoteVerifier<ReqwestFetcher>) -> Self {
        Self {
            inner: Arc::new(remote),
        }
    }

    /// The underlying verifier, for snapshots and status.
    pub fn remote(&self) -> &RemoteVerifier<ReqwestFetcher> {
        &self.inner
    }

    /// Verifies a bare token or an `Authorization: Bearer` header value now.
    pub async fn verify(&self, token_or_header: &str) -> Result<VerifiedToken, Error> {
        self.verify_at(token_or_header, UnixTime::now()).await
    }

    /// Verifies a bare token or an `Authorization: Bearer` header value at `now`.
    pub async fn verify_at(
        &self,
        token_or_header: &str,
        now: UnixTime,
    ) -> Result<VerifiedToken, Error> {
        let before = self.inner.status(now);
        let result = self.inner.verify(token_or_header, now).await;
        log_outcome(&before, &self.inner.status(now), &result);
        result
    }

    /// A read-only view of the key cache now.
    pub fn status(&self) -> CacheStatus {
        self.inner.status(UnixTime::now())
    }
}

/// Logs refreshes, cooldown rejections and failures caused by one verification.
fn log_outcome(before: &CacheStatus, after: &CacheStatus, result: &Result<VerifiedToken, Error>) {
    let fetched = after.fetches > before.fetches;
    let failed = after.failures > before.failures;
    if fetched && !failed {
        tracing::info!(keys = after.key_count, "key set refreshed");
    }
    if failed {
        let error = after
            .last_error
            .as_ref()
            .map(ToString::to_string)
            .unwrap_or_default();
        tracing::warn!(%error, stale = !after.fresh, "key set refresh failed");
    }
    match result {
        Err(Error::UnknownKey { kid }) if !fetched && after.cooling_down => tracing::info!(
            kid = kid.as_deref().unwrap_or(""),
            "unknown kid rejected without a fetch during the refresh cooldown"
        ),
        Err(Error::UnknownKey { kid }) if !fetched => tracing::info!(
            kid = kid.as_deref().unwrap_or(""),
            "unknown kid rejected without a fetch: the token fails other checks"
        ),
        Err(err @ Error::KeySetUnavailable { .. }) => {
            tracing::warn!(error = %err, "no usable key set");
        }
        _ => {}
    }
}

/// A blocking wrapper around [`AcsVerifier`] for callers without an async runtime.
///
/// It owns a current-thread tokio runtime. Do not call it from inside an async runtime: use
/// [`AcsVerifier`] there.
#[cfg(feature = "blocking")]
pub struct BlockingAcsVerifier {
    runtime: tokio::runtime::Runtime,
    inner: AcsVerifier,
}

#[cfg(feature = "blocking")]
impl BlockingAcsVerifier {
    /// Wraps `inner` with its own runtime.
    pub fn new(inner: AcsVerifier) -> std::io::Result<Self> {
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()?;
        Ok(Self { runtime, inner })
    }

    /// Verifies a bare token or an `Authorization: Bearer` header value now.
    pub fn verify(&self, token_or_header: &str) -> Result<VerifiedToken, Error> {
        self.runtime.block_on(self.inner.verify(token_or_header))
    }

    /// Verifies a bare token or an `Authorization: Bearer` header value at `now`.
    pub fn verify_at(&self, token_or_header: &str, now: UnixTime) -> Result<VerifiedToken, Error> {
        self.runtime
            .block_on(self.inner.verify_at(token_or_header, now))
    }
}

//! A verifier that fetches and caches its key set through a [`KeyFetcher`].

use alloc::string::String;
use alloc::sync::Arc;
use alloc::vec::Vec;
use core::future::Future;
use core::pin::Pin;
use core::task::{Context, Poll, Waker};

use spin::Mutex;

use crate::cache::{CachePolicy, CacheStatus, FetchDecision, FetchFailure, KeySetCache};
use crate::discovery::OpenIdConfiguration;
use crate::error::Error;
use crate::fetch::{FetchRequest, KeyFetcher};
use crate::jwk_set::JwkSet;
use crate::snapshot::Snapshot;
use crate::verify::{UnixTime, VerifiedToken, Verifier};

/// The source of a [`RemoteVerifier`]'s key set.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum KeySource {
    /// A fixed key set URL; no discovery.
    JwksUrl(String),
    /// An OpenID configuration URL. Its `issuer` must equal the verifier's issuer byte for
    /// byte, and its `jwks_uri` is used as the key set URL.
    OpenIdConfiguration(String),
}

/// Combines a claims [`Verifier`], a [`KeySetCache`] and a [`KeyFetcher`].
///
/// - The first verification fetches the key set; concurrent callers share that one fetch.
/// - A token with a known `kid` is verified with the cached set and never waits for a fetch
///   started by another caller. When the set's lifetime has run out, the first caller to
///   notice refreshes it after verifying its own token, so that one call includes the fetch.
/// - A token with an unknown `kid` causes one refresh, at most once per
///   [`CachePolicy::refresh_cooldown`], and only when its unverified `alg`, `iss`, `aud` and
///   times would pass: a token rejected anyway never causes a fetch. During the cooldown it
///   fails at once with [`Error::UnknownKey`].
/// - When refreshes fail, the held set keeps verifying for up to
///   [`CachePolicy::max_staleness`] past its lifetime; then [`Error::KeySetUnavailable`].
///
/// The state sits behind a spin lock that is held only to read or update the cache, never
/// across a fetch, so the verifier works the same in multi-threaded executors, single-threaded
/// runtimes and `no_std` environments.
pub struct RemoteVerifier<F> {
    verifier: Verifier,
    fetcher: F,
    source: KeySource,
    allow_loopback_http: bool,
    shared: Mutex<Shared>,
}

struct Shared {
    cache: KeySetCache,
    /// Incremented whenever a fetch ends, successfully or not.
    generation: u64,
    /// Callers waiting for the running fetch to end.
    waiters: Vec<Waker>,
}

impl<F: KeyFetcher> RemoteVerifier<F> {
    /// Creates a verifier with the default [`CachePolicy`].
    pub fn new(verifier: Verifier, source: KeySource, fetcher: F) -> Self {
        let url = match &source {
            KeySource::JwksUrl(url) => Some(url.clone()),
            KeySource::OpenIdConfiguration(_) => None,
        };
        Self {
            verifier,
            fetcher,
            source,
            allow_loopback_http: false,
            shared: Mutex::new(Shared {
                cache: KeySetCache::new(CachePolicy::default(), url),
                generation: 0,
                waiters: Vec::new(),
            }),
        }
    }

    /// Replaces the cache policy. Call before the first verification.
    pub fn with_policy(self, policy: CachePolicy) -> Self {
        {
            let mut shared = self.shared.lock();
            let url = shared.cache.url().map(String::from);
            shared.cache = KeySetCache::new(policy, url);
        }
        self
    }

    /// Allows plain-HTTP key set and discovery URLs on loopback addresses (`localhost`,
    /// `127.0.0.0/8`, `[::1]`). For tests against local servers only: in production the keys
    /// must come over HTTPS.
    pub fn insecure_allow_loopback_http_for_tests(mut self, allow: bool) -> Self {
        self.allow_loopback_http = allow;
        self
    }

    /// The claims verifier.
    pub fn verifier(&self) -> &Verifier {
        &self.verifier
    }

    /// The fetcher.
    pub fn fetcher(&self) -> &F {
        &self.fetcher
    }

    /// A read-only view of the cache at `now`.
    pub fn status(&self, now: UnixTime) -> CacheStatus {
        self.shared.lock().cache.status(now)
    }

    /// Exports the cached key set, if any; see [`Snapshot`].
    pub fn export_snapshot(&self) -> Option<Snapshot> {
        self.shared.lock().cache.export_snapshot()
    }

    /// Imports a snapshot; returns whether it was used. See [`KeySetCache::import_snapshot`].
    pub fn import_snapshot(&self, snapshot: &Snapshot) -> bool {
        if !crate::discovery::is_allowed_url(&snapshot.url, self.allow_loopback_http) {
            return false;
        }
        if let KeySource::JwksUrl(url) = &self.source {
            if *url != snapshot.url {
                return false;
            }
        }
        self.shared.lock().cache.import_snapshot(snapshot)
    }

    /// Verifies a compact token, or the token of an `Authorization: Bearer` header value, at
    /// time `now`.
    ///
    /// A value that contains a space is read as an `Authorization` header value; anything
    /// else as a compact token. See the type documentation for when this fetches.
    pub async fn verify(
        &self,
        token_or_header: &str,
        now: UnixTime,
    ) -> Result<VerifiedToken, Error> {
        let token = if token_or_header.contains([' ', '\t']) {
            crate::authorization::bearer_token(token_or_header)?
        } else {
            token_or_header
        };
        let cached = self.shared.lock().cache.keys(now);
        let keys = match cached {
            Some(keys) => keys,
            None => {
                // Without a usable set, run the checks that need no key first, so that a
                // malformed token neither waits for nor causes a fetch.
                self.verifier.check_structure(token)?;
                self.usable_keys(now).await?
            }
        };
        let result = self.verifier.verify(token, &keys, now);
        match result {
            Err(err) if err.refresh_may_help() => {
                if self.verifier.precheck_unverified(token, now).is_err() {
                    return Err(err);
                }
                if !self.refresh_now(now).await {
                    return Err(err);
                }
                let keys = self.usable_keys(now).await?;
                self.verifier.verify(token, &keys, now)
            }
            other => {
                let due = {
                    let shared = self.shared.lock();
                    !shared.cache.is_fresh(now)
                };
                if due {
                    self.refresh_now(now).await;
                }
                other
            }
        }
    }

    /// Fetches the key set now if no fetch is running and the cooldown allows it. Returns
    /// `true` when a fetch ran and produced a new or revalidated set.
    pub async fn refresh_now(&self, now: UnixTime) -> bool {
        let decision = self.shared.lock().cache.begin_fetch(now);
        match decision {
            FetchDecision::Start { ticket, request } => {
                self.run_fetch(ticket, Some(request), now).await
            }
            FetchDecision::Discover { ticket } => self.run_fetch(ticket, None, now).await,
            FetchDecision::InFlight | FetchDecision::CoolingDown { .. } => false,
        }
    }

    /// Returns a usable key set, fetching it (or waiting for the running fetch) when the cache
    /// contains none.
    async fn usable_keys(&self, now: UnixTime) -> Result<Arc<JwkSet>, Error> {
        // Two rounds at most: the second only after a fetch ended.
        for _ in 0..2 {
            let (decision, generation) = {
                let mut shared = self.shared.lock();
                if let Some(keys) = shared.cache.keys(now) {
                    return Ok(keys);
                }
                (shared.cache.begin_fetch(now), shared.generation)
            };
            match decision {
                FetchDecision::Start { ticket, request } => {
                    self.run_fetch(ticket, Some(request), now).await;
                }
                FetchDecision::Discover { ticket } => {
                    self.run_fetch(ticket, None, now).await;
                }
                FetchDecision::InFlight => {
                    FetchEnded {
                        shared: &self.shared,
                        generation,
                    }
                    .await;
                }
                FetchDecision::CoolingDown { .. } => break,
            }
        }
        let shared = self.shared.lock();
        match shared.cache.keys(now) {
            Some(keys) => Ok(keys),
            None => Err(Error::KeySetUnavailable {
                cause: shared.cache.last_error().cloned(),
            }),
        }
    }

    /// Runs the fetch with `ticket`: discovery first when `request` is `None`. Returns `true`
    /// on success. Waiting callers are woken however it ends, also when this future is dropped.
    async fn run_fetch(&self, ticket: u64, request: Option<FetchRequest>, now: UnixTime) -> bool {
        let mut guard = FetchGuard {
            shared: &self.shared,
            ticket,
            finished: false,
        };
        let request = match request {
            Some(request) => request,
            None => match self.discover(ticket).await {
                Ok(request) => request,
                Err(failure) => {
                    guard.finish(|cache| cache.fail_fetch(ticket, failure));
                    return false;
                }
            },
        };
        if !crate::discovery::is_allowed_url(&request.url, self.allow_loopback_http) {
            let failure = FetchFailure::Fetch(crate::fetch::FetchError::new(
                crate::fetch::FetchErrorKind::InsecureUrl,
            ));
            guard.finish(|cache| cache.fail_fetch(ticket, failure));
            return false;
        }
        let result = self.fetcher.fetch(request).await;
        let mut succeeded = false;
        guard.finish(|cache| succeeded = cache.complete_fetch(ticket, now, result).is_ok());
        succeeded
    }

    async fn discover(&self, ticket: u64) -> Result<FetchRequest, FetchFailure> {
        let KeySource::OpenIdConfiguration(url) = &self.source else {
            return Err(FetchFailure::Abandoned);
        };
        if !crate::discovery::is_allowed_url(url, self.allow_loopback_http) {
            return Err(FetchFailure::Fetch(crate::fetch::FetchError::new(
                crate::fetch::FetchErrorKind::InsecureUrl,
            )));
        }
        let policy = self.shared.lock().cache.policy().clone();
        let request = FetchRequest {
            url: url.clone(),
            if_none_match: None,
            max_body_bytes: policy
                .max_body_bytes
                .min(crate::limits::MAX_DISCOVERY_BYTES),
            timeout: policy.fetch_timeout,
        };
        let response = self
            .fetcher
            .fetch(request)
            .await
            .map_err(FetchFailure::Fetch)?;
        if response.status != 200 {
            return Err(FetchFailure::Status(response.status));
        }
        let config = OpenIdConfiguration::from_json(
            &response.body,
            self.verifier.issuer(),
            self.allow_loopback_http,
        )
        .map_err(FetchFailure::Discovery)?;
        self.shared
            .lock()
            .cache
            .discovered(ticket, config.jwks_uri)
            .ok_or(FetchFailure::Abandoned)
    }
}

/// Ends a fetch and wakes the waiting callers, also when the fetching future is dropped.
struct FetchGuard<'a> {
    shared: &'a Mutex<Shared>,
    ticket: u64,
    finished: bool,
}

impl FetchGuard<'_> {
    fn finish(&mut self, update: impl FnOnce(&mut KeySetCache)) {
        let waiters = {
            let mut shared = self.shared.lock();
            update(&mut shared.cache);
            shared.generation += 1;
            core::mem::take(&mut shared.waiters)
        };
        self.finished = true;
        waiters.into_iter().for_each(Waker::wake);
    }
}

impl Drop for FetchGuard<'_> {
    fn drop(&mut self) {
        if !self.finished {
            let ticket = self.ticket;
            self.finish(|cache| cache.abandon_fetch(ticket));
        }
    }
}

/// Resolves once the fetch running when it was created has ended.
struct FetchEnded<'a> {
    shared: &'a Mutex<Shared>,
    generation: u64,
}

impl Future for FetchEnded<'_> {
    type Output = ();

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        let mut shared = self.shared.lock();
        if shared.generation != self.generation {
            return Poll::Ready(());
        }
        if !shared
            .waiters
            .iter()
            .any(|waker| waker.will_wake(cx.waker()))
        {
            shared.waiters.push(cx.waker().clone());
        }
        Poll::Pending
    }
}

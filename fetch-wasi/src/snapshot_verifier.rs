//! Verification in an instance that lives for one request: the key cache is restored from a
//! [`SnapshotStore`] before verifying and saved after.

use core::cell::Cell;
use std::io;

use acs_jwt::cache::CachePolicy;
use acs_jwt::fetch::{FetchError, FetchErrorKind, FetchRequest, FetchResponse, KeyFetcher};
use acs_jwt::{Error, KeySource, RemoteVerifier, UnixTime, VerifiedToken, Verifier};

use crate::store::{SnapshotStore, StoredState};

/// A [`RemoteVerifier`] whose cache outlives the instance: each [`verify`](Self::verify)
/// imports the stored key set, verifies, and saves the set again when it changed.
///
/// - With a fresh stored set, a cold start costs no fetch. Without one, it costs one fetch of
///   the key set URL (two with [`KeySource::OpenIdConfiguration`], which first fetches the
///   configuration document).
/// - The start of every fetch is stored too, so the refresh cooldown of the
///   [`CachePolicy`] applies across instances. A stream of tokens with unknown `kid`s, each in
///   a new instance, causes at most one fetch per cooldown, as it does in one long-lived
///   [`RemoteVerifier`]. Instances that start within the same moment may each fetch once,
///   because they all read the store before any of them writes it.
/// - Store failures never fail a verification: a record that cannot be read counts as no
///   record (one fetch), and a failed save is reported in [`Verification::store_error`].
///
/// Every call reads and parses the stored set again, which suits instances that handle one
/// request. A long-lived instance does better with one [`RemoteVerifier`] that it keeps.
pub struct SnapshotVerifier<F, S> {
    verifier: Verifier,
    source: KeySource,
    fetcher: F,
    store: S,
    policy: CachePolicy,
    allow_loopback_http: bool,
}

/// The stored record's contribution to a verification.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum Restored {
    /// Nothing was stored, or the store could not be read.
    Nothing,
    /// A key set was imported; it may still be refreshed if it is stale.
    KeySet,
    /// Only the time of the last fetch was stored: an earlier fetch failed.
    FetchTimeOnly,
    /// The stored record was ignored: it is not a record of this crate, or its key set is for
    /// another URL or contains no usable key.
    Ignored,
}

impl Restored {
    /// Returns a stable lower-case name, for logs and JSON output.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Nothing => "nothing",
            Self::KeySet => "key_set",
            Self::FetchTimeOnly => "fetch_time_only",
            Self::Ignored => "ignored",
        }
    }
}

/// The outcome of [`SnapshotVerifier::verify`].
#[derive(Debug)]
#[non_exhaustive]
pub struct Verification {
    /// The verified token, or why it was rejected.
    pub result: Result<VerifiedToken, Error>,
    /// The stored record's contribution.
    pub restored: Restored,
    /// HTTP requests sent through the fetcher during this verification.
    pub fetches: u64,
    /// Whether a new record was saved.
    pub saved: bool,
    /// The first failure to read or save the record, if any.
    pub store_error: Option<io::Error>,
}

impl<F: KeyFetcher, S: SnapshotStore> SnapshotVerifier<F, S> {
    /// Creates a verifier with the default [`CachePolicy`].
    pub fn new(verifier: Verifier, source: KeySource, fetcher: F, store: S) -> Self {
        Self {
            verifier,
            source,
            fetcher,
            store,
            policy: CachePolicy::default(),
            allow_loopback_http: false,
        }
    }

    /// Replaces the cache policy.
    pub fn with_policy(mut self, policy: CachePolicy) -> Self {
        self.policy = policy;
        self
    }

    /// Allows plain-HTTP key set URLs on loopback addresses, as
    /// [`RemoteVerifier::insecure_allow_loopback_http_for_tests`] does. For tests only.
    pub fn insecure_allow_loopback_http_for_tests(mut self, allow: bool) -> Self {
        self.allow_loopback_http = allow;
        self
    }

    /// Returns the claims verifier.
    pub fn verifier(&self) -> &Verifier {
        &self.verifier
    }

    /// Returns the fetcher.
    pub fn fetcher(&self) -> &F {
        &self.fetcher
    }

    /// Returns the store.
    pub fn store(&self) -> &S {
        &self.store
    }

    /// Verifies a compact token or an `Authorization: Bearer` header value at `now`, with the
    /// checks and fetch rules of [`RemoteVerifier::verify`].
    pub async fn verify(&self, token_or_header: &str, now: UnixTime) -> Verification {
        let mut store_error = None;
        let stored_bytes = self.store.load().unwrap_or_else(|err| {
            store_error = Some(err);
            None
        });
        let stored = stored_bytes.as_deref().map(StoredState::from_bytes);

        let fetcher = CooldownFetcher {
            inner: &self.fetcher,
            now,
            blocked_until: stored
                .as_ref()
                .and_then(|state| self.blocked_until(state.as_ref()?, now)),
            sent: Cell::new(0),
        };
        let remote = RemoteVerifier::new(self.verifier.clone(), self.source.clone(), fetcher)
            .with_policy(self.policy.clone())
            .insecure_allow_loopback_http_for_tests(self.allow_loopback_http);

        let restored = match &stored {
            None => Restored::Nothing,
            Some(None) => Restored::Ignored,
            Some(Some(state)) => match &state.snapshot {
                None => Restored::FetchTimeOnly,
                Some(snapshot) if remote.import_snapshot(snapshot) => Restored::KeySet,
                Some(_) => Restored::Ignored,
            },
        };

        let result = remote.verify(token_or_header, now).await;

        let fetches = remote.fetcher().sent.get();
        let previous = stored.flatten().unwrap_or_default();
        // The export returns the imported set, renewed or replaced if a fetch succeeded. A set
        // that could not be imported is dropped, because later instances could not use it either.
        let current = StoredState {
            snapshot: remote.export_snapshot(),
            last_fetch_started: if fetches > 0 {
                Some(now)
            } else {
                previous.last_fetch_started
            },
        };
        let mut saved = false;
        if current != previous {
            match self.store.save(&current.to_bytes()) {
                Ok(()) => saved = true,
                Err(err) => {
                    store_error.get_or_insert(err);
                }
            }
        }
        Verification {
            result,
            restored,
            fetches,
            saved,
            store_error,
        }
    }

    /// Returns when the next fetch may start, if that is after `now`.
    fn blocked_until(&self, state: &StoredState, now: UnixTime) -> Option<UnixTime> {
        let started = state.last_fetch_started?;
        let until = started
            .as_secs()
            .saturating_add(self.policy.refresh_cooldown.as_secs());
        // A start time further ahead than one cooldown cannot come from this service's clock;
        // ignore it rather than block fetches until then.
        let plausible = started.as_secs()
            <= now
                .as_secs()
                .saturating_add(self.policy.refresh_cooldown.as_secs());
        (plausible && now.as_secs() < until).then(|| UnixTime::from_secs(until))
    }
}

/// Passes requests to the inner fetcher unless another instance started a fetch less than the
/// refresh cooldown ago, and counts the requests it passes on.
struct CooldownFetcher<'a, F> {
    inner: &'a F,
    now: UnixTime,
    blocked_until: Option<UnixTime>,
    sent: Cell<u64>,
}

impl<F: KeyFetcher> KeyFetcher for CooldownFetcher<'_, F> {
    async fn fetch(&self, request: FetchRequest) -> Result<FetchResponse, FetchError> {
        if let Some(until) = self.blocked_until {
            return Err(FetchError::with_source(
                FetchErrorKind::Transport,
                CoolingDown {
                    now: self.now,
                    until,
                },
            ));
        }
        self.sent.set(self.sent.get() + 1);
        self.inner.fetch(request).await
    }
}

/// The error of a fetch refused because another instance fetched less than the refresh
/// cooldown ago.
#[derive(Debug)]
struct CoolingDown {
    now: UnixTime,
    until: UnixTime,
}

impl core::fmt::Display for CoolingDown {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        write!(
            f,
            "refresh cooldown: another instance fetched the key set recently; no fetch before {} ({} s after now)",
            self.until.as_secs(),
            self.until.as_secs().saturating_sub(self.now.as_secs())
        )
    }
}

impl std::error::Error for CoolingDown {}

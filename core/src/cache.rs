//! The key-set cache policy: a state machine that is handed the time and the fetch results.
//!
//! It performs no I/O and reads no clock. [`KeySetCache::begin_fetch`] says whether a fetch may
//! start now (single flight, cooldown), [`KeySetCache::complete_fetch`] applies its result
//! (replace the whole set, keep the last good set on failure), and [`KeySetCache::keys`] says
//! which set may be used at a given time (freshness, maximum staleness).
//! [`RemoteVerifier`](crate::RemoteVerifier) drives it; runtimes without `async` can drive it
//! directly.

use alloc::string::String;
use alloc::sync::Arc;
use core::fmt;
use core::time::Duration;

use crate::error::KeySetProblem;
use crate::fetch::{
    DEFAULT_FETCH_TIMEOUT, DEFAULT_MAX_BODY_BYTES, FetchError, FetchRequest, FetchResponse,
};
use crate::http_headers;
use crate::jwk_set::JwkSet;
use crate::verify::UnixTime;

/// How long key sets are kept and how often they may be fetched.
///
/// Each field documents its default and the reason for it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CachePolicy {
    /// Lifetime of a key set when the response has neither `Cache-Control: max-age` nor a
    /// usable `Expires`. Defaults to 1 hour: issuers announce new keys well before they sign
    /// with them, and an unknown `kid` triggers a refresh sooner anyway.
    pub default_ttl: Duration,
    /// Lower bound for a server-provided lifetime. Defaults to 5 minutes, so that a server
    /// answering `max-age=0` or `no-cache` does not cause a fetch per request.
    pub min_ttl: Duration,
    /// Upper bound for a server-provided lifetime. Defaults to 24 hours, so that a removed
    /// (possibly compromised) key stops verifying within a day even without an unknown `kid`.
    pub max_ttl: Duration,
    /// Minimum time between the starts of two fetches. Defaults to 30 seconds: a flood of
    /// tokens with random `kid`s causes at most one fetch per 30 s, and tokens with unknown
    /// keys fail fast in between instead of waiting.
    pub refresh_cooldown: Duration,
    /// How long past its lifetime a key set may still be used while refreshes fail. Defaults
    /// to 24 hours: an outage of the key endpoint does not stop verification for a day, and
    /// after that [`Error::KeySetUnavailable`](crate::Error::KeySetUnavailable) is returned.
    pub max_staleness: Duration,
    /// Response body cap. Defaults to 256 KiB ([`DEFAULT_MAX_BODY_BYTES`]), about ten times
    /// the largest public key sets (Entra ID with certificate chains).
    pub max_body_bytes: usize,
    /// Deadline for one fetch. Defaults to 5 seconds ([`DEFAULT_FETCH_TIMEOUT`]).
    pub fetch_timeout: Duration,
}

impl Default for CachePolicy {
    fn default() -> Self {
        Self {
            default_ttl: Duration::from_secs(60 * 60),
            min_ttl: Duration::from_secs(5 * 60),
            max_ttl: Duration::from_secs(24 * 60 * 60),
            refresh_cooldown: Duration::from_secs(30),
            max_staleness: Duration::from_secs(24 * 60 * 60),
            max_body_bytes: DEFAULT_MAX_BODY_BYTES,
            fetch_timeout: DEFAULT_FETCH_TIMEOUT,
        }
    }
}

/// The cause of a failed refresh, kept as the cache's last error.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum FetchFailure {
    /// The request itself failed (timeout, connection, body too large).
    Fetch(FetchError),
    /// The server returned a status other than 200 (or 304 to a revalidation).
    Status(u16),
    /// The `Content-Type` is not JSON.
    ContentType(String),
    /// The body is not a valid key set.
    InvalidKeySet(KeySetProblem),
    /// The key set contains no usable key, so the previous set is kept.
    NoUsableKeys,
    /// The OpenID configuration document was rejected.
    Discovery(crate::discovery::DiscoveryProblem),
    /// The fetch was abandoned before it completed (its caller was cancelled).
    Abandoned,
}

impl fmt::Display for FetchFailure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Fetch(err) => write!(f, "fetch failed: {err}"),
            Self::Status(status) => write!(f, "unexpected HTTP status {status}"),
            Self::ContentType(value) => write!(f, "unexpected content type {value:?}"),
            Self::InvalidKeySet(problem) => write!(f, "invalid key set: {problem}"),
            Self::NoUsableKeys => f.write_str("key set holds no usable RS256 key"),
            Self::Discovery(problem) => write!(f, "OpenID configuration rejected: {problem}"),
            Self::Abandoned => f.write_str("fetch was cancelled before it completed"),
        }
    }
}

/// The decision returned by [`KeySetCache::begin_fetch`].
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum FetchDecision {
    /// Start this fetch now and report its result with this ticket.
    Start {
        /// Identifies the fetch in [`KeySetCache::complete_fetch`].
        ticket: u64,
        /// The request to send.
        request: FetchRequest,
    },
    /// Another fetch is running; wait for it instead of starting one.
    InFlight,
    /// A fetch started less than the cooldown ago; do not fetch.
    CoolingDown {
        /// When the next fetch may start.
        until: UnixTime,
    },
    /// Start a fetch, but the key set URL is not known yet: fetch the OpenID configuration,
    /// then call [`KeySetCache::discovered`] with this ticket for the key set request.
    Discover {
        /// Identifies the fetch in [`KeySetCache::discovered`] and
        /// [`KeySetCache::complete_fetch`].
        ticket: u64,
    },
}

/// A key set in the cache with its freshness data.
#[derive(Clone, Debug)]
struct Entry {
    keys: Arc<JwkSet>,
    document: Arc<[u8]>,
    expires_at: UnixTime,
    etag: Option<String>,
}

/// A read-only view of the cache, for observability.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct CacheStatus {
    /// A set is held and its lifetime has not run out.
    pub fresh: bool,
    /// A set is held and may still be used (fresh, or stale within the maximum staleness).
    pub usable: bool,
    /// The number of usable keys in the held set.
    pub key_count: usize,
    /// When the held set's lifetime runs out.
    pub expires_at: Option<UnixTime>,
    /// A fetch started less than the cooldown ago.
    pub cooling_down: bool,
    /// A fetch is running.
    pub refreshing: bool,
    /// The most recent failure, cleared by the next success.
    pub last_error: Option<FetchFailure>,
    /// Fetches started.
    pub fetches: u64,
    /// Fetches that failed.
    pub failures: u64,
}

/// The cache state machine for one key set URL.
#[derive(Clone, Debug)]
pub struct KeySetCache {
    policy: CachePolicy,
    url: Option<String>,
    entry: Option<Entry>,
    in_flight: Option<u64>,
    next_ticket: u64,
    /// The ticket of the newest fetch whose result was applied; older results are ignored.
    applied_ticket: u64,
    last_fetch_started: Option<UnixTime>,
    last_error: Option<FetchFailure>,
    fetches: u64,
    failures: u64,
}

impl KeySetCache {
    /// An empty cache. The URL may be set later, after discovery.
    pub fn new(policy: CachePolicy, url: Option<String>) -> Self {
        Self {
            policy,
            url,
            entry: None,
            in_flight: None,
            next_ticket: 1,
            applied_ticket: 0,
            last_fetch_started: None,
            last_error: None,
            fetches: 0,
            failures: 0,
        }
    }

    /// The policy in force.
    pub fn policy(&self) -> &CachePolicy {
        &self.policy
    }

    /// The key set URL, once known.
    pub fn url(&self) -> Option<&str> {
        self.url.as_deref()
    }

    /// Sets the key set URL, for example after discovery.
    pub fn set_url(&mut self, url: String) {
        self.url = Some(url);
    }

    /// Returns the set to verify with at `now`: fresh, or stale by at most the maximum
    /// staleness. `None` when there is no set or it is too stale to use.
    pub fn keys(&self, now: UnixTime) -> Option<Arc<JwkSet>> {
        let entry = self.entry.as_ref()?;
        let limit = add(entry.expires_at, self.policy.max_staleness);
        (now < limit).then(|| Arc::clone(&entry.keys))
    }

    /// Returns `true` when a set is held and its lifetime has not run out at `now`.
    pub fn is_fresh(&self, now: UnixTime) -> bool {
        self.entry
            .as_ref()
            .is_some_and(|entry| now < entry.expires_at)
    }

    /// Returns `true` when a fetch started less than the cooldown before `now`.
    pub fn is_cooling_down(&self, now: UnixTime) -> bool {
        self.last_fetch_started
            .is_some_and(|started| now < add(started, self.policy.refresh_cooldown))
    }

    /// Decides whether a fetch may start at `now`.
    ///
    /// At most one fetch runs at a time, and fetches start at least
    /// [`CachePolicy::refresh_cooldown`] apart, whatever the cause.
    pub fn begin_fetch(&mut self, now: UnixTime) -> FetchDecision {
        if self.in_flight.is_some() {
            return FetchDecision::InFlight;
        }
        if let Some(started) = self.last_fetch_started {
            let until = add(started, self.policy.refresh_cooldown);
            if now < until {
                return FetchDecision::CoolingDown { until };
            }
        }
        let ticket = self.next_ticket;
        self.next_ticket += 1;
        self.in_flight = Some(ticket);
        self.last_fetch_started = Some(now);
        self.fetches += 1;
        match self.url.clone() {
            Some(url) => FetchDecision::Start {
                ticket,
                request: self.request(url),
            },
            None => FetchDecision::Discover { ticket },
        }
    }

    /// Records the key set URL found by discovery for the fetch with `ticket` and returns the
    /// key set request to send. Returns `None` when that fetch is no longer the current one.
    pub fn discovered(&mut self, ticket: u64, jwks_uri: String) -> Option<FetchRequest> {
        if self.in_flight != Some(ticket) {
            return None;
        }
        self.url = Some(jwks_uri.clone());
        Some(self.request(jwks_uri))
    }

    /// Records that the fetch with `ticket` failed before a key set response (for example in
    /// discovery).
    pub fn fail_fetch(&mut self, ticket: u64, failure: FetchFailure) {
        if self.in_flight == Some(ticket) {
            self.in_flight = None;
        }
        self.failures += 1;
        self.last_error = Some(failure);
    }

    fn request(&self, url: String) -> FetchRequest {
        FetchRequest {
            url,
            if_none_match: self.entry.as_ref().and_then(|entry| entry.etag.clone()),
            max_body_bytes: self.policy.max_body_bytes,
            timeout: self.policy.fetch_timeout,
        }
    }

    /// The most recent failure, cleared by the next success.
    pub fn last_error(&self) -> Option<&FetchFailure> {
        self.last_error.as_ref()
    }

    /// Applies the result of the fetch with `ticket`, completed at `now`.
    ///
    /// A 200 with a valid key set that holds at least one usable key replaces the whole set;
    /// a 304 to a revalidation renews the held set's lifetime. Anything else is a failure: the
    /// held set stays in use (up to the maximum staleness) and the failure is returned and
    /// kept as the last error. The result of a fetch older than one already applied is
    /// ignored, so a slow old response never overwrites a newer set.
    pub fn complete_fetch(
        &mut self,
        ticket: u64,
        now: UnixTime,
        result: Result<FetchResponse, FetchError>,
    ) -> Result<(), FetchFailure> {
        if self.in_flight == Some(ticket) {
            self.in_flight = None;
        }
        if ticket <= self.applied_ticket {
            return Ok(());
        }
        let outcome = self.apply(now, result);
        match &outcome {
            Ok(()) => {
                self.applied_ticket = ticket;
                self.last_error = None;
            }
            Err(failure) => {
                self.failures += 1;
                self.last_error = Some(failure.clone());
            }
        }
        outcome
    }

    /// Marks the fetch with `ticket` as abandoned, so that waiting callers stop waiting.
    pub fn abandon_fetch(&mut self, ticket: u64) {
        if self.in_flight == Some(ticket) {
            self.in_flight = None;
            self.failures += 1;
            self.last_error = Some(FetchFailure::Abandoned);
        }
    }

    fn apply(
        &mut self,
        now: UnixTime,
        result: Result<FetchResponse, FetchError>,
    ) -> Result<(), FetchFailure> {
        let response = result.map_err(FetchFailure::Fetch)?;
        let ttl = self.ttl(&response, now);
        match response.status {
            200 => {}
            304 => {
                let entry = self.entry.as_mut().ok_or(FetchFailure::Status(304))?;
                if entry.etag.is_none() {
                    return Err(FetchFailure::Status(304));
                }
                entry.expires_at = add(now, ttl);
                if response.etag.is_some() {
                    entry.etag = response.etag;
                }
                return Ok(());
            }
            status => return Err(FetchFailure::Status(status)),
        }
        if let Some(content_type) = &response.content_type {
            if !http_headers::is_json_media_type(content_type) {
                return Err(FetchFailure::ContentType(crate::error::truncated(
                    content_type,
                    100,
                )));
            }
        }
        if response.body.len() > self.policy.max_body_bytes {
            return Err(FetchFailure::Fetch(FetchError::new(
                crate::fetch::FetchErrorKind::BodyTooLarge,
            )));
        }
        let keys = JwkSet::from_json(&response.body).map_err(|err| match err {
            crate::Error::InvalidKeySet(problem) => FetchFailure::InvalidKeySet(problem),
            _ => FetchFailure::InvalidKeySet(KeySetProblem::MissingKeys),
        })?;
        if keys.keys().is_empty() {
            return Err(FetchFailure::NoUsableKeys);
        }
        self.entry = Some(Entry {
            keys: Arc::new(keys),
            document: Arc::from(response.body),
            expires_at: add(now, ttl),
            etag: response.etag,
        });
        Ok(())
    }

    /// The lifetime of a response: `max-age`, else `Expires`, else the default; clamped to
    /// the policy's bounds.
    fn ttl(&self, response: &FetchResponse, now: UnixTime) -> Duration {
        let policy = &self.policy;
        let from_server = response
            .cache_control
            .as_deref()
            .and_then(http_headers::max_age)
            .or_else(|| {
                let expires = http_headers::parse_http_date(response.expires.as_deref()?)?;
                Some(Duration::from_secs(expires.saturating_sub(now.as_secs())))
            });
        match from_server {
            Some(ttl) => ttl.clamp(policy.min_ttl, policy.max_ttl),
            None => policy.default_ttl,
        }
    }

    /// A read-only view of the state at `now`.
    pub fn status(&self, now: UnixTime) -> CacheStatus {
        CacheStatus {
            fresh: self.is_fresh(now),
            usable: self.keys(now).is_some(),
            key_count: self
                .entry
                .as_ref()
                .map_or(0, |entry| entry.keys.keys().len()),
            expires_at: self.entry.as_ref().map(|entry| entry.expires_at),
            cooling_down: self.is_cooling_down(now),
            refreshing: self.in_flight.is_some(),
            last_error: self.last_error.clone(),
            fetches: self.fetches,
            failures: self.failures,
        }
    }

    /// Exports the held set with its freshness data, for an instance that does not live long
    /// enough to keep a cache (for example a WebAssembly component per request).
    pub fn export_snapshot(&self) -> Option<crate::snapshot::Snapshot> {
        let entry = self.entry.as_ref()?;
        Some(crate::snapshot::Snapshot {
            url: self.url.clone().unwrap_or_default(),
            document: entry.document.to_vec(),
            expires_at: entry.expires_at,
            etag: entry.etag.clone(),
        })
    }

    /// Imports a snapshot taken by [`KeySetCache::export_snapshot`].
    ///
    /// The snapshot is used only when it is for this cache's URL, its document is a valid key
    /// set with a usable key, and it is newer than the held set. Returns whether it was used.
    pub fn import_snapshot(&mut self, snapshot: &crate::snapshot::Snapshot) -> bool {
        if self.url.as_deref().is_some_and(|url| url != snapshot.url) {
            return false;
        }
        if let Some(entry) = &self.entry {
            if entry.expires_at >= snapshot.expires_at {
                return false;
            }
        }
        let Ok(keys) = JwkSet::from_json(&snapshot.document) else {
            return false;
        };
        if keys.keys().is_empty() {
            return false;
        }
        if self.url.is_none() && !snapshot.url.is_empty() {
            self.url = Some(snapshot.url.clone());
        }
        self.entry = Some(Entry {
            keys: Arc::new(keys),
            document: Arc::from(snapshot.document.as_slice()),
            expires_at: snapshot.expires_at,
            etag: snapshot.etag.clone(),
        });
        true
    }
}

fn add(time: UnixTime, duration: Duration) -> UnixTime {
    UnixTime::from_secs(time.as_secs().saturating_add(duration.as_secs()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use alloc::vec::Vec;

    const URL: &str = "https://issuer.example/keys";
    const ACS_KEYS: &[u8] = include_bytes!("../../tests/data/jwks/acs.json");
    const ALL_KEYS: &[u8] = include_bytes!("../../tests/data/jwks/all.json");
    const T0: u64 = 1_767_225_600;

    fn at(secs: u64) -> UnixTime {
        UnixTime::from_secs(T0 + secs)
    }

    fn ok(body: &[u8]) -> FetchResponse {
        FetchResponse {
            status: 200,
            content_type: Some(String::from("application/json")),
            body: body.to_vec(),
            ..FetchResponse::default()
        }
    }

    fn cache() -> KeySetCache {
        KeySetCache::new(CachePolicy::default(), Some(String::from(URL)))
    }

    fn start(cache: &mut KeySetCache, now: UnixTime) -> (u64, FetchRequest) {
        match cache.begin_fetch(now) {
            FetchDecision::Start { ticket, request } => (ticket, request),
            other => panic!("expected a fetch to start, got {other:?}"),
        }
    }

    fn fetch(
        cache: &mut KeySetCache,
        now: UnixTime,
        response: FetchResponse,
    ) -> Result<(), FetchFailure> {
        let (ticket, _) = start(cache, now);
        cache.complete_fetch(ticket, now, Ok(response))
    }

    fn kids(cache: &KeySetCache, now: UnixTime) -> Vec<String> {
        cache
            .keys(now)
            .map(|set| {
                set.keys()
                    .iter()
                    .filter_map(|k| k.kid().map(String::from))
                    .collect()
            })
            .unwrap_or_default()
    }

    #[test]
    fn default_ttl_without_cache_headers() {
        let mut cache = cache();
        fetch(&mut cache, at(0), ok(ACS_KEYS)).expect("fetch succeeds");
        assert!(cache.is_fresh(at(3599)));
        assert!(!cache.is_fresh(at(3600)));
        assert_eq!(cache.status(at(0)).expires_at, Some(at(3600)));
    }

    #[test]
    fn max_age_is_honoured_and_clamped() {
        for (header, ttl) in [
            ("max-age=7200", 7200),
            ("public, max-age=0", 300),
            ("no-cache", 300),
            ("max-age=10", 300),
            ("max-age=999999", 86_400),
        ] {
            let mut cache = cache();
            let mut response = ok(ACS_KEYS);
            response.cache_control = Some(String::from(header));
            // `Expires` is ignored when `max-age` is present.
            response.expires = Some(String::from("Thu, 01 Jan 2026 00:00:10 GMT"));
            fetch(&mut cache, at(0), response).expect("fetch succeeds");
            assert_eq!(cache.status(at(0)).expires_at, Some(at(ttl)), "{header}");
        }
    }

    #[test]
    fn expires_is_used_without_max_age() {
        let mut cache = cache();
        let mut response = ok(ACS_KEYS);
        response.expires = Some(String::from("Thu, 01 Jan 2026 02:00:00 GMT"));
        fetch(&mut cache, at(0), response).expect("fetch succeeds");
        assert_eq!(cache.status(at(0)).expires_at, Some(at(7200)));
    }

    #[test]
    fn etag_revalidation_keeps_the_set() {
        let mut cache = cache();
        let mut response = ok(ACS_KEYS);
        response.etag = Some(String::from("\"v1\""));
        fetch(&mut cache, at(0), response).expect("fetch succeeds");
        let (ticket, request) = start(&mut cache, at(4000));
        assert_eq!(request.if_none_match.as_deref(), Some("\"v1\""));
        let not_modified = FetchResponse {
            status: 304,
            ..FetchResponse::default()
        };
        cache
            .complete_fetch(ticket, at(4000), Ok(not_modified))
            .expect("304 accepted");
        assert_eq!(kids(&cache, at(4000)).len(), 2);
        assert_eq!(cache.status(at(4000)).expires_at, Some(at(7600)));
    }

    #[test]
    fn not_modified_without_etag_is_a_failure() {
        let mut cache = cache();
        fetch(&mut cache, at(0), ok(ACS_KEYS)).expect("fetch succeeds");
        let (ticket, request) = start(&mut cache, at(4000));
        assert_eq!(request.if_none_match, None);
        let not_modified = FetchResponse {
            status: 304,
            ..FetchResponse::default()
        };
        assert_eq!(
            cache.complete_fetch(ticket, at(4000), Ok(not_modified)),
            Err(FetchFailure::Status(304))
        );
    }

    #[test]
    fn refresh_replaces_the_whole_set() {
        let mut cache = cache();
        fetch(&mut cache, at(0), ok(ALL_KEYS)).expect("fetch succeeds");
        assert!(kids(&cache, at(0)).contains(&String::from("rsa3072")));
        fetch(&mut cache, at(60), ok(ACS_KEYS)).expect("fetch succeeds");
        let now_kids = kids(&cache, at(60));
        assert_eq!(now_kids.len(), 2);
        assert!(!now_kids.contains(&String::from("rsa3072")));
    }

    #[test]
    fn single_flight_and_cooldown() {
        let mut cache = cache();
        let (ticket, _) = start(&mut cache, at(0));
        assert_eq!(cache.begin_fetch(at(0)), FetchDecision::InFlight);
        assert!(cache.status(at(0)).refreshing);
        cache
            .complete_fetch(ticket, at(1), Ok(ok(ACS_KEYS)))
            .expect("fetch succeeds");
        assert_eq!(
            cache.begin_fetch(at(29)),
            FetchDecision::CoolingDown { until: at(30) }
        );
        assert!(cache.status(at(29)).cooling_down);
        start(&mut cache, at(30));
        assert_eq!(cache.status(at(30)).fetches, 2);
    }

    #[test]
    fn older_result_never_overwrites_newer() {
        let mut cache = cache();
        let (old, _) = start(&mut cache, at(0));
        // The old fetch is abandoned (its caller was cancelled) and a new one completes first.
        cache.abandon_fetch(old);
        let (new, _) = start(&mut cache, at(30));
        cache
            .complete_fetch(new, at(31), Ok(ok(ACS_KEYS)))
            .expect("fetch succeeds");
        cache
            .complete_fetch(old, at(32), Ok(ok(ALL_KEYS)))
            .expect("ignored");
        assert_eq!(kids(&cache, at(32)).len(), 2);
    }

    #[test]
    fn failures_keep_last_good_set_until_stale_limit() {
        let mut cache = cache();
        fetch(&mut cache, at(0), ok(ACS_KEYS)).expect("fetch succeeds");
        let failures = [
            Err(FetchError::new(crate::fetch::FetchErrorKind::Timeout)),
            Ok(FetchResponse {
                status: 500,
                ..FetchResponse::default()
            }),
            Ok(ok(b"not json")),
            Ok(ok(br#"{"keys":[{"kty":"oct","k":"AA"}]}"#)),
            Ok(FetchResponse {
                content_type: Some(String::from("text/html")),
                ..ok(ACS_KEYS)
            }),
            Ok(FetchResponse {
                status: 302,
                ..FetchResponse::default()
            }),
        ];
        let mut now = 3600;
        for result in failures {
            let (ticket, _) = start(&mut cache, at(now));
            let outcome = cache.complete_fetch(ticket, at(now), result);
            assert!(outcome.is_err());
            assert_eq!(cache.last_error(), outcome.err().as_ref());
            assert_eq!(kids(&cache, at(now)).len(), 2);
            now += 60;
        }
        assert_eq!(cache.status(at(now)).failures, 6);
        // Expired at 3600; usable until 3600 + 24 h.
        assert!(cache.keys(at(3600 + 86_399)).is_some());
        assert!(cache.keys(at(3600 + 86_400)).is_none());
    }

    #[test]
    fn failure_reasons_are_named() {
        let cases: [(Result<FetchResponse, FetchError>, FetchFailure); 4] = [
            (
                Ok(FetchResponse {
                    status: 503,
                    ..FetchResponse::default()
                }),
                FetchFailure::Status(503),
            ),
            (Ok(ok(br#"{"keys":[]}"#)), FetchFailure::NoUsableKeys),
            (
                Ok(ok(b"{}")),
                FetchFailure::InvalidKeySet(KeySetProblem::MissingKeys),
            ),
            (
                Err(FetchError::new(crate::fetch::FetchErrorKind::BodyTooLarge)),
                FetchFailure::Fetch(FetchError::new(crate::fetch::FetchErrorKind::BodyTooLarge)),
            ),
        ];
        for (result, expected) in cases {
            let mut cache = cache();
            let (ticket, _) = start(&mut cache, at(0));
            assert_eq!(cache.complete_fetch(ticket, at(0), result), Err(expected));
            assert!(cache.keys(at(0)).is_none());
        }
    }

    #[test]
    fn oversized_body_is_rejected_even_if_the_fetcher_returned_it() {
        let mut cache = cache();
        let mut body = ACS_KEYS.to_vec();
        body.resize(DEFAULT_MAX_BODY_BYTES + 1, b' ');
        assert!(fetch(&mut cache, at(0), ok(&body)).is_err());
    }

    #[test]
    fn snapshot_round_trip_restores_freshness() {
        let mut cache = cache();
        let mut response = ok(ACS_KEYS);
        response.etag = Some(String::from("\"v1\""));
        fetch(&mut cache, at(0), response).expect("fetch succeeds");
        let snapshot = cache.export_snapshot().expect("a set is held");
        let bytes = snapshot.to_bytes();

        let mut restored = self::cache();
        let snapshot = crate::snapshot::Snapshot::from_bytes(&bytes).expect("parses");
        assert!(restored.import_snapshot(&snapshot));
        assert!(restored.is_fresh(at(3599)));
        assert_eq!(kids(&restored, at(10)).len(), 2);
        let (_, request) = start(&mut restored, at(4000));
        assert_eq!(request.if_none_match.as_deref(), Some("\"v1\""));

        let mut other = KeySetCache::new(
            CachePolicy::default(),
            Some(String::from("https://other/keys")),
        );
        assert!(!other.import_snapshot(&snapshot));
    }
}

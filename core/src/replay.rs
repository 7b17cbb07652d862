//! An opt-in replay cache: rejects a verified token that was already seen while it is valid.
//!
//! A JWT does not cover the HTTP request it arrives with, so a captured token can be sent
//! again until it expires. [`ReplayCache`] remembers each accepted token until the verifier
//! would reject it as expired (`exp` plus the leeway) and rejects a second use. It is a
//! policy the caller drives: it reads no clock, performs no I/O, and the caller decides when
//! to consult it, normally right after [`Verifier::verify`](crate::Verifier::verify)
//! succeeded. One cache serves one process; instances behind a load balancer each keep their
//! own unless the caller shares the decision through a common store.
//!
//! Memory is bounded: at most `max_entries` entries of a fixed size (a 32-byte SHA-256 key and
//! the expiry), whatever the size of the token or its `jti`. When the cache is full, entries
//! that have expired are dropped first. If it is still full, [`WhenFull`] decides:
//!
//! - [`WhenFull::Reject`] (the default, fail-closed) rejects the new token with
//!   [`ReplayError::CacheFull`]. Every token the cache admitted stays protected, but once
//!   live entries fill the cache, legitimate new tokens are turned away until some expire.
//!   Only tokens that verified are inserted, so only the issuer's traffic can fill it: size
//!   it for the peak number of tokens accepted within one token lifetime.
//! - [`WhenFull::EvictSoonestExpiring`] drops the entry that expires first and admits the new
//!   token. Service continues, but the dropped token can be replayed for the rest of its
//!   lifetime, which is the shortest of all lifetimes held.

use alloc::collections::{BTreeMap, BTreeSet};
use core::fmt;

use sha2::{Digest, Sha256};

use crate::verify::{UnixTime, VerifiedToken, Verifier};

/// The identity of a token in a [`ReplayCache`]: a SHA-256 digest, so that every entry has the
/// same size.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct ReplayKey([u8; 32]);

impl ReplayKey {
    /// Derives the key of a compact token from its signature: the text after the last `.`.
    ///
    /// Works for every token. RSASSA-PKCS1-v1_5 signatures are deterministic and the verifier
    /// accepts only the canonical base64url encoding, so a valid token has exactly one
    /// signature text, and two different valid tokens have different ones. The argument may
    /// also be the `Authorization` header value the token came in.
    pub fn from_signature(token: &str) -> Self {
        let signature = token.rsplit('.').next().unwrap_or(token);
        Self::digest(b"sig", &[signature.as_bytes()])
    }

    /// Derives the key of a token from its issuer and `jti` claim, or returns `None` when it
    /// has no `jti`.
    ///
    /// Use it only with an issuer that promises unique `jti` values (RFC 7519 §4.1.7):
    /// two tokens that share a `jti` count as one, so the second is rejected as replayed.
    pub fn from_jti(token: &VerifiedToken) -> Option<Self> {
        let claims = token.claims();
        let jti = claims.jti.as_deref()?;
        let issuer = claims.iss.as_deref().unwrap_or_default();
        Some(Self::digest(b"jti", &[issuer.as_bytes(), jti.as_bytes()]))
    }

    /// Hashes a domain label and length-prefixed parts, so that no two inputs share a digest
    /// by concatenation.
    fn digest(label: &[u8], parts: &[&[u8]]) -> Self {
        let mut hasher = Sha256::new();
        hasher.update(label);
        for part in parts {
            hasher.update((part.len() as u64).to_be_bytes());
            hasher.update(part);
        }
        Self(hasher.finalize().into())
    }
}

/// The action of a full [`ReplayCache`] on a new token, once expired entries are gone.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
#[non_exhaustive]
pub enum WhenFull {
    /// Reject the new token with [`ReplayError::CacheFull`] (fail-closed). The default.
    #[default]
    Reject,
    /// Drop the entry that expires first and admit the new token (fail-open for that entry).
    EvictSoonestExpiring,
}

/// The reason a [`ReplayCache`] rejected a token.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum ReplayError {
    /// The token was already accepted and has not expired yet.
    Replayed {
        /// When the first use's entry expires.
        expires_at: UnixTime,
    },
    /// The cache contains `max_entries` live entries and its policy is [`WhenFull::Reject`].
    CacheFull {
        /// The configured maximum number of entries.
        max_entries: usize,
    },
}

impl ReplayError {
    /// Every code [`ReplayError::code`] can return.
    pub const CODES: &'static [&'static str] = &["replayed", "replay_cache_full"];

    /// Returns the stable machine-readable code: `"replayed"` or `"replay_cache_full"`.
    pub fn code(&self) -> &'static str {
        match self {
            Self::Replayed { .. } => "replayed",
            Self::CacheFull { .. } => "replay_cache_full",
        }
    }
}

impl fmt::Display for ReplayError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Replayed { expires_at } => write!(
                f,
                "token was already used; it is remembered until {}",
                expires_at.as_secs()
            ),
            Self::CacheFull { max_entries } => write!(
                f,
                "replay cache is full with {max_entries} unexpired tokens; raise its size or wait for tokens to expire"
            ),
        }
    }
}

#[cfg(feature = "std")]
impl std::error::Error for ReplayError {}

/// A bounded set of recently accepted tokens, each kept until it expires.
///
/// Not synchronized: share it behind a mutex. Each operation costs `O(log n)` plus the
/// removal of entries that have expired.
#[derive(Clone, Debug)]
pub struct ReplayCache {
    max_entries: usize,
    when_full: WhenFull,
    /// Expiry by key.
    entries: BTreeMap<ReplayKey, UnixTime>,
    /// The same entries ordered by expiry, so expired and soonest-expiring entries are found
    /// without a scan.
    by_expiry: BTreeSet<(UnixTime, ReplayKey)>,
}

impl ReplayCache {
    /// Creates a fail-closed cache of at most `max_entries` tokens: when it is full of unexpired
    /// tokens, new ones are rejected with [`ReplayError::CacheFull`]. A cache of size zero
    /// rejects every token.
    pub fn new(max_entries: usize) -> Self {
        Self::with_policy(max_entries, WhenFull::Reject)
    }

    /// Creates a cache of at most `max_entries` tokens with the given policy for when it is
    /// full.
    pub fn with_policy(max_entries: usize, when_full: WhenFull) -> Self {
        Self {
            max_entries,
            when_full,
            entries: BTreeMap::new(),
            by_expiry: BTreeSet::new(),
        }
    }

    /// The configured maximum number of entries.
    pub fn max_entries(&self) -> usize {
        self.max_entries
    }

    /// The number of entries held, expired ones included until the next insertion or
    /// [`ReplayCache::remove_expired`].
    pub fn len(&self) -> usize {
        self.entries.len()
    }

    /// Returns `true` when no entry is held.
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// Records a verified token, or rejects it when it was already recorded and has not
    /// expired at `now`.
    ///
    /// The entry expires at `exp` plus the verifier's leeway, the first time at which the
    /// verifier rejects the token as expired. A verified token always has `exp`.
    pub fn check_verified(
        &mut self,
        key: ReplayKey,
        token: &VerifiedToken,
        verifier: &Verifier,
        now: UnixTime,
    ) -> Result<(), ReplayError> {
        let exp = token.expires_at().0;
        let expires_at = UnixTime::from_secs(exp.saturating_add(verifier.leeway_secs()));
        self.check_and_insert(key, expires_at, now)
    }

    /// Records `key` until `expires_at`, or rejects it when it is already held and has not
    /// expired at `now`.
    ///
    /// An entry counts as expired once `now >= expires_at`. Nothing is inserted for a key
    /// whose `expires_at` is not after `now`: the verifier rejects that token anyway.
    pub fn check_and_insert(
        &mut self,
        key: ReplayKey,
        expires_at: UnixTime,
        now: UnixTime,
    ) -> Result<(), ReplayError> {
        if let Some(&held) = self.entries.get(&key) {
            if now < held {
                return Err(ReplayError::Replayed { expires_at: held });
            }
            self.remove(key, held);
        }
        if now >= expires_at {
            return Ok(());
        }
        if self.entries.len() >= self.max_entries {
            self.remove_expired(now);
        }
        if self.entries.len() >= self.max_entries {
            match self.when_full {
                WhenFull::Reject => {
                    return Err(ReplayError::CacheFull {
                        max_entries: self.max_entries,
                    });
                }
                WhenFull::EvictSoonestExpiring => match self.by_expiry.pop_first() {
                    Some((_, soonest)) => {
                        self.entries.remove(&soonest);
                    }
                    // Only a cache of size zero is full and empty.
                    None => {
                        return Err(ReplayError::CacheFull {
                            max_entries: self.max_entries,
                        });
                    }
                },
            }
        }
        self.entries.insert(key, expires_at);
        self.by_expiry.insert((expires_at, key));
        Ok(())
    }

    /// Drops every entry that has expired at `now` and returns how many were dropped.
    pub fn remove_expired(&mut self, now: UnixTime) -> usize {
        let mut removed = 0;
        while let Some(&(expires_at, key)) = self.by_expiry.first() {
            if now < expires_at {
                break;
            }
            self.remove(key, expires_at);
            removed += 1;
        }
        removed
    }

    fn remove(&mut self, key: ReplayKey, expires_at: UnixTime) {
        self.entries.remove(&key);
        self.by_expiry.remove(&(expires_at, key));
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::claims::NumericDate;
    use alloc::format;

    fn at(secs: u64) -> UnixTime {
        UnixTime::from_secs(secs)
    }

    fn key(n: u8) -> ReplayKey {
        ReplayKey([n; 32])
    }

    #[test]
    fn second_use_is_rejected_until_expiry() {
        let mut cache = ReplayCache::new(4);
        assert_eq!(cache.check_and_insert(key(1), at(100), at(10)), Ok(()));
        assert_eq!(
            cache.check_and_insert(key(1), at(100), at(99)),
            Err(ReplayError::Replayed {
                expires_at: at(100)
            })
        );
        // At expiry the verifier rejects the token itself; the cache drops it.
        assert_eq!(cache.check_and_insert(key(1), at(100), at(100)), Ok(()));
        assert!(cache.is_empty());
    }

    #[test]
    fn full_cache_rejects_by_default() {
        let mut cache = ReplayCache::new(2);
        cache
            .check_and_insert(key(1), at(100), at(0))
            .expect("room");
        cache
            .check_and_insert(key(2), at(200), at(0))
            .expect("room");
        assert_eq!(
            cache.check_and_insert(key(3), at(300), at(50)),
            Err(ReplayError::CacheFull { max_entries: 2 })
        );
        assert_eq!(cache.len(), 2);
        // The rejected token was not recorded, and the admitted ones are still protected.
        assert!(matches!(
            cache.check_and_insert(key(1), at(100), at(50)),
            Err(ReplayError::Replayed { .. })
        ));
    }

    #[test]
    fn expired_entries_make_room_first() {
        for when_full in [WhenFull::Reject, WhenFull::EvictSoonestExpiring] {
            let mut cache = ReplayCache::with_policy(2, when_full);
            cache
                .check_and_insert(key(1), at(100), at(0))
                .expect("room");
            cache
                .check_and_insert(key(2), at(200), at(0))
                .expect("room");
            assert_eq!(cache.check_and_insert(key(3), at(300), at(100)), Ok(()));
            // Key 2 was live, so it was kept whatever the policy.
            assert!(matches!(
                cache.check_and_insert(key(2), at(200), at(150)),
                Err(ReplayError::Replayed { .. })
            ));
        }
    }

    #[test]
    fn eviction_drops_the_soonest_expiring_entry() {
        let mut cache = ReplayCache::with_policy(2, WhenFull::EvictSoonestExpiring);
        cache
            .check_and_insert(key(1), at(300), at(0))
            .expect("room");
        cache
            .check_and_insert(key(2), at(100), at(0))
            .expect("room");
        assert_eq!(cache.check_and_insert(key(3), at(200), at(10)), Ok(()));
        assert_eq!(cache.len(), 2);
        // Key 2 expired soonest and was dropped, so it is admitted again: the cost of
        // evicting.
        assert_eq!(cache.check_and_insert(key(2), at(100), at(20)), Ok(()));
        assert!(matches!(
            cache.check_and_insert(key(2), at(100), at(21)),
            Err(ReplayError::Replayed { .. })
        ));
    }

    #[test]
    fn size_never_exceeds_the_maximum() {
        let mut cache = ReplayCache::with_policy(16, WhenFull::EvictSoonestExpiring);
        for i in 0..1_000u32 {
            let mut bytes = [0u8; 32];
            bytes[..4].copy_from_slice(&i.to_be_bytes());
            let now = u64::from(i);
            cache
                .check_and_insert(ReplayKey(bytes), at(now + 500), at(now))
                .expect("eviction makes room");
            assert!(cache.len() <= 16);
            assert_eq!(cache.entries.len(), cache.by_expiry.len());
        }
    }

    #[test]
    fn zero_size_cache_rejects_everything() {
        for when_full in [WhenFull::Reject, WhenFull::EvictSoonestExpiring] {
            let mut cache = ReplayCache::with_policy(0, when_full);
            assert_eq!(
                cache.check_and_insert(key(1), at(100), at(0)),
                Err(ReplayError::CacheFull { max_entries: 0 })
            );
        }
    }

    #[test]
    fn already_expired_tokens_are_not_recorded() {
        let mut cache = ReplayCache::new(1);
        assert_eq!(cache.check_and_insert(key(1), at(100), at(100)), Ok(()));
        assert!(cache.is_empty());
    }

    #[test]
    fn remove_expired_counts() {
        let mut cache = ReplayCache::new(8);
        for (n, expires_at) in [(1, 10), (2, 20), (3, 30)] {
            cache
                .check_and_insert(key(n), at(expires_at), at(0))
                .expect("room");
        }
        assert_eq!(cache.remove_expired(at(20)), 2);
        assert_eq!(cache.len(), 1);
    }

    fn verified(jti: Option<&str>, exp: u64) -> VerifiedToken {
        token_from("https://issuer.example", jti, exp)
    }

    fn token_from(issuer: &str, jti: Option<&str>, exp: u64) -> VerifiedToken {
        let payload = match jti {
            Some(jti) => format!(r#"{{"iss":"{issuer}","jti":"{jti}","exp":{exp}}}"#),
            None => format!(r#"{{"iss":"{issuer}","exp":{exp}}}"#),
        };
        VerifiedToken::for_tests(br#"{"alg":"RS256"}"#, payload.as_bytes(), NumericDate(exp))
    }

    #[test]
    fn verified_tokens_expire_after_the_leeway() {
        let verifier = crate::VerifierBuilder::new("https://issuer.example")
            .audience("a")
            .build()
            .expect("valid");
        let token = verified(Some("id-1"), 1_000);
        let key = ReplayKey::from_jti(&token).expect("has a jti");
        let mut cache = ReplayCache::new(4);
        assert_eq!(
            cache.check_verified(key, &token, &verifier, at(900)),
            Ok(())
        );
        // exp 1000 plus the default leeway of 60 s.
        assert_eq!(
            cache.check_verified(key, &token, &verifier, at(1_059)),
            Err(ReplayError::Replayed {
                expires_at: at(1_060)
            })
        );
        assert_eq!(
            cache.check_verified(key, &token, &verifier, at(1_060)),
            Ok(())
        );
    }

    #[test]
    fn keys_separate_tokens_and_kinds() {
        assert_eq!(
            ReplayKey::from_signature("a.b.sig"),
            ReplayKey::from_signature("Bearer x.y.sig")
        );
        assert_ne!(
            ReplayKey::from_signature("a.b.sig1"),
            ReplayKey::from_signature("a.b.sig2")
        );
        assert_eq!(ReplayKey::from_jti(&verified(None, 1)), None);
        let jti = ReplayKey::from_jti(&verified(Some("sig"), 1)).expect("has a jti");
        assert_ne!(jti, ReplayKey::from_signature("a.b.sig"));
        let other_issuer = token_from("https://other.example", Some("sig"), 1);
        assert_ne!(ReplayKey::from_jti(&other_issuer), Some(jti));
    }

    #[test]
    fn codes_are_listed() {
        for err in [
            ReplayError::Replayed { expires_at: at(1) },
            ReplayError::CacheFull { max_entries: 1 },
        ] {
            assert!(ReplayError::CODES.contains(&err.code()));
        }
    }
}

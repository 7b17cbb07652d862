//! `SnapshotVerifier` on the host: each call stands for a new component instance that shares
//! only the store with the earlier ones. The fetcher is an in-process fake that counts its
//! requests; the `wasi:http` fetcher itself is tested in a real runtime by
//! `acs-jwt-wasi-harness`.

use std::cell::{Cell, RefCell};
use std::io;

use acs_jwt::cache::FetchFailure;
use acs_jwt::fetch::{FetchError, FetchErrorKind, FetchRequest, FetchResponse, KeyFetcher};
use acs_jwt::{Error, KeySource, Snapshot, UnixTime, VerifierBuilder};
use acs_jwt_tests::{AUDIENCE, ISSUER, NOW, TestKey, jwks};
use acs_jwt_wasi::{
    MemorySnapshotStore, Restored, SnapshotStore, SnapshotVerifier, Verification, block_on,
};
use serde_json::json;

const URL: &str = "https://keys.example/keys";

/// A key endpoint in memory: 200 with the current set, or the configured failure.
#[derive(Default)]
struct FakeEndpoint {
    key_set: RefCell<Vec<u8>>,
    etag: RefCell<Option<String>>,
    down: Cell<bool>,
    requests: Cell<usize>,
    not_modified: Cell<usize>,
}

impl FakeEndpoint {
    fn serving(key_set: Vec<u8>) -> Self {
        let endpoint = Self::default();
        *endpoint.key_set.borrow_mut() = key_set;
        endpoint
    }
}

impl KeyFetcher for &FakeEndpoint {
    async fn fetch(&self, request: FetchRequest) -> Result<FetchResponse, FetchError> {
        assert_eq!(request.url, URL);
        self.requests.set(self.requests.get() + 1);
        if self.down.get() {
            return Err(FetchError::new(FetchErrorKind::Connect));
        }
        let etag = self.etag.borrow().clone();
        if etag.is_some() && request.if_none_match == etag {
            self.not_modified.set(self.not_modified.get() + 1);
            return Ok(FetchResponse {
                status: 304,
                etag,
                ..FetchResponse::default()
            });
        }
        Ok(FetchResponse {
            status: 200,
            content_type: Some(String::from("application/json")),
            etag,
            body: self.key_set.borrow().clone(),
            ..FetchResponse::default()
        })
    }
}

fn at(offset: u64) -> UnixTime {
    UnixTime::from_secs(NOW + offset)
}

fn token(key: &TestKey, offset: u64) -> String {
    let iat = NOW + offset - 10;
    key.sign_claims(&json!({
        "iss": ISSUER, "aud": AUDIENCE, "iat": iat, "nbf": iat, "exp": iat + 300,
    }))
}

/// Verifies `token` in a new instance: a new `SnapshotVerifier` over the shared store.
fn verify_in_new_instance(
    endpoint: &FakeEndpoint,
    store: &dyn SnapshotStore,
    token: &str,
    now: UnixTime,
) -> Verification {
    let verifier = VerifierBuilder::new(ISSUER)
        .audience(AUDIENCE)
        .build()
        .expect("valid configuration");
    let keys = SnapshotVerifier::new(verifier, KeySource::JwksUrl(URL.into()), endpoint, store);
    block_on(keys.verify(token, now))
}

fn code(verification: &Verification) -> &'static str {
    match &verification.result {
        Ok(_) => "valid",
        Err(err) => err.code(),
    }
}

#[test]
fn cold_start_fetches_once_and_later_instances_never() {
    let a = TestKey::load("rsa2048-a");
    let endpoint = FakeEndpoint::serving(jwks(&[a.jwk()]));
    let store = MemorySnapshotStore::new();

    let first = verify_in_new_instance(&endpoint, &store, &token(&a, 0), at(0));
    assert_eq!(code(&first), "valid");
    assert_eq!(first.restored, Restored::Nothing);
    assert_eq!(first.fetches, 1);
    assert!(first.saved);
    assert!(first.store_error.is_none());

    for offset in 1..20 {
        let later = verify_in_new_instance(&endpoint, &store, &token(&a, offset), at(offset));
        assert_eq!(code(&later), "valid");
        assert_eq!(later.restored, Restored::KeySet);
        assert_eq!(later.fetches, 0);
        assert!(!later.saved, "nothing changed, so nothing is written");
    }
    assert_eq!(endpoint.requests.get(), 1);
}

#[test]
fn stale_stored_set_is_revalidated_once() {
    let a = TestKey::load("rsa2048-a");
    let endpoint = FakeEndpoint::serving(jwks(&[a.jwk()]));
    *endpoint.etag.borrow_mut() = Some(String::from("\"v1\""));
    let store = MemorySnapshotStore::new();
    verify_in_new_instance(&endpoint, &store, &token(&a, 0), at(0));

    // Past the default lifetime of 1 hour: verified with the stored set, then revalidated.
    let stale = verify_in_new_instance(&endpoint, &store, &token(&a, 3600), at(3600));
    assert_eq!(code(&stale), "valid");
    assert_eq!(stale.fetches, 1);
    assert_eq!(endpoint.not_modified.get(), 1);
    assert!(stale.saved, "the renewed lifetime is stored");

    let renewed = verify_in_new_instance(&endpoint, &store, &token(&a, 3700), at(3700));
    assert_eq!(renewed.fetches, 0);
    assert_eq!(endpoint.requests.get(), 2);
}

#[test]
fn rotation_fetches_once_across_instances() {
    let a = TestKey::load("rsa2048-a");
    let b = TestKey::load("rsa2048-b");
    let endpoint = FakeEndpoint::serving(jwks(&[a.jwk()]));
    let store = MemorySnapshotStore::new();
    verify_in_new_instance(&endpoint, &store, &token(&a, 0), at(0));

    endpoint.key_set.replace(jwks(&[b.jwk()]));
    let rotated = verify_in_new_instance(&endpoint, &store, &token(&b, 60), at(60));
    assert_eq!(code(&rotated), "valid");
    assert_eq!(rotated.fetches, 1);
    for offset in 61..70 {
        let later = verify_in_new_instance(&endpoint, &store, &token(&b, offset), at(offset));
        assert_eq!(code(&later), "valid");
        assert_eq!(later.fetches, 0);
    }
    // The refresh replaced the whole set, so a token of the removed key is refused.
    let removed = verify_in_new_instance(&endpoint, &store, &token(&a, 70), at(70));
    assert_eq!(code(&removed), "unknown_key");
    assert_eq!(endpoint.requests.get(), 2);
}

#[test]
fn unknown_kid_flood_fetches_once_per_cooldown() {
    let a = TestKey::load("rsa2048-a");
    let endpoint = FakeEndpoint::serving(jwks(&[a.jwk()]));
    let store = MemorySnapshotStore::new();
    verify_in_new_instance(&endpoint, &store, &token(&a, 0), at(0));

    // 300 instances over 90 s, each with a token signed by a key the endpoint does not
    // publish: three cooldown windows (30..60, 60..90, 90..120), so at most three fetches.
    let unknown = TestKey::load("rsa2048-b").with_kid("not-published");
    for i in 0..300u64 {
        let offset = 30 + i * 90 / 300;
        let result =
            verify_in_new_instance(&endpoint, &store, &token(&unknown, offset), at(offset));
        assert_eq!(code(&result), "unknown_key", "instance {i}");
    }
    let fetches = endpoint.requests.get() - 1;
    assert!(
        (1..=3).contains(&fetches),
        "{fetches} fetches for three cooldown windows"
    );
}

#[test]
fn failed_fetch_starts_shared_cooldown() {
    let a = TestKey::load("rsa2048-a");
    let endpoint = FakeEndpoint::serving(jwks(&[a.jwk()]));
    endpoint.down.set(true);
    let store = MemorySnapshotStore::new();

    let first = verify_in_new_instance(&endpoint, &store, &token(&a, 0), at(0));
    match &first.result {
        Err(Error::KeySetUnavailable {
            cause: Some(FetchFailure::Fetch(err)),
        }) => assert_eq!(err.kind(), FetchErrorKind::Connect),
        other => panic!("expected a connection failure, got {other:?}"),
    }
    assert_eq!(first.fetches, 1);
    assert!(first.saved, "the fetch time is stored");

    // Within the cooldown, the next instances fail at once without a request.
    let second = verify_in_new_instance(&endpoint, &store, &token(&a, 10), at(10));
    assert_eq!(code(&second), "key_set_unavailable");
    assert_eq!(second.restored, Restored::FetchTimeOnly);
    assert_eq!(second.fetches, 0);
    assert_eq!(endpoint.requests.get(), 1);

    // After it, the endpoint is asked again and is back.
    endpoint.down.set(false);
    let third = verify_in_new_instance(&endpoint, &store, &token(&a, 30), at(30));
    assert_eq!(code(&third), "valid");
    assert_eq!(third.fetches, 1);
}

#[test]
fn foreign_or_corrupt_records_are_replaced() {
    let a = TestKey::load("rsa2048-a");
    let endpoint = FakeEndpoint::serving(jwks(&[a.jwk()]));
    let other_url = Snapshot {
        url: String::from("https://other.example/keys"),
        document: jwks(&[a.jwk()]),
        expires_at: at(3600),
        etag: None,
    };
    let mut foreign = b"acs-jwt-wasi 1 last-fetch=-\n".to_vec();
    foreign.extend_from_slice(&other_url.to_bytes());

    for record in [b"garbage".to_vec(), foreign] {
        let store = MemorySnapshotStore::with_bytes(record);
        let first = verify_in_new_instance(&endpoint, &store, &token(&a, 0), at(0));
        assert_eq!(code(&first), "valid");
        assert_eq!(first.restored, Restored::Ignored);
        assert!(first.saved);
        let second = verify_in_new_instance(&endpoint, &store, &token(&a, 1), at(1));
        assert_eq!(second.restored, Restored::KeySet);
        assert_eq!(second.fetches, 0);
    }
}

/// A store whose reads and writes fail.
struct BrokenStore;

impl SnapshotStore for BrokenStore {
    fn load(&self) -> io::Result<Option<Vec<u8>>> {
        Err(io::Error::new(
            io::ErrorKind::PermissionDenied,
            "read denied",
        ))
    }

    fn save(&self, _bytes: &[u8]) -> io::Result<()> {
        Err(io::Error::new(
            io::ErrorKind::PermissionDenied,
            "write denied",
        ))
    }
}

#[test]
fn store_failures_never_fail_verification() {
    let a = TestKey::load("rsa2048-a");
    let endpoint = FakeEndpoint::serving(jwks(&[a.jwk()]));
    let verification = verify_in_new_instance(&endpoint, &BrokenStore, &token(&a, 0), at(0));
    assert_eq!(code(&verification), "valid");
    assert_eq!(verification.restored, Restored::Nothing);
    assert_eq!(verification.fetches, 1);
    assert!(!verification.saved);
    let err = verification
        .store_error
        .expect("the read failure is reported");
    assert_eq!(err.to_string(), "read denied");
}

#[test]
fn rejected_tokens_report_their_codes() {
    let a = TestKey::load("rsa2048-a");
    let endpoint = FakeEndpoint::serving(jwks(&[a.jwk()]));
    let store = MemorySnapshotStore::new();
    let expired = verify_in_new_instance(&endpoint, &store, &token(&a, 0), at(1000));
    assert_eq!(code(&expired), "expired");
    let garbage = verify_in_new_instance(&endpoint, &store, "not.a.token", at(0));
    assert_eq!(code(&garbage), "malformed_token");
    assert_eq!(garbage.fetches, 0, "garbage never causes a fetch");
}

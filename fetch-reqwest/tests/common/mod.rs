//! A key server on 127.0.0.1 that counts its requests and can be told to misbehave.

#![allow(dead_code, unreachable_pub)]

use std::net::SocketAddr;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use acs_jwt::cache::CachePolicy;
use acs_jwt::{KeySource, RemoteVerifier, VerifierBuilder};
use acs_jwt_reqwest::{AcsVerifier, ReqwestFetcher};
use acs_jwt_tests::{AUDIENCE, ISSUER};
use axum::Router;
use axum::extract::State;
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;

/// How the key endpoint answers.
#[derive(Clone, Debug)]
pub enum Mode {
    /// 200 with the current key set (or 304 when `If-None-Match` matches the ETag).
    Normal,
    /// This status with an empty body.
    Status(u16),
    /// Never answers.
    Hang,
    /// 200 with this body.
    Body(Vec<u8>),
    /// 302 to another path on the same server.
    Redirect,
}

pub struct ServerState {
    pub key_set: Mutex<Vec<u8>>,
    pub mode: Mutex<Mode>,
    pub cache_control: Mutex<Option<String>>,
    pub expires: Mutex<Option<String>>,
    pub etag: Mutex<Option<String>>,
    pub discovery: Mutex<Option<Vec<u8>>>,
    pub key_requests: AtomicUsize,
    pub not_modified: AtomicUsize,
    pub discovery_requests: AtomicUsize,
    pub redirected_requests: AtomicUsize,
}

pub struct KeyServer {
    pub addr: SocketAddr,
    pub state: Arc<ServerState>,
}

impl KeyServer {
    /// Starts a server that publishes `key_set` at `/keys`.
    pub async fn start(key_set: Vec<u8>) -> Self {
        let state = Arc::new(ServerState {
            key_set: Mutex::new(key_set),
            mode: Mutex::new(Mode::Normal),
            cache_control: Mutex::new(None),
            expires: Mutex::new(None),
            etag: Mutex::new(None),
            discovery: Mutex::new(None),
            key_requests: AtomicUsize::new(0),
            not_modified: AtomicUsize::new(0),
            discovery_requests: AtomicUsize::new(0),
            redirected_requests: AtomicUsize::new(0),
        });
        let app = Router::new()
            .route("/keys", get(keys))
            .route("/moved", get(moved))
            .route("/.well-known/openid-configuration", get(discovery))
            .with_state(Arc::clone(&state));
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind loopback");
        let addr = listener.local_addr().expect("local address");
        tokio::spawn(async move {
            axum::serve(listener, app).await.expect("server runs");
        });
        let server = Self { addr, state };
        server.set_discovery(ISSUER, &server.url("/keys"));
        server
    }

    pub fn url(&self, path: &str) -> String {
        format!("http://{}{path}", self.addr)
    }

    pub fn key_requests(&self) -> usize {
        self.state.key_requests.load(Ordering::SeqCst)
    }

    pub fn set_key_set(&self, key_set: Vec<u8>) {
        *self.state.key_set.lock().expect("lock") = key_set;
    }

    pub fn set_mode(&self, mode: Mode) {
        *self.state.mode.lock().expect("lock") = mode;
    }

    pub fn set_cache_control(&self, value: Option<&str>) {
        *self.state.cache_control.lock().expect("lock") = value.map(String::from);
    }

    pub fn set_expires(&self, value: Option<&str>) {
        *self.state.expires.lock().expect("lock") = value.map(String::from);
    }

    pub fn set_etag(&self, value: Option<&str>) {
        *self.state.etag.lock().expect("lock") = value.map(String::from);
    }

    pub fn set_discovery(&self, issuer: &str, jwks_uri: &str) {
        let document = serde_json::json!({
            "issuer": issuer,
            "jwks_uri": jwks_uri,
            "id_token_signing_alg_values_supported": ["RS256"],
        });
        self.set_discovery_document(document.to_string().into_bytes());
    }

    pub fn set_discovery_document(&self, document: Vec<u8>) {
        *self.state.discovery.lock().expect("lock") = Some(document);
    }
}

async fn keys(State(state): State<Arc<ServerState>>, headers: HeaderMap) -> Response {
    state.key_requests.fetch_add(1, Ordering::SeqCst);
    let mode = state.mode.lock().expect("lock").clone();
    match mode {
        Mode::Normal => {}
        Mode::Status(status) => {
            return StatusCode::from_u16(status)
                .expect("valid status")
                .into_response();
        }
        Mode::Hang => {
            tokio::time::sleep(Duration::from_secs(3600)).await;
            return StatusCode::OK.into_response();
        }
        Mode::Body(body) => {
            return ([(header::CONTENT_TYPE, "application/json")], body).into_response();
        }
        Mode::Redirect => {
            return (StatusCode::FOUND, [(header::LOCATION, "/moved")]).into_response();
        }
    }
    let etag = state.etag.lock().expect("lock").clone();
    let mut response_headers = HeaderMap::new();
    response_headers.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/jwk-set+json"),
    );
    if let Some(value) = state.cache_control.lock().expect("lock").clone() {
        response_headers.insert(header::CACHE_CONTROL, value.parse().expect("header"));
    }
    if let Some(value) = state.expires.lock().expect("lock").clone() {
        response_headers.insert(header::EXPIRES, value.parse().expect("header"));
    }
    if let Some(etag) = &etag {
        response_headers.insert(header::ETAG, etag.parse().expect("header"));
        let matches = headers
            .get(header::IF_NONE_MATCH)
            .is_some_and(|value| value.as_bytes() == etag.as_bytes());
        if matches {
            state.not_modified.fetch_add(1, Ordering::SeqCst);
            return (StatusCode::NOT_MODIFIED, response_headers).into_response();
        }
    }
    let body = state.key_set.lock().expect("lock").clone();
    (response_headers, body).into_response()
}

async fn moved(State(state): State<Arc<ServerState>>) -> Response {
    state.redirected_requests.fetch_add(1, Ordering::SeqCst);
    let body = state.key_set.lock().expect("lock").clone();
    ([(header::CONTENT_TYPE, "application/json")], body).into_response()
}

async fn discovery(State(state): State<Arc<ServerState>>) -> Response {
    state.discovery_requests.fetch_add(1, Ordering::SeqCst);
    let body = state
        .discovery
        .lock()
        .expect("lock")
        .clone()
        .unwrap_or_default();
    ([(header::CONTENT_TYPE, "application/json")], body).into_response()
}

/// A short fetch deadline so that timeout tests finish quickly.
pub fn test_policy() -> CachePolicy {
    CachePolicy {
        fetch_timeout: Duration::from_millis(500),
        ..CachePolicy::default()
    }
}

/// An ACS-audience verifier that fetches from `source` over loopback HTTP.
pub fn verifier_for(source: KeySource, policy: CachePolicy) -> AcsVerifier {
    let verifier = VerifierBuilder::new(ISSUER)
        .audience(AUDIENCE)
        .build()
        .expect("valid configuration");
    let fetcher = ReqwestFetcher::new()
        .expect("client builds")
        .insecure_allow_loopback_http_for_tests(true);
    AcsVerifier::with_verifier(verifier, source, policy, fetcher)
}

/// A verifier that fetches `server`'s `/keys` directly.
pub fn verifier(server: &KeyServer) -> AcsVerifier {
    verifier_for(KeySource::JwksUrl(server.url("/keys")), test_policy())
}

/// The same verifier as a bare [`RemoteVerifier`], to check that its future is `Send`.
pub fn remote(server: &KeyServer) -> RemoteVerifier<ReqwestFetcher> {
    let verifier = VerifierBuilder::new(ISSUER)
        .audience(AUDIENCE)
        .build()
        .expect("valid configuration");
    let fetcher = ReqwestFetcher::new()
        .expect("client builds")
        .insecure_allow_loopback_http_for_tests(true);
    RemoteVerifier::new(verifier, KeySource::JwksUrl(server.url("/keys")), fetcher)
        .insecure_allow_loopback_http_for_tests(true)
}

//! A key endpoint on 127.0.0.1 that counts its requests, records their headers and can be
//! set to misbehave.

use std::convert::Infallible;
use std::net::SocketAddr;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::Router;
use axum::body::{Body, Bytes};
use axum::extract::State;
use axum::http::{HeaderMap, Method, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::any;
use tokio::task::JoinHandle;

/// The behaviour of `/keys`.
#[derive(Clone, Debug)]
pub enum Mode {
    /// 200 with the current key set and headers (or 304 when `If-None-Match` matches).
    Normal,
    /// This status with an empty body.
    Status(u16),
    /// Never answers.
    Hang,
    /// 200 with this many bytes of spaces, announced in `Content-Length`.
    LargeBody(usize),
    /// 200 with this many bytes of spaces in 16 KiB chunks, without `Content-Length`.
    LargeChunkedBody(usize),
    /// 302 to `/moved` on the same server.
    Redirect,
}

/// The headers of one request to `/keys`.
#[derive(Clone, Debug, Default)]
pub struct SeenRequest {
    /// The method.
    pub method: String,
    /// `Accept`.
    pub accept: Option<String>,
    /// `User-Agent`.
    pub user_agent: Option<String>,
    /// `If-None-Match`.
    pub if_none_match: Option<String>,
    /// Whether an `Authorization` or `Cookie` header was sent.
    pub carried_credentials: bool,
}

#[derive(Debug)]
struct ServerState {
    key_set: Mutex<Vec<u8>>,
    mode: Mutex<Mode>,
    etag: Mutex<Option<String>>,
    cache_control: Mutex<Option<String>>,
    seen: Mutex<Vec<SeenRequest>>,
    key_requests: AtomicUsize,
    moved_requests: AtomicUsize,
}

/// A running key endpoint at `/keys`. Dropping it stops the server.
pub struct KeyServer {
    addr: SocketAddr,
    state: Arc<ServerState>,
    serve_task: JoinHandle<()>,
}

impl KeyServer {
    /// Starts a server on an ephemeral port of 127.0.0.1 that publishes `key_set`.
    ///
    /// # Panics
    ///
    /// Panics when no loopback port can be bound.
    pub async fn start(key_set: Vec<u8>) -> Self {
        let state = Arc::new(ServerState {
            key_set: Mutex::new(key_set),
            mode: Mutex::new(Mode::Normal),
            etag: Mutex::new(None),
            cache_control: Mutex::new(None),
            seen: Mutex::new(Vec::new()),
            key_requests: AtomicUsize::new(0),
            moved_requests: AtomicUsize::new(0),
        });
        let app = Router::new()
            .route("/keys", any(keys))
            .route("/moved", any(moved))
            .with_state(Arc::clone(&state));
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind a loopback port");
        let addr = listener.local_addr().expect("local address");
        let serve_task = tokio::spawn(async move {
            // The server runs until the test drops it; an accept error ends it early.
            let _ = axum::serve(listener, app).await;
        });
        Self {
            addr,
            state,
            serve_task,
        }
    }

    /// Returns the server's address, for the outgoing-request policy.
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// Returns the key set URL, `http://127.0.0.1:<port>/keys`.
    pub fn keys_url(&self) -> String {
        format!("http://{}/keys", self.addr)
    }

    /// Returns the number of requests to `/keys` so far.
    pub fn key_requests(&self) -> usize {
        self.state.key_requests.load(Ordering::SeqCst)
    }

    /// Returns the number of requests to `/moved`, the redirect target, so far.
    pub fn moved_requests(&self) -> usize {
        self.state.moved_requests.load(Ordering::SeqCst)
    }

    /// Returns the headers of every request to `/keys` so far.
    pub fn seen(&self) -> Vec<SeenRequest> {
        lock(&self.state.seen).clone()
    }

    /// Publishes another key set.
    pub fn set_key_set(&self, key_set: Vec<u8>) {
        *lock(&self.state.key_set) = key_set;
    }

    /// Changes how `/keys` responds.
    pub fn set_mode(&self, mode: Mode) {
        *lock(&self.state.mode) = mode;
    }

    /// Sends this `ETag`, and responds with 304 to a matching `If-None-Match`.
    pub fn set_etag(&self, etag: Option<&str>) {
        *lock(&self.state.etag) = etag.map(String::from);
    }

    /// Sends this `Cache-Control` value.
    pub fn set_cache_control(&self, value: Option<&str>) {
        *lock(&self.state.cache_control) = value.map(String::from);
    }
}

impl Drop for KeyServer {
    fn drop(&mut self) {
        self.serve_task.abort();
    }
}

fn lock<T>(mutex: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    mutex
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
}

fn header_text(headers: &HeaderMap, name: header::HeaderName) -> Option<String> {
    headers
        .get(name)
        .and_then(|value| value.to_str().ok())
        .map(String::from)
}

async fn keys(
    State(state): State<Arc<ServerState>>,
    method: Method,
    headers: HeaderMap,
) -> Response {
    state.key_requests.fetch_add(1, Ordering::SeqCst);
    lock(&state.seen).push(SeenRequest {
        method: method.to_string(),
        accept: header_text(&headers, header::ACCEPT),
        user_agent: header_text(&headers, header::USER_AGENT),
        if_none_match: header_text(&headers, header::IF_NONE_MATCH),
        carried_credentials: headers.contains_key(header::AUTHORIZATION)
            || headers.contains_key(header::COOKIE),
    });
    let mode = lock(&state.mode).clone();
    match mode {
        Mode::Normal => {}
        Mode::Status(status) => {
            return StatusCode::from_u16(status)
                .expect("a valid status code")
                .into_response();
        }
        Mode::Hang => {
            tokio::time::sleep(Duration::from_secs(3600)).await;
            return StatusCode::OK.into_response();
        }
        Mode::LargeBody(len) => {
            return (
                [(header::CONTENT_TYPE, "application/json")],
                vec![b' '; len],
            )
                .into_response();
        }
        Mode::LargeChunkedBody(len) => {
            const CHUNK: usize = 16 * 1024;
            let chunks = (0..len.div_ceil(CHUNK)).map(move |i| {
                let size = CHUNK.min(len - i * CHUNK);
                Ok::<_, Infallible>(Bytes::from(vec![b' '; size]))
            });
            let body = Body::from_stream(futures_util::stream::iter(chunks));
            return ([(header::CONTENT_TYPE, "application/json")], body).into_response();
        }
        Mode::Redirect => {
            return (StatusCode::FOUND, [(header::LOCATION, "/moved")]).into_response();
        }
    }
    let mut response_headers = HeaderMap::new();
    response_headers.insert(
        header::CONTENT_TYPE,
        "application/jwk-set+json"
            .parse()
            .expect("a valid header value"),
    );
    if let Some(value) = lock(&state.cache_control).clone() {
        response_headers.insert(
            header::CACHE_CONTROL,
            value.parse().expect("a valid header value"),
        );
    }
    let etag = lock(&state.etag).clone();
    if let Some(etag) = &etag {
        response_headers.insert(header::ETAG, etag.parse().expect("a valid header value"));
        if headers
            .get(header::IF_NONE_MATCH)
            .is_some_and(|value| value.as_bytes() == etag.as_bytes())
        {
            return (StatusCode::NOT_MODIFIED, response_headers).into_response();
        }
    }
    let body = lock(&state.key_set).clone();
    (response_headers, body).into_response()
}

async fn moved(State(state): State<Arc<ServerState>>) -> Response {
    state.moved_requests.fetch_add(1, Ordering::SeqCst);
    let body = lock(&state.key_set).clone();
    ([(header::CONTENT_TYPE, "application/json")], body).into_response()
}

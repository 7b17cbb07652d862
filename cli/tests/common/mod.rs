//! Helpers for the end-to-end tests that fetch key sets: running the binary, reading the
//! fixtures, and a key server on 127.0.0.1 that counts its requests.

// Each test file compiles this module on its own and uses only part of it.
#![allow(dead_code)]

use std::net::{Ipv4Addr, SocketAddr};
use std::path::PathBuf;
use std::process::{Command, Output, Stdio};
use std::sync::atomic::{AtomicU16, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, PoisonError};

use axum::Router;
use axum::extract::State;
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use serde_json::Value;

/// Verification time of every case in `tokens/independent.json`: 2026-01-01T00:00:00Z.
pub(crate) const NOW: &str = "1767225600";

/// Audience of every case in `tokens/independent.json`.
pub(crate) const AUDIENCE: &str = "4f5b9c34-1a9e-4b6e-9c2d-2f0a7e6d5c1b";

/// Issuer of every case in `tokens/independent.json`: the ACS issuer.
pub(crate) const ISSUER: &str = "https://acscallautomation.communication.azure.com";

/// Kid of `rsa2048-a` in `jwks/acs.json`.
pub(crate) const ACS_KID_A: &str = "acs-2026-a-Q7mK2pL9vR4tW8zN3bF6hJ1dS5gC0";

/// Kid of `rsa2048-b` in `jwks/acs.json`.
pub(crate) const ACS_KID_B: &str = "acs-2026-b-X3nT8cV1qM6wZ9kR2hB5yG7pD4fL0";

/// Path of the OpenID configuration document on [`KeyServer`].
pub(crate) const CONFIGURATION_PATH: &str = "/.well-known/openid-configuration";

/// Path of the key set on [`KeyServer`].
pub(crate) const KEYS_PATH: &str = "/keys";

pub(crate) fn data(relative: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../tests/data")
        .join(relative)
}

pub(crate) fn read_data(relative: &str) -> Vec<u8> {
    let path = data(relative);
    std::fs::read(&path).unwrap_or_else(|error| panic!("reading {}: {error}", path.display()))
}

/// Returns the token of the case `name` in `tokens/independent.json`.
pub(crate) fn case_token(name: &str) -> String {
    let document: Value = serde_json::from_slice(&read_data("tokens/independent.json"))
        .expect("tokens/independent.json is JSON");
    document
        .as_array()
        .expect("tokens/independent.json is an array")
        .iter()
        .find(|case| case["name"] == name)
        .and_then(|case| case["token"].as_str())
        .unwrap_or_else(|| panic!("no case {name:?} in tokens/independent.json"))
        .to_owned()
}

/// Runs the binary with `args` and standard input closed.
pub(crate) fn run(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_acs-jwt"))
        .args(args)
        .stdin(Stdio::null())
        .output()
        .expect("acs-jwt starts")
}

pub(crate) fn exit_code(output: &Output) -> i32 {
    output.status.code().expect("acs-jwt exits with a status")
}

pub(crate) fn stdout(output: &Output) -> String {
    String::from_utf8_lossy(&output.stdout).into_owned()
}

pub(crate) fn stderr(output: &Output) -> String {
    String::from_utf8_lossy(&output.stderr).into_owned()
}

/// Parses standard output as exactly one line holding one JSON value.
pub(crate) fn json_stdout(output: &Output) -> Value {
    let text = stdout(output);
    assert_eq!(
        text.lines().count(),
        1,
        "expected one line of JSON: {text:?}"
    );
    serde_json::from_str(&text)
        .unwrap_or_else(|error| panic!("stdout is not JSON ({error}): {text:?}"))
}

/// Returns the `message` of a JSON failure object.
pub(crate) fn message(result: &Value) -> &str {
    result["message"]
        .as_str()
        .unwrap_or_else(|| panic!("no message in {result}"))
}

/// A key server on 127.0.0.1 with its own runtime, so that a test can block on the binary
/// while the server responds.
///
/// It serves `jwks/acs.json` at [`KEYS_PATH`] and an OpenID configuration document for the
/// ACS issuer that points there at [`CONFIGURATION_PATH`]. The server stops when the value is
/// dropped.
pub(crate) struct KeyServer {
    address: SocketAddr,
    state: Arc<ServerState>,
    _runtime: tokio::runtime::Runtime,
}

struct ServerState {
    key_set: Vec<u8>,
    /// The status of key set responses: 200 with the key set, or this status with no body.
    key_status: AtomicU16,
    configuration: Mutex<Vec<u8>>,
    key_requests: AtomicUsize,
    configuration_requests: AtomicUsize,
}

impl KeyServer {
    pub(crate) fn start() -> Self {
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(1)
            .enable_all()
            .build()
            .expect("tokio runtime starts");
        let listener = runtime
            .block_on(tokio::net::TcpListener::bind((Ipv4Addr::LOCALHOST, 0)))
            .expect("binding 127.0.0.1");
        let address = listener.local_addr().expect("listener has an address");
        let state = Arc::new(ServerState {
            key_set: read_data("jwks/acs.json"),
            key_status: AtomicU16::new(200),
            configuration: Mutex::new(Vec::new()),
            key_requests: AtomicUsize::new(0),
            configuration_requests: AtomicUsize::new(0),
        });
        let app = Router::new()
            .route(KEYS_PATH, get(serve_keys))
            .route(CONFIGURATION_PATH, get(serve_configuration))
            .with_state(Arc::clone(&state));
        runtime.spawn(async move {
            axum::serve(listener, app).await.expect("key server runs");
        });

        let server = Self {
            address,
            state,
            _runtime: runtime,
        };
        server.set_configuration(ISSUER, &server.url(KEYS_PATH));
        server
    }

    pub(crate) fn url(&self, path: &str) -> String {
        format!("http://{}{path}", self.address)
    }

    /// Makes the key set endpoint respond with `status` and an empty body.
    pub(crate) fn fail_with(&self, status: u16) {
        self.state.key_status.store(status, Ordering::SeqCst);
    }

    pub(crate) fn set_configuration(&self, issuer: &str, jwks_uri: &str) {
        let document = serde_json::json!({ "issuer": issuer, "jwks_uri": jwks_uri });
        *self
            .state
            .configuration
            .lock()
            .unwrap_or_else(PoisonError::into_inner) = document.to_string().into_bytes();
    }

    pub(crate) fn key_requests(&self) -> usize {
        self.state.key_requests.load(Ordering::SeqCst)
    }

    pub(crate) fn configuration_requests(&self) -> usize {
        self.state.configuration_requests.load(Ordering::SeqCst)
    }
}

async fn serve_keys(State(state): State<Arc<ServerState>>) -> Response {
    state.key_requests.fetch_add(1, Ordering::SeqCst);
    let status = state.key_status.load(Ordering::SeqCst);
    if status != 200 {
        return StatusCode::from_u16(status)
            .expect("the test sets a valid status")
            .into_response();
    }
    (
        [(header::CONTENT_TYPE, "application/jwk-set+json")],
        state.key_set.clone(),
    )
        .into_response()
}

async fn serve_configuration(State(state): State<Arc<ServerState>>) -> Response {
    state.configuration_requests.fetch_add(1, Ordering::SeqCst);
    let document = state
        .configuration
        .lock()
        .unwrap_or_else(PoisonError::into_inner)
        .clone();
    ([(header::CONTENT_TYPE, "application/json")], document).into_response()
}

/// Returns a loopback URL on a port that nothing listens on: the port was free a moment ago.
pub(crate) fn closed_port_url(path: &str) -> String {
    let listener = std::net::TcpListener::bind((Ipv4Addr::LOCALHOST, 0)).expect("binding");
    let address = listener.local_addr().expect("listener has an address");
    drop(listener);
    format!("http://{address}{path}")
}

//! The demo's local issuer: an OpenID configuration document and a key set, served over
//! plain HTTP on 127.0.0.1, with a count of the requests for each.

use std::net::{Ipv4Addr, SocketAddr};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, PoisonError};

use axum::Router;
use axum::extract::State;
use axum::http::header;
use axum::response::IntoResponse;
use axum::routing::get;
use serde_json::json;

use crate::output;

/// Path of the OpenID configuration document (OpenID Connect Discovery 1.0 §4).
const CONFIGURATION_PATH: &str = "/.well-known/openid-configuration";

/// Path of the key set, named by the document's `jwks_uri`.
const KEY_SET_PATH: &str = "/keys";

/// A running local issuer. The server stops when the tokio runtime that started it shuts
/// down.
pub(crate) struct LocalIssuer {
    address: SocketAddr,
    state: Arc<IssuerState>,
}

struct IssuerState {
    configuration: Vec<u8>,
    key_set: Mutex<Vec<u8>>,
    configuration_requests: AtomicUsize,
    key_set_requests: AtomicUsize,
}

impl LocalIssuer {
    /// Binds a free port on 127.0.0.1 and serves a document that names `issuer` and this
    /// server's key set, which starts as `key_set`.
    pub(crate) async fn start(issuer: &str, key_set: Vec<u8>) -> std::io::Result<Self> {
        let listener = tokio::net::TcpListener::bind((Ipv4Addr::LOCALHOST, 0)).await?;
        let address = listener.local_addr()?;
        let configuration = json!({
            "issuer": issuer,
            "jwks_uri": format!("http://{address}{KEY_SET_PATH}"),
            "id_token_signing_alg_values_supported": ["RS256"],
        });
        let state = Arc::new(IssuerState {
            configuration: configuration.to_string().into_bytes(),
            key_set: Mutex::new(key_set),
            configuration_requests: AtomicUsize::new(0),
            key_set_requests: AtomicUsize::new(0),
        });

        let app = Router::new()
            .route(CONFIGURATION_PATH, get(serve_configuration))
            .route(KEY_SET_PATH, get(serve_key_set))
            .with_state(Arc::clone(&state));
        tokio::spawn(async move {
            if let Err(error) = axum::serve(listener, app).await {
                output::write_stderr(&format!("error: the local issuer stopped: {error}\n"));
            }
        });
        Ok(Self { address, state })
    }

    /// Returns the base URL, such as `http://127.0.0.1:41234`.
    pub(crate) fn base_url(&self) -> String {
        format!("http://{}", self.address)
    }

    pub(crate) fn configuration_url(&self) -> String {
        format!("{}{CONFIGURATION_PATH}", self.base_url())
    }

    /// Replaces the published key set, as an issuer does in a key rotation.
    pub(crate) fn publish(&self, key_set: Vec<u8>) {
        *self
            .state
            .key_set
            .lock()
            .unwrap_or_else(PoisonError::into_inner) = key_set;
    }

    /// Requests for the key set so far.
    pub(crate) fn key_set_requests(&self) -> usize {
        self.state.key_set_requests.load(Ordering::SeqCst)
    }

    /// Requests for the OpenID configuration document so far.
    pub(crate) fn configuration_requests(&self) -> usize {
        self.state.configuration_requests.load(Ordering::SeqCst)
    }
}

async fn serve_configuration(State(state): State<Arc<IssuerState>>) -> impl IntoResponse {
    state.configuration_requests.fetch_add(1, Ordering::SeqCst);
    (
        [(header::CONTENT_TYPE, "application/json")],
        state.configuration.clone(),
    )
}

async fn serve_key_set(State(state): State<Arc<IssuerState>>) -> impl IntoResponse {
    state.key_set_requests.fetch_add(1, Ordering::SeqCst);
    let key_set = state
        .key_set
        .lock()
        .unwrap_or_else(PoisonError::into_inner)
        .clone();
    (
        [(header::CONTENT_TYPE, "application/jwk-set+json")],
        key_set,
    )
}

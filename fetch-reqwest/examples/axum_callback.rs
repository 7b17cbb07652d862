//! An axum server that receives Azure Communication Services (ACS) Call Automation callbacks
//! and verifies the bearer token of each one before it reads the events.
//!
//! ```sh
//! ACS_RESOURCE_ID=<immutable resource id> cargo run -p acs-jwt-reqwest --example axum_callback
//! ```
//!
//! Point the callback URI of your ACS calls at `https://<your host>/api/callbacks` (behind a
//! TLS-terminating proxy). The server listens on `127.0.0.1:8080` unless `LISTEN_ADDR` is set.

use acs_jwt_reqwest::AcsVerifier;
use axum::Router;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::post;
use serde_json::Value;

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env().unwrap_or_else(|_| "info".into()),
        )
        .init();

    let resource_id = std::env::var("ACS_RESOURCE_ID")
        .map_err(|_| "set ACS_RESOURCE_ID to the ACS resource's immutable resource id")?;
    // One verifier for the whole process: clones share the key cache and the HTTP client.
    let verifier = AcsVerifier::new(&resource_id)?;

    let app = Router::new()
        .route("/api/callbacks", post(callback))
        .with_state(verifier);
    let addr = std::env::var("LISTEN_ADDR").unwrap_or_else(|_| "127.0.0.1:8080".into());
    let listener = tokio::net::TcpListener::bind(&addr).await?;
    tracing::info!(%addr, "listening for ACS callbacks");
    axum::serve(listener, app).await?;
    Ok(())
}

/// Verifies the token, then logs the type of each CloudEvent in the body.
async fn callback(
    State(verifier): State<AcsVerifier>,
    headers: HeaderMap,
    body: String,
) -> Response {
    let Some(authorization) = headers
        .get(header::AUTHORIZATION)
        .and_then(|value| value.to_str().ok())
    else {
        return unauthorized("missing_authorization");
    };
    if let Err(err) = verifier.verify(authorization).await {
        tracing::warn!(code = err.code(), error = %err, "callback rejected");
        return unauthorized(err.code());
    }

    // ACS posts a JSON array of CloudEvents, such as Microsoft.Communication.CallConnected
    // with data.callConnectionId, data.serverCallId and data.correlationId.
    let Ok(Value::Array(events)) = serde_json::from_str::<Value>(&body) else {
        return (StatusCode::BAD_REQUEST, "expected a JSON array of events").into_response();
    };
    for event in &events {
        let data = &event["data"];
        tracing::info!(
            event_type = event["type"].as_str().unwrap_or("?"),
            call_connection_id = data["callConnectionId"].as_str().unwrap_or(""),
            server_call_id = data["serverCallId"].as_str().unwrap_or(""),
            correlation_id = data["correlationId"].as_str().unwrap_or(""),
            "callback event"
        );
    }
    StatusCode::OK.into_response()
}

/// A 401 with the RFC 6750 challenge; the error code goes into the body for debugging.
fn unauthorized(code: &str) -> Response {
    (
        StatusCode::UNAUTHORIZED,
        [(header::WWW_AUTHENTICATE, r#"Bearer error="invalid_token""#)],
        code.to_string(),
    )
        .into_response()
}

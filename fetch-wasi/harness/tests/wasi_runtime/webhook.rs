//! The webhook component (`wasi:http/incoming-handler`) responding to real HTTP requests, with
//! a new instance per request.

use acs_jwt_tests::jwks;
use acs_jwt_wasi_harness::key_server::{KeyServer, Mode};
use acs_jwt_wasi_harness::serve::WebhookServer;
use serde_json::Value;

use crate::common::{TempDir, key, setup, token, with_snapshot_dir};

/// The status, `WWW-Authenticate` and JSON body of one callback.
struct Answer {
    status: u16,
    www_authenticate: Option<String>,
    body: Value,
}

async fn post_callback(webhook: &WebhookServer, authorization: Option<&str>) -> Answer {
    post_callback_with(&client(), webhook, authorization).await
}

fn client() -> reqwest::Client {
    reqwest::Client::builder()
        .no_proxy()
        .build()
        .expect("client builds")
}

/// Posts a callback with `client`, which keeps its connection open between requests.
async fn post_callback_with(
    client: &reqwest::Client,
    webhook: &WebhookServer,
    authorization: Option<&str>,
) -> Answer {
    let mut request = client
        .post(format!("{}/api/callbacks", webhook.url()))
        .header("content-type", "application/json")
        .body(r#"[{"type":"Microsoft.Communication.CallConnected"}]"#);
    if let Some(authorization) = authorization {
        request = request.header("authorization", authorization);
    }
    let response = request.send().await.unwrap_or_else(|err| {
        panic!(
            "the webhook did not answer: {err}; component stderr:\n{}",
            webhook.stderr()
        )
    });
    let status = response.status().as_u16();
    let www_authenticate = response
        .headers()
        .get("www-authenticate")
        .map(|value| value.to_str().expect("ASCII header").to_owned());
    assert_eq!(
        response
            .headers()
            .get("content-type")
            .map(|value| value.as_bytes()),
        Some(&b"application/json"[..])
    );
    let text = response.text().await.expect("a body");
    let body = serde_json::from_str(&text)
        .unwrap_or_else(|err| panic!("body {text:?} is not JSON: {err}"));
    Answer {
        status,
        www_authenticate,
        body,
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn webhook_accepts_valid_callback_with_200() {
    let a = key("rsa2048-a");
    let keys = KeyServer::start(jwks(&[a.jwk()])).await;
    let webhook = WebhookServer::start(setup(&keys, 0)).await;
    let answer = post_callback(&webhook, Some(&format!("Bearer {}", token(&a, 0)))).await;
    assert_eq!(answer.status, 200, "{}", answer.body);
    assert_eq!(answer.body["verdict"], "accepted");
    assert_eq!(answer.body["kid"], "rsa2048-a");
    assert_eq!(answer.www_authenticate, None);
    assert_eq!(keys.key_requests(), 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn webhook_rejects_invalid_token_with_401() {
    let a = key("rsa2048-a");
    let keys = KeyServer::start(jwks(&[a.jwk()])).await;
    let webhook = WebhookServer::start(setup(&keys, 1000)).await;
    let answer = post_callback(&webhook, Some(&format!("Bearer {}", token(&a, 0)))).await;
    assert_eq!(answer.status, 401);
    assert_eq!(
        answer.www_authenticate.as_deref(),
        Some("Bearer error=\"invalid_token\"")
    );
    assert_eq!(answer.body["verdict"], "rejected");
    assert_eq!(answer.body["code"], "expired");

    let malformed = post_callback(&webhook, Some("Basic dXNlcjpwYXNz")).await;
    assert_eq!(malformed.status, 401);
    assert_eq!(malformed.body["code"], "invalid_authorization_header");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn webhook_missing_authorization_is_401_without_error_code() {
    let keys = KeyServer::start(jwks(&[key("rsa2048-a").jwk()])).await;
    let webhook = WebhookServer::start(setup(&keys, 0)).await;
    let answer = post_callback(&webhook, None).await;
    assert_eq!(answer.status, 401);
    assert_eq!(answer.www_authenticate.as_deref(), Some("Bearer"));
    assert_eq!(answer.body["code"], "missing_authorization");
    assert_eq!(keys.key_requests(), 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn webhook_answers_503_when_keys_are_unavailable() {
    let keys = KeyServer::start(Vec::new()).await;
    keys.set_mode(Mode::Status(503));
    let webhook = WebhookServer::start(setup(&keys, 0)).await;
    let answer = post_callback(
        &webhook,
        Some(&format!("Bearer {}", token(&key("rsa2048-a"), 0))),
    )
    .await;
    assert_eq!(answer.status, 503);
    assert_eq!(answer.body["code"], "key_set_unavailable");
    assert_eq!(answer.www_authenticate, None);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn webhook_instances_share_keys_through_the_snapshot() {
    let a = key("rsa2048-a");
    let keys = KeyServer::start(jwks(&[a.jwk()])).await;
    let dir = TempDir::new("webhook");
    let webhook = WebhookServer::start(with_snapshot_dir(setup(&keys, 0), &dir)).await;
    let header = format!("Bearer {}", token(&a, 0));
    // One client, so the requests share a kept-alive connection while each gets an instance.
    let client = client();
    for _ in 0..10 {
        let answer = post_callback_with(&client, &webhook, Some(&header)).await;
        assert_eq!(answer.status, 200, "{}", answer.body);
    }
    assert_eq!(keys.key_requests(), 1, "only the first instance fetched");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn webhook_without_audience_answers_500() {
    let keys = KeyServer::start(jwks(&[key("rsa2048-a").jwk()])).await;
    let mut setup = setup(&keys, 0);
    setup.env.retain(|(name, _)| name != "ACS_JWT_AUDIENCE");
    let webhook = WebhookServer::start(setup).await;
    let answer = post_callback(
        &webhook,
        Some(&format!("Bearer {}", token(&key("rsa2048-a"), 0))),
    )
    .await;
    assert_eq!(answer.status, 500);
    assert_eq!(answer.body["code"], "invalid_configuration");
    assert_eq!(keys.key_requests(), 0);
}

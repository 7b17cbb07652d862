//! A `wasi:http/incoming-handler` component that receives Azure Communication Services
//! callbacks. It verifies the `Authorization: Bearer` token with keys fetched through
//! `wasi:http/outgoing-handler` and responds with 200, 401 or 503 and a JSON verdict.
//!
//! Build and serve it (see `fetch-wasi/README.md`):
//!
//! ```sh
//! cargo build --release --target wasm32-wasip2 -p acs-jwt-wasi-webhook
//! wasmtime serve -S cli --env ACS_JWT_AUDIENCE=<resource id> \
//!     target/wasm32-wasip2/release/acs_jwt_wasi_webhook.wasm
//! ```
//!
//! The settings come from environment variables, listed in `acs-jwt-wasi-component-support`,
//! and the clock from `wasi:clocks/wall-clock`. On any other target this crate is empty.

#[cfg(all(target_os = "wasi", target_env = "p2"))]
mod component {
    use std::io::Write as _;

    use acs_jwt::UnixTime;
    use acs_jwt_wasi::{WasiFetcher, block_on};
    use acs_jwt_wasi_component_support::{Reply, Settings, webhook_reply};
    use wasip2::exports::http::incoming_handler::Guest;
    use wasip2::http::types::{
        Fields, IncomingRequest, OutgoingBody, OutgoingResponse, ResponseOutparam,
    };

    struct Webhook;

    wasip2::http::proxy::export!(Webhook);

    impl Guest for Webhook {
        fn handle(request: IncomingRequest, response_out: ResponseOutparam) {
            let authorization = request.headers().get("authorization");
            drop(request);
            let settings = Settings::from_env();
            let (reply, log) = webhook_reply(&settings, &authorization, |settings, header| {
                let fetcher = WasiFetcher::new()
                    .insecure_allow_loopback_http_for_tests(settings.allow_loopback_http);
                block_on(
                    settings
                        .snapshot_verifier(fetcher)
                        .verify(header, UnixTime::now()),
                )
            });
            if let Some(log) = log {
                eprintln!("{log}");
            }
            if let Err(err) = send(reply, response_out) {
                eprintln!("acs-jwt-wasi: sending the response failed: {err}");
            }
        }
    }

    /// Sends `reply` with `Content-Type: application/json`.
    fn send(reply: Reply, response_out: ResponseOutparam) -> Result<(), String> {
        let mut entries = vec![(String::from("content-type"), b"application/json".to_vec())];
        if let Some(challenge) = reply.www_authenticate {
            entries.push((
                String::from("www-authenticate"),
                challenge.as_bytes().to_vec(),
            ));
        }
        let headers =
            Fields::from_list(&entries).map_err(|err| format!("invalid header: {err}"))?;
        let response = OutgoingResponse::new(headers);
        response
            .set_status_code(reply.status)
            .map_err(|()| format!("invalid status code {}", reply.status))?;
        let body = response
            .body()
            .map_err(|()| String::from("the response body was already taken"))?;
        ResponseOutparam::set(response_out, Ok(response));

        let mut stream = body
            .write()
            .map_err(|()| String::from("the body stream was already taken"))?;
        let mut text = reply.body.into_bytes();
        text.push(b'\n');
        let written = stream
            .write_all(&text)
            .and_then(|()| std::io::Write::flush(&mut stream));
        // The stream is a child of the body and must be dropped before the body is finished.
        drop(stream);
        written.map_err(|err| format!("writing the body failed: {err}"))?;
        OutgoingBody::finish(body, None).map_err(|err| format!("finishing the body failed: {err}"))
    }
}

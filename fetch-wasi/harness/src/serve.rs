//! Serves the webhook component (`wasi:http/incoming-handler`) over HTTP/1.1 on 127.0.0.1,
//! with a new instance per request, as `wasmtime serve` does.

use std::net::SocketAddr;
use std::sync::{Arc, Mutex};

use hyper::server::conn::http1;
use tokio::net::TcpListener;
use tokio::task::JoinHandle;
use wasmtime::Store;
use wasmtime_wasi_http::WasiHttpView as _;
use wasmtime_wasi_http::io::TokioIo;
use wasmtime_wasi_http::p2::bindings::ProxyPre;
use wasmtime_wasi_http::p2::bindings::http::types::Scheme;
use wasmtime_wasi_http::p2::body::HyperOutgoingBody;

use crate::components::ComponentKind;
use crate::host::{HostState, InstanceSetup, component, linker};

/// A running webhook server. Dropping it stops accepting connections.
pub struct WebhookServer {
    addr: SocketAddr,
    stderr: Arc<Mutex<String>>,
    accept_loop: JoinHandle<()>,
}

impl WebhookServer {
    /// Starts serving on an ephemeral port of 127.0.0.1; every request gets a new instance
    /// configured by `setup`.
    ///
    /// # Panics
    ///
    /// Panics when the component cannot be built, compiled or linked, or the port cannot be
    /// bound.
    pub async fn start(setup: InstanceSetup) -> Self {
        let pre = ProxyPre::new(
            linker()
                .instantiate_pre(component(ComponentKind::Webhook))
                .expect("the webhook component links"),
        )
        .expect("the component exports wasi:http/incoming-handler");
        let listener = TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind a loopback port");
        let addr = listener.local_addr().expect("local address");
        let stderr = Arc::new(Mutex::new(String::new()));
        let shared = Arc::new(Shared {
            pre,
            setup,
            stderr: Arc::clone(&stderr),
        });
        let accept_loop = tokio::spawn(async move {
            while let Ok((connection, _)) = listener.accept().await {
                let shared = Arc::clone(&shared);
                tokio::spawn(async move {
                    let service = hyper::service::service_fn(move |request| {
                        let shared = Arc::clone(&shared);
                        async move { shared.handle(request).await }
                    });
                    // A client that hangs up mid-request is no failure of the component.
                    let _ = http1::Builder::new()
                        .serve_connection(TokioIo::new(connection), service)
                        .await;
                });
            }
        });
        Self {
            addr,
            stderr,
            accept_loop,
        }
    }

    /// Returns the base URL, `http://127.0.0.1:<port>`.
    pub fn url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// Returns everything the instances wrote to standard error so far.
    pub fn stderr(&self) -> String {
        self.stderr
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .clone()
    }
}

impl Drop for WebhookServer {
    fn drop(&mut self) {
        self.accept_loop.abort();
    }
}

struct Shared {
    pre: ProxyPre<HostState>,
    setup: InstanceSetup,
    stderr: Arc<Mutex<String>>,
}

impl Shared {
    async fn handle(
        &self,
        request: hyper::Request<hyper::body::Incoming>,
    ) -> wasmtime::Result<hyper::Response<HyperOutgoingBody>> {
        let (state, output) = self.setup.state(b"");
        let mut store = Store::new(self.pre.engine(), state);
        let (sender, receiver) = tokio::sync::oneshot::channel();
        let incoming = store
            .data_mut()
            .http()
            .new_incoming_request(Scheme::Http, request)?;
        let outparam = store.data_mut().http().new_response_outparam(sender)?;
        let pre = self.pre.clone();
        let stderr = Arc::clone(&self.stderr);
        // The handler runs in its own task, so it may go on writing the body after it has
        // sent the response head.
        let task = tokio::spawn(async move {
            let proxy = pre.instantiate_async(&mut store).await?;
            let result = proxy
                .wasi_http_incoming_handler()
                .call_handle(&mut store, incoming, outparam)
                .await;
            stderr
                .lock()
                .unwrap_or_else(std::sync::PoisonError::into_inner)
                .push_str(&output.stderr());
            result
        });
        match receiver.await {
            Ok(Ok(response)) => Ok(response),
            Ok(Err(code)) => Err(wasmtime::format_err!(
                "the component answered with error code {code:?}"
            )),
            Err(_) => match task.await {
                Ok(Ok(())) => Err(wasmtime::format_err!(
                    "the component returned without setting a response"
                )),
                Ok(Err(err)) => Err(err.context("the component trapped before responding")),
                Err(err) => Err(wasmtime::format_err!("the handler task failed: {err}")),
            },
        }
    }
}

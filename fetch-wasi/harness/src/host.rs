//! The embedding: one wasmtime engine, WASI 0.2 and `wasi:http` in the linker, a fixed wall
//! clock, and an outgoing-request hook that lets a component reach only the loopback servers
//! the test started.

use std::collections::HashSet;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};
use std::path::PathBuf;
use std::sync::{Arc, Mutex, OnceLock};
use std::time::Duration;

use wasmtime::component::{Component, Linker, ResourceTable};
use wasmtime::{Config, Engine};
use wasmtime_wasi::p2::pipe::MemoryOutputPipe;
use wasmtime_wasi::{FsPerms, HostWallClock, WasiCtx, WasiCtxBuilder, WasiCtxView, WasiView};
use wasmtime_wasi_http::{
    RequestOptions, WasiBody, WasiHttpCtx, WasiHttpCtxView, WasiHttpHooks, WasiHttpView,
};

use crate::components::{ComponentKind, component_path};

/// Returns the engine shared by every test of this process.
pub fn engine() -> &'static Engine {
    static ENGINE: OnceLock<Engine> = OnceLock::new();
    ENGINE.get_or_init(|| {
        let mut config = Config::new();
        config.wasm_component_model(true);
        Engine::new(&config).expect("the default wasmtime configuration is valid")
    })
}

/// Returns the compiled component of `kind`, built and compiled by the first call in this
/// process.
pub fn component(kind: ComponentKind) -> &'static Component {
    static WEBHOOK: OnceLock<Component> = OnceLock::new();
    static COMMAND: OnceLock<Component> = OnceLock::new();
    let cell = match kind {
        ComponentKind::Webhook => &WEBHOOK,
        ComponentKind::Command => &COMMAND,
    };
    cell.get_or_init(|| {
        let path = component_path(kind);
        Component::from_file(engine(), &path)
            .unwrap_or_else(|err| panic!("cannot compile {}: {err:?}", path.display()))
    })
}

/// Creates a linker with every WASI 0.2 interface and `wasi:http`.
pub fn linker() -> Linker<HostState> {
    let mut linker = Linker::new(engine());
    wasmtime_wasi::p2::add_to_linker_async(&mut linker).expect("WASI interfaces link");
    wasmtime_wasi_http::p2::add_only_http_to_linker_async(&mut linker)
        .expect("wasi:http interfaces link");
    linker
}

/// A wall clock that always reads the same time.
#[derive(Clone, Copy, Debug)]
pub struct FixedClock(pub Duration);

impl HostWallClock for FixedClock {
    fn resolution(&self) -> Duration {
        Duration::from_secs(1)
    }

    fn now(&self) -> Duration {
        self.0
    }
}

/// The destinations a component's outgoing requests may reach, and a log of its attempts.
///
/// Only `http://` requests to an address in the list are sent; everything else fails with
/// `HTTP-request-denied` before any connection or name lookup.
#[derive(Clone, Debug, Default)]
pub struct LoopbackPolicy {
    allowed: Arc<HashSet<SocketAddr>>,
    log: Arc<Mutex<RequestLog>>,
}

/// The outgoing requests a component attempted, by outcome.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct RequestLog {
    /// URIs that were sent.
    pub sent: Vec<String>,
    /// URIs that were refused.
    pub denied: Vec<String>,
}

impl LoopbackPolicy {
    /// Allows `http://` requests to these addresses, each of which must be a loopback address.
    ///
    /// # Panics
    ///
    /// Panics when an address is not `127.0.0.1` or `::1`: the tests never aim anywhere else.
    pub fn allowing(addresses: impl IntoIterator<Item = SocketAddr>) -> Self {
        let allowed: HashSet<SocketAddr> = addresses.into_iter().collect();
        for addr in &allowed {
            assert!(
                is_loopback_literal(addr.ip()),
                "{addr} is not 127.0.0.1 or ::1; the harness reaches only loopback servers"
            );
        }
        Self {
            allowed: Arc::new(allowed),
            log: Arc::default(),
        }
    }

    /// Returns the requests attempted so far.
    pub fn log(&self) -> RequestLog {
        self.log
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .clone()
    }

    fn permits(&self, uri: &http::Uri) -> bool {
        if uri.scheme() != Some(&http::uri::Scheme::HTTP) {
            return false;
        }
        let Some(port) = uri.port_u16() else {
            return false;
        };
        let host = uri.host().unwrap_or_default();
        let host = host
            .strip_prefix('[')
            .and_then(|h| h.strip_suffix(']'))
            .unwrap_or(host);
        let Ok(ip) = host.parse::<IpAddr>() else {
            return false;
        };
        is_loopback_literal(ip) && self.allowed.contains(&SocketAddr::new(ip, port))
    }

    fn record(&self, uri: &http::Uri, sent: bool) {
        let mut log = self
            .log
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        let list = if sent { &mut log.sent } else { &mut log.denied };
        list.push(uri.to_string());
    }
}

fn is_loopback_literal(ip: IpAddr) -> bool {
    ip == IpAddr::V4(Ipv4Addr::LOCALHOST) || ip == IpAddr::V6(Ipv6Addr::LOCALHOST)
}

type SendResult = wasmtime_wasi_http::Result<(
    http::Response<WasiBody>,
    Box<dyn Future<Output = Result<(), wasmtime_wasi_http::Error>> + Send>,
)>;

impl WasiHttpHooks for LoopbackPolicy {
    fn send_request(
        &mut self,
        request: http::Request<WasiBody>,
        options: Option<RequestOptions>,
        _response_errors: Box<dyn Future<Output = Result<(), wasmtime_wasi_http::Error>> + Send>,
    ) -> Box<dyn Future<Output = SendResult> + Send> {
        let uri = request.uri().clone();
        let permitted = self.permits(&uri);
        self.record(&uri, permitted);
        if !permitted {
            return Box::new(async { Err(wasmtime_wasi_http::Error::HttpRequestDenied) });
        }
        Box::new(async move {
            let (response, connection) =
                wasmtime_wasi_http::default_send_request(request, options).await?;
            let connection: Box<dyn Future<Output = _> + Send> = Box::new(connection);
            Ok((
                response.map(http_body_util::BodyExt::boxed_unsync),
                connection,
            ))
        })
    }
}

/// The state of one store: WASI, `wasi:http` and the outgoing-request policy.
pub struct HostState {
    wasi: WasiCtx,
    http: WasiHttpCtx,
    table: ResourceTable,
    policy: LoopbackPolicy,
}

impl WasiView for HostState {
    fn ctx(&mut self) -> WasiCtxView<'_> {
        WasiCtxView {
            ctx: &mut self.wasi,
            table: &mut self.table,
        }
    }
}

impl WasiHttpView for HostState {
    fn http(&mut self) -> WasiHttpCtxView<'_> {
        WasiHttpCtxView {
            ctx: &mut self.http,
            table: &mut self.table,
            hooks: &mut self.policy,
        }
    }
}

/// The settings of an instance: environment, arguments, a fixed clock, an optional preopened
/// directory and the outgoing-request policy. Standard output and error are captured.
#[derive(Clone, Debug)]
pub struct InstanceSetup {
    /// Environment variables.
    pub env: Vec<(String, String)>,
    /// Arguments after the program name.
    pub args: Vec<String>,
    /// The wall clock, in Unix seconds.
    pub now: u64,
    /// A host directory and the guest path it is preopened at, read-write.
    pub preopen: Option<(PathBuf, String)>,
    /// The destinations outgoing requests may reach.
    pub policy: LoopbackPolicy,
}

/// The captured output streams of an instance.
#[derive(Clone, Debug)]
pub struct CapturedOutput {
    stdout: MemoryOutputPipe,
    stderr: MemoryOutputPipe,
}

/// The maximum a test reads from a component's standard output or error.
const MAX_CAPTURED_BYTES: usize = 1024 * 1024;

impl CapturedOutput {
    /// Standard output so far, as text.
    pub fn stdout(&self) -> String {
        String::from_utf8_lossy(&self.stdout.contents()).into_owned()
    }

    /// Standard error so far, as text.
    pub fn stderr(&self) -> String {
        String::from_utf8_lossy(&self.stderr.contents()).into_owned()
    }
}

impl InstanceSetup {
    /// Creates the store state for one instance, and the handles of its captured output.
    pub fn state(&self, stdin: &[u8]) -> (HostState, CapturedOutput) {
        let output = CapturedOutput {
            stdout: MemoryOutputPipe::new(MAX_CAPTURED_BYTES),
            stderr: MemoryOutputPipe::new(MAX_CAPTURED_BYTES),
        };
        let mut builder = WasiCtxBuilder::new();
        builder
            .stdin(wasmtime_wasi::p2::pipe::MemoryInputPipe::new(
                stdin.to_vec(),
            ))
            .stdout(output.stdout.clone())
            .stderr(output.stderr.clone())
            .arg("component")
            .args(&self.args)
            .envs(&self.env)
            .wall_clock(FixedClock(Duration::from_secs(self.now)))
            // No sockets: the only way out is `wasi:http`, through the policy.
            .allow_tcp(false)
            .allow_udp(false)
            .allow_ip_name_lookup(false);
        if let Some((host_dir, guest_path)) = &self.preopen {
            builder
                .preopened_dir(host_dir, guest_path, FsPerms::ReadWrite)
                .unwrap_or_else(|err| panic!("cannot preopen {}: {err:?}", host_dir.display()));
        }
        let state = HostState {
            wasi: builder.build(),
            http: WasiHttpCtx::new(),
            table: ResourceTable::new(),
            policy: self.policy.clone(),
        };
        (state, output)
    }
}

//! Runs the acs-jwt WASI example components in a real runtime: wasmtime 48 embedded with
//! `wasmtime-wasi` and `wasmtime-wasi-http`, against key servers on 127.0.0.1.
//!
//! - [`components`] builds the components with `cargo build --release --target
//!   wasm32-wasip2` into `target/wasi-components`, once per test process, and fails with the
//!   install command when the target is missing.
//! - [`host`] sets up each instance: environment, arguments, standard input, a fixed wall
//!   clock, an optional preopened directory and no sockets. A `wasi:http` hook sends only
//!   `http://` requests to the loopback servers a test started, and rejects every other
//!   request before any connection or name lookup.
//! - [`command::run_command`] runs the `wasi:cli/run` component; [`serve::WebhookServer`]
//!   serves the `wasi:http/incoming-handler` component with an instance per request.
//! - [`key_server::KeyServer`] is the key endpoint; [`wasmtime_cli`] finds a `wasmtime`
//!   binary for the tests that run the components through the command-line tool.
//!
//! The tests are in `tests/wasi_runtime/`.

pub mod command;
pub mod components;
pub mod host;
pub mod key_server;
pub mod serve;
pub mod wasmtime_cli;

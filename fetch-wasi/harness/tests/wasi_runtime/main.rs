//! The WASI components in a real runtime. One test binary, so that each component is built
//! and compiled once for all tests.
//!
//! The harness builds the components with `cargo build --release --target wasm32-wasip2`
//! on first use. Without that target installed, every test here fails and prints the command
//! that installs it. Outgoing requests reach only the key servers each test starts on 127.0.0.1.

mod command;
mod common;
mod wasmtime_cli;
mod webhook;

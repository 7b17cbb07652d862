//! Finds the `wasmtime` command-line tool for the tests that run the components through it.

use std::path::PathBuf;
use std::process::Command;

/// The variable that names a `wasmtime` binary; without it, `wasmtime` is looked up in `PATH`.
pub const WASMTIME_VAR: &str = "WASMTIME";

/// Finds the `wasmtime` 48 binary, or returns why it cannot be used.
pub fn find() -> Result<PathBuf, String> {
    let binary =
        std::env::var_os(WASMTIME_VAR).map_or_else(|| PathBuf::from("wasmtime"), PathBuf::from);
    let output = Command::new(&binary)
        .arg("--version")
        .output()
        .map_err(|err| {
            format!(
                "{} cannot be run ({err}); install it with `cargo install wasmtime-cli@48.0.8 \
             --locked --no-default-features \
             --features run,serve,wasi-http,cranelift,component-model` or set {WASMTIME_VAR}",
                binary.display()
            )
        })?;
    if !output.status.success() {
        return Err(format!(
            "`{} --version` failed: {}",
            binary.display(),
            String::from_utf8_lossy(&output.stderr)
        ));
    }
    let version = String::from_utf8_lossy(&output.stdout).trim().to_owned();
    if !version.starts_with("wasmtime 48.") {
        return Err(format!(
            "found {version} at {}, but these tests pin wasmtime 48",
            binary.display()
        ));
    }
    Ok(binary)
}

/// The message of a `wasmtime` built without the `serve` feature, which reads `serve` as the
/// file name of a module.
pub const NO_SERVE_MESSAGE: &str = "failed to open wasm module \"serve\"";

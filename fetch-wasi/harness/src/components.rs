//! Builds the example components for `wasm32-wasip2` once per test process.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::OnceLock;

/// The Rust target the components are built for.
pub const TARGET: &str = "wasm32-wasip2";

/// One of the example components in `fetch-wasi/components/`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ComponentKind {
    /// `acs-jwt-wasi-webhook`, a `wasi:http/incoming-handler`.
    Webhook,
    /// `acs-jwt-wasi-command`, a `wasi:cli/run` command.
    Command,
}

impl ComponentKind {
    /// Returns the Cargo package.
    pub fn package(self) -> &'static str {
        match self {
            Self::Webhook => "acs-jwt-wasi-webhook",
            Self::Command => "acs-jwt-wasi-command",
        }
    }

    /// Returns the file name Cargo writes: a library's has underscores, a binary's keeps its
    /// dashes.
    fn file_name(self) -> &'static str {
        match self {
            Self::Webhook => "acs_jwt_wasi_webhook.wasm",
            Self::Command => "acs-jwt-wasi-command.wasm",
        }
    }
}

/// Returns the workspace root, two levels above this crate.
pub fn workspace_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../..")
        .canonicalize()
        .expect("the workspace root exists")
}

/// Returns the target directory of the component build: separate from the host build, because the
/// `cargo test` that runs this harness holds the lock of the host's target directory.
pub fn components_target_dir() -> PathBuf {
    workspace_root().join("target").join("wasi-components")
}

/// Returns the release build of `kind`, building both components on the first call in this
/// process.
///
/// # Panics
///
/// Panics with the command to run when the `wasm32-wasip2` target is not installed or the
/// build fails: the tests that need a component must fail, not skip.
pub fn component_path(kind: ComponentKind) -> PathBuf {
    static BUILT: OnceLock<Result<PathBuf, String>> = OnceLock::new();
    match BUILT.get_or_init(build_components) {
        Ok(dir) => dir.join(kind.file_name()),
        Err(message) => panic!("{message}"),
    }
}

/// Runs `cargo build --release --target wasm32-wasip2` for both components and returns the
/// directory of the `.wasm` files.
fn build_components() -> Result<PathBuf, String> {
    let root = workspace_root();
    check_target_installed(&root)?;
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| String::from("cargo"));
    let target_dir = components_target_dir();
    let mut command = Command::new(&cargo);
    command
        .current_dir(&root)
        .env("CARGO_TARGET_DIR", &target_dir)
        .args(["build", "--locked", "--release", "--target", TARGET]);
    for kind in [ComponentKind::Webhook, ComponentKind::Command] {
        command.args(["-p", kind.package()]);
    }
    let output = command
        .output()
        .map_err(|err| format!("cannot run {cargo} to build the WASI components: {err}"))?;
    if !output.status.success() {
        return Err(format!(
            "building the WASI components failed ({}); run it by hand to see why:\n  \
             CARGO_TARGET_DIR={} cargo build --locked --release --target {TARGET} \
             -p acs-jwt-wasi-webhook -p acs-jwt-wasi-command\n{}",
            output.status,
            target_dir.display(),
            String::from_utf8_lossy(&output.stderr)
        ));
    }
    Ok(target_dir.join(TARGET).join("release"))
}

/// Fails with the install command when the standard library for `wasm32-wasip2` is missing.
fn check_target_installed(root: &Path) -> Result<(), String> {
    let rustc = std::env::var("RUSTC").unwrap_or_else(|_| String::from("rustc"));
    let output = Command::new(&rustc)
        .current_dir(root)
        .args(["--print", "target-libdir", "--target", TARGET])
        .output()
        .map_err(|err| format!("cannot run {rustc}: {err}"))?;
    let libdir = String::from_utf8_lossy(&output.stdout).trim().to_owned();
    let has_std = std::fs::read_dir(&libdir).is_ok_and(|entries| {
        entries
            .filter_map(Result::ok)
            .any(|entry| entry.file_name().to_string_lossy().starts_with("libstd-"))
    });
    if output.status.success() && has_std {
        Ok(())
    } else {
        Err(format!(
            "the {TARGET} target is not installed, so the WASI components cannot be built; \
             run `rustup target add {TARGET}` and test again"
        ))
    }
}

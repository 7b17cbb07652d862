//! Tokens, instance settings and temporary directories shared by the runtime tests.

use std::path::PathBuf;

use acs_jwt_tests::{AUDIENCE, ISSUER, NOW, TestKey, b64};
use acs_jwt_wasi_harness::host::{InstanceSetup, LoopbackPolicy};
use acs_jwt_wasi_harness::key_server::KeyServer;
use serde_json::{Value, json};

/// The guest path of the preopened cache directory.
pub(crate) const CACHE_DIR: &str = "/cache";

/// The guest path of the key set record inside [`CACHE_DIR`].
pub(crate) const SNAPSHOT_PATH: &str = "/cache/acs-jwt-keys";

pub(crate) fn key(name: &str) -> TestKey {
    TestKey::load(name)
}

/// Signs a webhook token with `key`, issued 10 s before `NOW + offset` and valid for 5 minutes.
pub(crate) fn token(key: &TestKey, offset: u64) -> String {
    key.sign_claims(&claims(AUDIENCE, NOW + offset))
}

/// ACS claims for `audience`, issued 10 s before `at` and valid for 5 minutes.
pub(crate) fn claims(audience: &str, at: u64) -> Value {
    let iat = at - 10;
    json!({"iss": ISSUER, "aud": audience, "iat": iat, "nbf": iat, "exp": iat + 300})
}

/// `token` with its payload replaced by one with a later `exp`, keeping the signature.
pub(crate) fn tampered(token: &str) -> String {
    let mut parts = token.split('.');
    let header = parts.next().expect("header segment");
    let _payload = parts.next().expect("payload segment");
    let signature = parts.next().expect("signature segment");
    let mut forged = claims(AUDIENCE, NOW);
    forged["exp"] = json!(NOW + 86_400);
    format!(
        "{header}.{}.{signature}",
        b64(forged.to_string().as_bytes())
    )
}

/// Builds an instance that fetches from `server`, may reach only `server`, and reads the
/// clock at `NOW + offset`.
pub(crate) fn setup(server: &KeyServer, offset: u64) -> InstanceSetup {
    setup_with_policy(
        server.keys_url(),
        LoopbackPolicy::allowing([server.addr()]),
        offset,
    )
}

/// Builds an instance that fetches from `jwks_url` under `policy`.
pub(crate) fn setup_with_policy(
    jwks_url: String,
    policy: LoopbackPolicy,
    offset: u64,
) -> InstanceSetup {
    InstanceSetup {
        env: vec![
            (String::from("ACS_JWT_AUDIENCE"), String::from(AUDIENCE)),
            (String::from("ACS_JWT_JWKS_URL"), jwks_url),
            (
                String::from("ACS_JWT_INSECURE_ALLOW_LOOPBACK_HTTP"),
                String::from("1"),
            ),
        ],
        args: Vec::new(),
        now: NOW + offset,
        preopen: None,
        policy,
    }
}

/// Sets an environment variable of `setup`, replacing an earlier value.
pub(crate) fn set_env(setup: &mut InstanceSetup, name: &str, value: &str) {
    setup.env.retain(|(existing, _)| existing != name);
    setup.env.push((String::from(name), String::from(value)));
}

/// Keeps the key set record in `dir`, preopened at [`CACHE_DIR`].
pub(crate) fn with_snapshot_dir(mut setup: InstanceSetup, dir: &TempDir) -> InstanceSetup {
    setup.preopen = Some((dir.path.clone(), String::from(CACHE_DIR)));
    set_env(&mut setup, "ACS_JWT_SNAPSHOT_PATH", SNAPSHOT_PATH);
    setup
}

/// A directory under the system temporary directory, removed on drop.
pub(crate) struct TempDir {
    pub(crate) path: PathBuf,
}

impl TempDir {
    pub(crate) fn new(name: &str) -> Self {
        let path = std::env::temp_dir().join(format!(
            "acs-jwt-wasi-{name}-{}-{}",
            std::process::id(),
            std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .map_or(0, |elapsed| elapsed.as_nanos())
        ));
        std::fs::create_dir_all(&path).expect("create a temporary directory");
        Self { path }
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.path);
    }
}

/// Returns a loopback address on which nothing listens: bound, then released.
pub(crate) fn closed_port() -> std::net::SocketAddr {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind a loopback port");
    listener.local_addr().expect("local address")
}

/// Returns the `code` of a verdict, or `"valid"` when it was accepted.
pub(crate) fn code(verdict: &Value) -> &str {
    match verdict["verdict"].as_str() {
        Some("accepted") => "valid",
        _ => verdict["code"].as_str().unwrap_or("<no code>"),
    }
}

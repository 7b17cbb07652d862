//! The same components run by the `wasmtime` command-line tool: `wasmtime run -S http` for
//! the command and `wasmtime serve` for the webhook. Each test is skipped, with the reason
//! written to standard error, when no `wasmtime` 48 binary with its subcommand is available.

use std::io::Write as _;
use std::net::{SocketAddr, TcpStream};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use acs_jwt_tests::{AUDIENCE, NOW, jwks};
use acs_jwt_wasi_harness::components::{ComponentKind, component_path};
use acs_jwt_wasi_harness::key_server::KeyServer;
use acs_jwt_wasi_harness::wasmtime_cli;

use crate::common::{TempDir, claims, closed_port, key, token};

/// Returns the `wasmtime` binary, or `None` after writing why the test is skipped. The reason goes
/// straight to the process's standard error, which `cargo test` does not capture.
fn wasmtime_or_skip(test: &str) -> Option<std::path::PathBuf> {
    match wasmtime_cli::find() {
        Ok(binary) => Some(binary),
        Err(reason) => {
            skip(test, &reason);
            None
        }
    }
}

fn skip(test: &str, reason: &str) {
    let _ = writeln!(std::io::stderr(), "{test}: skipped: {reason}");
}

fn env_args(keys_url: &str) -> Vec<String> {
    [
        format!("ACS_JWT_AUDIENCE={AUDIENCE}"),
        format!("ACS_JWT_JWKS_URL={keys_url}"),
        String::from("ACS_JWT_INSECURE_ALLOW_LOOPBACK_HTTP=1"),
    ]
    .into_iter()
    .flat_map(|pair| [String::from("--env"), pair])
    .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn wasmtime_run_verifies_through_wasi_http() {
    let Some(wasmtime) = wasmtime_or_skip("wasmtime_run_verifies_through_wasi_http") else {
        return;
    };
    let a = key("rsa2048-a");
    let keys = KeyServer::start(jwks(&[a.jwk()])).await;
    let component = component_path(ComponentKind::Command);
    let expired = a.sign_claims(&claims(AUDIENCE, NOW - 1000));
    let stdin = format!("{}\n{expired}\n", token(&a, 0));

    let keys_url = keys.keys_url();
    let output = tokio::task::spawn_blocking(move || {
        let mut child = Command::new(&wasmtime)
            .args(["run", "-S", "http"])
            .args(env_args(&keys_url))
            // The wall clock of `wasmtime run` cannot be fixed; the tokens are from `NOW`.
            .args(["--env", &format!("ACS_JWT_NOW={NOW}")])
            .arg(&component)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("wasmtime starts");
        child
            .stdin
            .take()
            .expect("piped stdin")
            .write_all(stdin.as_bytes())
            .expect("write the tokens");
        child.wait_with_output().expect("wasmtime ends")
    })
    .await
    .expect("the blocking task completes");

    let stdout = String::from_utf8_lossy(&output.stdout);
    let stderr = String::from_utf8_lossy(&output.stderr);
    let verdicts: Vec<serde_json::Value> = stdout
        .lines()
        .map(|line| serde_json::from_str(line).expect("a JSON line"))
        .collect();
    assert_eq!(verdicts.len(), 2, "stdout:\n{stdout}\nstderr:\n{stderr}");
    assert_eq!(verdicts[0]["verdict"], "accepted", "{stderr}");
    assert_eq!(verdicts[0]["fetches"], 1);
    assert_eq!(verdicts[1]["code"], "expired");
    assert_eq!(keys.key_requests(), 1);
    // One token was rejected, and wasmtime reports the component's failure as exit code 1.
    assert_eq!(output.status.code(), Some(1));
}

/// A `wasmtime serve` process, killed on drop.
struct ServeProcess {
    child: Child,
    addr: SocketAddr,
}

impl Drop for ServeProcess {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Starts `wasmtime serve` and waits until it listens. Returns `Err` with the skip reason when
/// the binary was built without the `serve` feature.
fn start_serve(
    wasmtime: &std::path::Path,
    keys_url: &str,
    cache: &std::path::Path,
) -> Result<ServeProcess, String> {
    let addr = closed_port();
    let child = Command::new(wasmtime)
        // The minimal build of the install command has no pooling allocator, which `serve`
        // uses by default.
        .args(["serve", "-O", "pooling-allocator=n", "-S", "cli"])
        .args(["--addr", &addr.to_string()])
        .args(env_args(keys_url))
        .args(["--env", "ACS_JWT_SNAPSHOT_PATH=/cache/acs-jwt-keys"])
        .args(["--dir", &format!("{}::/cache", cache.display())])
        .arg(component_path(ComponentKind::Webhook))
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .expect("wasmtime serve starts");
    let mut process = ServeProcess { child, addr };
    let deadline = Instant::now() + Duration::from_secs(60);
    while TcpStream::connect(addr).is_err() {
        if let Some(status) = process.child.try_wait().expect("query the process") {
            let mut stderr = String::new();
            if let Some(mut pipe) = process.child.stderr.take() {
                let _ = std::io::Read::read_to_string(&mut pipe, &mut stderr);
            }
            if stderr.contains(wasmtime_cli::NO_SERVE_MESSAGE) {
                return Err(format!(
                    "{} was built without the `serve` feature; reinstall it with `--features \
                     run,serve,wasi-http,cranelift,component-model`",
                    wasmtime.display()
                ));
            }
            panic!("wasmtime serve exited with {status} before listening:\n{stderr}");
        }
        assert!(
            Instant::now() < deadline,
            "wasmtime serve did not listen on {addr} within 60 s"
        );
        std::thread::sleep(Duration::from_millis(100));
    }
    Ok(process)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn wasmtime_serve_answers_callbacks() {
    let Some(wasmtime) = wasmtime_or_skip("wasmtime_serve_answers_callbacks") else {
        return;
    };
    let a = key("rsa2048-a");
    let keys = KeyServer::start(jwks(&[a.jwk()])).await;
    let cache = TempDir::new("serve");
    let keys_url = keys.keys_url();
    let cache_path = cache.path.clone();
    let started =
        tokio::task::spawn_blocking(move || start_serve(&wasmtime, &keys_url, &cache_path))
            .await
            .expect("the blocking task completes");
    let serve = match started {
        Ok(serve) => serve,
        Err(reason) => return skip("wasmtime_serve_answers_callbacks", &reason),
    };

    // `wasmtime serve` reads the real clock, so these tokens are issued now.
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .expect("the clock is after 1970")
        .as_secs();
    let valid = a.sign_claims(&claims(AUDIENCE, now));
    let expired = a.sign_claims(&claims(AUDIENCE, now - 3600));
    let client = reqwest::Client::builder()
        .no_proxy()
        .build()
        .expect("client builds");
    let url = format!("http://{}/api/callbacks", serve.addr);

    for _ in 0..3 {
        let response = client
            .post(&url)
            .header("authorization", format!("Bearer {valid}"))
            .send()
            .await
            .expect("wasmtime serve answers");
        assert_eq!(response.status().as_u16(), 200);
        let body: serde_json::Value =
            serde_json::from_str(&response.text().await.expect("body")).expect("JSON body");
        assert_eq!(body["verdict"], "accepted");
    }
    let response = client
        .post(&url)
        .header("authorization", format!("Bearer {expired}"))
        .send()
        .await
        .expect("wasmtime serve answers");
    assert_eq!(response.status().as_u16(), 401);
    assert_eq!(
        response
            .headers()
            .get("www-authenticate")
            .map(|value| value.as_bytes()),
        Some(&b"Bearer error=\"invalid_token\""[..])
    );
    // Every request ran in a new instance; the snapshot in the preopened directory kept
    // the key set, so only the first one fetched.
    assert_eq!(keys.key_requests(), 1);
}

//! A `wasi:cli/run` component that verifies tokens with keys fetched through
//! `wasi:http/outgoing-handler`.
//!
//! Each line of standard input is a compact token or an `Authorization` header value. Each
//! verdict is one JSON line on standard output, formatted by `verification_json` in
//! `acs-jwt-wasi-component-support`. The settings come from environment variables; the
//! verification time is `ACS_JWT_NOW` if set, else `wasi:clocks/wall-clock`.
//!
//! ```sh
//! cargo build --release --target wasm32-wasip2 -p acs-jwt-wasi-command
//! echo "$TOKEN" | wasmtime run -S http --env ACS_JWT_AUDIENCE=<resource id> \
//!     target/wasm32-wasip2/release/acs-jwt-wasi-command.wasm
//! ```
//!
//! The exit status is 0 when every token was accepted, 1 when one was rejected and 2 for
//! invalid settings or no token at all. Runtimes report a component's exit as success or failure only (wasmtime
//! 48 turns every failure into 1), so read the verdicts from standard output.

use std::process::ExitCode;

#[cfg(all(target_os = "wasi", target_env = "p2"))]
fn main() -> ExitCode {
    use std::io::{BufRead as _, Write as _};

    use acs_jwt_wasi::{WasiFetcher, block_on};
    use acs_jwt_wasi_component_support::{
        Settings, log_line, now_override, settings_error_json, verification_json,
    };

    let settings = Settings::from_env().and_then(|settings| {
        let now = now_override(|name| std::env::var(name).ok())?;
        Ok((settings, now))
    });
    let (settings, now) = match settings {
        Ok(settings) => settings,
        Err(err) => {
            println!("{}", settings_error_json(&err));
            eprintln!("acs-jwt-wasi: invalid configuration: {err}");
            return ExitCode::from(2);
        }
    };
    let fetcher =
        WasiFetcher::new().insecure_allow_loopback_http_for_tests(settings.allow_loopback_http);
    let verifier = settings.snapshot_verifier(fetcher);

    let mut all_accepted = true;
    let mut tokens = 0_usize;
    let mut stdout = std::io::stdout().lock();
    for line in std::io::stdin().lock().lines() {
        let line = match line {
            Ok(line) => line,
            Err(err) => {
                eprintln!("acs-jwt-wasi: reading standard input failed: {err}");
                return ExitCode::from(2);
            }
        };
        let token = line.trim();
        if token.is_empty() {
            continue;
        }
        tokens += 1;
        let now = now.unwrap_or_else(acs_jwt::UnixTime::now);
        let verification = block_on(verifier.verify(token, now));
        all_accepted &= verification.result.is_ok();
        eprintln!("{}", log_line(&verification));
        if writeln!(stdout, "{}", verification_json(&verification)).is_err() {
            return ExitCode::from(2);
        }
    }
    if tokens == 0 {
        eprintln!("acs-jwt-wasi: no token on standard input; pass one token or header per line");
        return ExitCode::from(2);
    }
    if all_accepted {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    }
}

#[cfg(not(all(target_os = "wasi", target_env = "p2")))]
fn main() -> ExitCode {
    eprintln!(
        "acs-jwt-wasi-command runs only as a WASI 0.2 component; build it with \
         `cargo build --release --target wasm32-wasip2 -p acs-jwt-wasi-command`"
    );
    ExitCode::from(2)
}

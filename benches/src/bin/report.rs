//! Prints the Markdown tables of `BENCHMARKS.md` from criterion's saved estimates.
//!
//! Usage: `report [CRITERION_DIR]`, after `cargo bench -p acs-jwt-benches`. The directory
//! defaults to `$CARGO_TARGET_DIR/criterion`, or `target/criterion` in the workspace.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use serde_json::Value;

/// Median times in nanoseconds, by criterion's full benchmark id such as `full_token/acs-jwt`.
type Medians = BTreeMap<String, f64>;

fn main() -> ExitCode {
    let directory = match std::env::args().nth(1) {
        Some(path) => PathBuf::from(path),
        None => std::env::var_os("CARGO_TARGET_DIR")
            .map_or_else(
                || Path::new(env!("CARGO_MANIFEST_DIR")).join("../target"),
                PathBuf::from,
            )
            .join("criterion"),
    };
    let mut medians = Medians::new();
    if let Err(err) = collect(&directory, &mut medians) {
        eprintln!("cannot read {}: {err}", directory.display());
        return ExitCode::FAILURE;
    }
    if medians.is_empty() {
        eprintln!(
            "no estimates under {}; run `cargo bench -p acs-jwt-benches` first",
            directory.display()
        );
        return ExitCode::FAILURE;
    }

    for group in [
        "full_token",
        "rsa_verify",
        "key_preparation",
        "jwks_parse",
        "sha256",
    ] {
        print_group(&medians, group);
    }
    print_targets(&medians);
    ExitCode::SUCCESS
}

/// Reads every `new/benchmark.json` and `new/estimates.json` pair under `directory`.
fn collect(directory: &Path, medians: &mut Medians) -> std::io::Result<()> {
    for entry in std::fs::read_dir(directory)? {
        let path = entry?.path();
        if !path.is_dir() {
            continue;
        }
        if path.file_name().is_some_and(|name| name == "new") {
            let benchmark = read_json(&path.join("benchmark.json"));
            let estimates = read_json(&path.join("estimates.json"));
            if let (Some(benchmark), Some(estimates)) = (benchmark, estimates) {
                let id = benchmark["full_id"].as_str().map(String::from);
                let median = estimates["median"]["point_estimate"].as_f64();
                if let (Some(id), Some(median)) = (id, median) {
                    medians.insert(id, median);
                }
            }
        } else {
            collect(&path, medians)?;
        }
    }
    Ok(())
}

fn read_json(path: &Path) -> Option<Value> {
    serde_json::from_slice(&std::fs::read(path).ok()?).ok()
}

/// Prints one table: each benchmark's median and its ratio to the fastest benchmark with the
/// same parameter (the part of the id after the function name, such as the key size).
fn print_group(medians: &Medians, group: &str) {
    let prefix = format!("{group}/");
    let rows: Vec<(&str, &str, f64)> = medians
        .iter()
        .filter_map(|(id, &median)| {
            let rest = id.strip_prefix(&prefix)?;
            let (function, parameter) = rest.split_once('/').unwrap_or((rest, ""));
            Some((function, parameter, median))
        })
        .collect();
    if rows.is_empty() {
        return;
    }
    println!("\n### {group}\n");
    println!("| implementation | parameter | median | ratio to fastest |");
    println!("| --- | --- | ---: | ---: |");
    let mut sorted = rows.clone();
    sorted.sort_by(|a, b| a.1.cmp(b.1).then(a.2.total_cmp(&b.2)));
    for (function, parameter, median) in sorted {
        let fastest = rows
            .iter()
            .filter(|row| row.1 == parameter)
            .map(|row| row.2)
            .fold(f64::INFINITY, f64::min);
        println!(
            "| {function} | {parameter} | {} | {:.2}× |",
            format_time(median),
            median / fastest
        );
    }
}

/// Prints the ratios that the targets are stated in.
fn print_targets(medians: &Medians) {
    let get = |id: &str| medians.get(id).copied();
    println!("\n### Targets\n");
    println!("| measure | value |");
    println!("| --- | ---: |");
    let ours_full = get("full_token/acs-jwt");
    let ours_raw = get("rsa_verify/acs-jwt/2048");
    let aws_raw = get("rsa_verify/aws-lc-rs/2048");
    if let (Some(full), Some(raw), Some(aws)) = (ours_full, ours_raw, aws_raw) {
        // Everything but the RSA operation and its SHA-256: splitting, base64, JSON, claims.
        let parsing = full - raw;
        let anchor = aws + parsing;
        println!(
            "| acs-jwt parsing and claims (full token − raw verify) | {} |",
            format_time(parsing)
        );
        println!(
            "| anchor: aws-lc-rs raw verify + acs-jwt parsing | {} |",
            format_time(anchor)
        );
        println!(
            "| acs-jwt full token / anchor (required ≤ 1.6) | {:.2} |",
            full / anchor
        );
    }
    for (peer, label) in [
        (
            "full_token/jsonwebtoken+rust_crypto",
            "jsonwebtoken+rust_crypto / acs-jwt (required ≥ 3)",
        ),
        (
            "full_token/jsonwebtoken+aws-lc-rs",
            "acs-jwt / jsonwebtoken+aws-lc-rs (aim ≤ 1.0)",
        ),
    ] {
        if let (Some(ours), Some(theirs)) = (ours_full, get(peer)) {
            let ratio = if peer.ends_with("rust_crypto") {
                theirs / ours
            } else {
                ours / theirs
            };
            println!("| {label} | {ratio:.2} |");
        }
    }
    if let (Some(ours), Some(aws)) = (
        get("key_preparation/acs-jwt"),
        get("key_preparation/aws-lc-rs+first verify"),
    ) {
        println!(
            "| acs-jwt key preparation / aws-lc-rs parse + first verify (required ≤ 1) | {:.2} |",
            ours / aws
        );
    }
}

fn format_time(nanoseconds: f64) -> String {
    if nanoseconds >= 1000.0 {
        format!("{:.2} µs", nanoseconds / 1000.0)
    } else {
        format!("{nanoseconds:.0} ns")
    }
}

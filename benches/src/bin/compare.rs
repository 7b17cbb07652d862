//! Times the verifiers of `benches/verify.rs` interleaved, for ratios that hold on a shared
//! machine.
//!
//! criterion measures one benchmark after another, so when other processes load the machine
//! unevenly, two neighbouring rows can see different loads. This program instead runs every
//! implementation for one short batch per round, for many rounds, and reports the fastest
//! batch of each: the time an operation takes when nothing else interferes. Usage:
//! `cargo run -p acs-jwt-benches --release --bin compare [ROUNDS]` (default 400).

use std::hint::black_box;
use std::process::ExitCode;
use std::time::Instant;

use acs_jwt::{PreparedKey, UnixTime, acs};
use acs_jwt_benches::fixtures::{AcsToken, SignedMessage, current_time};
use acs_jwt_benches::peers::{
    AwsLcRs, Jsonwebtoken, JsonwebtokenBackend, JwtCompact, JwtSimple, RustCryptoRsa, ring_verify,
};
use acs_jwt_tests::AUDIENCE;

/// Operations per batch: a batch of the slowest operation takes about 5 ms.
const BATCH: u32 = 20;

/// One timed operation and the fastest batch seen so far, per operation.
struct Entry<'a> {
    name: &'static str,
    run: Box<dyn Fn() -> bool + 'a>,
    best_secs: f64,
}

fn entry<'a>(name: &'static str, run: Box<dyn Fn() -> bool + 'a>) -> Entry<'a> {
    assert!(run(), "{name} succeeds");
    Entry {
        name,
        run,
        best_secs: f64::INFINITY,
    }
}

fn main() -> ExitCode {
    let rounds = match std::env::args().nth(1).map(|text| text.parse::<u32>()) {
        None => 400,
        Some(Ok(rounds)) if rounds > 0 => rounds,
        Some(_) => {
            eprintln!("usage: compare [ROUNDS], with ROUNDS a positive integer");
            return ExitCode::from(2);
        }
    };

    let fixture = AcsToken::new(current_time());
    let token = fixture.token.as_str();
    let verifier = acs::verifier(AUDIENCE).expect("valid ACS configuration");
    let now = UnixTime::from_secs(fixture.now);
    let (n, e) = (fixture.modulus.as_slice(), fixture.exponent.as_slice());
    let jsonwebtoken_aws = Jsonwebtoken::new(JsonwebtokenBackend::AwsLcRs, n, e);
    let jsonwebtoken_rust = Jsonwebtoken::new(JsonwebtokenBackend::RustCrypto, n, e);
    let jwt_simple = JwtSimple::new(n, e);
    let jwt_compact = JwtCompact::new(n, e);

    let signed = SignedMessage::new("rsa2048-a", fixture.signing_input());
    let message = signed.message.as_slice();
    let signature = signed.signature.as_slice();
    let prepared = signed.prepared_key();
    let aws_lc = AwsLcRs::new(&signed.modulus, &signed.exponent);
    let rsa = RustCryptoRsa::new(&signed.modulus, &signed.exponent);

    let mut entries = vec![
        entry(
            "full_token/acs-jwt",
            Box::new(|| {
                verifier
                    .verify(black_box(token), &fixture.key_set, now)
                    .is_ok()
            }),
        ),
        entry(
            "full_token/jsonwebtoken+aws-lc-rs",
            Box::new(|| jsonwebtoken_aws.verify(black_box(token))),
        ),
        entry(
            "full_token/jsonwebtoken+rust_crypto",
            Box::new(|| jsonwebtoken_rust.verify(black_box(token))),
        ),
        entry(
            "full_token/jwt-simple",
            Box::new(|| jwt_simple.verify(black_box(token))),
        ),
        entry(
            "full_token/jwt-compact",
            Box::new(|| jwt_compact.verify(black_box(token))),
        ),
        entry(
            "rsa_verify/acs-jwt/2048",
            Box::new(|| prepared.verify_rs256(black_box(message), signature).is_ok()),
        ),
        entry(
            "rsa_verify/aws-lc-rs/2048",
            Box::new(|| aws_lc.verify(black_box(message), signature)),
        ),
        entry(
            "rsa_verify/rsa/2048",
            Box::new(|| rsa.verify(black_box(message), signature)),
        ),
        entry(
            "rsa_verify/ring/2048",
            Box::new(|| ring_verify(black_box(&signed))),
        ),
        entry(
            "key_preparation/acs-jwt",
            Box::new(|| {
                PreparedKey::from_components(black_box(&signed.modulus), &signed.exponent).is_ok()
            }),
        ),
        entry(
            "key_preparation/aws-lc-rs+first verify",
            Box::new(|| {
                AwsLcRs::new(black_box(&signed.modulus), &signed.exponent)
                    .verify(message, signature)
            }),
        ),
    ];

    for _ in 0..rounds {
        for entry in entries.iter_mut() {
            let start = Instant::now();
            for _ in 0..BATCH {
                black_box((entry.run)());
            }
            let per_operation = start.elapsed().as_secs_f64() / f64::from(BATCH);
            entry.best_secs = entry.best_secs.min(per_operation);
        }
    }

    println!("| operation | fastest batch, per operation |\n| --- | ---: |");
    for entry in &entries {
        println!("| {} | {:.2} µs |", entry.name, entry.best_secs * 1e6);
    }
    let best = |name: &str| {
        entries
            .iter()
            .find(|entry| entry.name == name)
            .map_or(f64::NAN, |entry| entry.best_secs)
    };
    let full = best("full_token/acs-jwt");
    let raw = best("rsa_verify/acs-jwt/2048");
    let anchor = best("rsa_verify/aws-lc-rs/2048") + (full - raw);
    println!("\n| measure | value |\n| --- | ---: |");
    println!(
        "| acs-jwt full token / anchor (required ≤ 1.6) | {:.2} |",
        full / anchor
    );
    println!(
        "| jsonwebtoken+rust_crypto / acs-jwt (required ≥ 3) | {:.2} |",
        best("full_token/jsonwebtoken+rust_crypto") / full
    );
    println!(
        "| acs-jwt / jsonwebtoken+aws-lc-rs (aim ≤ 1.0) | {:.2} |",
        full / best("full_token/jsonwebtoken+aws-lc-rs")
    );
    println!(
        "| acs-jwt key preparation / aws-lc-rs parse + first verify (required ≤ 1) | {:.2} |",
        best("key_preparation/acs-jwt") / best("key_preparation/aws-lc-rs+first verify")
    );
    ExitCode::SUCCESS
}

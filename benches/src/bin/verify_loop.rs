//! Verifies the benchmark token (or only its signature) a given number of times, for
//! instruction counting under callgrind; see `benches/callgrind.sh`.
//!
//! Usage: `verify_loop full|rsa|prepare COUNT`.
//!
//! - `full` runs `Verifier::verify` on the ACS-shaped token with the two-key ACS set.
//! - `rsa` runs `PreparedKey::verify_rs256` on the token's signing input.
//! - `prepare` runs `PreparedKey::from_components` on the 2048-bit key.

use std::hint::black_box;
use std::process::ExitCode;

use acs_jwt::{PreparedKey, UnixTime, acs};
use acs_jwt_benches::fixtures::{AcsToken, SignedMessage};
use acs_jwt_tests::{AUDIENCE, NOW};

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let (mode, count) = match args.as_slice() {
        [mode, count] => match count.parse::<u64>() {
            Ok(count) => (mode.as_str(), count),
            Err(_) => return usage(),
        },
        _ => return usage(),
    };

    let fixture = AcsToken::new(NOW);
    match mode {
        "full" => {
            let verifier = acs::verifier(AUDIENCE).expect("valid ACS configuration");
            let now = UnixTime::from_secs(fixture.now);
            for _ in 0..count {
                let result = verifier.verify(black_box(&fixture.token), &fixture.key_set, now);
                assert!(result.is_ok(), "token verifies: {result:?}");
            }
        }
        "rsa" => {
            let signed = SignedMessage::new("rsa2048-a", fixture.signing_input());
            let key = signed.prepared_key();
            for _ in 0..count {
                let result = key.verify_rs256(black_box(&signed.message), &signed.signature);
                assert!(result.is_ok(), "signature verifies");
            }
        }
        "prepare" => {
            for _ in 0..count {
                let key = PreparedKey::from_components(
                    black_box(&fixture.modulus),
                    black_box(&fixture.exponent),
                );
                assert!(key.is_ok(), "key is usable");
            }
        }
        _ => return usage(),
    }
    ExitCode::SUCCESS
}

fn usage() -> ExitCode {
    eprintln!("usage: verify_loop full|rsa|prepare COUNT");
    ExitCode::from(2)
}

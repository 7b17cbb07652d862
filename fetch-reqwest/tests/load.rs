//! Load: 100 000 tokens from many tasks through `AcsVerifier` and a key server on 127.0.0.1.
//!
//! The flood mixes valid tokens, unknown `kid`s, a wrong audience and garbage. The test checks
//! the verdict of every token, that key fetches stay within one per refresh cooldown, and that
//! the resident set size does not grow over the second half of the run. Verification time is
//! simulated: each round of 10 000 tokens runs 15 s after the previous one, so the 135 s run
//! allows five fetches without sleeping. RSA signing is slow, so the valid and wrong-audience
//! tokens are signed once up front and reused.

mod common;

use std::sync::Arc;

use acs_jwt::UnixTime;
use acs_jwt_tests::{AUDIENCE, ISSUER, NOW, TestKey, b64, jwks};
use common::{KeyServer, test_policy, verifier};
use serde_json::json;

const ROUNDS: u64 = 10;
const TOKENS_PER_ROUND: usize = 10_000;
const TASKS: usize = 32;
/// Simulated seconds between rounds.
const ROUND_SECS: u64 = 15;
const VALID_TOKENS: usize = 200;
const WRONG_AUDIENCE_TOKENS: usize = 50;
/// How much the resident set may grow from the end of round 5 to the end of round 10. The
/// second half verifies 50 000 tokens, so a leak of 84 bytes or more per token fails.
const MAX_SECOND_HALF_GROWTH_BYTES: u64 = 4 * 1024 * 1024;

/// What a token is and the verdict it must get.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Kind {
    Valid,
    WrongAudience,
    UnknownKid,
    NoDots,
    BadBase64,
    Oversized,
    TwoWordHeader,
}

impl Kind {
    /// Three in ten tokens are valid, one has a wrong audience, three have an unknown `kid`
    /// and three are garbage of three kinds.
    fn of(index: usize) -> Self {
        match index % 10 {
            0..=2 => Self::Valid,
            3 => Self::WrongAudience,
            4..=6 => Self::UnknownKid,
            7 => Self::NoDots,
            8 => match index % 20 {
                8 => Self::BadBase64,
                _ => Self::Oversized,
            },
            _ => Self::TwoWordHeader,
        }
    }

    fn expected(self) -> &'static str {
        match self {
            Self::Valid => "valid",
            Self::WrongAudience => "invalid_audience",
            Self::UnknownKid => "unknown_key",
            Self::NoDots | Self::BadBase64 => "malformed_token",
            Self::Oversized => "token_too_large",
            Self::TwoWordHeader => "invalid_authorization_header",
        }
    }
}

/// Tokens signed once and shared by all tasks.
struct Signed {
    valid: Vec<String>,
    wrong_audience: Vec<String>,
}

impl Signed {
    fn new() -> Self {
        let key = TestKey::load("rsa2048-a");
        let iat = NOW - 10;
        let sign = |jti: usize, audience: &str| {
            key.sign_claims(&json!({
                "iss": ISSUER, "aud": audience, "iat": iat, "exp": iat + 300,
                "jti": format!("load-{jti}"),
            }))
        };
        Self {
            valid: (0..VALID_TOKENS).map(|i| sign(i, AUDIENCE)).collect(),
            wrong_audience: (0..WRONG_AUDIENCE_TOKENS)
                .map(|i| sign(i, &format!("other-resource-{i}")))
                .collect(),
        }
    }

    /// Returns the token (or `Authorization` value) for `index`.
    fn token(&self, index: usize) -> String {
        match Kind::of(index) {
            Kind::Valid => self.valid[index % VALID_TOKENS].clone(),
            Kind::WrongAudience => self.wrong_audience[index % WRONG_AUDIENCE_TOKENS].clone(),
            Kind::UnknownKid => {
                let header = json!({"alg": "RS256", "kid": format!("rotated-{index}")});
                let claims =
                    json!({"iss": ISSUER, "aud": AUDIENCE, "iat": NOW - 10, "exp": NOW + 290});
                format!(
                    "{}.{}.{}",
                    b64(header.to_string().as_bytes()),
                    b64(claims.to_string().as_bytes()),
                    b64(&[0x5a; 256])
                )
            }
            Kind::NoDots => format!("garbage-{index}"),
            Kind::BadBase64 => format!("eyJ!{index}.e30.c2ln"),
            Kind::Oversized => "A".repeat(acs_jwt::limits::DEFAULT_MAX_TOKEN_BYTES + 1),
            Kind::TwoWordHeader => format!("Bearer {} extra", self.valid[0]),
        }
    }
}

/// Reads the resident set size of this process from `/proc/self/statm` (Linux only).
fn resident_bytes() -> u64 {
    let statm = std::fs::read_to_string("/proc/self/statm").expect("/proc/self/statm is readable");
    let pages: u64 = statm
        .split_whitespace()
        .nth(1)
        .and_then(|field| field.parse().ok())
        .expect("statm has a resident field");
    pages * 4096
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn mixed_token_flood_stays_correct_and_bounded() {
    let key = TestKey::load("rsa2048-a");
    let server = KeyServer::start(jwks(&[key.jwk()])).await;
    let verifier = verifier(&server);
    let signed = Arc::new(Signed::new());
    let cooldown = test_policy().refresh_cooldown.as_secs();

    let mut resident = Vec::new();
    for round in 0..ROUNDS {
        let now = UnixTime::from_secs(NOW + round * ROUND_SECS);
        let mut tasks = Vec::new();
        for task in 0..TASKS {
            let verifier = verifier.clone();
            let signed = Arc::clone(&signed);
            tasks.push(tokio::spawn(async move {
                let mut mismatches = Vec::new();
                let first = round as usize * TOKENS_PER_ROUND;
                for index in (first + task..first + TOKENS_PER_ROUND).step_by(TASKS) {
                    let kind = Kind::of(index);
                    let verdict = match verifier.verify_at(&signed.token(index), now).await {
                        Ok(_) => "valid",
                        Err(err) => err.code(),
                    };
                    if verdict != kind.expected() {
                        mismatches.push((index, kind, verdict));
                    }
                    // A server runs each request as its own task. Yielding here interleaves
                    // the tasks the same way, so a key fetch that one of them started is
                    // polled before its deadline.
                    tokio::task::yield_now().await;
                }
                mismatches
            }));
        }
        for task in tasks {
            let mismatches = task.await.expect("task completes");
            assert!(
                mismatches.is_empty(),
                "{} wrong verdicts in round {round}, first: {:?}",
                mismatches.len(),
                mismatches[0]
            );
        }
        resident.push(resident_bytes());
    }

    // One fetch at the start, then at most one refresh per cooldown for the unknown kids.
    let span = (ROUNDS - 1) * ROUND_SECS;
    let max_fetches = 1 + span / cooldown + 1;
    let status = verifier.remote().status(UnixTime::from_secs(NOW + span));
    assert!(
        (2..=max_fetches).contains(&status.fetches),
        "{} key fetches over {span} s with a {cooldown} s cooldown",
        status.fetches
    );
    assert_eq!(status.failures, 0, "{:?}", status.last_error);
    assert_eq!(server.key_requests() as u64, status.fetches);

    println!(
        "key fetches: {}; resident bytes after each round: {resident:?}",
        status.fetches
    );
    let half = resident[ROUNDS as usize / 2 - 1];
    let end = resident[ROUNDS as usize - 1];
    assert!(
        end.saturating_sub(half) < MAX_SECOND_HALF_GROWTH_BYTES,
        "resident set grew from {half} to {end} bytes in the second half: {resident:?}"
    );
}

//! The `demo` subcommand: a local issuer on 127.0.0.1 signs ACS-style callbacks, and the
//! remote verifier of `acs-jwt-reqwest` checks them, finding its keys through the issuer's
//! OpenID configuration document.
//!
//! The clock is simulated. It starts at the system time and moves forward only where a case
//! needs it, past the refresh cooldown, so the verdicts and fetch counts never depend on how
//! fast the machine is. Only the measured durations vary from run to run.

mod issuer;
mod report;
mod signing;

use std::collections::BTreeMap;
use std::time::{Duration, Instant};

use acs_jwt::cache::CachePolicy;
use acs_jwt::{KeySource, UnixTime, acs};
use acs_jwt_reqwest::{AcsVerifier, ReqwestFetcher};
use serde_json::{Value, json};

use self::issuer::LocalIssuer;
use self::report::{Report, Row, Timing};
use self::signing::DemoKey;
use crate::output::Failure;

/// The audience of the demo callbacks: a made-up ACS immutable resource id.
const RESOURCE_ID: &str = "6f1c2a9e-3b7d-4e58-9a01-c4d2e8f7b3a6";

/// Another made-up resource id, for the callbacks meant for another resource.
const OTHER_RESOURCE_ID: &str = "0b9e5d41-7c2a-4f3e-8d16-a5e0c7b9f284";

/// Lifetime of an ACS webhook token: 5 minutes.
const TOKEN_LIFETIME_SECS: u64 = 300;

/// How many times the timing case verifies the same valid token.
const TIMING_RUNS: usize = 200;

/// Number of tokens with unknown kids in the flood.
const FLOOD_TOKENS: u64 = 1000;

/// Seed of the flood's pseudo-random kids, fixed so that every run sends the same tokens.
const FLOOD_SEED: u64 = 0x9e37_79b9_7f4a_7c15;

/// Runs the demo and prints its report. Returns [`Failure::demo_mismatch`] when any case got
/// another verdict or key fetch count than expected.
pub(crate) fn run(json: bool) -> Result<(), Failure> {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .map_err(|error| Failure::config(format!("failed to start the async runtime: {error}")))?;
    let report = runtime.block_on(run_cases())?;
    report.print(json);

    let mismatches = report.mismatches();
    if mismatches > 0 {
        return Err(Failure::demo_mismatch(format!(
            "{mismatches} of {} demo checks did not get their expected result",
            report.checks()
        )));
    }
    Ok(())
}

/// The verifier under test, the issuer it fetches from, and the results so far.
struct Demo {
    verifier: AcsVerifier,
    issuer: LocalIssuer,
    /// The start of the simulated clock, T.
    start: u64,
    rows: Vec<Row>,
}

/// The outcome of one verify call.
struct Verdict {
    /// `"valid"` or the error code.
    outcome: String,
    /// The duration of the call.
    elapsed: Duration,
    /// Key set requests the local issuer received during the call.
    key_fetches: usize,
}

impl Demo {
    /// Verifies `token` at T + `offset` seconds.
    async fn verify(&self, token: &str, offset: u64) -> Verdict {
        let now = UnixTime::from_secs(self.start + offset);
        let requests_before = self.issuer.key_set_requests();
        let started = Instant::now();
        let result = self.verifier.verify_at(token, now).await;
        let elapsed = started.elapsed();
        let outcome = match result {
            Ok(_) => String::from("valid"),
            Err(error) => String::from(error.code()),
        };
        Verdict {
            outcome,
            elapsed,
            key_fetches: self.issuer.key_set_requests() - requests_before,
        }
    }

    /// Verifies one token at T + `offset` seconds and records the verdict.
    async fn case(
        &mut self,
        case: &'static str,
        offset: u64,
        token: &str,
        expected: &str,
        expected_key_fetches: usize,
    ) {
        let verdict = self.verify(token, offset).await;
        self.rows.push(Row {
            case,
            at_secs: (offset, offset),
            expected: String::from(expected),
            got: verdict.outcome,
            key_fetches: verdict.key_fetches,
            expected_key_fetches,
        });
    }

    /// Verifies `(offset, token)` pairs in order, records one row that counts the outcomes,
    /// and returns the durations of the calls that fetched nothing.
    async fn series(
        &mut self,
        case: &'static str,
        tokens: &[(u64, String)],
        expected: &str,
        expected_key_fetches: usize,
    ) -> Vec<Duration> {
        let mut outcomes: BTreeMap<String, usize> = BTreeMap::new();
        let mut key_fetches = 0;
        let mut durations = Vec::with_capacity(tokens.len());
        for (offset, token) in tokens {
            let verdict = self.verify(token, *offset).await;
            *outcomes.entry(verdict.outcome).or_default() += 1;
            key_fetches += verdict.key_fetches;
            if verdict.key_fetches == 0 {
                durations.push(verdict.elapsed);
            }
        }

        let first = tokens.first().map_or(0, |(offset, _)| *offset);
        let last = tokens.last().map_or(0, |(offset, _)| *offset);
        let got: Vec<String> = outcomes
            .iter()
            .map(|(outcome, count)| format!("{outcome} x{count}"))
            .collect();
        self.rows.push(Row {
            case,
            at_secs: (first, last),
            expected: format!("{expected} x{}", tokens.len()),
            got: got.join(", "),
            key_fetches,
            expected_key_fetches,
        });
        durations
    }
}

/// Signs the callbacks, sends them through the verifier in order and collects the report.
///
/// The schedule, with the default 30 s refresh cooldown C:
///
/// - T: the first callback fetches the document and the key set. Expired, wrong-audience and
///   tampered callbacks are rejected without a fetch, and the timing series reuses the
///   cached set.
/// - T + 2C: the issuer has rotated in a second key. A callback signed with it has an unknown
///   kid, the cooldown from T is over, so the verifier fetches once and accepts it.
/// - T + 4C to T + 7C: a flood of tokens with unknown kids. Each passes the checks that need
///   no key, so each may ask for a refresh, but the cooldown allows one fetch per C.
/// - T + 7C: a new valid callback still passes, with the cached set.
async fn run_cases() -> Result<Report, Failure> {
    let first_key = DemoKey::first()?;
    let rotated_key = DemoKey::rotated()?;
    let issuer = LocalIssuer::start(acs::ISSUER, signing::key_set(&[&first_key]))
        .await
        .map_err(|error| {
            Failure::config(format!(
                "failed to start the local issuer on 127.0.0.1: {error}"
            ))
        })?;

    let policy = CachePolicy::default();
    let cooldown = policy.refresh_cooldown.as_secs();
    let claims_verifier = acs::verifier(RESOURCE_ID).map_err(|error| {
        Failure::config(format!("invalid demo resource id {RESOURCE_ID}: {error}"))
    })?;
    // The local issuer serves plain HTTP on 127.0.0.1, which only this test option allows.
    let fetcher = ReqwestFetcher::new()
        .map_err(|error| Failure::config(format!("failed to build the HTTP client: {error}")))?
        .insecure_allow_loopback_http_for_tests(true);
    let verifier = AcsVerifier::with_verifier(
        claims_verifier,
        KeySource::OpenIdConfiguration(issuer.configuration_url()),
        policy.clone(),
        fetcher,
    );

    let start = UnixTime::now().as_secs();
    let mut demo = Demo {
        verifier,
        issuer,
        start,
        rows: Vec::new(),
    };
    let mut timings = Vec::new();

    // At T: the first callback, then callbacks that fail one check each.
    let valid = first_key.sign(&claims(start, RESOURCE_ID))?;
    demo.case("valid callback", 0, &valid, "valid", 1).await;

    let expired = first_key.sign(&claims(
        start.saturating_sub(2 * TOKEN_LIFETIME_SECS),
        RESOURCE_ID,
    ))?;
    demo.case("expired callback", 0, &expired, "expired", 0)
        .await;

    let other_audience = first_key.sign(&claims(start, OTHER_RESOURCE_ID))?;
    demo.case(
        "callback for another resource",
        0,
        &other_audience,
        "invalid_audience",
        0,
    )
    .await;

    let tampered = with_payload(&other_audience, &claims(start, RESOURCE_ID));
    demo.case(
        "tampered: aud rewritten to ours",
        0,
        &tampered,
        "invalid_signature",
        0,
    )
    .await;

    let repeated: Vec<(u64, String)> = (0..TIMING_RUNS).map(|_| (0, valid.clone())).collect();
    let samples = demo
        .series("valid callback, repeated", &repeated, "valid", 0)
        .await;
    timings.push(Timing {
        label: "valid token, cached key set",
        samples,
    });

    // At T + 2C: the issuer publishes a second key and signs with it.
    let rotation_at = 2 * cooldown;
    demo.issuer
        .publish(signing::key_set(&[&first_key, &rotated_key]));
    let rotated = rotated_key.sign(&claims(start + rotation_at, RESOURCE_ID))?;
    demo.case(
        "new kid after key rotation",
        rotation_at,
        &rotated,
        "valid",
        1,
    )
    .await;

    // From T + 4C: the flood, spread evenly over 3C.
    let flood_at = 4 * cooldown;
    let flood_secs = 3 * cooldown;
    let flood_claims = claims(start + flood_at, RESOURCE_ID);
    let mut kids = PseudoRandom(FLOOD_SEED);
    let flood: Vec<(u64, String)> = (0..FLOOD_TOKENS)
        .map(|index| {
            let offset = flood_at + index * flood_secs / FLOOD_TOKENS;
            let kid = format!("{:016x}", kids.next_u64());
            (offset, signing::forged(&kid, &flood_claims))
        })
        .collect();
    // The first token fetches, and then every token that arrives a full cooldown after the
    // last fetch. The tokens arrive in every second of the flood, so that is one fetch per
    // started cooldown period.
    let flood_span = flood.last().map_or(0, |(offset, _)| offset - flood_at);
    let flood_fetches = usize::try_from(flood_span / cooldown + 1).unwrap_or(usize::MAX);
    let samples = demo
        .series("unknown-kid flood", &flood, "unknown_key", flood_fetches)
        .await;
    timings.push(Timing {
        label: "unknown kid, rejected",
        samples,
    });

    // At T + 7C: legitimate callbacks still pass.
    let after_flood = flood_at + flood_secs;
    let later = first_key.sign(&claims(start + after_flood, RESOURCE_ID))?;
    demo.case(
        "valid callback after flood",
        after_flood,
        &later,
        "valid",
        0,
    )
    .await;

    Ok(Report {
        issuer_url: demo.issuer.base_url(),
        configuration_url: demo.issuer.configuration_url(),
        issuer: acs::ISSUER,
        audience: RESOURCE_ID,
        start,
        refresh_cooldown_secs: cooldown,
        key_set_lifetime_secs: policy.default_ttl.as_secs(),
        key_files: signing::TEST_KEY_FILES,
        key_set_requests: demo.issuer.key_set_requests(),
        configuration_requests: demo.issuer.configuration_requests(),
        // Discovery runs once; later fetches go straight to the discovered key set URL.
        expected_configuration_requests: 1,
        rows: demo.rows,
        timings,
    })
}

/// ACS-shaped claims issued at `iat` for `audience`, valid for 5 minutes.
fn claims(iat: u64, audience: &str) -> Value {
    json!({
        "iss": acs::ISSUER,
        "aud": audience,
        "iat": iat,
        "nbf": iat,
        "exp": iat + TOKEN_LIFETIME_SECS,
    })
}

/// Replaces the payload of a signed token and keeps its header and signature.
fn with_payload(token: &str, claims: &Value) -> String {
    let mut segments = token.split('.');
    let header = segments.next().unwrap_or_default();
    let signature = segments.nth(1).unwrap_or_default();
    let payload = acs_jwt::base64url_encode(claims.to_string().as_bytes());
    format!("{header}.{payload}.{signature}")
}

/// The xorshift64 generator (Marsaglia, 2003): enough to make kids look random, and the same
/// on every run.
struct PseudoRandom(u64);

impl PseudoRandom {
    fn next_u64(&mut self) -> u64 {
        let mut x = self.0;
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        self.0 = x;
        x
    }
}

//! Heap allocations per verification, counted by dhat's global allocator.
//!
//! dhat counts one process at a time, so this file contains a single test (an integration test
//! runs in its own process). Every operation runs once before it is counted, so one-time
//! set-up such as a lazily built context is not counted. Allocations made by C code (AWS-LC's
//! `malloc`) bypass the Rust allocator and are not seen.
//!
//! Run `cargo test -p acs-jwt-benches --test allocations -- --nocapture` to print the table.

use acs_jwt::{JwkSet, PreparedKey, UnixTime, acs};
use acs_jwt_benches::fixtures::{AcsToken, SignedMessage, current_time, jwks_document};
use acs_jwt_benches::peers::{
    AwsLcRs, Jsonwebtoken, JsonwebtokenBackend, JwtCompact, JwtSimple, RustCryptoRsa, ring_verify,
};
use acs_jwt_tests::AUDIENCE;

#[global_allocator]
static ALLOCATOR: dhat::Alloc = dhat::Alloc;

/// Upper bound for the allocations of one full acs-jwt token verification. The count is
/// deterministic; lower this bound when the parser allocates less.
const MAX_FULL_TOKEN_ALLOCATIONS: u64 = 2;

/// Runs `operation` once to warm up, then returns the allocations of a second run.
fn allocations(mut operation: impl FnMut() -> bool) -> u64 {
    assert!(operation(), "the operation succeeds");
    let before = dhat::HeapStats::get().total_blocks;
    assert!(operation(), "the operation succeeds");
    dhat::HeapStats::get().total_blocks - before
}

#[test]
fn allocations_per_verification() {
    let _profiler = dhat::Profiler::builder().testing().build();

    let fixture = AcsToken::new(current_time());
    let token = fixture.token.as_str();
    let verifier = acs::verifier(AUDIENCE).expect("valid ACS configuration");
    let now = UnixTime::from_secs(fixture.now);
    let signed = SignedMessage::new("rsa2048-a", fixture.signing_input());
    let key = signed.prepared_key();
    let document = jwks_document();

    let full_token = allocations(|| verifier.verify(token, &fixture.key_set, now).is_ok());
    let raw_verify = allocations(|| key.verify_rs256(&signed.message, &signed.signature).is_ok());
    let key_preparation =
        allocations(|| PreparedKey::from_components(&signed.modulus, &signed.exponent).is_ok());
    let key_set = allocations(|| JwkSet::from_json(&document).is_ok());

    let jsonwebtoken_aws = Jsonwebtoken::new(
        JsonwebtokenBackend::AwsLcRs,
        &fixture.modulus,
        &fixture.exponent,
    );
    let jsonwebtoken_rust = Jsonwebtoken::new(
        JsonwebtokenBackend::RustCrypto,
        &fixture.modulus,
        &fixture.exponent,
    );
    let jwt_simple = JwtSimple::new(&fixture.modulus, &fixture.exponent);
    let jwt_compact = JwtCompact::new(&fixture.modulus, &fixture.exponent);
    let rsa = RustCryptoRsa::new(&signed.modulus, &signed.exponent);
    let aws_lc = AwsLcRs::new(&signed.modulus, &signed.exponent);

    let rows = [
        ("full token: acs-jwt", full_token),
        (
            "full token: jsonwebtoken+aws-lc-rs (Rust side only)",
            allocations(|| jsonwebtoken_aws.verify(token)),
        ),
        (
            "full token: jsonwebtoken+rust_crypto",
            allocations(|| jsonwebtoken_rust.verify(token)),
        ),
        (
            "full token: jwt-simple",
            allocations(|| jwt_simple.verify(token)),
        ),
        (
            "full token: jwt-compact",
            allocations(|| jwt_compact.verify(token)),
        ),
        ("rsa_verify 2048: acs-jwt", raw_verify),
        (
            "rsa_verify 2048: rsa",
            allocations(|| rsa.verify(&signed.message, &signed.signature)),
        ),
        (
            "rsa_verify 2048: aws-lc-rs (Rust side only)",
            allocations(|| aws_lc.verify(&signed.message, &signed.signature)),
        ),
        (
            "rsa_verify 2048: ring",
            allocations(|| ring_verify(&signed)),
        ),
        ("key_preparation 2048: acs-jwt", key_preparation),
        ("jwks_parse, 4 keys: acs-jwt", key_set),
    ];
    println!("| operation | heap allocations |\n| --- | ---: |");
    for (name, count) in rows {
        println!("| {name} | {count} |");
    }

    dhat::assert_eq!(raw_verify, 0);
    // One buffer for the modulus, the reversed modulus and R^2 mod n.
    dhat::assert_eq!(key_preparation, 1);
    dhat::assert!(
        full_token <= MAX_FULL_TOKEN_ALLOCATIONS,
        "{full_token} allocations per token, more than {MAX_FULL_TOKEN_ALLOCATIONS}"
    );
}

//! Side-by-side timings of acs-jwt and its peers. Run with `cargo bench -p acs-jwt-benches`,
//! then print the table with `cargo run -p acs-jwt-benches --release --bin report`.

use std::hint::black_box;
use std::time::Duration;

use acs_jwt::{JwkSet, PreparedKey, UnixTime, acs};
use acs_jwt_benches::fixtures::{AcsToken, SignedMessage, current_time, jwks_document};
use acs_jwt_benches::peers::{
    AwsLcRs, Jsonwebtoken, JsonwebtokenBackend, JwtCompact, JwtSimple, RustCryptoRsa, ring_verify,
};
use acs_jwt_tests::AUDIENCE;
use criterion::{BenchmarkId, Criterion, criterion_group, criterion_main};
use sha2::{Digest, Sha256};

/// Full verification of one ACS-shaped token with a prepared key.
fn full_token(c: &mut Criterion) {
    let fixture = AcsToken::new(current_time());
    let token = fixture.token.as_str();
    let mut group = c.benchmark_group("full_token");

    let verifier = acs::verifier(AUDIENCE).expect("valid ACS configuration");
    let now = UnixTime::from_secs(fixture.now);
    let verify = || {
        verifier
            .verify(black_box(token), &fixture.key_set, now)
            .is_ok()
    };
    assert!(verify(), "acs-jwt accepts the token");
    group.bench_function("acs-jwt", |b| b.iter(verify));

    for (name, backend) in [
        ("jsonwebtoken+aws-lc-rs", JsonwebtokenBackend::AwsLcRs),
        ("jsonwebtoken+rust_crypto", JsonwebtokenBackend::RustCrypto),
    ] {
        let peer = Jsonwebtoken::new(backend, &fixture.modulus, &fixture.exponent);
        assert!(peer.verify(token), "{name} accepts the token");
        group.bench_function(name, |b| b.iter(|| peer.verify(black_box(token))));
    }

    let peer = JwtSimple::new(&fixture.modulus, &fixture.exponent);
    assert!(peer.verify(token), "jwt-simple accepts the token");
    group.bench_function("jwt-simple", |b| b.iter(|| peer.verify(black_box(token))));

    let peer = JwtCompact::new(&fixture.modulus, &fixture.exponent);
    assert!(peer.verify(token), "jwt-compact accepts the token");
    group.bench_function("jwt-compact", |b| b.iter(|| peer.verify(black_box(token))));
    group.finish();
}

/// RSASSA-PKCS1-v1_5 SHA-256 verification of the token's signing input, SHA-256 included.
fn rsa_verify(c: &mut Criterion) {
    let fixture = AcsToken::new(current_time());
    let message = fixture.signing_input();
    let mut group = c.benchmark_group("rsa_verify");
    for (bits, key_name) in [(2048, "rsa2048-a"), (3072, "rsa3072"), (4096, "rsa4096")] {
        let signed = SignedMessage::new(key_name, message);

        let key = signed.prepared_key();
        let verify = || {
            key.verify_rs256(black_box(message), &signed.signature)
                .is_ok()
        };
        assert!(verify(), "acs-jwt accepts the {bits}-bit signature");
        group.bench_function(BenchmarkId::new("acs-jwt", bits), |b| b.iter(verify));

        let peer = AwsLcRs::new(&signed.modulus, &signed.exponent);
        assert!(peer.verify(message, &signed.signature));
        group.bench_function(BenchmarkId::new("aws-lc-rs", bits), |b| {
            b.iter(|| peer.verify(black_box(message), &signed.signature))
        });

        if bits == 2048 {
            let peer = RustCryptoRsa::new(&signed.modulus, &signed.exponent);
            assert!(peer.verify(message, &signed.signature));
            group.bench_function(BenchmarkId::new("rsa", bits), |b| {
                b.iter(|| peer.verify(black_box(message), &signed.signature))
            });

            assert!(ring_verify(&signed));
            group.bench_function(BenchmarkId::new("ring", bits), |b| {
                b.iter(|| ring_verify(black_box(&signed)))
            });
        }
    }
    group.finish();
}

/// From the decoded JWK members `n` and `e` to a key ready to verify.
fn key_preparation(c: &mut Criterion) {
    let signed = SignedMessage::new("rsa2048-a", b"key preparation");
    let (n, e) = (signed.modulus.as_slice(), signed.exponent.as_slice());
    let mut group = c.benchmark_group("key_preparation");

    group.bench_function("acs-jwt", |b| {
        b.iter(|| PreparedKey::from_components(black_box(n), black_box(e)).is_ok())
    });
    group.bench_function("acs-jwt+first verify", |b| {
        b.iter(|| {
            let key = PreparedKey::from_components(black_box(n), black_box(e)).expect("usable");
            key.verify_rs256(&signed.message, &signed.signature).is_ok()
        })
    });
    group.bench_function("aws-lc-rs+first verify", |b| {
        b.iter(|| {
            AwsLcRs::new(black_box(n), black_box(e)).verify(&signed.message, &signed.signature)
        })
    });
    group.bench_function("rsa", |b| {
        b.iter(|| RustCryptoRsa::new(black_box(n), black_box(e)))
    });
    group.finish();
}

/// Parsing a four-key JWKS document with `x5c` chains, which prepares every key.
fn jwks_parse(c: &mut Criterion) {
    let document = jwks_document();
    let set = JwkSet::from_json(&document).expect("key set parses");
    assert_eq!(set.keys().len(), 4);
    let mut group = c.benchmark_group("jwks_parse");
    group.bench_function(BenchmarkId::new("acs-jwt", document.len()), |b| {
        b.iter(|| JwkSet::from_json(black_box(&document)).is_ok())
    });
    group.finish();
}

/// SHA-256 of the token's signing input: the share of hashing in every verification above.
fn sha256(c: &mut Criterion) {
    let fixture = AcsToken::new(current_time());
    let message = fixture.signing_input().to_vec();
    let mut group = c.benchmark_group("sha256");
    group.bench_function(BenchmarkId::new("sha2", message.len()), |b| {
        b.iter(|| Sha256::digest(black_box(&message)))
    });
    group.finish();
}

fn config() -> Criterion {
    // Short runs keep `cargo bench` within a few minutes on two cores; the medians are stable
    // to a few percent on an idle machine.
    Criterion::default()
        .warm_up_time(Duration::from_secs(1))
        .measurement_time(Duration::from_secs(3))
        .sample_size(40)
}

criterion_group! {
    name = benches;
    config = config();
    targets = full_token, rsa_verify, key_preparation, jwks_parse, sha256
}
criterion_main!(benches);

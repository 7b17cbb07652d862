//! The RS256 examples of RFC 7515 Appendix A.2 and RFC 7520 §4.1, byte-exact.

use acs_jwt::{Error, JwkSet, UnixTime, VerifierBuilder, jws};
use acs_jwt_tests::data;

fn text(relative: &str) -> String {
    String::from_utf8(data(relative)).expect("fixture is text")
}

#[test]
fn rfc7515_a2_signature_verifies() {
    let keys = JwkSet::from_json(&data("rfc/rfc7515-a2.jwk.json")).expect("key set");
    assert_eq!(keys.keys().len(), 1);
    let verified = jws::verify_compact(&text("rfc/rfc7515-a2.jws"), &keys).expect("verifies");
    assert_eq!(verified.header().alg, "RS256");
    assert_eq!(verified.header().kid, None);
    assert_eq!(verified.key_index(), 0);
    assert_eq!(
        verified.payload(),
        b"{\"iss\":\"joe\",\r\n \"exp\":1300819380,\r\n \"http://example.com/is_root\":true}"
    );
}

#[test]
fn rfc7515_a2_claims_follow_the_clock() {
    let keys = JwkSet::from_json(&data("rfc/rfc7515-a2.jwk.json")).expect("key set");
    let token = text("rfc/rfc7515-a2.jws");
    // The example has no `aud`; it is accepted only where no audience binds it, which a
    // verifier cannot be built for, so the claim check reports the missing audience.
    let verifier = VerifierBuilder::new("joe")
        .audience("any")
        .build()
        .expect("config");
    let err = verifier
        .verify(&token, &keys, UnixTime::from_secs(1_300_819_000))
        .unwrap_err();
    assert_eq!(err, Error::MissingClaim { claim: "aud" });
}

#[test]
fn rfc7520_4_1_signature_verifies() {
    let keys = JwkSet::from_json(&data("rfc/rfc7520-4.1.jwks.json")).expect("key set");
    let verified = jws::verify_compact(&text("rfc/rfc7520-4.1.jws"), &keys).expect("verifies");
    assert_eq!(
        verified.kid().as_deref(),
        Some("bilbo.baggins@hobbiton.example")
    );
    assert_eq!(
        keys.keys()[verified.key_index()].kid(),
        Some("bilbo.baggins@hobbiton.example")
    );
    assert_eq!(verified.payload(), data("rfc/rfc7520-4.1.payload.txt"));
}

#[test]
fn rfc7520_4_1_rejects_changed_payload() {
    let keys = JwkSet::from_json(&data("rfc/rfc7520-4.1.jwks.json")).expect("key set");
    let token = text("rfc/rfc7520-4.1.jws");
    let mut segments: Vec<String> = token.split('.').map(String::from).collect();
    // Change the last character of the payload to another base64url character that keeps
    // the encoding canonical ('A' and 'Q' differ in the two high bits of the final sextet).
    let payload = &mut segments[1];
    let last = payload.pop().expect("payload is not empty");
    payload.push(if last == 'Q' { 'A' } else { 'Q' });
    let changed = segments.join(".");
    let err = jws::verify_compact(&changed, &keys).unwrap_err();
    assert_eq!(err.code(), "invalid_signature");
}

//! Property tests: round trips over random claims and keys, single-character corruption, canonical
//! base64url, and monotonic time checks.
//!
//! Signing is the slow step, so the properties that sign run fewer cases than those that only
//! verify. The `rsa` crate signs with the fixture keys, and no key is generated.
//! Failing cases are written to `tests/proptest-regressions/properties.txt` and replayed first
//! on every later run.

use std::sync::OnceLock;

use acs_jwt::{Error, JwkSet, Malformed, UnixTime, Verifier, VerifierBuilder, acs};
use acs_jwt_tests::{AUDIENCE, ISSUER, NOW, TestKey, acs_claims, b64, jwks};
use base64ct::{Base64UrlUnpadded, Encoding};
use proptest::prelude::*;
use proptest::test_runner::{Config, FileFailurePersistence};
use serde_json::{Value, json};

/// The fixture keys the round trip signs with: three sizes and both public exponents.
const KEY_NAMES: [&str; 5] = ["rsa2048-a", "rsa2048-b", "rsa3072", "rsa4096", "rsa2048-e3"];

const BASE64URL: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

fn config(cases: u32) -> Config {
    Config {
        cases,
        failure_persistence: Some(Box::new(FileFailurePersistence::Direct(
            "proptest-regressions/properties.txt",
        ))),
        ..Config::default()
    }
}

fn keys() -> &'static [TestKey] {
    static KEYS: OnceLock<Vec<TestKey>> = OnceLock::new();
    KEYS.get_or_init(|| KEY_NAMES.iter().map(|name| TestKey::load(name)).collect())
}

fn key_set() -> &'static JwkSet {
    static SET: OnceLock<JwkSet> = OnceLock::new();
    SET.get_or_init(|| {
        let entries: Vec<Value> = keys().iter().map(TestKey::jwk).collect();
        JwkSet::from_json(&jwks(&entries)).expect("fixture keys parse")
    })
}

fn verifier() -> Verifier {
    acs::verifier(AUDIENCE).expect("valid ACS configuration")
}

/// Returns one valid ACS token signed by `rsa2048-a`, made once.
fn valid_token() -> &'static str {
    static TOKEN: OnceLock<String> = OnceLock::new();
    TOKEN.get_or_init(|| keys()[0].sign_claims(&acs_claims()))
}

fn now() -> UnixTime {
    UnixTime::from_secs(NOW)
}

/// Claims valid at [`NOW`]: the ACS issuer, an audience list that contains [`AUDIENCE`],
/// optional `sub`, `jti`, `nbf` and `iat`, and private claims of several types.
fn valid_claims() -> impl Strategy<Value = Value> {
    let audiences = (
        proptest::collection::vec("[a-z0-9-]{0,12}", 0..3),
        any::<bool>(),
        any::<prop::sample::Index>(),
    );
    let times = (
        1u64..100_000,
        proptest::option::of(0u64..3_600),
        any::<bool>(),
    );
    let extra = proptest::collection::btree_map(
        "x_[a-z]{1,6}",
        prop_oneof![
            any::<String>().prop_map(Value::from),
            any::<i64>().prop_map(Value::from),
            any::<bool>().prop_map(Value::from),
        ],
        0..4,
    );
    let texts = (
        proptest::option::of(any::<String>()),
        proptest::option::of(any::<String>()),
    );
    (audiences, times, extra, texts).prop_map(
        |((mut others, as_array, position), (exp_after, issued_before, with_nbf), extra, texts)| {
            let mut claims = json!({ "iss": ISSUER, "exp": NOW + exp_after });
            if as_array {
                let at = position.index(others.len() + 1);
                others.insert(at, AUDIENCE.to_string());
                claims["aud"] = json!(others);
            } else {
                claims["aud"] = json!(AUDIENCE);
            }
            if let Some(before) = issued_before {
                claims["iat"] = json!(NOW - before);
                if with_nbf {
                    claims["nbf"] = json!(NOW - before);
                }
            }
            let (sub, jti) = texts;
            if let Some(sub) = sub {
                claims["sub"] = json!(sub);
            }
            if let Some(jti) = jti {
                claims["jti"] = json!(jti);
            }
            for (name, value) in extra {
                claims[name] = value;
            }
            claims
        },
    )
}

proptest! {
    #![proptest_config(config(24))]

    #[test]
    fn signed_claims_verify_and_read_back(claims in valid_claims(), which in 0..KEY_NAMES.len()) {
        let key = &keys()[which];
        let token = key.sign_claims(&claims);
        let verified = verifier().verify(&token, key_set(), now()).expect("valid token");

        let verifying_key = &key_set().keys()[verified.key_index()];
        prop_assert_eq!(verifying_key.kid(), Some(key.kid.as_str()));
        prop_assert_eq!(verified.kid(), Some(key.kid.clone()));
        prop_assert_eq!(verified.header().kid, Some(key.kid.clone()));
        let payload: Value = serde_json::from_slice(verified.payload()).expect("payload is JSON");
        prop_assert_eq!(&payload, &claims);

        let read = &verified.claims();
        let text = |name: &str| claims.get(name).and_then(Value::as_str).map(String::from);
        let date = |name: &str| claims.get(name).and_then(Value::as_u64);
        prop_assert_eq!(read.iss.clone(), text("iss"));
        prop_assert_eq!(read.sub.clone(), text("sub"));
        prop_assert_eq!(read.jti.clone(), text("jti"));
        prop_assert_eq!(read.exp.map(|d| d.0), date("exp"));
        prop_assert_eq!(read.nbf.map(|d| d.0), date("nbf"));
        prop_assert_eq!(read.iat.map(|d| d.0), date("iat"));
        let audiences: Vec<String> = match &claims["aud"] {
            Value::String(single) => vec![single.clone()],
            other => serde_json::from_value(other.clone()).expect("array of strings"),
        };
        prop_assert_eq!(read.aud.clone(), Some(audiences));
    }
}

/// A change of one character of a token: replaced, deleted, or inserted before it.
#[derive(Clone, Debug)]
enum Edit {
    Replace(usize, char),
    Delete(usize),
    Insert(usize, char),
}

fn edit() -> impl Strategy<Value = Edit> {
    let len = valid_token().len();
    let character = prop_oneof![
        4 => prop::sample::select(
            b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_.=+/ "
                .iter()
                .map(|&b| b as char)
                .collect::<Vec<_>>()
        ),
        1 => any::<char>(),
    ];
    prop_oneof![
        (0..len, character.clone()).prop_map(|(at, c)| Edit::Replace(at, c)),
        (0..len).prop_map(Edit::Delete),
        (0..=len, character).prop_map(|(at, c)| Edit::Insert(at, c)),
    ]
}

proptest! {
    #![proptest_config(config(256))]

    #[test]
    fn any_single_character_change_is_rejected(edit in edit()) {
        let mut token: Vec<char> = valid_token().chars().collect();
        match edit {
            Edit::Replace(at, c) => {
                prop_assume!(token[at] != c);
                token[at] = c;
            }
            Edit::Delete(at) => {
                token.remove(at);
            }
            Edit::Insert(at, c) => token.insert(at, c),
        }
        let token: String = token.into_iter().collect();
        prop_assert_ne!(token.as_str(), valid_token());
        let result = verifier().verify(&token, key_set(), now());
        prop_assert!(result.is_err(), "a changed token was accepted: {token}");
    }
}

/// Returns the number of low bits of the last character of an unpadded base64url encoding of
/// `len` bytes that carry no data.
fn unused_bits(len: usize) -> u32 {
    match len % 3 {
        1 => 4,
        2 => 2,
        _ => 0,
    }
}

/// Decodes base64url text of a possible length without checking the unused low bits of the
/// last character, as a lenient decoder does.
fn lenient_decode(text: &str) -> Option<Vec<u8>> {
    let mut bits: u32 = 0;
    let mut count = 0;
    let mut out = Vec::new();
    if text.len() % 4 == 1 {
        return None;
    }
    for &c in text.as_bytes() {
        let value = BASE64URL.iter().position(|&x| x == c)? as u32;
        bits = (bits << 6) | value;
        count += 6;
        if count >= 8 {
            count -= 8;
            out.push((bits >> count) as u8);
            bits &= (1 << count) - 1;
        }
    }
    Some(out)
}

/// Returns the header and payload segments of the valid token, which pass every key-free
/// check.
fn signing_input() -> &'static str {
    let token = valid_token();
    &token[..token.rfind('.').expect("three segments")]
}

proptest! {
    #![proptest_config(config(256))]

    #[test]
    fn encoder_matches_base64ct(bytes in proptest::collection::vec(any::<u8>(), 0..300)) {
        prop_assert_eq!(acs_jwt::base64url_encode(&bytes), Base64UrlUnpadded::encode_string(&bytes));
    }

    /// Every signature text the token path decodes is the canonical encoding of its bytes, so
    /// no two texts decode to the same bytes.
    #[test]
    fn accepted_signature_text_is_canonical(text in "[A-Za-z0-9_-]{1,12}") {
        let token = format!("{}.{text}", signing_input());
        let accepted = verifier().check_structure(&token).is_ok();
        let canonical = lenient_decode(&text)
            .is_some_and(|bytes| acs_jwt::base64url_encode(&bytes) == text);
        prop_assert_eq!(accepted, canonical, "{}", text);
    }

    /// Flipping any unused trailing bit gives a text that a lenient decoder maps to the same
    /// bytes. The token path rejects that text in the header and in the signature.
    #[test]
    fn trailing_bit_variants_are_rejected(
        signature in proptest::collection::vec(any::<u8>(), 1..400),
        padding in "[a-z]{0,5}",
        low_bits in 1u8..16,
    ) {
        prop_assume!(unused_bits(signature.len()) > 0);
        let header = format!(r#"{{"alg":"RS256","kid":"rsa2048-a","p":"{padding}"}}"#);
        let payload = signing_input().split('.').nth(1).expect("payload");

        for (segment, bytes) in [("header", header.as_bytes()), ("signature", &signature[..])] {
            let canonical = acs_jwt::base64url_encode(bytes);
            let unused = unused_bits(bytes.len());
            if unused == 0 {
                continue;
            }
            let mut variant = canonical.clone().into_bytes();
            let last = variant.pop().expect("not empty");
            let value = BASE64URL.iter().position(|&c| c == last).expect("alphabet") as u8;
            let mask = (1u8 << unused) - 1;
            variant.push(BASE64URL[usize::from(value | (low_bits & mask).max(1))]);
            let variant = String::from_utf8(variant).expect("ASCII");
            prop_assert_ne!(&variant, &canonical);
            let leniently_decoded = lenient_decode(&variant);
            prop_assert_eq!(leniently_decoded.as_deref(), Some(bytes));

            let token = match segment {
                "header" => format!("{variant}.{payload}.{}", b64(&signature)),
                _ => format!("{}.{payload}.{variant}", b64(header.as_bytes())),
            };
            prop_assert_eq!(
                verifier().check_structure(&token),
                Err(Error::MalformedToken(Malformed::Base64 { segment }))
            );
        }
    }

    /// The header decodes to exactly the bytes that were encoded: the `kid` the verifier
    /// reports for an unknown key is the one written.
    #[test]
    fn header_decodes_to_the_encoded_kid(kid in any::<String>()) {
        prop_assume!(!key_set().contains_kid(&kid) && kid.len() <= acs_jwt::limits::MAX_KID_BYTES);
        let header = json!({ "alg": "RS256", "kid": kid }).to_string();
        let token = format!(
            "{}.{}.{}",
            acs_jwt::base64url_encode(header.as_bytes()),
            signing_input().split('.').nth(1).expect("payload"),
            b64(&[1u8; 256]),
        );
        prop_assert_eq!(
            verifier().verify(&token, key_set(), now()),
            Err(Error::UnknownKey { kid: Some(kid) })
        );
    }
}

proptest! {
    #![proptest_config(config(8))]

    /// A payload whose last character carries stray bits is covered by the signature, and
    /// still rejected when it is decoded.
    #[test]
    fn trailing_bit_variant_of_payload_is_rejected(pad in "[a-z]{1,3}", low_bits in 1u8..16) {
        let payload = {
            let mut claims = acs_claims();
            claims["pad"] = json!(pad);
            claims.to_string()
        };
        prop_assume!(unused_bits(payload.len()) > 0);
        let mut encoded = b64(payload.as_bytes()).into_bytes();
        let last = encoded.pop().expect("not empty");
        let value = BASE64URL.iter().position(|&c| c == last).expect("alphabet") as u8;
        let mask = (1u8 << unused_bits(payload.len())) - 1;
        encoded.push(BASE64URL[usize::from(value | (low_bits & mask).max(1))]);
        let encoded = String::from_utf8(encoded).expect("ASCII");

        let key = &keys()[0];
        let header = b64(br#"{"alg":"RS256","kid":"rsa2048-a"}"#);
        let input = format!("{header}.{encoded}");
        let token = format!("{input}.{}", b64(&key.sign_raw(input.as_bytes())));
        prop_assert_eq!(
            verifier().verify(&token, key_set(), now()),
            Err(Error::MalformedToken(Malformed::Base64 { segment: "payload" }))
        );
    }
}

/// Generates a claim set around [`NOW`] with optional `nbf` and `iat`, some of them far away.
fn time_claims() -> impl Strategy<Value = Value> {
    let time = prop_oneof![
        8 => (NOW - 2_000)..(NOW + 2_000),
        1 => Just(0u64),
        1 => Just(u64::MAX),
    ];
    (
        time.clone(),
        proptest::option::of(time.clone()),
        proptest::option::of(time),
    )
        .prop_map(|(exp, nbf, iat)| {
            let mut claims = json!({ "iss": ISSUER, "aud": AUDIENCE, "exp": exp });
            if let Some(nbf) = nbf {
                claims["nbf"] = json!(nbf);
            }
            if let Some(iat) = iat {
                claims["iat"] = json!(iat);
            }
            claims
        })
}

fn times() -> impl Strategy<Value = [u64; 3]> {
    proptest::array::uniform3(prop_oneof![
        8 => (NOW - 3_000)..(NOW + 3_000),
        1 => Just(0u64),
        1 => Just(u64::MAX),
    ])
    .prop_map(|mut times| {
        times.sort_unstable();
        times
    })
}

/// Asserts that acceptance is an interval in `now`, that `expired` never turns back into
/// anything else as `now` grows, and that `not_yet_valid` never follows another verdict.
fn assert_monotonic(verdict: impl Fn(u64) -> &'static str, [t1, t2, t3]: [u64; 3]) {
    let (v1, v2, v3) = (verdict(t1), verdict(t2), verdict(t3));
    if v1 == "valid" && v3 == "valid" {
        assert_eq!(v2, "valid", "valid at {t1} and {t3} but {v2} at {t2}");
    }
    for (earlier, later, t) in [(v1, v2, t2), (v2, v3, t3), (v1, v3, t3)] {
        if earlier == "expired" {
            assert_eq!(later, "expired", "expired earlier but {later} at {t}");
        }
        if later == "not_yet_valid" {
            assert_eq!(
                earlier, "not_yet_valid",
                "{earlier} earlier but not valid yet at {t}"
            );
        }
    }
}

fn code<T>(result: &Result<T, Error>) -> &'static str {
    match result {
        Ok(_) => "valid",
        Err(err) => err.code(),
    }
}

proptest! {
    #![proptest_config(config(64))]

    /// `exp` bounds `now` from above, and `nbf`, `iat` and the maximum age without `iat` bound
    /// it from below. So the accepted times form one interval.
    #[test]
    fn time_checks_are_monotonic_in_now(
        claims in time_claims(),
        leeway in 0u64..=acs_jwt::limits::MAX_LEEWAY_SECS,
        max_age in proptest::option::of(0u64..5_000),
        times in times(),
    ) {
        let mut builder = VerifierBuilder::new(ISSUER)
            .audience(AUDIENCE)
            .leeway(std::time::Duration::from_secs(leeway));
        if let Some(max_age) = max_age {
            builder = builder.max_age(std::time::Duration::from_secs(max_age));
        }
        let verifier = builder.build().expect("valid configuration");
        let token = keys()[0].sign_claims(&claims);
        let verdict = |t: u64| code(&verifier.verify(&token, key_set(), UnixTime::from_secs(t)));
        assert_monotonic(verdict, times);
    }
}

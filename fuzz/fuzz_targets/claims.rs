//! The claim reader on raw payload bytes: `acs_jwt::Claims::parse`.
//!
//! Invariants:
//! - parsed claims, written back as JSON by `serde_json`, parse again to the same claims;
//! - every parsed claim equals what `serde_json` reads from the same bytes, and no registered
//!   claim appears twice;
//! - a document that `serde_json` reads into a `Value` object, nested at most `MAX_JSON_DEPTH` deep,
//!   with each registered claim present at most once and of the right type, is accepted.

#![no_main]

use acs_jwt::limits::MAX_JSON_DEPTH;
use acs_jwt::{Claims, NumericDate};
use acs_jwt_fuzz::{all_named, as_string, json_depth, members, numeric_date_range};
use libfuzzer_sys::fuzz_target;
use serde_json::{Map, Value};

const STRINGS: [&str; 3] = ["iss", "sub", "jti"];
const DATES: [&str; 3] = ["exp", "nbf", "iat"];

fuzz_target!(|data: &[u8]| {
    let result = Claims::parse(data);
    let reference = members(data);

    let Ok(claims) = result else {
        // `members` keeps values raw, and skipping a raw string does not check its escapes.
        // A full parse into `Value` does (lone surrogates), so both must read the document.
        let fully_valid = serde_json::from_slice::<Value>(data).is_ok();
        if let (Ok(found), true) = (reference, fully_valid) {
            assert!(
                !well_formed(data, &found),
                "rejected claims that serde_json reads as well formed: {:?}",
                result.unwrap_err()
            );
        }
        return;
    };
    let found = reference.expect("accepted claims are a JSON object for serde_json");
    assert!(
        well_formed(data, &found),
        "accepted claims that are not well formed"
    );

    let strings = [&claims.iss, &claims.sub, &claims.jti];
    for (name, value) in STRINGS.into_iter().zip(strings) {
        let expected = all_named(&found, name)
            .first()
            .map(|raw| as_string(raw).expect("string"));
        assert_eq!(value, &expected, "{name} differs from serde_json");
    }
    let expected_aud = all_named(&found, "aud")
        .first()
        .map(|raw| audiences(raw).expect("aud"));
    assert_eq!(claims.aud, expected_aud, "aud differs from serde_json");
    let dates = [claims.exp, claims.nbf, claims.iat];
    for (name, value) in DATES.into_iter().zip(dates) {
        match all_named(&found, name).first() {
            None => assert_eq!(value, None, "{name} read from nowhere"),
            Some(raw) => {
                let (low, high) = numeric_date_range(raw).expect("non-negative number");
                let NumericDate(value) = value.expect("date claim read");
                assert!((low..=high).contains(&value), "{name} {value} for {raw}");
            }
        }
    }

    let written = write(&claims);
    assert_eq!(
        Claims::parse(&written),
        Ok(claims),
        "claims do not re-parse identically"
    );
});

/// Returns whether each registered claim appears at most once and has the right type, and
/// the document is not nested deeper than the limit.
fn well_formed(document: &[u8], found: &[(String, Box<serde_json::value::RawValue>)]) -> bool {
    if json_depth(document) > MAX_JSON_DEPTH {
        return false;
    }
    let once = |name: &str| all_named(found, name).len() <= 1;
    let all_once = STRINGS
        .iter()
        .chain(&DATES)
        .chain(&["aud"])
        .all(|name| once(name));
    if !all_once {
        return false;
    }
    let strings_ok = STRINGS.iter().all(|name| {
        all_named(found, name)
            .first()
            .is_none_or(|raw| as_string(raw).is_some())
    });
    let aud_ok = all_named(found, "aud")
        .first()
        .is_none_or(|raw| audiences(raw).is_some());
    let dates_ok = DATES.iter().all(|name| {
        all_named(found, name)
            .first()
            .is_none_or(|raw| numeric_date_range(raw).is_some())
    });
    strings_ok && aud_ok && dates_ok
}

fn audiences(raw: &str) -> Option<Vec<String>> {
    match as_string(raw) {
        Some(single) => Some(vec![single]),
        None => serde_json::from_str(raw).ok(),
    }
}

/// Writes the registered claims as a JSON object with `serde_json`.
fn write(claims: &Claims) -> Vec<u8> {
    let mut object = Map::new();
    let strings = [&claims.iss, &claims.sub, &claims.jti];
    for (name, value) in STRINGS.into_iter().zip(strings) {
        if let Some(value) = value {
            object.insert(name.into(), Value::from(value.as_str()));
        }
    }
    if let Some(aud) = &claims.aud {
        object.insert("aud".into(), Value::from(aud.clone()));
    }
    let dates = [claims.exp, claims.nbf, claims.iat];
    for (name, value) in DATES.into_iter().zip(dates) {
        if let Some(NumericDate(value)) = value {
            object.insert(name.into(), Value::from(value));
        }
    }
    serde_json::to_vec(&Value::Object(object)).expect("a map of strings and numbers serializes")
}

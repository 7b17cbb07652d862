//! End-to-end tests of `acs-jwt demo`, which starts its own issuer on 127.0.0.1.

mod common;

use common::{exit_code, json_stdout, run, stderr, stdout};

/// The demo cases with their expected verdict and key set requests.
const CASES: [(&str, &str, u64); 8] = [
    ("valid callback", "valid", 1),
    ("expired callback", "expired", 0),
    ("callback for another resource", "invalid_audience", 0),
    ("tampered: aud rewritten to ours", "invalid_signature", 0),
    ("valid callback, repeated", "valid x200", 0),
    ("new kid after key rotation", "valid", 1),
    ("unknown-kid flood", "unknown_key x1000", 3),
    ("valid callback after flood", "valid", 0),
];

#[test]
fn demo_table_shows_expected_verdicts() {
    let output = run(&["demo"]);

    assert_eq!(
        exit_code(&output),
        0,
        "{}{}",
        stdout(&output),
        stderr(&output)
    );
    let text = stdout(&output);
    for (case, verdict, fetches) in CASES {
        let line = text
            .lines()
            .find(|line| line.starts_with(&format!("{case}  ")))
            .unwrap_or_else(|| panic!("no line for {case:?}: {text}"));
        let expected_and_got = format!("{verdict}  ");
        assert_eq!(line.matches(&expected_and_got).count(), 2, "{case}: {line}");
        assert!(
            line.contains(&format!("{fetches} ({fetches})")),
            "{case}: {line}"
        );
        assert!(line.ends_with("  ok"), "{case}: {line}");
    }
    assert!(
        text.contains("key set requests counted by the local issuer: 5 (expected 5)"),
        "{text}"
    );
    assert!(
        text.contains("OpenID configuration requests counted by the local issuer: 1 (expected 1)"),
        "{text}"
    );
    assert!(text.contains("TEST keys"), "{text}");
    assert!(
        text.contains("all 10 checks got their expected result"),
        "{text}"
    );
}

#[test]
fn demo_json_report() {
    let output = run(&["demo", "--json"]);

    assert_eq!(exit_code(&output), 0, "{}", stderr(&output));
    let report = json_stdout(&output);
    assert_eq!(report["passed"], true, "{report}");
    assert_eq!(report["key_set_requests"], 5, "{report}");
    assert_eq!(report["expected_key_set_requests"], 5, "{report}");
    assert_eq!(report["configuration_requests"], 1, "{report}");

    let cases = report["cases"].as_array().expect("cases is an array");
    assert_eq!(cases.len(), CASES.len(), "{report}");
    for ((case, verdict, fetches), row) in CASES.iter().zip(cases) {
        assert_eq!(row["case"], *case, "{row}");
        assert_eq!(row["expected"], *verdict, "{row}");
        assert_eq!(row["got"], *verdict, "{row}");
        assert_eq!(row["key_fetches"], *fetches, "{row}");
        assert_eq!(row["ok"], true, "{row}");
    }

    let timings = report["timings"].as_array().expect("timings is an array");
    assert_eq!(timings.len(), 2, "{report}");
    for timing in timings {
        assert!(
            timing["calls"].as_u64().is_some_and(|calls| calls > 0),
            "{timing}"
        );
        assert!(timing["median_us"].is_u64(), "{timing}");
    }
}

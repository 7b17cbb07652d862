//! The demo's results and their text and JSON output.

use std::time::Duration;

use serde::Serialize;

use crate::output;

/// One case: what the demo expected and what the verifier did.
#[derive(Serialize)]
pub(super) struct Row {
    pub(super) case: &'static str,
    /// Offsets from the start of the simulated clock, in seconds: one time, or the first and
    /// last of a series.
    pub(super) at_secs: (u64, u64),
    /// `"valid"` or the expected error code, with a count for a series.
    pub(super) expected: String,
    /// `"valid"` or the error code the verifier returned, with counts for a series.
    pub(super) got: String,
    /// Key set requests that the local issuer received during the case.
    pub(super) key_fetches: usize,
    pub(super) expected_key_fetches: usize,
}

impl Row {
    fn matches(&self) -> bool {
        self.expected == self.got && self.key_fetches == self.expected_key_fetches
    }
}

/// Durations of verify calls of one kind, measured around each call.
pub(super) struct Timing {
    pub(super) label: &'static str,
    pub(super) samples: Vec<Duration>,
}

#[derive(Serialize)]
struct TimingJson {
    label: &'static str,
    calls: usize,
    median_us: u128,
    mean_us: u128,
}

impl Timing {
    fn summary(&self) -> TimingJson {
        let mut micros: Vec<u128> = self.samples.iter().map(Duration::as_micros).collect();
        micros.sort_unstable();
        let calls = micros.len();
        let median_us = match calls {
            0 => 0,
            _ if calls % 2 == 1 => micros[calls / 2],
            _ => (micros[calls / 2 - 1] + micros[calls / 2]) / 2,
        };
        let total: u128 = micros.iter().sum();
        let mean_us = total.checked_div(calls as u128).unwrap_or(0);
        TimingJson {
            label: self.label,
            calls,
            median_us,
            mean_us,
        }
    }
}

/// Everything the demo prints.
pub(super) struct Report {
    pub(super) issuer_url: String,
    pub(super) configuration_url: String,
    pub(super) issuer: &'static str,
    pub(super) audience: &'static str,
    pub(super) start: u64,
    pub(super) refresh_cooldown_secs: u64,
    pub(super) key_set_lifetime_secs: u64,
    pub(super) key_files: &'static str,
    pub(super) rows: Vec<Row>,
    /// Key set requests the local issuer counted in the whole run.
    pub(super) key_set_requests: usize,
    /// OpenID configuration requests the local issuer counted in the whole run.
    pub(super) configuration_requests: usize,
    pub(super) expected_configuration_requests: usize,
    pub(super) timings: Vec<Timing>,
}

#[derive(Serialize)]
struct ReportJson<'a> {
    passed: bool,
    issuer_url: &'a str,
    issuer: &'a str,
    audience: &'a str,
    start: u64,
    test_keys: &'a str,
    cases: Vec<RowJson<'a>>,
    key_set_requests: usize,
    expected_key_set_requests: usize,
    configuration_requests: usize,
    expected_configuration_requests: usize,
    build: &'static str,
    timings: Vec<TimingJson>,
}

#[derive(Serialize)]
struct RowJson<'a> {
    #[serde(flatten)]
    row: &'a Row,
    ok: bool,
}

impl Report {
    /// Returns the number of key set requests the cases expect in total.
    fn expected_key_set_requests(&self) -> usize {
        self.rows.iter().map(|row| row.expected_key_fetches).sum()
    }

    /// Counts the checks: one per case, plus the issuer's two request totals.
    pub(super) fn checks(&self) -> usize {
        self.rows.len() + 2
    }

    /// Counts the checks whose result differs from the expectation.
    pub(super) fn mismatches(&self) -> usize {
        let rows = self.rows.iter().filter(|row| !row.matches()).count();
        let key_sets = usize::from(self.key_set_requests != self.expected_key_set_requests());
        let configurations =
            usize::from(self.configuration_requests != self.expected_configuration_requests);
        rows + key_sets + configurations
    }

    /// Prints the report: one line of JSON with `json`, else a table.
    pub(super) fn print(&self, json: bool) {
        if json {
            output::print_json(&ReportJson {
                passed: self.mismatches() == 0,
                issuer_url: &self.issuer_url,
                issuer: self.issuer,
                audience: self.audience,
                start: self.start,
                test_keys: self.key_files,
                cases: self
                    .rows
                    .iter()
                    .map(|row| RowJson {
                        row,
                        ok: row.matches(),
                    })
                    .collect(),
                key_set_requests: self.key_set_requests,
                expected_key_set_requests: self.expected_key_set_requests(),
                configuration_requests: self.configuration_requests,
                expected_configuration_requests: self.expected_configuration_requests,
                build: build_profile(),
                timings: self.timings.iter().map(Timing::summary).collect(),
            });
            return;
        }
        output::write_stdout(&self.text());
    }

    fn text(&self) -> String {
        let mut text = format!(
            "acs-jwt demo: ACS-style callbacks from a local issuer, checked by the remote verifier\n\n\
             local issuer   {} (plain HTTP on loopback, allowed by the test-only option)\n\
             discovery      {}\n\
             issuer name    {} (the ACS issuer, served by the local issuer)\n\
             audience       {}\n\
             signing keys   the published TEST keys {}; they protect nothing\n\
             cache policy   the defaults: {} s refresh cooldown, {} s key set lifetime\n\
             clock          simulated, from T = {} (the system time at the start); each case \
             runs at the time shown\n\n",
            self.issuer_url,
            self.configuration_url,
            self.issuer,
            self.audience,
            self.key_files,
            self.refresh_cooldown_secs,
            self.key_set_lifetime_secs,
            self.start,
        );

        let header = [
            "case",
            "at",
            "expected",
            "got",
            "key fetches (expected)",
            "result",
        ];
        let cells: Vec<[String; 6]> = self.rows.iter().map(table_row).collect();
        let mut widths = header.map(str::len);
        for row in &cells {
            for (width, cell) in widths.iter_mut().zip(row) {
                *width = (*width).max(cell.chars().count());
            }
        }
        text.push_str(&table_line(&header.map(String::from), &widths));
        for row in &cells {
            text.push_str(&table_line(row, &widths));
        }

        text.push_str(&format!(
            "\nkey set requests counted by the local issuer: {} (expected {})\n\
             OpenID configuration requests counted by the local issuer: {} (expected {})\n",
            self.key_set_requests,
            self.expected_key_set_requests(),
            self.configuration_requests,
            self.expected_configuration_requests,
        ));

        text.push_str(&format!(
            "\nverification time ({}, measured around each verify call that fetched nothing):\n",
            build_profile()
        ));
        for timing in &self.timings {
            let summary = timing.summary();
            text.push_str(&format!(
                "  {:<28} median {} µs, mean {} µs over {} calls\n",
                summary.label, summary.median_us, summary.mean_us, summary.calls
            ));
        }

        let mismatches = self.mismatches();
        if mismatches == 0 {
            text.push_str(&format!(
                "\nresult: all {} checks got their expected result\n",
                self.checks()
            ));
        } else {
            text.push_str(&format!(
                "\nresult: {mismatches} of {} checks did NOT get their expected result\n",
                self.checks()
            ));
        }
        text
    }
}

fn table_row(row: &Row) -> [String; 6] {
    let at = match row.at_secs {
        (first, last) if first == last => format!("T+{first} s"),
        (first, last) => format!("T+{first}..{last} s"),
    };
    let result = if row.matches() { "ok" } else { "MISMATCH" };
    [
        String::from(row.case),
        at,
        row.expected.clone(),
        row.got.clone(),
        format!("{} ({})", row.key_fetches, row.expected_key_fetches),
        String::from(result),
    ]
}

fn table_line(cells: &[String; 6], widths: &[usize; 6]) -> String {
    let mut line = String::new();
    for (cell, width) in cells.iter().zip(widths) {
        line.push_str(&format!("{cell:<width$}  "));
    }
    line.truncate(line.trim_end().len());
    line.push('\n');
    line
}

/// Returns the build profile, which the timing output names because debug builds verify far
/// slower than release builds.
fn build_profile() -> &'static str {
    if cfg!(debug_assertions) {
        "debug build"
    } else {
        "release build"
    }
}

//! Exit statuses, failure reports and writes to the standard streams.

use std::io::{self, Write};
use std::process::ExitCode;

use serde::Serialize;

/// Exit status of a token that was rejected or could not be decoded, of a key set that could
/// not be fetched, and of a demo case that did not get its expected verdict.
const EXIT_REJECTED: u8 = 1;

/// Exit status of a usage or configuration error.
const EXIT_ERROR: u8 = 2;

/// Kind of failure that ended a command, which decides the exit status.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum FailureKind {
    /// The token was rejected or is malformed: exit status 1.
    Rejected,
    /// No key set could be fetched, so no token can be checked: exit status 1.
    Unavailable,
    /// The command line cannot be used as given: exit status 2.
    Usage,
    /// A file or setting is unreadable or invalid: exit status 2.
    Config,
    /// Some `demo` cases got another verdict than expected: exit status 1. The demo has
    /// printed its own report, so with `--json` no failure object follows it.
    DemoMismatch,
}

/// A failed command: a stable code, a message and optional hints for the human report.
#[derive(Debug)]
pub(crate) struct Failure {
    kind: FailureKind,
    code: &'static str,
    message: String,
    hints: Vec<String>,
}

/// The JSON object printed for every failure with `--json`.
#[derive(Serialize)]
struct FailureJson<'a> {
    valid: bool,
    code: &'a str,
    message: &'a str,
}

impl Failure {
    /// Creates the failure for a token the core rejected, with the core's code and message.
    pub(crate) fn rejected(error: &acs_jwt::Error) -> Self {
        Self::new(FailureKind::Rejected, error.code(), error.to_string())
    }

    /// Creates the failure for a key set that could not be fetched, with the code
    /// `key_set_unavailable`. The message adds detail to the core's, such as the underlying
    /// causes of a failed connection.
    pub(crate) fn unavailable(message: String) -> Self {
        Self::new(FailureKind::Unavailable, "key_set_unavailable", message)
    }

    /// Creates the failure for a token that `inspect` cannot decode, for problems that have no
    /// core error variant.
    pub(crate) fn malformed(message: String) -> Self {
        Self::new(FailureKind::Rejected, "malformed_token", message)
    }

    pub(crate) fn usage(message: impl Into<String>) -> Self {
        Self::new(FailureKind::Usage, "usage_error", message.into())
    }

    pub(crate) fn config(message: impl Into<String>) -> Self {
        Self::new(FailureKind::Config, "config_error", message.into())
    }

    pub(crate) fn demo_mismatch(message: String) -> Self {
        Self::new(FailureKind::DemoMismatch, "demo_mismatch", message)
    }

    fn new(kind: FailureKind, code: &'static str, message: String) -> Self {
        Self {
            kind,
            code,
            message,
            hints: Vec::new(),
        }
    }

    /// Adds a line to the human report. Hints never appear in the JSON output.
    pub(crate) fn with_hint(mut self, hint: impl Into<String>) -> Self {
        self.hints.push(hint.into());
        self
    }

    #[cfg(test)]
    pub(crate) fn message(&self) -> &str {
        &self.message
    }

    pub(crate) fn exit_code(&self) -> ExitCode {
        match self.kind {
            FailureKind::Rejected | FailureKind::Unavailable | FailureKind::DemoMismatch => {
                ExitCode::from(EXIT_REJECTED)
            }
            FailureKind::Usage | FailureKind::Config => ExitCode::from(EXIT_ERROR),
        }
    }

    /// Prints the failure: as JSON on standard output with `json`, and as text on standard
    /// error unless it is a rejection or an unavailable key set reported as JSON. A demo
    /// mismatch prints nothing with `json`, because the demo's report carries the result.
    pub(crate) fn report(&self, json: bool) {
        if json && self.kind == FailureKind::DemoMismatch {
            return;
        }
        if json {
            print_json(&FailureJson {
                valid: false,
                code: self.code,
                message: &self.message,
            });
        }
        if json && matches!(self.kind, FailureKind::Rejected | FailureKind::Unavailable) {
            return;
        }

        let mut text = match self.kind {
            FailureKind::Rejected => format!("invalid token ({}): {}\n", self.code, self.message),
            FailureKind::Unavailable => format!("error ({}): {}\n", self.code, self.message),
            FailureKind::Usage | FailureKind::Config | FailureKind::DemoMismatch => {
                format!("error: {}\n", self.message)
            }
        };
        for hint in &self.hints {
            text.push_str("hint: ");
            text.push_str(hint);
            text.push('\n');
        }
        write_stderr(&text);
    }
}

/// Reports a command line that clap rejected, or prints the help or version it requested.
///
/// Clap writes its own message. With `json`, an error also prints the JSON failure object
/// with the first paragraph of clap's message.
pub(crate) fn report_parse_error(error: &clap::Error, json: bool) -> ExitCode {
    // The message is written to a terminal or pipe that may already be closed; the exit
    // status below still reports the outcome.
    let _ = error.print();
    if error.use_stderr() && json {
        let rendered = error.render().to_string();
        let first_paragraph = rendered.split("\n\n").next().unwrap_or_default();
        let summary = first_paragraph
            .trim_start_matches("error: ")
            .split_whitespace()
            .collect::<Vec<_>>()
            .join(" ");
        print_json(&FailureJson {
            valid: false,
            code: "usage_error",
            message: &summary,
        });
    }
    ExitCode::from(u8::try_from(error.exit_code()).unwrap_or(EXIT_ERROR))
}

/// Writes `value` as one line of compact JSON to standard output.
pub(crate) fn print_json(value: &impl Serialize) {
    match serde_json::to_string(value) {
        Ok(mut line) => {
            line.push('\n');
            write_stdout(&line);
        }
        Err(error) => write_stderr(&format!(
            "error: failed to encode the JSON output: {error}\n"
        )),
    }
}

/// Pretty-prints a JSON value with two-space indentation.
pub(crate) fn pretty_json(value: &serde_json::Value) -> String {
    serde_json::to_string_pretty(value).unwrap_or_else(|_| value.to_string())
}

/// Writes `text` to standard output.
///
/// A write error, such as a pipe closed by `head`, is ignored where `println!` would panic,
/// because the exit status still carries the verification result.
pub(crate) fn write_stdout(text: &str) {
    let mut stdout = io::stdout().lock();
    let _ = stdout.write_all(text.as_bytes());
    let _ = stdout.flush();
}

/// Writes `text` to standard error, ignoring write errors as [`write_stdout`] does.
pub(crate) fn write_stderr(text: &str) {
    let _ = io::stderr().lock().write_all(text.as_bytes());
}

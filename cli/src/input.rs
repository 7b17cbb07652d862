//! Reading a token or a header value from an argument or from standard input.

use std::io::{self, IsTerminal, Read};

use crate::output::Failure;

/// Maximum standard input read for one value: 1 MiB.
///
/// The core rejects tokens above 64 KiB (`acs_jwt::limits::MAX_TOKEN_BYTES_LIMIT`), so this
/// bound only keeps a mistaken pipe, such as from `/dev/zero`, from filling memory.
const MAX_STDIN_BYTES: usize = 1024 * 1024;

/// Returns `argument`, or the trimmed standard input when it is absent or `-`.
///
/// `name` names the value in error messages, such as `TOKEN`.
pub(crate) fn argument_or_stdin(argument: Option<&str>, name: &str) -> Result<String, Failure> {
    if let Some(value) = argument.filter(|value| *value != "-") {
        return Ok(value.to_owned());
    }

    let stdin = io::stdin();
    if stdin.is_terminal() {
        return Err(Failure::usage(format!(
            "no {name} given: pass it as an argument or pipe it to standard input"
        )));
    }

    let mut bytes = Vec::new();
    let limit = u64::try_from(MAX_STDIN_BYTES + 1).unwrap_or(u64::MAX);
    stdin
        .lock()
        .take(limit)
        .read_to_end(&mut bytes)
        .map_err(|error| {
            Failure::usage(format!(
                "failed to read {name} from standard input: {error}"
            ))
        })?;
    if bytes.len() > MAX_STDIN_BYTES {
        return Err(Failure::usage(format!(
            "standard input is longer than {MAX_STDIN_BYTES} bytes; expected one {name}"
        )));
    }

    let text = String::from_utf8(bytes).map_err(|_| {
        Failure::usage(format!(
            "standard input is not valid UTF-8; expected one {name}"
        ))
    })?;
    let value = text.trim();
    if value.is_empty() {
        return Err(Failure::usage(format!(
            "standard input is empty; pass {name} as an argument or pipe it in"
        )));
    }
    Ok(value.to_owned())
}

//! The `inspect` subcommand: decodes a token without verifying anything.

use serde::Serialize;
use serde_json::{Map, Value};

use crate::args::InspectArgs;
use crate::input;
use crate::output::{self, Failure};
use crate::segments::{self, PayloadJson};

/// The first line of the human output. It is loud because nothing below it was verified.
const UNVERIFIED_BANNER: &str =
    "UNVERIFIED: the signature and the claims were NOT checked; do not trust these values";

/// The JSON object printed for a decoded token.
#[derive(Serialize)]
struct InspectJson {
    verified: bool,
    header: Map<String, Value>,
    #[serde(flatten)]
    payload: PayloadJson,
}

/// Runs `inspect`. A token decodes when it has three segments of canonical base64url and its
/// header is a JSON object. The payload may be any bytes, and the signature may be empty.
pub(crate) fn run(args: &InspectArgs, json: bool) -> Result<(), Failure> {
    let token = input::argument_or_stdin(args.token.as_deref(), "TOKEN")?;
    let parts = segments::split(&token).map_err(|error| Failure::rejected(&error))?;

    let header_bytes =
        segments::decode(parts.header, "header").map_err(|error| Failure::rejected(&error))?;
    let payload =
        segments::decode(parts.payload, "payload").map_err(|error| Failure::rejected(&error))?;
    let signature = segments::decode(parts.signature, "signature")
        .map_err(|error| Failure::rejected(&error))?;
    let header = segments::json_object(&header_bytes).map_err(|reason| {
        Failure::malformed(format!(
            "malformed token: header is not a JSON object: {reason}"
        ))
    })?;

    if json {
        output::print_json(&InspectJson {
            verified: false,
            header,
            payload: PayloadJson::new(&payload),
        });
        return Ok(());
    }

    let mut text = format!(
        "{UNVERIFIED_BANNER}\nheader:\n{}\n",
        output::pretty_json(&Value::Object(header))
    );
    text.push_str(&segments::describe_payload(&payload, "claims"));
    text.push_str(&format!("signature: {} bytes\n", signature.len()));
    output::write_stdout(&text);
    Ok(())
}

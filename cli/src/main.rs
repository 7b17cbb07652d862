//! `acs-jwt`: verify, inspect and list keys for RS256 JWTs from the shell, and run a demo
//! against a local issuer.
//!
//! Exit status: 0 when the command succeeds (the token is accepted or decodes), and 2 for a
//! usage or configuration error. Exit status 1 means that the token is rejected or malformed,
//! that no key set could be fetched, or that a demo case got another verdict than expected.

mod args;
mod demo;
mod input;
mod inspect;
mod key_source;
mod keys;
mod output;
mod remote;
mod segments;
mod verify;

use std::process::ExitCode;

use clap::Parser;

use crate::args::{Cli, Command};

fn main() -> ExitCode {
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(error) => return output::report_parse_error(&error, json_requested()),
    };

    let result = match &cli.command {
        Command::Verify(args) => verify::run(args, cli.json),
        Command::Inspect(args) => inspect::run(args, cli.json),
        Command::Keys(args) => keys::run(args, cli.json),
        Command::Demo => demo::run(cli.json),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(failure) => {
            failure.report(cli.json);
            failure.exit_code()
        }
    }
}

/// Returns `true` when `--json` appears before any `--` on the command line. Used only when
/// clap rejects the command line, so the parsed flag is not available.
fn json_requested() -> bool {
    std::env::args_os()
        .skip(1)
        .take_while(|arg| arg != "--")
        .any(|arg| arg == "--json")
}

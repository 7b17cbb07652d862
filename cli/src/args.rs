//! The command line, declared with clap's derive API.

use std::path::PathBuf;

use acs_jwt::acs;
use acs_jwt::limits::DEFAULT_LEEWAY_SECS;
use clap::{Args, Parser, Subcommand};

/// Verify and inspect RS256 JWTs from Azure Communication Services and other OIDC issuers.
#[derive(Debug, Parser)]
#[command(name = "acs-jwt", version)]
#[command(after_help = "With --json, every failure prints one object \
    {\"valid\":false,\"code\":...,\"message\":...} on standard output. The code is an acs-jwt \
    error code such as \"expired\", or \"usage_error\" or \"config_error\" for exit status 2.")]
pub(crate) struct Cli {
    #[command(subcommand)]
    pub(crate) command: Command,

    /// Print the result as one line of JSON on standard output
    #[arg(long, global = true)]
    pub(crate) json: bool,
}

#[derive(Debug, Subcommand)]
pub(crate) enum Command {
    /// Verify a token's RS256 signature and its iss, aud, exp, nbf and iat claims
    #[command(
        after_help = "Exit status: 0 if the token is accepted, 1 if it is rejected, \
        2 for a usage or configuration error (such as an unreadable key set file)."
    )]
    Verify(VerifyArgs),

    /// Decode a token's header and claims WITHOUT checking the signature or any claim
    #[command(
        after_help = "Exit status: 0 if the token decodes, 1 if it is malformed, \
        2 for a usage error."
    )]
    Inspect(InspectArgs),

    /// List the keys of a key set and whether each one can verify RS256 tokens
    #[command(after_help = "Exit status: 0 if the key set was read, \
        2 if it is unreadable or not a JSON Web Key Set.")]
    Keys(KeysArgs),
}

/// Key set source options, of which the clap group requires exactly one.
///
/// `--jwks` is the only member so far. A URL source added later joins the same group, so
/// existing command lines keep their meaning.
#[derive(Debug, Args)]
#[group(id = "key_source", required = true, multiple = false)]
pub(crate) struct KeySource {
    /// Read the key set from FILE, a JSON Web Key Set document ({"keys":[...]})
    #[arg(long, value_name = "FILE")]
    pub(crate) jwks: Option<PathBuf>,
}

#[derive(Debug, Args)]
pub(crate) struct VerifyArgs {
    /// Compact JWT to verify, read from standard input (trimmed) when absent or "-"
    #[arg(value_name = "TOKEN")]
    pub(crate) token: Option<String>,

    #[command(flatten)]
    pub(crate) key_source: KeySource,

    /// Verify the token of this Authorization header value ("Bearer eyJ...") instead of TOKEN.
    /// "-" reads the value from standard input
    #[arg(long, value_name = "VALUE", conflicts_with = "token")]
    pub(crate) authorization: Option<String>,

    /// Expected issuer, compared byte for byte with the iss claim
    #[arg(long, value_name = "ISS", default_value = acs::ISSUER)]
    pub(crate) issuer: String,

    /// Accepted audience (repeat the option to accept several). Required unless --signature-only
    ///
    /// A token passes when any of its aud values equals any accepted audience. For ACS, the
    /// audience is the resource's immutable resource id, a GUID.
    #[arg(long, value_name = "AUD", required_unless_present = "signature_only")]
    pub(crate) audience: Vec<String>,

    /// Verification time in Unix seconds [default: the system clock]
    #[arg(long, value_name = "UNIX_SECONDS")]
    pub(crate) now: Option<u64>,

    /// Allowed clock skew for exp, nbf and iat, in seconds, at most 300
    #[arg(long, value_name = "SECONDS", default_value_t = DEFAULT_LEEWAY_SECS)]
    pub(crate) leeway: u64,

    /// Maximum token lifetime in seconds: exp - iat, or exp - now without iat [default: no limit]
    #[arg(long, value_name = "SECONDS")]
    pub(crate) max_age: Option<u64>,

    /// Check only the JWS signature and no claim. The payload may be any bytes
    ///
    /// An expired token, or one issued by another issuer or for another audience, passes. Use
    /// this for a JWS whose payload is not a JWT claim set, or to tell a signature problem from
    /// a claim problem.
    #[arg(long, conflicts_with_all = ["audience", "issuer", "now", "leeway", "max_age"])]
    pub(crate) signature_only: bool,
}

#[derive(Debug, Args)]
pub(crate) struct InspectArgs {
    /// Compact JWT to decode, read from standard input (trimmed) when absent or "-"
    #[arg(value_name = "TOKEN")]
    pub(crate) token: Option<String>,
}

#[derive(Debug, Args)]
pub(crate) struct KeysArgs {
    #[command(flatten)]
    pub(crate) key_source: KeySource,
}

#[cfg(test)]
mod tests {
    use clap::CommandFactory;

    use super::*;

    #[test]
    fn command_definition_is_consistent() {
        Cli::command().debug_assert();
    }

    #[test]
    fn leeway_help_states_core_maximum() {
        let mut command = Cli::command();
        let verify = command
            .find_subcommand_mut("verify")
            .expect("verify subcommand is declared");
        let help = verify.render_help().to_string();
        let maximum = format!("at most {}", acs_jwt::limits::MAX_LEEWAY_SECS);
        assert!(help.contains(&maximum), "{help}");
    }
}

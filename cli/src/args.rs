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
    error code such as \"expired\" or \"key_set_unavailable\", or \"usage_error\" or \"config_error\" \
    for exit status 2. With --json, `demo` prints its report object instead.")]
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
        after_help = "Exit status: 0 if the token is accepted, 1 if it is rejected or \
        no key set could be fetched (code key_set_unavailable), 2 for a usage or configuration \
        error (such as an unreadable key set file or a key set URL that is not https)."
    )]
    Verify(VerifyArgs),

    /// Decode a token's header and claims WITHOUT checking the signature or any claim
    #[command(
        after_help = "Exit status: 0 if the token decodes, 1 if it is malformed, \
        2 for a usage error."
    )]
    Inspect(InspectArgs),

    /// List the keys of a key set and whether each one can verify RS256 tokens
    #[command(
        after_help = "Exit status: 0 if the key set was read, 1 if it could not be \
        fetched (code key_set_unavailable), 2 if the key set file is unreadable or not a JSON \
        Web Key Set, or the URL is invalid or not https."
    )]
    Keys(KeysArgs),

    /// Run a self-contained demonstration: a local issuer on 127.0.0.1 signs ACS-style
    /// callbacks and the verifier checks them
    ///
    /// The demo starts an HTTP server on 127.0.0.1 that serves an OpenID configuration document
    /// and a key set. It verifies a fixed set of callbacks through the same remote verifier
    /// that `verify --openid-config` uses. The cases are valid, expired, wrong audience,
    /// tampered, a key that appears after a rotation, and a flood of tokens with unknown kids.
    /// It needs no arguments and no network beyond the loopback interface.
    #[command(
        after_help = "Exit status: 0 if every case gets its expected verdict and key \
        fetch count, 1 if any does not, 2 if the local issuer cannot start."
    )]
    Demo,
}

/// Key set source options, of which the clap group allows at most one.
///
/// Without any of them, the key set is found through the ACS OpenID configuration document,
/// [`acs::OPENID_CONFIGURATION_URL`].
#[derive(Debug, Args)]
#[group(id = "key_source", required = false, multiple = false)]
pub(crate) struct KeySource {
    /// Read the key set from FILE, a JSON Web Key Set document ({"keys":[...]})
    #[arg(long, value_name = "FILE")]
    pub(crate) jwks: Option<PathBuf>,

    /// Fetch the key set from URL, which must be https
    #[arg(long, value_name = "URL")]
    pub(crate) jwks_url: Option<String>,

    /// Fetch the OpenID configuration document at URL (https), then the key set its jwks_uri
    /// names. The document's issuer must equal --issuer [default: the ACS document]
    ///
    /// Without --jwks, --jwks-url or --openid-config, the key set is found through the ACS
    /// document, https://acscallautomation.communication.azure.com/calling/.well-known/acsopenidconfiguration
    #[arg(long, value_name = "URL")]
    pub(crate) openid_config: Option<String>,
}

/// Options for fetching a key set over HTTP. They sit outside [`KeySource`] because every
/// argument of that struct is a member of its group.
#[derive(Debug, Args)]
pub(crate) struct FetchOptions {
    /// INSECURE, for tests and demos only: allow plain http:// key set and OpenID
    /// configuration URLs on 127.0.0.1, localhost and [::1]
    ///
    /// Key sets fetched over plain HTTP can be replaced by anyone on the path, so never use
    /// this for tokens that protect anything. Hosts other than loopback stay https only.
    #[arg(long, conflicts_with = "jwks")]
    pub(crate) insecure_allow_loopback_http: bool,
}

#[derive(Debug, Args)]
pub(crate) struct VerifyArgs {
    /// Compact JWT to verify, read from standard input (trimmed) when absent or "-"
    #[arg(value_name = "TOKEN")]
    pub(crate) token: Option<String>,

    #[command(flatten)]
    pub(crate) key_source: KeySource,

    #[command(flatten)]
    pub(crate) fetch: FetchOptions,

    /// Verify the token of this Authorization header value ("Bearer eyJ...") instead of TOKEN.
    /// "-" reads the value from standard input
    #[arg(long, value_name = "VALUE", conflicts_with = "token")]
    pub(crate) authorization: Option<String>,

    /// Expected issuer, compared byte for byte with the iss claim and with the issuer of an
    /// OpenID configuration document [default: https://acscallautomation.communication.azure.com]
    ///
    /// With --signature-only, no claim is checked, and --issuer only sets the expected issuer
    /// of the OpenID configuration document.
    #[arg(long, value_name = "ISS")]
    pub(crate) issuer: Option<String>,

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
    #[arg(long, conflicts_with_all = ["audience", "now", "leeway", "max_age"])]
    pub(crate) signature_only: bool,
}

impl VerifyArgs {
    /// Returns the expected issuer: `--issuer`, or the ACS issuer.
    pub(crate) fn issuer(&self) -> &str {
        self.issuer.as_deref().unwrap_or(acs::ISSUER)
    }
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

    #[command(flatten)]
    pub(crate) fetch: FetchOptions,

    /// Expected issuer of the OpenID configuration document, with --openid-config or the
    /// default ACS document [default: https://acscallautomation.communication.azure.com]
    #[arg(long, value_name = "ISS", conflicts_with_all = ["jwks", "jwks_url"])]
    pub(crate) issuer: Option<String>,
}

impl KeysArgs {
    /// Returns the expected issuer of an OpenID configuration document: `--issuer`, or the ACS
    /// issuer.
    pub(crate) fn issuer(&self) -> &str {
        self.issuer.as_deref().unwrap_or(acs::ISSUER)
    }
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

    /// The defaults are written out in the help text, so this keeps them equal to the
    /// constants the code uses.
    #[test]
    fn help_states_acs_defaults() {
        let mut command = Cli::command();
        for name in ["verify", "keys"] {
            let subcommand = command
                .find_subcommand_mut(name)
                .expect("subcommand is declared");
            let help = subcommand.render_long_help().to_string();
            let issuer = format!("[default: {}]", acs::ISSUER);
            assert!(help.contains(&issuer), "{name}: {help}");
            assert!(
                help.contains(acs::OPENID_CONFIGURATION_URL),
                "{name}: {help}"
            );
        }
    }
}

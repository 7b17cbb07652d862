//! The `verify` subcommand: the signature and the registered claims, or with
//! `--signature-only` the JWS signature alone.

use std::time::Duration;

use acs_jwt::{Error, Header, JwkSet, UnixTime, Verifier, VerifierBuilder, acs, bearer_token, jws};
use serde::Serialize;
use serde_json::{Map, Value};

use crate::args::VerifyArgs;
use crate::input;
use crate::key_source::{self, LoadedKeys, RemoteSource, Resolved};
use crate::output::{self, Failure};
use crate::remote;
use crate::segments::{self, PayloadJson};

/// The JSON object printed for an accepted token.
#[derive(Serialize)]
struct AcceptedJson<'a> {
    valid: bool,
    kid: Option<&'a str>,
    header: Map<String, Value>,
    #[serde(flatten)]
    payload: PayloadJson,
}

/// Runs `verify`. Configuration errors are reported before the token is read, so a wrong
/// option never leaves the command waiting on standard input. A key set URL is fetched only
/// after the token was read.
pub(crate) fn run(args: &VerifyArgs, json: bool) -> Result<(), Failure> {
    if args.signature_only {
        return run_signature_only(args, json);
    }

    let verifier = build_verifier(args)?;
    let now = args.now.map_or_else(UnixTime::now, UnixTime::from_secs);
    let source = key_source::resolve(&args.key_source, &args.fetch, verifier.issuer())?;
    let input = read_input(args)?;
    let token = extract_token(args, &input)?;

    let (result, fetched_keys, remote) = match &source {
        Resolved::File(keys) => (verifier.verify(token, &keys.set, now), None, None),
        Resolved::Remote(remote) => {
            let verification = remote::verify(remote, &verifier, token, now)?;
            (verification.result, verification.keys, Some(remote))
        }
    };
    let keys = match &source {
        Resolved::File(keys) => Some(keys),
        Resolved::Remote(_) => fetched_keys.as_ref(),
    };

    let explainer = Explainer {
        args,
        keys,
        remote,
        verifier: Some(&verifier),
        now: Some(now),
    };
    let verified = result.map_err(|error| explainer.explain(&error))?;
    let kid = verified.kid();

    if json {
        output::print_json(&AcceptedJson {
            valid: true,
            kid: kid.as_deref(),
            header: header_json(token, &verified.header()),
            payload: PayloadJson::new(verified.payload()),
        });
        return Ok(());
    }

    let claims = verified.claims();
    let mut text = format!("valid: signed by {}\n", describe_key(kid.as_deref(), keys));
    if let Some(iss) = &claims.iss {
        text.push_str(&format!("iss: {iss:?}\n"));
    }
    if let Some(sub) = &claims.sub {
        text.push_str(&format!("sub: {sub:?}\n"));
    }
    if let Some(aud) = &claims.aud {
        text.push_str(&format!("aud: {}\n", quoted_list(aud)));
    }
    if let Some(exp) = claims.exp {
        let expiry = describe_expiry(exp.0, now.as_secs(), verifier.leeway_secs());
        text.push_str(&format!("exp: {expiry}\n"));
    }
    output::write_stdout(&text);
    Ok(())
}

/// Runs `verify --signature-only`: the JWS checks of [`jws::verify_compact`] and no claims.
///
/// A key set URL is fetched once, without the verifier's cache, because no claim can be
/// checked here to decide whether a refresh is worth a fetch.
fn run_signature_only(args: &VerifyArgs, json: bool) -> Result<(), Failure> {
    let source = &args.key_source;
    if args.issuer.is_some() && (source.jwks.is_some() || source.jwks_url.is_some()) {
        return Err(Failure::usage(
            "--issuer with --signature-only sets only the expected issuer of an OpenID \
             configuration document, and --jwks or --jwks-url loads none",
        )
        .with_hint("drop --issuer, or find the key set with --openid-config URL"));
    }
    let source = key_source::resolve(source, &args.fetch, args.issuer())?;
    let input = read_input(args)?;
    let token = extract_token(args, &input)?;

    let fetched_keys;
    let (keys, remote) = match &source {
        Resolved::File(keys) => (keys, None),
        Resolved::Remote(remote) => {
            fetched_keys = remote::fetch_key_set(remote, args.issuer())?;
            (&fetched_keys, Some(remote))
        }
    };

    let explainer = Explainer {
        args,
        keys: Some(keys),
        remote,
        verifier: None,
        now: None,
    };
    let verified =
        jws::verify_compact(token, &keys.set).map_err(|error| explainer.explain(&error))?;
    let kid = verified.kid();

    if json {
        output::print_json(&AcceptedJson {
            valid: true,
            kid: kid.as_deref(),
            header: header_json(token, &verified.header()),
            payload: PayloadJson::new(verified.payload()),
        });
        return Ok(());
    }

    let mut text = format!(
        "valid signature: signed by {}\n\
         no claim was checked (--signature-only): issuer, audience and expiry are unverified\n",
        describe_key(kid.as_deref(), Some(keys))
    );
    text.push_str(&segments::describe_payload(
        verified.payload(),
        "claims (not checked)",
    ));
    output::write_stdout(&text);
    Ok(())
}

fn build_verifier(args: &VerifyArgs) -> Result<Verifier, Failure> {
    let mut builder = VerifierBuilder::new(args.issuer()).leeway(Duration::from_secs(args.leeway));
    for audience in &args.audience {
        builder = builder.audience(audience.as_str());
    }
    if let Some(max_age) = args.max_age {
        builder = builder.max_age(Duration::from_secs(max_age));
    }

    builder.build().map_err(|error| {
        let failure = Failure::config(error.to_string());
        match error {
            acs_jwt::ConfigError::LeewayTooLarge { .. } => failure.with_hint(format!(
                "lower --leeway to at most {} s",
                acs_jwt::limits::MAX_LEEWAY_SECS
            )),
            acs_jwt::ConfigError::TooManyAudiences => failure.with_hint(format!(
                "pass --audience at most {} times",
                acs_jwt::limits::MAX_CONFIGURED_AUDIENCES
            )),
            acs_jwt::ConfigError::EmptyValue => {
                failure.with_hint("give --issuer and every --audience a non-empty value")
            }
            _ => failure,
        }
    })
}

/// Reads the `--authorization` value or the token, from the argument or standard input.
fn read_input(args: &VerifyArgs) -> Result<String, Failure> {
    match &args.authorization {
        Some(value) => input::argument_or_stdin(Some(value), "Authorization header value"),
        None => input::argument_or_stdin(args.token.as_deref(), "TOKEN"),
    }
}

/// Returns the compact token: `input` itself, or the token of the `--authorization` value.
fn extract_token<'a>(args: &VerifyArgs, input: &'a str) -> Result<&'a str, Failure> {
    if args.authorization.is_none() {
        return Ok(input);
    }
    bearer_token(input).map_err(|error| {
        let failure = Failure::rejected(&error);
        let has_field_name = input
            .get(..14)
            .is_some_and(|start| start.eq_ignore_ascii_case("authorization:"));
        if has_field_name {
            failure
                .with_hint("pass only the header value, without the \"Authorization:\" field name")
        } else {
            failure.with_hint("expected \"Bearer <token>\" with one space-separated token")
        }
    })
}

/// Turns a rejection into a failure with hints that point at the likely fix.
struct Explainer<'a> {
    args: &'a VerifyArgs,
    /// The key set the token was checked against, or `None` when none could be fetched.
    keys: Option<&'a LoadedKeys>,
    /// The key set URL, or `None` for a key set file.
    remote: Option<&'a RemoteSource>,
    /// `None` with `--signature-only`, where no claim is checked.
    verifier: Option<&'a Verifier>,
    /// The verification time, or `None` with `--signature-only`.
    now: Option<UnixTime>,
}

impl Explainer<'_> {
    /// Returns the expected issuer, which is also the expected issuer of an OpenID
    /// configuration document.
    fn issuer(&self) -> &str {
        self.verifier
            .map_or_else(|| self.args.issuer(), |verifier| verifier.issuer())
    }

    fn explain(&self, error: &Error) -> Failure {
        let failure = Failure::rejected(error);
        match error {
            Error::UnknownKey { kid } => self.explain_unknown_key(failure, kid.as_deref()),
            Error::KeySetUnavailable { cause } => match self.remote {
                Some(remote) => remote::unavailable(cause.as_ref(), None, remote, self.issuer()),
                None => failure,
            },
            Error::InvalidIssuer { .. } => match self.verifier {
                Some(verifier) if verifier.issuer() == acs::ISSUER => failure.with_hint(format!(
                    "expected the ACS issuer {:?}; pass --issuer ISS for tokens of another issuer",
                    acs::ISSUER
                )),
                Some(verifier) => failure.with_hint(format!("expected {:?}", verifier.issuer())),
                None => failure,
            },
            Error::InvalidAudience { .. } => match self.verifier {
                Some(verifier) => failure.with_hint(format!(
                    "accepted audiences (--audience): {}",
                    quoted_list(verifier.audiences())
                )),
                None => failure,
            },
            Error::Expired { .. } | Error::NotYetValid { .. } if self.args.now.is_none() => {
                match self.now {
                    Some(now) => failure.with_hint(format!(
                        "now {} is the system clock; pass --now UNIX_SECONDS to verify at another time",
                        now.as_secs()
                    )),
                    None => failure,
                }
            }
            _ => failure,
        }
    }

    /// Adds hints that list the usable kids and explain why the token's kid was skipped, if the
    /// key set lists it.
    fn explain_unknown_key(&self, mut failure: Failure, kid: Option<&str>) -> Failure {
        let Some(keys) = self.keys else {
            return failure;
        };
        let set = &keys.set;
        if let Some(kid) = kid {
            for skipped in set.skipped() {
                if skipped.kid.as_deref() == Some(kid) {
                    failure = failure.with_hint(format!(
                        "{} lists kid {kid:?} at index {} but skips it: {}",
                        keys.origin, skipped.index, skipped.reason
                    ));
                }
            }
        }

        if set.keys().is_empty() {
            let command = format!("acs-jwt keys {}", keys.options);
            return failure.with_hint(format!(
                "{} contains no usable keys; run `{}` to see why each entry was skipped",
                keys.origin,
                command.trim_end()
            ));
        }
        let kids: Vec<String> = set
            .keys()
            .iter()
            .map(|key| {
                key.kid()
                    .map_or_else(|| String::from("(no kid)"), |kid| format!("{kid:?}"))
            })
            .collect();
        failure.with_hint(format!(
            "usable kids in {}: {}",
            keys.origin,
            kids.join(", ")
        ))
    }
}

/// Returns the full decoded header, or the parameters the core read if serde_json rejects it.
fn header_json(token: &str, header: &Header) -> Map<String, Value> {
    segments::verified_header(token).unwrap_or_else(|| {
        let mut object = Map::new();
        object.insert(String::from("alg"), Value::from(header.alg.as_str()));
        if let Some(kid) = &header.kid {
            object.insert(String::from("kid"), Value::from(kid.as_str()));
        }
        if let Some(typ) = &header.typ {
            object.insert(String::from("typ"), Value::from(typ.as_str()));
        }
        object
    })
}

/// Names the verifying key, with its size when only one usable key of `keys` has that `kid`.
fn describe_key(key_id: Option<&str>, keys: Option<&LoadedKeys>) -> String {
    let name = match key_id {
        Some(kid) => format!("key {kid:?}"),
        None => String::from("the key set's only usable key, which has no kid"),
    };
    let Some(keys) = keys else {
        return name;
    };
    let set: &JwkSet = &keys.set;
    let mut matching = set.keys().iter().filter(|key| key.kid() == key_id);
    match (matching.next(), matching.next()) {
        (Some(key), None) => format!("{name} ({}-bit RSA)", key.modulus_bits()),
        _ => name,
    }
}

/// Describes `exp` relative to the verification time. A token past `exp` was accepted only
/// because of the leeway, so the text names the leeway.
fn describe_expiry(exp: u64, now: u64, leeway: u64) -> String {
    if exp > now {
        format!("{exp} (expires in {} s)", exp - now)
    } else {
        format!(
            "{exp} (expired {} s ago, accepted within the leeway of {leeway} s)",
            now - exp
        )
    }
}

/// Formats values as a comma-separated list of quoted strings. Quoting escapes control
/// characters, so a hostile value cannot send terminal escape sequences.
fn quoted_list(values: &[String]) -> String {
    values
        .iter()
        .map(|value| format!("{value:?}"))
        .collect::<Vec<_>>()
        .join(", ")
}

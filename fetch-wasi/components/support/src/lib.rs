//! Settings and output shared by the two example components in `fetch-wasi/components/`: the
//! webhook receiver (`wasi:http/incoming-handler`) and the command (`wasi:cli/run`).
//!
//! Everything here is plain Rust, so it builds and is tested on the host; the components add
//! only the `wasi:http` and `wasi:cli` entry points.
//!
//! | variable | default | sets |
//! | --- | --- | --- |
//! | `ACS_JWT_AUDIENCE` | none: required | the ACS resource's immutable resource id (a GUID), the only claim that binds a token to one resource |
//! | `ACS_JWT_JWKS_URL` | `https://acscallautomation.communication.azure.com/calling/keys` | the key set URL |
//! | `ACS_JWT_SNAPSHOT_PATH` | unset: no store | a file, in a directory the host preopens, that keeps the key set between instances |
//! | `ACS_JWT_FETCH_TIMEOUT_MS` | `5000` | the deadline of one fetch, in milliseconds (1 to 60000) |
//! | `ACS_JWT_INSECURE_ALLOW_LOOPBACK_HTTP` | `0` | `1` allows `http://` key set URLs on loopback addresses, for tests only |
//! | `ACS_JWT_NOW` | the wall clock | the command only: the verification time in Unix seconds, for replaying recorded tokens |

use std::fmt::{self, Write as _};
use std::path::PathBuf;
use std::time::Duration;

use acs_jwt::cache::CachePolicy;
use acs_jwt::fetch::KeyFetcher;
use acs_jwt::{Error, KeySource, UnixTime, Verifier, acs};
use acs_jwt_wasi::{
    FileSnapshotStore, MemorySnapshotStore, SnapshotStore, SnapshotVerifier, Verification,
};

/// The ACS resource id that tokens must carry as their audience.
pub const AUDIENCE_VAR: &str = "ACS_JWT_AUDIENCE";
/// The key set URL.
pub const JWKS_URL_VAR: &str = "ACS_JWT_JWKS_URL";
/// The file that keeps the key set between instances.
pub const SNAPSHOT_PATH_VAR: &str = "ACS_JWT_SNAPSHOT_PATH";
/// The fetch deadline in milliseconds.
pub const FETCH_TIMEOUT_MS_VAR: &str = "ACS_JWT_FETCH_TIMEOUT_MS";
/// `1` allows plain-HTTP key set URLs on loopback addresses.
pub const ALLOW_LOOPBACK_HTTP_VAR: &str = "ACS_JWT_INSECURE_ALLOW_LOOPBACK_HTTP";
/// The verification time of the command, in Unix seconds.
pub const NOW_VAR: &str = "ACS_JWT_NOW";

/// The maximum fetch deadline the settings accept, in milliseconds: one minute, so that a typo
/// such as an extra zero cannot hold every request for longer.
pub const MAX_FETCH_TIMEOUT_MS: u64 = 60_000;

/// A component's configuration, read from environment variables (`wasi:cli/environment`).
#[derive(Clone, Debug)]
pub struct Settings {
    /// The claims verifier for the configured ACS resource.
    pub verifier: Verifier,
    /// The key set URL.
    pub jwks_url: String,
    /// The file that keeps the key set between instances, if any.
    pub snapshot_path: Option<PathBuf>,
    /// The deadline of one fetch.
    pub fetch_timeout: Duration,
    /// Whether plain-HTTP key set URLs on loopback addresses are allowed.
    pub allow_loopback_http: bool,
}

/// An invalid or missing setting.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum SettingsError {
    /// `ACS_JWT_AUDIENCE` is not set.
    MissingAudience,
    /// `ACS_JWT_AUDIENCE` is not a GUID.
    InvalidAudience(String),
    /// `ACS_JWT_JWKS_URL` is not `https` (or loopback `http` when allowed).
    InsecureJwksUrl(String),
    /// A numeric variable is not a number in its range.
    InvalidNumber {
        /// The variable.
        name: &'static str,
        /// Its value.
        value: String,
    },
    /// A flag is not `0`, `1`, `false` or `true`.
    InvalidFlag {
        /// The variable.
        name: &'static str,
        /// Its value.
        value: String,
    },
}

impl fmt::Display for SettingsError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::MissingAudience => write!(
                f,
                "{AUDIENCE_VAR} is not set; set it to the ACS resource's immutable resource id (a GUID)"
            ),
            Self::InvalidAudience(value) => write!(
                f,
                "{AUDIENCE_VAR} {value:?} is not a GUID; use the ACS resource's immutable resource id, not its name or endpoint"
            ),
            Self::InsecureJwksUrl(value) => write!(
                f,
                "{JWKS_URL_VAR} {value:?} is not an https URL (plain http is allowed only on loopback addresses with {ALLOW_LOOPBACK_HTTP_VAR}=1)"
            ),
            Self::InvalidNumber { name, value } => {
                write!(f, "{name} {value:?} is not a number in the allowed range")
            }
            Self::InvalidFlag { name, value } => {
                write!(f, "{name} {value:?} is not one of 0, 1, false, true")
            }
        }
    }
}

impl std::error::Error for SettingsError {}

impl Settings {
    /// Reads the settings from the component's environment.
    pub fn from_env() -> Result<Self, SettingsError> {
        Self::from_lookup(|name| std::env::var(name).ok())
    }

    /// Reads the settings through `lookup`, which returns a variable's value if it is set.
    pub fn from_lookup(lookup: impl Fn(&str) -> Option<String>) -> Result<Self, SettingsError> {
        let allow_loopback_http = match lookup(ALLOW_LOOPBACK_HTTP_VAR).as_deref() {
            None | Some("" | "0" | "false") => false,
            Some("1" | "true") => true,
            Some(other) => {
                return Err(SettingsError::InvalidFlag {
                    name: ALLOW_LOOPBACK_HTTP_VAR,
                    value: other.to_owned(),
                });
            }
        };
        let audience = lookup(AUDIENCE_VAR).ok_or(SettingsError::MissingAudience)?;
        let verifier = acs::verifier(&audience)
            .map_err(|_| SettingsError::InvalidAudience(audience.clone()))?;
        let jwks_url = lookup(JWKS_URL_VAR).unwrap_or_else(|| acs::JWKS_URL.to_owned());
        if !acs_jwt::discovery::is_allowed_url(&jwks_url, allow_loopback_http) {
            return Err(SettingsError::InsecureJwksUrl(jwks_url));
        }
        let fetch_timeout = match lookup(FETCH_TIMEOUT_MS_VAR) {
            None => acs_jwt::fetch::DEFAULT_FETCH_TIMEOUT,
            Some(value) => match value.parse::<u64>() {
                Ok(ms @ 1..=MAX_FETCH_TIMEOUT_MS) => Duration::from_millis(ms),
                _ => {
                    return Err(SettingsError::InvalidNumber {
                        name: FETCH_TIMEOUT_MS_VAR,
                        value,
                    });
                }
            },
        };
        let snapshot_path = lookup(SNAPSHOT_PATH_VAR)
            .filter(|path| !path.is_empty())
            .map(PathBuf::from);
        Ok(Self {
            verifier,
            jwks_url,
            snapshot_path,
            fetch_timeout,
            allow_loopback_http,
        })
    }

    /// Builds the verifier: the key set from [`Settings::jwks_url`] through `fetcher`, cached
    /// in the file at [`Settings::snapshot_path`], or only for this instance without one.
    pub fn snapshot_verifier<F: KeyFetcher>(
        &self,
        fetcher: F,
    ) -> SnapshotVerifier<F, Box<dyn SnapshotStore>> {
        let store: Box<dyn SnapshotStore> = match &self.snapshot_path {
            Some(path) => Box::new(FileSnapshotStore::new(path)),
            None => Box::new(MemorySnapshotStore::new()),
        };
        let policy = CachePolicy {
            fetch_timeout: self.fetch_timeout,
            ..CachePolicy::default()
        };
        SnapshotVerifier::new(
            self.verifier.clone(),
            KeySource::JwksUrl(self.jwks_url.clone()),
            fetcher,
            store,
        )
        .with_policy(policy)
        .insecure_allow_loopback_http_for_tests(self.allow_loopback_http)
    }
}

/// Reads `ACS_JWT_NOW` through `lookup`: the verification time, or `None` for the wall clock.
pub fn now_override(
    lookup: impl Fn(&str) -> Option<String>,
) -> Result<Option<UnixTime>, SettingsError> {
    let Some(value) = lookup(NOW_VAR) else {
        return Ok(None);
    };
    match value.parse::<u64>() {
        Ok(secs) => Ok(Some(UnixTime::from_secs(secs))),
        Err(_) => Err(SettingsError::InvalidNumber {
            name: NOW_VAR,
            value,
        }),
    }
}

/// Writes `text` as a JSON string literal (RFC 8259 §7).
fn push_json_string(out: &mut String, text: &str) {
    out.push('"');
    for ch in text.chars() {
        match ch {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            ch if u32::from(ch) < 0x20 => {
                let _ = write!(out, "\\u{:04x}", u32::from(ch));
            }
            ch => out.push(ch),
        }
    }
    out.push('"');
}

fn push_json_optional(out: &mut String, text: Option<&str>) {
    match text {
        Some(text) => push_json_string(out, text),
        None => out.push_str("null"),
    }
}

/// Formats the command's output line for one verification: a JSON object with `verdict`
/// (`accepted` or `rejected`), `code` and `message` (`null` when accepted), `kid`, `fetches`,
/// `restored`, `saved` and `store_error`.
pub fn verification_json(verification: &Verification) -> String {
    let (verdict, code, message, kid) = match &verification.result {
        Ok(token) => ("accepted", None, None, token.kid()),
        Err(err) => ("rejected", Some(err.code()), Some(err.to_string()), None),
    };
    let mut out = String::from("{\"verdict\":");
    push_json_string(&mut out, verdict);
    out.push_str(",\"code\":");
    push_json_optional(&mut out, code);
    out.push_str(",\"message\":");
    push_json_optional(&mut out, message.as_deref());
    out.push_str(",\"kid\":");
    push_json_optional(&mut out, kid.as_deref());
    let _ = write!(
        out,
        ",\"fetches\":{},\"restored\":\"{}\",\"saved\":{},\"store_error\":",
        verification.fetches,
        verification.restored.as_str(),
        verification.saved
    );
    let store_error = verification.store_error.as_ref().map(ToString::to_string);
    push_json_optional(&mut out, store_error.as_deref());
    out.push('}');
    out
}

/// Formats the output for a configuration error: `{"verdict":"error","code":"invalid_configuration",
/// "message":...}`.
pub fn settings_error_json(err: &SettingsError) -> String {
    let mut out =
        String::from("{\"verdict\":\"error\",\"code\":\"invalid_configuration\",\"message\":");
    push_json_string(&mut out, &err.to_string());
    out.push('}');
    out
}

/// Formats one line for the component's standard error: the outcome and the cache activity, never the
/// token.
pub fn log_line(verification: &Verification) -> String {
    let mut line = match &verification.result {
        Ok(token) => format!(
            "acs-jwt-wasi: accepted kid={}",
            token.kid().unwrap_or_else(|| String::from("-"))
        ),
        Err(err) => format!("acs-jwt-wasi: rejected code={} ({err})", err.code()),
    };
    let _ = write!(
        line,
        " fetches={} restored={} saved={}",
        verification.fetches,
        verification.restored.as_str(),
        verification.saved
    );
    if let Some(err) = &verification.store_error {
        let _ = write!(line, " store_error=({err})");
    }
    line
}

/// The webhook's HTTP response.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Reply {
    /// The status code.
    pub status: u16,
    /// The `WWW-Authenticate` header value, on a 401.
    pub www_authenticate: Option<&'static str>,
    /// The JSON body.
    pub body: String,
}

/// Decides the webhook's response to a callback with these `Authorization` header values.
///
/// - 200 with `{"verdict":"accepted","code":null,"kid":...}` for a valid token;
/// - 401 with `WWW-Authenticate: Bearer` when the header is missing (RFC 6750 §3.1: no error
///   code when the request carries no credentials);
/// - 401 with `WWW-Authenticate: Bearer error="invalid_token"` for any rejected token, and
///   for a repeated or non-UTF-8 header;
/// - 503 when no key set could be obtained (`key_set_unavailable`): the fault is on this
///   side, and the same token may verify once the key endpoint responds again;
/// - 500 for invalid settings.
///
/// `verify` is called only for a single, readable header value.
pub fn webhook_reply(
    settings: &Result<Settings, SettingsError>,
    authorization: &[Vec<u8>],
    verify: impl FnOnce(&Settings, &str) -> Verification,
) -> (Reply, Option<String>) {
    let settings = match settings {
        Ok(settings) => settings,
        Err(err) => {
            let reply = Reply {
                status: 500,
                www_authenticate: None,
                body: settings_error_json(err),
            };
            return (
                reply,
                Some(format!("acs-jwt-wasi: invalid configuration: {err}")),
            );
        }
    };
    let header = match authorization {
        [] => return (rejection(None, "missing_authorization"), None),
        [value] => std::str::from_utf8(value).ok(),
        _ => None,
    };
    let Some(header) = header else {
        let code = Error::InvalidAuthorizationHeader.code();
        return (
            rejection(Some("Bearer error=\"invalid_token\""), code),
            None,
        );
    };
    let verification = verify(settings, header);
    let log = log_line(&verification);
    let reply = match &verification.result {
        Ok(token) => {
            let mut body = String::from("{\"verdict\":\"accepted\",\"code\":null,\"kid\":");
            push_json_optional(&mut body, token.kid().as_deref());
            body.push('}');
            Reply {
                status: 200,
                www_authenticate: None,
                body,
            }
        }
        Err(err @ Error::KeySetUnavailable { .. }) => Reply {
            status: 503,
            www_authenticate: None,
            body: verdict_body("rejected", err.code()),
        },
        Err(err) => rejection(Some("Bearer error=\"invalid_token\""), err.code()),
    };
    (reply, Some(log))
}

fn rejection(www_authenticate: Option<&'static str>, code: &str) -> Reply {
    Reply {
        status: 401,
        www_authenticate: Some(www_authenticate.unwrap_or("Bearer")),
        body: verdict_body("rejected", code),
    }
}

fn verdict_body(verdict: &str, code: &str) -> String {
    let mut body = String::from("{\"verdict\":");
    push_json_string(&mut body, verdict);
    body.push_str(",\"code\":");
    push_json_string(&mut body, code);
    body.push('}');
    body
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn json_strings_escape_quotes_backslashes_and_controls() {
        let text = "a\"b\\c\nd\r\te\u{1}\u{1f}é";
        let mut out = String::new();
        push_json_string(&mut out, text);
        assert_eq!(out, r#""a\"b\\c\nd\r\te\u0001\u001fé""#);
        let parsed: String = serde_json::from_str(&out).expect("valid JSON");
        assert_eq!(parsed, text);
    }
}

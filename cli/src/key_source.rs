//! Choosing the key set source from the command line: a file read at once, or a URL that is
//! checked at once and fetched when the key set is needed.

use std::fs::File;
use std::io::Read;
use std::path::Path;

use acs_jwt::limits::MAX_JWKS_BYTES;
use acs_jwt::{JwkSet, acs};
use url::Url;

use crate::args::{FetchOptions, KeySource};
use crate::output::{self, Failure};

/// A parsed key set and where it came from.
pub(crate) struct LoadedKeys {
    pub(crate) set: JwkSet,
    /// The source as the user wrote it, such as the file path, or the URL the set was
    /// fetched from, for messages.
    pub(crate) origin: String,
    /// The key source options that load this set again, for hints such as
    /// `acs-jwt keys --jwks FILE`.
    pub(crate) options: String,
}

/// A key set URL that passed [`check_url`], to be fetched through `acs-jwt-reqwest`.
pub(crate) struct RemoteSource {
    /// The URL, and whether it names the key set or an OpenID configuration document.
    pub(crate) source: acs_jwt::KeySource,
    /// Whether plain HTTP to a loopback address is allowed (`--insecure-allow-loopback-http`).
    pub(crate) allow_loopback_http: bool,
    /// The key source options that select this source again, for hints.
    pub(crate) options: String,
}

/// The key set source, after the options were checked.
pub(crate) enum Resolved {
    /// A key set file, already read and parsed.
    File(LoadedKeys),
    /// A URL, not fetched yet.
    Remote(RemoteSource),
}

/// Checks the key source options and reads a key set file. Every failure is a usage or
/// configuration error (exit status 2), and nothing is fetched yet.
///
/// Without a source option, the source is the ACS OpenID configuration document, which only
/// fits the ACS issuer, so another `issuer` without a source is a usage error.
pub(crate) fn resolve(
    source: &KeySource,
    fetch: &FetchOptions,
    issuer: &str,
) -> Result<Resolved, Failure> {
    let allow_loopback_http = fetch.insecure_allow_loopback_http;
    let (source, options) = if let Some(path) = &source.jwks {
        return load_file(path).map(Resolved::File);
    } else if let Some(url) = &source.jwks_url {
        check_url(url, "--jwks-url", allow_loopback_http)?;
        (
            acs_jwt::KeySource::JwksUrl(url.clone()),
            format!("--jwks-url {url}"),
        )
    } else if let Some(url) = &source.openid_config {
        check_url(url, "--openid-config", allow_loopback_http)?;
        (
            acs_jwt::KeySource::OpenIdConfiguration(url.clone()),
            format!("--openid-config {url}"),
        )
    } else if issuer == acs::ISSUER {
        (
            acs_jwt::KeySource::OpenIdConfiguration(String::from(acs::OPENID_CONFIGURATION_URL)),
            String::new(),
        )
    } else {
        return Err(Failure::usage(format!(
            "no key source given for issuer {issuer:?}; the default key source is the ACS \
             OpenID configuration document, which only fits the ACS issuer"
        ))
        .with_hint("pass --jwks FILE, --jwks-url URL or --openid-config URL"));
    };

    if allow_loopback_http {
        output::write_stderr(
            "warning: --insecure-allow-loopback-http is set: key sets may be fetched over plain \
             HTTP from loopback addresses; use this only for local tests\n",
        );
    }
    let options = match (allow_loopback_http, options.is_empty()) {
        (true, true) => String::from("--insecure-allow-loopback-http"),
        (true, false) => format!("{options} --insecure-allow-loopback-http"),
        (false, _) => options,
    };
    Ok(Resolved::Remote(RemoteSource {
        source,
        allow_loopback_http,
        options,
    }))
}

/// Checks a URL given with `option` before anything is sent: it must parse, and it must be
/// `https`, or with `allow_loopback_http` plain `http` to a loopback address.
///
/// The final rule is [`acs_jwt::discovery::is_allowed_url`], the one the verifier and the
/// fetcher apply, so a URL that passes here is never refused later as insecure.
pub(crate) fn check_url(url: &str, option: &str, allow_loopback_http: bool) -> Result<(), Failure> {
    let parsed = Url::parse(url).map_err(|error| {
        Failure::config(format!("{option} {url:?} is not a valid URL: {error}"))
            .with_hint("expected an absolute URL such as https://issuer.example/keys")
    })?;
    if !parsed.username().is_empty() || parsed.password().is_some() {
        return Err(Failure::config(format!(
            "{option} {url:?} contains a user name or password, which key set URLs must not"
        )));
    }

    let is_allowed = acs_jwt::discovery::is_allowed_url;
    match parsed.scheme() {
        "https" | "http" if is_allowed(url, allow_loopback_http) => Ok(()),
        "http" if allow_loopback_http => Err(Failure::config(format!(
            "{option} {url:?} is plain http to a host that is not loopback; \
             --insecure-allow-loopback-http allows http only to 127.0.0.1, localhost and [::1]"
        ))
        .with_hint("use an https URL")),
        "http" => {
            let failure = Failure::config(format!(
                "{option} {url:?} is not https; key sets are fetched only over https"
            ));
            if is_allowed(url, true) {
                Err(failure.with_hint(
                    "for a test server on this machine, add --insecure-allow-loopback-http",
                ))
            } else {
                Err(failure.with_hint("use an https URL"))
            }
        }
        "https" => Err(Failure::config(format!(
            "{option} {url:?} is not allowed: it must have a host and no whitespace"
        ))),
        scheme => Err(Failure::config(format!(
            "{option} {url:?} has the scheme {scheme:?}; key sets are fetched only over https"
        ))),
    }
}

/// Reads and parses a key set file. Every failure is a configuration error (exit status 2).
fn load_file(path: &Path) -> Result<LoadedKeys, Failure> {
    let document = read_bounded(path)?;
    let origin = path.display().to_string();
    let set = JwkSet::from_json(&document).map_err(|error| {
        Failure::config(format!("{origin}: {error}"))
            .with_hint("a key set file is a JSON Web Key Set document: {\"keys\":[...]}")
    })?;
    Ok(LoadedKeys {
        set,
        options: format!("--jwks {origin}"),
        origin,
    })
}

/// Reads at most one byte more than [`MAX_JWKS_BYTES`], so that [`JwkSet::from_json`] can
/// reject an oversized file without the whole file being read.
fn read_bounded(path: &Path) -> Result<Vec<u8>, Failure> {
    let failed = |error: std::io::Error| {
        Failure::config(format!(
            "failed to read key set file {}: {error}",
            path.display()
        ))
    };
    let file = File::open(path).map_err(failed)?;
    let limit = u64::try_from(MAX_JWKS_BYTES + 1).unwrap_or(u64::MAX);
    let mut document = Vec::new();
    file.take(limit)
        .read_to_end(&mut document)
        .map_err(failed)?;
    Ok(document)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn message(result: Result<(), Failure>) -> String {
        result
            .expect_err("the URL is rejected")
            .message()
            .to_owned()
    }

    #[test]
    fn https_url_accepted() {
        assert!(check_url("https://issuer.example/keys", "--jwks-url", false).is_ok());
        assert!(check_url("https://issuer.example/keys", "--jwks-url", true).is_ok());
    }

    #[test]
    fn loopback_http_needs_flag() {
        for url in [
            "http://127.0.0.1:8080/keys",
            "http://localhost/keys",
            "http://[::1]:8080/keys",
        ] {
            assert!(check_url(url, "--jwks-url", true).is_ok(), "{url}");
            let text = message(check_url(url, "--jwks-url", false));
            assert!(text.contains("is not https"), "{url}: {text}");
        }
    }

    #[test]
    fn remote_http_rejected_even_with_flag() {
        let text = message(check_url("http://issuer.example/keys", "--jwks-url", true));
        assert!(text.contains("not loopback"), "{text}");
    }

    #[test]
    fn malformed_url_rejected() {
        let text = message(check_url("issuer.example/keys", "--openid-config", false));
        assert!(text.contains("is not a valid URL"), "{text}");
        let text = message(check_url("https://", "--openid-config", false));
        assert!(text.contains("is not a valid URL"), "{text}");
    }

    #[test]
    fn other_scheme_rejected() {
        let text = message(check_url("ftp://127.0.0.1/keys", "--jwks-url", true));
        assert!(text.contains("scheme \"ftp\""), "{text}");
    }

    #[test]
    fn user_information_rejected() {
        let text = message(check_url(
            "https://user@issuer.example/keys",
            "--jwks-url",
            false,
        ));
        assert!(text.contains("user name or password"), "{text}");
    }
}

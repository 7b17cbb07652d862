//! Fetching key sets over HTTP through `acs-jwt-reqwest`, for `--jwks-url`, `--openid-config`
//! and the default ACS source.

use std::error::Error as _;

use acs_jwt::cache::{CachePolicy, FetchDecision, FetchFailure, KeySetCache};
use acs_jwt::discovery::{DiscoveryProblem, OpenIdConfiguration};
use acs_jwt::fetch::{FetchErrorKind, FetchRequest, KeyFetcher};
use acs_jwt::limits::MAX_DISCOVERY_BYTES;
use acs_jwt::{Error, JwkSet, KeySource, UnixTime, VerifiedToken, Verifier, acs};
use acs_jwt_reqwest::{AcsVerifier, ReqwestFetcher};

use crate::key_source::{LoadedKeys, RemoteSource};
use crate::output::Failure;

/// The result of [`verify`] and the key set it was checked against.
pub(crate) struct RemoteVerification {
    pub(crate) result: Result<VerifiedToken, Error>,
    /// The fetched key set, or `None` when no set was fetched.
    pub(crate) keys: Option<LoadedKeys>,
}

/// Verifies `token` as a server would: through an [`AcsVerifier`] with the default
/// [`CachePolicy`].
///
/// The verifier fetches the key set on first use, after the OpenID configuration document for
/// such a source. A token with an unknown `kid` fetches again only after the 30 s refresh
/// cooldown, so one run sends one key set request. A token that fails the structural checks
/// is rejected before anything is fetched.
pub(crate) fn verify(
    remote: &RemoteSource,
    verifier: &Verifier,
    token: &str,
    now: UnixTime,
) -> Result<RemoteVerification, Failure> {
    // `RemoteVerifier::verify` reads a value with a space as an `Authorization` header value.
    // The token was already taken out of `--authorization`, so a space here makes it malformed,
    // as it does with `--jwks`.
    if let Err(error) = verifier.check_structure(token) {
        return Ok(RemoteVerification {
            result: Err(error),
            keys: None,
        });
    }

    let runtime = runtime()?;
    let verifier = AcsVerifier::with_verifier(
        verifier.clone(),
        remote.source.clone(),
        CachePolicy::default(),
        fetcher(remote)?,
    );
    let result = runtime.block_on(verifier.verify_at(token, now));

    let keys = verifier.remote().export_snapshot().and_then(|snapshot| {
        let set = JwkSet::from_json(&snapshot.document).ok()?;
        Some(LoadedKeys {
            set,
            origin: snapshot.url,
            options: remote.options.clone(),
        })
    });
    Ok(RemoteVerification { result, keys })
}

/// Fetches the key set once, for `keys` and `verify --signature-only`.
///
/// The response must pass the checks of the verifier's cache (status 200, a JSON content type,
/// a valid key set), except that a set without usable keys is returned, so that `keys` can
/// show why each entry is skipped. `issuer` is the expected issuer of an OpenID configuration
/// document. A failed fetch is a [`Failure::unavailable`].
pub(crate) fn fetch_key_set(remote: &RemoteSource, issuer: &str) -> Result<LoadedKeys, Failure> {
    let runtime = runtime()?;
    let fetcher = fetcher(remote)?;
    runtime
        .block_on(fetch_once(&fetcher, remote, issuer, UnixTime::now()))
        .map_err(|(failure, url)| unavailable(Some(&failure), Some(&url), remote, issuer))
}

/// Fetches the key set with one [`KeySetCache`] fetch, after discovery when the source is an
/// OpenID configuration document. A failure comes with the URL of the request that failed.
async fn fetch_once(
    fetcher: &ReqwestFetcher,
    remote: &RemoteSource,
    issuer: &str,
    now: UnixTime,
) -> Result<LoadedKeys, (FetchFailure, String)> {
    let policy = CachePolicy::default();
    let url = match &remote.source {
        KeySource::JwksUrl(url) => url.clone(),
        KeySource::OpenIdConfiguration(url) => {
            discover(fetcher, url, issuer, remote.allow_loopback_http, &policy)
                .await
                .map_err(|failure| (failure, url.clone()))?
        }
    };

    let failed = |failure| (failure, url.clone());
    let mut cache = KeySetCache::new(policy, Some(url.clone()));
    // A new cache with a URL always starts a fetch, so the other arm is unreachable.
    let FetchDecision::Start { ticket, request } = cache.begin_fetch(now) else {
        return Err(failed(FetchFailure::Abandoned));
    };
    let response = fetcher.fetch(request).await;
    let body = response
        .as_ref()
        .map(|response| response.body.clone())
        .unwrap_or_default();

    let set = match cache.complete_fetch(ticket, now, response) {
        Ok(()) => cache.keys(now).map(|set| JwkSet::clone(&set)),
        // The cache parsed the document and found no usable entry, which `keys` still lists.
        Err(FetchFailure::NoUsableKeys) => JwkSet::from_json(&body).ok(),
        Err(failure) => return Err(failed(failure)),
    };
    let set = set.ok_or_else(|| failed(FetchFailure::NoUsableKeys))?;
    Ok(LoadedKeys {
        set,
        origin: url.clone(),
        options: remote.options.clone(),
    })
}

/// Fetches the OpenID configuration document at `url` and returns its `jwks_uri`, with the
/// same request limits and checks as [`acs_jwt::RemoteVerifier`]: status 200, an `issuer`
/// equal to `issuer` and an allowed `jwks_uri`.
async fn discover(
    fetcher: &ReqwestFetcher,
    url: &str,
    issuer: &str,
    allow_loopback_http: bool,
    policy: &CachePolicy,
) -> Result<String, FetchFailure> {
    let request = FetchRequest {
        url: url.to_owned(),
        if_none_match: None,
        max_body_bytes: policy.max_body_bytes.min(MAX_DISCOVERY_BYTES),
        timeout: policy.fetch_timeout,
    };
    let response = fetcher.fetch(request).await.map_err(FetchFailure::Fetch)?;
    if response.status != 200 {
        return Err(FetchFailure::Status(response.status));
    }
    OpenIdConfiguration::from_json(&response.body, issuer, allow_loopback_http)
        .map(|configuration| configuration.jwks_uri)
        .map_err(FetchFailure::Discovery)
}

/// Builds the failure for a key set that could not be fetched because of `cause`.
///
/// The message is the core's, followed by the underlying causes of a transport error (such
/// as "Connection refused") and, when known, the URL of the failed request. `issuer` is the
/// expected issuer of an OpenID configuration document.
pub(crate) fn unavailable(
    cause: Option<&FetchFailure>,
    url: Option<&str>,
    remote: &RemoteSource,
    issuer: &str,
) -> Failure {
    let error = Error::KeySetUnavailable {
        cause: cause.cloned(),
    };
    let mut message = error.to_string();
    if let Some(cause) = cause {
        message.push_str(&transport_causes(cause));
    }
    if let Some(url) = url {
        message.push_str(&format!(" (GET {url})"));
    }

    let mut failure_out = Failure::unavailable(message);
    if let Some(FetchFailure::Discovery(DiscoveryProblem::IssuerMismatch { found })) = cause {
        failure_out = failure_out.with_hint(format!(
            "the OpenID configuration document names the issuer {found:?}, but the expected \
             issuer is {issuer:?}; pass --issuer if tokens come from that issuer"
        ));
    }
    let source = match &remote.source {
        KeySource::JwksUrl(url) => format!("the key set at {url}"),
        KeySource::OpenIdConfiguration(url) if url == acs::OPENID_CONFIGURATION_URL => format!(
            "the ACS OpenID configuration document {url} (the default without --jwks, \
             --jwks-url or --openid-config)"
        ),
        KeySource::OpenIdConfiguration(url) => {
            format!("the OpenID configuration document {url}")
        }
    };
    failure_out.with_hint(format!("key source: {source}"))
}

/// Formats the causes below the HTTP client's error, each after ": ". The client's own
/// message is already part of the [`FetchFailure`] text, and often leaves out the operating
/// system's reason, such as a refused connection.
fn transport_causes(failure: &FetchFailure) -> String {
    let FetchFailure::Fetch(error) = failure else {
        return String::new();
    };
    if error.kind() == FetchErrorKind::InsecureUrl {
        return String::new();
    }
    let mut text = String::new();
    let mut cause = error
        .source()
        .and_then(|client_error| client_error.source());
    while let Some(current) = cause {
        text.push_str(": ");
        text.push_str(&current.to_string());
        cause = current.source();
    }
    text
}

/// Builds the single-threaded runtime that runs one command's fetches.
fn runtime() -> Result<tokio::runtime::Runtime, Failure> {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|error| Failure::config(format!("failed to start the async runtime: {error}")))
}

fn fetcher(remote: &RemoteSource) -> Result<ReqwestFetcher, Failure> {
    let fetcher = ReqwestFetcher::new()
        .map_err(|error| Failure::config(format!("failed to build the HTTP client: {error}")))?;
    Ok(fetcher.insecure_allow_loopback_http_for_tests(remote.allow_loopback_http))
}

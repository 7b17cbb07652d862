//! The [`KeyFetcher`] over `wasi:http/outgoing-handler`, built only for `wasm32-wasip2`.

use core::fmt;
use core::time::Duration;

use acs_jwt::fetch::{FetchError, FetchErrorKind, FetchRequest, FetchResponse, KeyFetcher};
use wasip2::clocks::monotonic_clock;
use wasip2::http::outgoing_handler;
use wasip2::http::types::{
    ErrorCode, Fields, FutureIncomingResponse, IncomingBody, IncomingResponse, Method,
    OutgoingRequest, RequestOptions, Scheme,
};
use wasip2::io::poll::{self, Pollable};
use wasip2::io::streams::{InputStream, StreamError};

use crate::response::{CappedBody, announced_too_large, duration_nanos, header_text};
use crate::url::split_url;

/// The `User-Agent` sent with every fetch.
pub const USER_AGENT: &str = concat!("acs-jwt-wasi/", env!("CARGO_PKG_VERSION"));

/// A [`KeyFetcher`] that sends its GET requests through the host's
/// `wasi:http/outgoing-handler`.
///
/// Each fetch blocks the component's thread on `wasi:io/poll` until the response body has been
/// read or the deadline has passed. Its future is therefore ready on the first poll, so
/// [`block_on`](crate::block_on) or any executor can drive it. The host performs the connection, TLS and
/// certificate checks; which destinations a component may reach is the host's policy.
#[derive(Clone, Debug, Default)]
pub struct WasiFetcher {
    allow_loopback_http: bool,
}

impl WasiFetcher {
    /// Creates a fetcher that accepts only `https` URLs.
    pub fn new() -> Self {
        Self::default()
    }

    /// Allows plain-HTTP URLs on loopback addresses (`localhost`, `127.0.0.0/8`, `[::1]`). For
    /// tests against local servers only.
    pub fn insecure_allow_loopback_http_for_tests(mut self, allow: bool) -> Self {
        self.allow_loopback_http = allow;
        self
    }

    fn get(&self, request: &FetchRequest) -> Result<FetchResponse, FetchError> {
        if !acs_jwt::discovery::is_allowed_url(&request.url, self.allow_loopback_http) {
            return Err(FetchError::new(FetchErrorKind::InsecureUrl));
        }
        let Some(url) = split_url(&request.url) else {
            return Err(FetchError::new(FetchErrorKind::InsecureUrl));
        };
        // One deadline for the whole exchange, from sending the request to the last body byte.
        let deadline = monotonic_clock::now().saturating_add(duration_nanos(request.timeout));

        let outgoing = build_request(request, url.https, url.authority, &url.path_with_query)?;
        let options = request_options(request.timeout);
        let pending = outgoing_handler::handle(outgoing, Some(options))
            .map_err(|code| http_error(code, "the host refused the request"))?;
        let response = wait_for_response(&pending, deadline)?;

        let headers = response.headers();
        let mut result = FetchResponse {
            status: response.status(),
            cache_control: header_text(&headers.get("cache-control")),
            expires: header_text(&headers.get("expires")),
            etag: header_text(&headers.get("etag")),
            content_type: header_text(&headers.get("content-type")),
            body: Vec::new(),
        };
        let content_length = headers.get("content-length");
        drop(headers);
        if result.status != 200 {
            // Only a 200 body is ever used, and 3xx responses are returned as they are: the
            // outgoing handler does not follow redirects.
            return Ok(result);
        }
        if announced_too_large(&content_length, request.max_body_bytes) {
            return Err(FetchError::new(FetchErrorKind::BodyTooLarge));
        }
        result.body = read_body(&response, request.max_body_bytes, deadline)?;
        Ok(result)
    }
}

impl KeyFetcher for WasiFetcher {
    async fn fetch(&self, request: FetchRequest) -> Result<FetchResponse, FetchError> {
        self.get(&request)
    }
}

/// Builds the GET request: `Accept`, `User-Agent` and, for a revalidation, `If-None-Match`.
fn build_request(
    request: &FetchRequest,
    https: bool,
    authority: &str,
    path_with_query: &str,
) -> Result<OutgoingRequest, FetchError> {
    let mut entries = vec![
        (
            String::from("accept"),
            acs_jwt::fetch::ACCEPT.as_bytes().to_vec(),
        ),
        (String::from("user-agent"), USER_AGENT.as_bytes().to_vec()),
    ];
    if let Some(etag) = &request.if_none_match {
        entries.push((String::from("if-none-match"), etag.as_bytes().to_vec()));
    }
    let headers = Fields::from_list(&entries)
        .map_err(|err| FetchError::with_source(FetchErrorKind::Transport, err))?;
    let outgoing = OutgoingRequest::new(headers);
    let scheme = if https { Scheme::Https } else { Scheme::Http };
    let parts_set = outgoing.set_method(&Method::Get).is_ok()
        && outgoing.set_scheme(Some(&scheme)).is_ok()
        && outgoing.set_authority(Some(authority)).is_ok()
        && outgoing.set_path_with_query(Some(path_with_query)).is_ok();
    if !parts_set {
        return Err(FetchError::with_source(
            FetchErrorKind::InsecureUrl,
            Message("the host rejected the URL's authority or path"),
        ));
    }
    Ok(outgoing)
}

/// Sets the connect, first-byte and between-bytes timeouts to the whole deadline. A host that
/// does not support one of them returns an error, which is ignored: the deadline below, kept
/// with `wasi:clocks/monotonic-clock`, still applies.
fn request_options(timeout: Duration) -> RequestOptions {
    let options = RequestOptions::new();
    let nanos = Some(duration_nanos(timeout));
    let _ = options.set_connect_timeout(nanos);
    let _ = options.set_first_byte_timeout(nanos);
    let _ = options.set_between_bytes_timeout(nanos);
    options
}

/// Waits until the response head arrives or `deadline` (monotonic nanoseconds) passes.
fn wait_for_response(
    pending: &FutureIncomingResponse,
    deadline: u64,
) -> Result<IncomingResponse, FetchError> {
    loop {
        match pending.get() {
            Some(Ok(Ok(response))) => return Ok(response),
            Some(Ok(Err(code))) => return Err(http_error(code, "the request failed")),
            Some(Err(())) => {
                return Err(FetchError::with_source(
                    FetchErrorKind::Transport,
                    Message("the response was already taken"),
                ));
            }
            None => {
                let ready = pending.subscribe();
                wait_until(&ready, deadline)?;
            }
        }
    }
}

/// Reads the body stream into memory, stopping at the cap and at `deadline`.
fn read_body(
    response: &IncomingResponse,
    max_body_bytes: usize,
    deadline: u64,
) -> Result<Vec<u8>, FetchError> {
    let body: IncomingBody = response.consume().map_err(|()| {
        FetchError::with_source(
            FetchErrorKind::Transport,
            Message("the response body was already taken"),
        )
    })?;
    let stream: InputStream = body.stream().map_err(|()| {
        FetchError::with_source(
            FetchErrorKind::Transport,
            Message("the response body stream was already taken"),
        )
    })?;
    let mut collected = CappedBody::new(max_body_bytes);
    let outcome = loop {
        match stream.read(collected.next_read_len()) {
            Ok(chunk) if chunk.is_empty() => {
                let ready = stream.subscribe();
                if let Err(err) = wait_until(&ready, deadline) {
                    break Err(err);
                }
            }
            Ok(chunk) => {
                if let Err(err) = collected.push(&chunk) {
                    break Err(err);
                }
            }
            Err(StreamError::Closed) => break Ok(()),
            Err(StreamError::LastOperationFailed(err)) => {
                break Err(match wasip2::http::types::http_error_code(&err) {
                    Some(code) => http_error(code, "reading the body failed"),
                    None => FetchError::with_source(
                        FetchErrorKind::Transport,
                        Text(format!(
                            "reading the body failed: {}",
                            err.to_debug_string()
                        )),
                    ),
                });
            }
        }
    };
    // The stream is a child of the body: it must go first, and the trailers are not needed.
    drop(stream);
    drop(IncomingBody::finish(body));
    outcome.map(|()| collected.into_bytes())
}

/// Blocks until `ready` is ready, or returns [`FetchErrorKind::Timeout`] once `deadline`
/// (monotonic nanoseconds) has passed.
fn wait_until(ready: &Pollable, deadline: u64) -> Result<(), FetchError> {
    let timer = monotonic_clock::subscribe_instant(deadline);
    let woken = poll::poll(&[ready, &timer]);
    if woken.contains(&0) {
        Ok(())
    } else {
        Err(FetchError::new(FetchErrorKind::Timeout))
    }
}

/// Maps a `wasi:http` error code to the fetch error kinds of the core.
fn http_error(code: ErrorCode, context: &'static str) -> FetchError {
    let kind = match &code {
        ErrorCode::DnsTimeout
        | ErrorCode::ConnectionTimeout
        | ErrorCode::ConnectionReadTimeout
        | ErrorCode::ConnectionWriteTimeout
        | ErrorCode::HttpResponseTimeout => FetchErrorKind::Timeout,
        ErrorCode::DnsError(_)
        | ErrorCode::DestinationNotFound
        | ErrorCode::DestinationUnavailable
        | ErrorCode::DestinationIpProhibited
        | ErrorCode::DestinationIpUnroutable
        | ErrorCode::ConnectionRefused
        | ErrorCode::ConnectionLimitReached
        | ErrorCode::TlsProtocolError
        | ErrorCode::TlsCertificateError
        | ErrorCode::TlsAlertReceived(_)
        | ErrorCode::HttpRequestDenied => FetchErrorKind::Connect,
        ErrorCode::HttpResponseBodySize(_) => FetchErrorKind::BodyTooLarge,
        _ => FetchErrorKind::Transport,
    };
    FetchError::with_source(kind, Text(format!("{context}: {code}")))
}

/// A fixed error message, as the source of a [`FetchError`].
#[derive(Debug)]
struct Message(&'static str);

impl fmt::Display for Message {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.0)
    }
}

impl std::error::Error for Message {}

/// A formatted error message, as the source of a [`FetchError`].
#[derive(Debug)]
struct Text(String);

impl fmt::Display for Text {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for Text {}

//! The JOSE protected header (RFC 7515 §4).

use alloc::borrow::Cow;
use alloc::string::String;

use crate::error::{Error, Malformed};
use crate::json::{self, Kind, Members};
use crate::limits::{MAX_HEADER_PARAMETERS, MAX_KID_BYTES};

/// A signature algorithm this crate verifies.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Algorithm {
    /// RSASSA-PKCS1-v1_5 with SHA-256 (RFC 7518 §3.3).
    Rs256,
}

impl Algorithm {
    /// Returns the JOSE name of the algorithm, such as `"RS256"`.
    pub fn name(self) -> &'static str {
        match self {
            Self::Rs256 => "RS256",
        }
    }
}

/// The parsed protected header of a token.
///
/// Only the parameters this crate acts on are extracted. `jku`, `jwk`, `x5u` and `x5c` are
/// never used as key sources: keys come only from the key set the caller provides.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Header {
    /// The `alg` parameter as written in the token.
    pub alg: String,
    /// The `kid` parameter after JSON unescaping.
    pub kid: Option<String>,
    /// The `typ` parameter after JSON unescaping.
    pub typ: Option<String>,
}

/// Header parameter names whose presence changes how a token must be processed. A verifier
/// that does not implement them must reject the token (RFC 7515 §4.1.11, RFC 7797 §3,
/// RFC 7516 §4.1.3).
const PROCESSING_PARAMETERS: [&str; 3] = ["crit", "b64", "zip"];

/// The header parameters this crate acts on, borrowed from the decoded header, read without
/// allocating.
pub(crate) struct HeaderView<'a> {
    /// `alg`, still JSON-escaped.
    pub(crate) alg: &'a [u8],
    /// `kid`, still JSON-escaped.
    pub(crate) kid: Option<&'a [u8]>,
    /// `typ`, still JSON-escaped.
    pub(crate) typ: Option<&'a [u8]>,
    /// The first parameter found that changes processing (`crit`, `b64`, `zip`). It is
    /// rejected after the `alg` check, so that the verification order stays fixed.
    pub(crate) processing_parameter: Option<&'static str>,
}

impl<'a> HeaderView<'a> {
    /// Parses a decoded header segment. Duplicate parameter names are rejected (RFC 7515 §4),
    /// and so are headers with more than [`MAX_HEADER_PARAMETERS`] parameters.
    pub(crate) fn parse(decoded: &'a [u8]) -> Result<Self, Error> {
        let malformed = |problem| {
            Error::MalformedToken(Malformed::Json {
                segment: "header",
                problem,
            })
        };
        json::validate_object(decoded).map_err(malformed)?;

        let mut names: [&[u8]; MAX_HEADER_PARAMETERS] = [&[]; MAX_HEADER_PARAMETERS];
        let mut count = 0;
        let mut alg = None;
        let mut kid = None;
        let mut typ = None;
        let mut processing = None;
        for member in Members::of_document(decoded).map_err(malformed)? {
            let (name, value) = member.map_err(malformed)?;
            let Some(slot) = names.get_mut(count) else {
                return Err(Error::MalformedToken(Malformed::TooManyHeaderParameters));
            };
            *slot = name;
            count += 1;
            if json::name_is(name, "alg") {
                alg = Some(string_parameter(&value, "alg")?);
            } else if json::name_is(name, "kid") {
                let raw = string_parameter(&value, "kid")?;
                // The escaped form is never shorter than the unescaped text.
                if raw.len() > MAX_KID_BYTES && unescaped_len(raw) > MAX_KID_BYTES {
                    return Err(Error::MalformedToken(Malformed::KidTooLong));
                }
                kid = Some(raw);
            } else if json::name_is(name, "typ") {
                typ = Some(string_parameter(&value, "typ")?);
            } else if processing.is_none() {
                processing = PROCESSING_PARAMETERS
                    .into_iter()
                    .find(|known| json::name_is(name, known));
            }
        }
        reject_duplicate_names(&names[..count])?;
        let alg = alg.ok_or(Error::MalformedToken(Malformed::MissingAlgorithm))?;
        Ok(Self {
            alg,
            kid,
            typ,
            processing_parameter: processing,
        })
    }

    /// Returns the unescaped `kid`; allocates only when it contains escapes.
    pub(crate) fn kid(&self) -> Result<Option<Cow<'a, str>>, Error> {
        self.kid.map(unescape_parameter).transpose()
    }

    /// Builds the owned [`Header`].
    pub(crate) fn to_header(&self) -> Result<Header, Error> {
        Ok(Header {
            alg: unescape_parameter(self.alg)?.into_owned(),
            kid: self.kid()?.map(Cow::into_owned),
            typ: self
                .typ
                .map(unescape_parameter)
                .transpose()?
                .map(Cow::into_owned),
        })
    }
}

#[cfg(test)]
impl Header {
    /// Parses a decoded header segment; see [`HeaderView::parse`].
    pub(crate) fn parse(decoded: &[u8]) -> Result<Self, Error> {
        HeaderView::parse(decoded)?.to_header()
    }
}

fn unescape_parameter(raw: &[u8]) -> Result<Cow<'_, str>, Error> {
    json::unescape(raw).map_err(|problem| {
        Error::MalformedToken(Malformed::Json {
            segment: "header",
            problem,
        })
    })
}

fn unescaped_len(raw: &[u8]) -> usize {
    json::unescape(raw).map_or(usize::MAX, |text| text.len())
}

/// Returns the contents (without quotes) of a string parameter.
fn string_parameter<'a>(value: &json::Value<'a>, name: &'static str) -> Result<&'a [u8], Error> {
    if value.kind != Kind::String {
        return Err(Error::MalformedToken(Malformed::WrongType { name }));
    }
    Ok(&value.raw[1..value.raw.len() - 1])
}

/// Rejects a header in which two parameter names are equal after unescaping.
fn reject_duplicate_names(names: &[&[u8]]) -> Result<(), Error> {
    for (index, name) in names.iter().enumerate() {
        for other in &names[index + 1..] {
            let equal = if name.contains(&b'\\') || other.contains(&b'\\') {
                matches!(json::unescape(name), Ok(text) if json::string_equals(other, &text))
            } else {
                name == other
            };
            if equal {
                return Err(Error::MalformedToken(Malformed::DuplicateMember {
                    name: "header",
                }));
            }
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_acs_header() {
        let header = Header::parse(br#"{"alg":"RS256","kid":"k1","typ":"JWT","x5t":"abc"}"#)
            .expect("valid header");
        assert_eq!(header.alg, "RS256");
        assert_eq!(header.kid.as_deref(), Some("k1"));
        assert_eq!(header.typ.as_deref(), Some("JWT"));
    }

    #[test]
    fn unescapes_kid() {
        let header = Header::parse(br#"{"alg":"RS256","kid":"a\/b\u00e9"}"#).expect("valid");
        assert_eq!(header.kid.as_deref(), Some("a/bé"));
    }

    #[test]
    fn rejects_duplicates_even_when_escaped() {
        let err = Header::parse(br#"{"alg":"RS256","\u0061lg":"none"}"#).unwrap_err();
        assert_eq!(err.code(), "malformed_token");
        let err = Header::parse(br#"{"alg":"RS256","alg":"RS256"}"#).unwrap_err();
        assert_eq!(err.code(), "malformed_token");
    }

    #[test]
    fn records_processing_parameters() {
        for (doc, name) in [
            (&br#"{"alg":"RS256","crit":[]}"#[..], "crit"),
            (br#"{"alg":"RS256","crit":["exp"],"exp":1}"#, "crit"),
            (br#"{"alg":"RS256","b64":false}"#, "b64"),
            (br#"{"alg":"RS256","zip":"DEF"}"#, "zip"),
        ] {
            let header = HeaderView::parse(doc).expect("parses");
            assert_eq!(header.processing_parameter, Some(name), "{doc:?}");
        }
    }

    #[test]
    fn rejects_non_string_kid_and_missing_alg() {
        let err = Header::parse(br#"{"alg":"RS256","kid":5}"#).unwrap_err();
        assert_eq!(
            err,
            Error::MalformedToken(Malformed::WrongType { name: "kid" })
        );
        let err = Header::parse(br#"{"kid":"a"}"#).unwrap_err();
        assert_eq!(err, Error::MalformedToken(Malformed::MissingAlgorithm));
    }
}

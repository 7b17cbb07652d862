//! The JOSE protected header (RFC 7515 §4).

use alloc::string::String;
use alloc::vec::Vec;

use crate::error::{Error, Malformed};
use crate::json::{self, Kind, Members};
use crate::limits::MAX_KID_BYTES;

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
    /// The first parameter found that changes processing (`crit`, `b64`, `zip`). It is
    /// rejected after the `alg` check, so that the verification order stays fixed.
    pub(crate) processing_parameter: Option<&'static str>,
}

/// Header parameter names whose presence changes how a token must be processed. A verifier
/// that does not implement them must reject the token (RFC 7515 §4.1.11, RFC 7797 §3,
/// RFC 7516 §4.1.3).
const PROCESSING_PARAMETERS: [&str; 3] = ["crit", "b64", "zip"];

impl Header {
    /// Parses a decoded header segment. Duplicate parameter names are rejected (RFC 7515 §4).
    pub(crate) fn parse(decoded: &[u8]) -> Result<Self, Error> {
        let malformed = |problem| {
            Error::MalformedToken(Malformed::Json {
                segment: "header",
                problem,
            })
        };
        json::validate_object(decoded).map_err(malformed)?;

        let mut names: Vec<&[u8]> = Vec::new();
        let mut alg = None;
        let mut kid = None;
        let mut typ = None;
        let mut processing = None;
        for member in Members::of_document(decoded).map_err(malformed)? {
            let (name, value) = member.map_err(malformed)?;
            names.push(name);
            if json::name_is(name, "alg") {
                alg = Some(string_parameter(&value, "alg")?);
            } else if json::name_is(name, "kid") {
                let text = string_parameter(&value, "kid")?;
                if text.len() > MAX_KID_BYTES {
                    return Err(Error::MalformedToken(Malformed::KidTooLong));
                }
                kid = Some(text);
            } else if json::name_is(name, "typ") {
                typ = Some(string_parameter(&value, "typ")?);
            } else if processing.is_none() {
                processing = PROCESSING_PARAMETERS
                    .into_iter()
                    .find(|known| json::name_is(name, known));
            }
        }
        reject_duplicate_names(&mut names)?;
        let alg = alg.ok_or(Error::MalformedToken(Malformed::MissingAlgorithm))?;
        Ok(Self {
            alg,
            kid,
            typ,
            processing_parameter: processing,
        })
    }
}

fn string_parameter(value: &json::Value<'_>, name: &'static str) -> Result<String, Error> {
    if value.kind != Kind::String {
        return Err(Error::MalformedToken(Malformed::WrongType { name }));
    }
    match json::string_value(value) {
        Some(Ok(text)) => Ok(text.into_owned()),
        _ => Err(Error::MalformedToken(Malformed::WrongType { name })),
    }
}

/// Rejects a header in which two parameter names are equal after unescaping.
fn reject_duplicate_names(names: &mut [&[u8]]) -> Result<(), Error> {
    let duplicate = Error::MalformedToken(Malformed::DuplicateMember { name: "header" });
    if names.iter().any(|name| name.contains(&b'\\')) {
        // Rare: compare the unescaped forms.
        let mut unescaped: Vec<String> = Vec::with_capacity(names.len());
        for name in names.iter() {
            let text = json::unescape(name).map_err(|problem| {
                Error::MalformedToken(Malformed::Json {
                    segment: "header",
                    problem,
                })
            })?;
            unescaped.push(text.into_owned());
        }
        unescaped.sort_unstable();
        if unescaped.windows(2).any(|pair| pair[0] == pair[1]) {
            return Err(duplicate);
        }
        return Ok(());
    }
    names.sort_unstable();
    if names.windows(2).any(|pair| pair[0] == pair[1]) {
        return Err(duplicate);
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
            let header = Header::parse(doc).expect("parses");
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

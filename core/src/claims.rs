//! The registered claims of a JWT (RFC 7519 §4.1).

use alloc::borrow::Cow;
use alloc::string::String;
use alloc::vec::Vec;

use crate::error::{Error, Malformed};
use crate::json::{self, Kind, Members, Value};

/// A NumericDate (RFC 7519 §2): seconds since the Unix epoch.
///
/// The JSON value may be an integer or have a fraction; a fraction is rounded up, which keeps
/// every comparison with a whole-second `now` exact. Values beyond `u64::MAX` saturate.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct NumericDate(pub u64);

/// The registered claims of a verified token, after JSON unescaping.
///
/// Other claims stay in the payload bytes; see [`crate::VerifiedToken::payload`].
#[derive(Clone, Debug, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct Claims {
    /// `iss`: the issuer.
    pub iss: Option<String>,
    /// `sub`: the subject.
    pub sub: Option<String>,
    /// `aud`: the audiences; a single string is read as a one-element list.
    pub aud: Option<Vec<String>>,
    /// `exp`: the expiration time.
    pub exp: Option<NumericDate>,
    /// `nbf`: the time before which the token must not be accepted.
    pub nbf: Option<NumericDate>,
    /// `iat`: the time the token was issued.
    pub iat: Option<NumericDate>,
    /// `jti`: the token identifier.
    pub jti: Option<String>,
}

const REGISTERED: [&str; 7] = ["iss", "sub", "aud", "exp", "nbf", "iat", "jti"];

/// The registered claims borrowed from a decoded payload, read without allocating. String
/// values stay JSON-escaped; `aud` is a validated string or array of strings.
#[derive(Default)]
pub(crate) struct RawClaims<'a> {
    pub(crate) iss: Option<&'a [u8]>,
    pub(crate) sub: Option<&'a [u8]>,
    pub(crate) aud: Option<Value<'a>>,
    pub(crate) exp: Option<NumericDate>,
    pub(crate) nbf: Option<NumericDate>,
    pub(crate) iat: Option<NumericDate>,
    pub(crate) jti: Option<&'a [u8]>,
}

impl<'a> RawClaims<'a> {
    /// Parses the registered claims of a decoded payload.
    ///
    /// The payload must be a strict JSON object; a registered claim that appears twice or has
    /// the wrong type is rejected. Unknown claims are ignored.
    pub(crate) fn parse(payload: &'a [u8]) -> Result<Self, Error> {
        let malformed = |problem| {
            Error::MalformedToken(Malformed::Json {
                segment: "payload",
                problem,
            })
        };
        json::validate_object(payload).map_err(malformed)?;

        let mut claims = Self::default();
        let mut seen = [false; REGISTERED.len()];
        for member in Members::of_document(payload).map_err(malformed)? {
            let (name, value) = member.map_err(malformed)?;
            let Some(index) = REGISTERED
                .iter()
                .position(|known| json::name_is(name, known))
            else {
                continue;
            };
            let claim = REGISTERED[index];
            if seen[index] {
                return Err(Error::MalformedToken(Malformed::DuplicateMember {
                    name: claim,
                }));
            }
            seen[index] = true;
            match claim {
                "iss" => claims.iss = Some(string_claim(&value, claim)?),
                "sub" => claims.sub = Some(string_claim(&value, claim)?),
                "jti" => claims.jti = Some(string_claim(&value, claim)?),
                "aud" => claims.aud = Some(audience_claim(value)?),
                "exp" => claims.exp = Some(date_claim(&value, claim)?),
                "nbf" => claims.nbf = Some(date_claim(&value, claim)?),
                _ => claims.iat = Some(date_claim(&value, claim)?),
            }
        }
        Ok(claims)
    }

    /// Calls `visit` with each raw `aud` value until it returns `true`; returns whether it did.
    pub(crate) fn any_audience(&self, mut visit: impl FnMut(&[u8]) -> bool) -> bool {
        let Some(aud) = self.aud else {
            return false;
        };
        if aud.kind == Kind::String {
            return visit(inner(&aud));
        }
        Members::new(aud).any(|element| match element {
            Ok((_, element)) => visit(inner(&element)),
            Err(_) => false,
        })
    }

    /// Builds the owned [`Claims`].
    pub(crate) fn to_claims(&self) -> Result<Claims, Error> {
        let text = |raw: Option<&[u8]>, name: &'static str| -> Result<Option<String>, Error> {
            raw.map(|raw| {
                json::unescape(raw)
                    .map(Cow::into_owned)
                    .map_err(|_| wrong_type(name))
            })
            .transpose()
        };
        let aud = match self.aud {
            None => None,
            Some(_) => {
                let mut audiences = Vec::new();
                let mut failed = false;
                self.any_audience(|raw| {
                    match json::unescape(raw) {
                        Ok(text) => audiences.push(text.into_owned()),
                        Err(_) => failed = true,
                    }
                    false
                });
                if failed {
                    return Err(wrong_type("aud"));
                }
                Some(audiences)
            }
        };
        Ok(Claims {
            iss: text(self.iss, "iss")?,
            sub: text(self.sub, "sub")?,
            aud,
            exp: self.exp,
            nbf: self.nbf,
            iat: self.iat,
            jti: text(self.jti, "jti")?,
        })
    }
}

impl Claims {
    /// Parses the registered claims of a decoded payload.
    ///
    /// The payload must be a strict JSON object; a registered claim that appears twice or has
    /// the wrong type is rejected. Unknown claims are ignored.
    pub fn parse(payload: &[u8]) -> Result<Self, Error> {
        RawClaims::parse(payload)?.to_claims()
    }
}

fn wrong_type(name: &'static str) -> Error {
    Error::MalformedToken(Malformed::WrongType { name })
}

/// Returns the contents of a validated string value, without its quotes.
fn inner<'a>(value: &Value<'a>) -> &'a [u8] {
    &value.raw[1..value.raw.len() - 1]
}

fn string_claim<'a>(value: &Value<'a>, name: &'static str) -> Result<&'a [u8], Error> {
    if value.kind != Kind::String {
        return Err(wrong_type(name));
    }
    Ok(inner(value))
}

fn audience_claim(value: Value<'_>) -> Result<Value<'_>, Error> {
    match value.kind {
        Kind::String => Ok(value),
        Kind::Array => {
            for element in Members::new(value) {
                let (_, element) = element.map_err(|_| wrong_type("aud"))?;
                if element.kind != Kind::String {
                    return Err(wrong_type("aud"));
                }
            }
            Ok(value)
        }
        _ => Err(wrong_type("aud")),
    }
}

fn date_claim(value: &Value<'_>, name: &'static str) -> Result<NumericDate, Error> {
    if value.kind != Kind::Number {
        return Err(wrong_type(name));
    }
    json::numeric_date(value.raw)
        .map(NumericDate)
        .ok_or(wrong_type(name))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_registered_claims() {
        let claims = Claims::parse(
            br#"{"iss":"https:\/\/issuer","aud":"a","exp":10,"nbf":1.5,"iat":1e1,"x":{"y":[]}}"#,
        )
        .expect("valid");
        assert_eq!(claims.iss.as_deref(), Some("https://issuer"));
        assert_eq!(claims.aud, Some(alloc::vec![String::from("a")]));
        assert_eq!(claims.exp, Some(NumericDate(10)));
        assert_eq!(claims.nbf, Some(NumericDate(2)));
        assert_eq!(claims.iat, Some(NumericDate(10)));
    }

    #[test]
    fn numeric_date_forms() {
        let date = |raw: &[u8]| json::numeric_date(raw);
        assert_eq!(date(b"0"), Some(0));
        assert_eq!(date(b"1767225900.5"), Some(1767225901));
        assert_eq!(date(b"1767225900.000"), Some(1767225900));
        assert_eq!(date(b"1.7e9"), Some(1_700_000_000));
        assert_eq!(date(b"17e-1"), Some(2));
        assert_eq!(date(b"18446744073709551615"), Some(u64::MAX));
        assert_eq!(date(b"18446744073709551616"), Some(u64::MAX));
        assert_eq!(date(b"1e400"), Some(u64::MAX));
        assert_eq!(date(b"1e-400"), Some(1));
        assert_eq!(date(b"0e-400"), Some(0));
        assert_eq!(date(b"-1"), None);
    }

    #[test]
    fn rejects_wrong_types() {
        for (doc, name) in [
            (&br#"{"exp":"10"}"#[..], "exp"),
            (br#"{"exp":true}"#, "exp"),
            (br#"{"nbf":null}"#, "nbf"),
            (br#"{"iat":-5}"#, "iat"),
            (br#"{"iss":1}"#, "iss"),
            (br#"{"aud":["a",1]}"#, "aud"),
            (br#"{"aud":{}}"#, "aud"),
        ] {
            assert_eq!(
                Claims::parse(doc),
                Err(wrong_type(name)),
                "{}",
                core::str::from_utf8(doc).unwrap_or("?")
            );
        }
    }

    #[test]
    fn rejects_duplicate_registered_claims() {
        let err = Claims::parse(br#"{"exp":1,"\u0065xp":2}"#).unwrap_err();
        assert_eq!(
            err,
            Error::MalformedToken(Malformed::DuplicateMember { name: "exp" })
        );
        assert!(Claims::parse(br#"{"x":1,"x":2}"#).is_ok());
    }
}

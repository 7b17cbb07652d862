//! A JSON Web Key Set (RFC 7517 §5) reduced to the keys that can verify RS256 tokens.

use alloc::string::String;
use alloc::vec::Vec;

use crate::error::{Error, KeySetProblem};
use crate::json::{self, Kind, Members};
use crate::jwk::{KeyRejection, PreparedKey};
use crate::limits::{MAX_JWKS_BYTES, MAX_JWKS_KEYS, MAX_KEYS_PER_KID};

/// The usable keys of a key set, each prepared once, and the entries that were skipped.
///
/// A key is usable when `kty` is `RSA`, `use` is absent or `sig`, `key_ops` is absent or
/// contains `verify`, `alg` is absent or `RS256`, the modulus has 2048 to 8192 bits and the
/// public exponent is odd and in [3, 2^33 − 1]. Other entries, including EC, OKP and
/// symmetric keys and malformed entries, are skipped and listed in [`JwkSet::skipped`].
#[derive(Clone, Debug, Default)]
pub struct JwkSet {
    keys: Vec<PreparedKey>,
    skipped: Vec<SkippedKey>,
}

/// A key set entry that was not usable.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SkippedKey {
    /// Position of the entry in the `keys` array.
    pub index: usize,
    /// The entry's `kid`, when it could be read.
    pub kid: Option<String>,
    /// Why the entry was skipped.
    pub reason: KeyRejection,
}

impl JwkSet {
    /// Parses a key set document and prepares every usable key.
    ///
    /// The document must be at most [`MAX_JWKS_BYTES`] long, strict JSON, an object with a
    /// `keys` array of at most [`MAX_JWKS_KEYS`] entries. Unusable entries are skipped.
    pub fn from_json(document: &[u8]) -> Result<Self, Error> {
        if document.len() > MAX_JWKS_BYTES {
            return Err(Error::InvalidKeySet(KeySetProblem::TooLarge));
        }
        let invalid = |problem| Error::InvalidKeySet(KeySetProblem::Json(problem));
        json::validate_object(document).map_err(invalid)?;

        let mut keys_value = None;
        for member in Members::of_document(document).map_err(invalid)? {
            let (name, value) = member.map_err(invalid)?;
            if json::name_is(name, "keys") {
                if keys_value.is_some() {
                    return Err(invalid(crate::error::JsonProblem::DuplicateName));
                }
                keys_value = Some(value);
            }
        }
        let keys_value = keys_value
            .filter(|value| value.kind == Kind::Array)
            .ok_or(Error::InvalidKeySet(KeySetProblem::MissingKeys))?;

        // Count first so that an oversized set costs no key preparation.
        let mut count = 0;
        for entry in Members::new(keys_value) {
            entry.map_err(invalid)?;
            count += 1;
            if count > MAX_JWKS_KEYS {
                return Err(Error::InvalidKeySet(KeySetProblem::TooManyKeys));
            }
        }

        let mut set = Self::default();
        for (index, entry) in Members::new(keys_value).enumerate() {
            let (_, value) = entry.map_err(invalid)?;
            match PreparedKey::from_jwk(value) {
                Ok(key) => set.keys.push(key),
                Err((kid, reason)) => set.skipped.push(SkippedKey { index, kid, reason }),
            }
        }
        Ok(set)
    }

    /// Builds a set from keys prepared by the caller.
    pub fn from_keys(keys: impl IntoIterator<Item = PreparedKey>) -> Self {
        Self {
            keys: keys.into_iter().collect(),
            skipped: Vec::new(),
        }
    }

    /// The usable keys, in document order.
    pub fn keys(&self) -> &[PreparedKey] {
        &self.keys
    }

    /// The entries that were skipped, in document order.
    pub fn skipped(&self) -> &[SkippedKey] {
        &self.skipped
    }

    /// Returns `true` when a usable key has this `kid`.
    pub fn contains_kid(&self, kid: &str) -> bool {
        self.keys.iter().any(|key| key.kid() == Some(kid))
    }

    /// Selects the keys to try for a token.
    ///
    /// With a `kid`, every usable key with an equal `kid` (at most [`MAX_KEYS_PER_KID`]).
    /// Without one, the only usable key when the set holds exactly one.
    pub(crate) fn select<'a>(&'a self, kid: Option<&'a str>) -> Result<SelectedKeys<'a>, Error> {
        let unknown = || Error::UnknownKey {
            kid: kid.map(String::from),
        };
        match kid {
            Some(kid) => {
                if !self.contains_kid(kid) {
                    return Err(unknown());
                }
                Ok(SelectedKeys {
                    keys: self.keys.iter().enumerate(),
                    kid: Some(kid),
                    remaining: MAX_KEYS_PER_KID,
                })
            }
            None if self.keys.len() == 1 => Ok(SelectedKeys {
                keys: self.keys.iter().enumerate(),
                kid: None,
                remaining: 1,
            }),
            None => Err(unknown()),
        }
    }
}

/// The keys chosen for one token with their indexes in [`JwkSet::keys`], in document order.
pub(crate) struct SelectedKeys<'a> {
    keys: core::iter::Enumerate<core::slice::Iter<'a, PreparedKey>>,
    kid: Option<&'a str>,
    remaining: usize,
}

impl<'a> Iterator for SelectedKeys<'a> {
    type Item = (usize, &'a PreparedKey);

    fn next(&mut self) -> Option<Self::Item> {
        if self.remaining == 0 {
            return None;
        }
        let kid = self.kid;
        let found = self
            .keys
            .find(|(_, key)| kid.is_none() || key.kid() == kid)?;
        self.remaining -= 1;
        Some(found)
    }
}

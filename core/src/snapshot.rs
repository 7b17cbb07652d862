//! Export and import of a cached key set with its freshness data.

use alloc::format;
use alloc::string::String;
use alloc::vec::Vec;

use crate::base64url;
use crate::json::{self, Kind, Members};
use crate::verify::UnixTime;

/// A cached key set document with the data needed to decide whether it is still fresh.
///
/// Serialize it with [`Snapshot::to_bytes`] into a key-value store, a file or an environment
/// variable, and restore it with [`Snapshot::from_bytes`] in the next short-lived instance, so a
/// cold start costs no fetch while the set is fresh. The document is parsed again on import, so
/// a tampered snapshot can at worst hold keys the store's writer chose: keep it where only
/// this service can write.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Snapshot {
    /// The key set URL the document was fetched from.
    pub url: String,
    /// The key set document as received.
    pub document: Vec<u8>,
    /// When the document's lifetime runs out.
    pub expires_at: UnixTime,
    /// The `ETag` of the response, for revalidation.
    pub etag: Option<String>,
}

impl Snapshot {
    /// Serializes the snapshot as one JSON object (version 1).
    pub fn to_bytes(&self) -> Vec<u8> {
        let etag = match &self.etag {
            Some(etag) => format!("\"{}\"", base64url::encode(etag.as_bytes())),
            None => String::from("null"),
        };
        format!(
            "{{\"v\":1,\"url\":\"{}\",\"expires_at\":{},\"etag\":{},\"document\":\"{}\"}}",
            base64url::encode(self.url.as_bytes()),
            self.expires_at.as_secs(),
            etag,
            base64url::encode(&self.document),
        )
        .into_bytes()
    }

    /// Parses bytes written by [`Snapshot::to_bytes`]. Returns `None` for anything else.
    pub fn from_bytes(bytes: &[u8]) -> Option<Self> {
        // The document is at most the body cap; base64 and the other members add a little.
        if bytes.len() > crate::limits::MAX_JWKS_BYTES * 2 {
            return None;
        }
        json::validate_object(bytes).ok()?;
        let mut version = None;
        let mut url = None;
        let mut expires_at = None;
        let mut etag = None;
        let mut document = None;
        for member in Members::of_document(bytes).ok()? {
            let (name, value) = member.ok()?;
            let text = || -> Option<Vec<u8>> {
                let text = json::string_value(&value)?.ok()?;
                base64url::decode(text.as_bytes())
            };
            if json::name_is(name, "v") {
                version = Some(value.raw);
            } else if json::name_is(name, "url") {
                url = Some(String::from_utf8(text()?).ok()?);
            } else if json::name_is(name, "expires_at") {
                if value.kind != Kind::Number || value.raw.contains(&b'.') {
                    return None;
                }
                expires_at = Some(json::numeric_date(value.raw)?);
            } else if json::name_is(name, "etag") {
                etag = match value.kind {
                    Kind::Null => Some(None),
                    _ => Some(Some(String::from_utf8(text()?).ok()?)),
                };
            } else if json::name_is(name, "document") {
                document = Some(text()?);
            }
        }
        if version != Some(&b"1"[..]) {
            return None;
        }
        Some(Self {
            url: url?,
            document: document?,
            expires_at: UnixTime::from_secs(expires_at?),
            etag: etag?,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trips() {
        let snapshot = Snapshot {
            url: String::from("https://issuer.example/keys"),
            document: b"{\"keys\":[]}".to_vec(),
            expires_at: UnixTime::from_secs(1_767_229_200),
            etag: Some(String::from("W/\"abc\"")),
        };
        assert_eq!(
            Snapshot::from_bytes(&snapshot.to_bytes()),
            Some(snapshot.clone())
        );
        let without_etag = Snapshot {
            etag: None,
            ..snapshot
        };
        assert_eq!(
            Snapshot::from_bytes(&without_etag.to_bytes()),
            Some(without_etag)
        );
    }

    #[test]
    fn rejects_other_bytes() {
        assert_eq!(Snapshot::from_bytes(b""), None);
        assert_eq!(Snapshot::from_bytes(b"{}"), None);
        assert_eq!(
            Snapshot::from_bytes(br#"{"v":2,"url":"","expires_at":1,"etag":null,"document":""}"#),
            None
        );
    }
}

//! Stores that keep the key cache of short-lived instances between requests.

use std::fs;
use std::io::{self, Read, Write};
use std::path::{Path, PathBuf};
use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, Ordering};

use acs_jwt::{Snapshot, UnixTime};

/// Bytes kept between instances: a key set snapshot and the time of the last fetch.
///
/// Implement it over whatever the host offers: a file in a preopened directory
/// ([`FileSnapshotStore`]), `wasi:keyvalue`, a platform key-value store, or bytes the host
/// passes in and reads back ([`MemorySnapshotStore`]). The stored bytes decide which keys
/// verify tokens, so only this service may be able to write them.
pub trait SnapshotStore {
    /// Reads the stored bytes; `Ok(None)` when nothing is stored yet.
    fn load(&self) -> io::Result<Option<Vec<u8>>>;

    /// Replaces the stored bytes.
    fn save(&self, bytes: &[u8]) -> io::Result<()>;
}

impl<S: SnapshotStore + ?Sized> SnapshotStore for &S {
    fn load(&self) -> io::Result<Option<Vec<u8>>> {
        (**self).load()
    }

    fn save(&self, bytes: &[u8]) -> io::Result<()> {
        (**self).save(bytes)
    }
}

impl<S: SnapshotStore + ?Sized> SnapshotStore for Box<S> {
    fn load(&self) -> io::Result<Option<Vec<u8>>> {
        (**self).load()
    }

    fn save(&self, bytes: &[u8]) -> io::Result<()> {
        (**self).save(bytes)
    }
}

/// The largest record [`FileSnapshotStore::load`] reads: a snapshot is at most twice the key
/// set cap ([`Snapshot::from_bytes`] rejects more), plus the header line.
const MAX_RECORD_BYTES: u64 = 2 * acs_jwt::limits::MAX_JWKS_BYTES as u64 + 1024;

/// Keeps the record in one file, for example in a directory the host preopens for the
/// component (`wasmtime serve --dir HOST_DIR::/cache`).
///
/// [`save`](SnapshotStore::save) writes a temporary file next to the target and renames it over
/// the target, so an instance that reads concurrently gets the old or the new record, never a
/// partial one. When two instances save at once, the last rename wins; both records are valid.
#[derive(Clone, Debug)]
pub struct FileSnapshotStore {
    path: PathBuf,
}

impl FileSnapshotStore {
    /// Creates a store in the file at `path`. Its directory must exist and be writable.
    pub fn new(path: impl Into<PathBuf>) -> Self {
        Self { path: path.into() }
    }

    /// Returns the file the record is kept in.
    pub fn path(&self) -> &Path {
        &self.path
    }

    fn temporary_path(&self) -> PathBuf {
        static COUNTER: AtomicU64 = AtomicU64::new(0);
        let nanos = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |since_epoch| since_epoch.as_nanos());
        let count = COUNTER.fetch_add(1, Ordering::Relaxed);
        let mut name = self.path.file_name().unwrap_or_default().to_owned();
        name.push(format!(".{nanos}-{count}.tmp"));
        self.path.with_file_name(name)
    }
}

impl SnapshotStore for FileSnapshotStore {
    fn load(&self) -> io::Result<Option<Vec<u8>>> {
        let file = match fs::File::open(&self.path) {
            Ok(file) => file,
            Err(err) if err.kind() == io::ErrorKind::NotFound => return Ok(None),
            Err(err) => return Err(err),
        };
        let mut bytes = Vec::new();
        file.take(MAX_RECORD_BYTES + 1).read_to_end(&mut bytes)?;
        if bytes.len() as u64 > MAX_RECORD_BYTES {
            return Err(io::Error::new(
                io::ErrorKind::InvalidData,
                format!(
                    "{} is larger than {MAX_RECORD_BYTES} bytes, so it holds no key set record",
                    self.path.display()
                ),
            ));
        }
        Ok(Some(bytes))
    }

    fn save(&self, bytes: &[u8]) -> io::Result<()> {
        let temporary = self.temporary_path();
        let written = fs::File::create(&temporary)
            .and_then(|mut file| file.write_all(bytes))
            .and_then(|()| fs::rename(&temporary, &self.path));
        if written.is_err() {
            // The temporary file may or may not exist; the original error is the one to report.
            let _ = fs::remove_file(&temporary);
        }
        written
    }
}

/// Keeps the record in memory, for hosts that pass the bytes in and read them back out (an
/// argument, a request header of a trusted proxy), and for tests.
#[derive(Debug, Default)]
pub struct MemorySnapshotStore {
    bytes: Mutex<Option<Vec<u8>>>,
}

impl MemorySnapshotStore {
    /// Creates an empty store.
    pub fn new() -> Self {
        Self::default()
    }

    /// Creates a store that starts with `bytes`, as an earlier instance saved them.
    pub fn with_bytes(bytes: Vec<u8>) -> Self {
        Self {
            bytes: Mutex::new(Some(bytes)),
        }
    }

    /// Returns the stored bytes, to hand back to the host.
    pub fn bytes(&self) -> Option<Vec<u8>> {
        self.lock().clone()
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Option<Vec<u8>>> {
        // The guarded value is replaced whole, so a panic elsewhere cannot leave it half written.
        self.bytes
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }
}

impl SnapshotStore for MemorySnapshotStore {
    fn load(&self) -> io::Result<Option<Vec<u8>>> {
        Ok(self.lock().clone())
    }

    fn save(&self, bytes: &[u8]) -> io::Result<()> {
        *self.lock() = Some(bytes.to_vec());
        Ok(())
    }
}

/// The record a [`SnapshotVerifier`](crate::SnapshotVerifier) keeps in a [`SnapshotStore`].
///
/// Its bytes are one header line, `acs-jwt-wasi 1 last-fetch=<unix seconds or ->`, followed by
/// the bytes of [`Snapshot::to_bytes`], or nothing when no key set was ever fetched.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub(crate) struct StoredState {
    /// The cached key set.
    pub(crate) snapshot: Option<Snapshot>,
    /// When the last fetch started, in any instance; it starts the refresh cooldown.
    pub(crate) last_fetch_started: Option<UnixTime>,
}

const HEADER_PREFIX: &str = "acs-jwt-wasi 1 last-fetch=";

impl StoredState {
    pub(crate) fn to_bytes(&self) -> Vec<u8> {
        let last_fetch = self
            .last_fetch_started
            .map_or_else(|| String::from("-"), |time| time.as_secs().to_string());
        let mut bytes = format!("{HEADER_PREFIX}{last_fetch}\n").into_bytes();
        if let Some(snapshot) = &self.snapshot {
            bytes.extend_from_slice(&snapshot.to_bytes());
        }
        bytes
    }

    /// Parses bytes written by [`StoredState::to_bytes`]; `None` for anything else.
    pub(crate) fn from_bytes(bytes: &[u8]) -> Option<Self> {
        let newline = bytes.iter().position(|&byte| byte == b'\n')?;
        let (header, rest) = bytes.split_at(newline);
        let last_fetch = core::str::from_utf8(header)
            .ok()?
            .strip_prefix(HEADER_PREFIX)?;
        let last_fetch_started = match last_fetch {
            "-" => None,
            secs => Some(UnixTime::from_secs(secs.parse().ok()?)),
        };
        let document = &rest[1..];
        let snapshot = if document.is_empty() {
            None
        } else {
            Some(Snapshot::from_bytes(document)?)
        };
        Some(Self {
            snapshot,
            last_fetch_started,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn snapshot() -> Snapshot {
        Snapshot {
            url: String::from("https://issuer.example/keys"),
            document: br#"{"keys":[]}"#.to_vec(),
            expires_at: UnixTime::from_secs(1_767_229_200),
            etag: Some(String::from("\"v1\"")),
        }
    }

    #[test]
    fn state_round_trips() {
        for state in [
            StoredState::default(),
            StoredState {
                snapshot: Some(snapshot()),
                last_fetch_started: Some(UnixTime::from_secs(1_767_225_600)),
            },
            StoredState {
                snapshot: None,
                last_fetch_started: Some(UnixTime::from_secs(7)),
            },
        ] {
            assert_eq!(StoredState::from_bytes(&state.to_bytes()), Some(state));
        }
    }

    #[test]
    fn state_rejects_other_bytes() {
        for bytes in [
            &b""[..],
            b"acs-jwt-wasi 1 last-fetch=-",
            b"acs-jwt-wasi 2 last-fetch=-\n",
            b"acs-jwt-wasi 1 last-fetch=soon\n",
            b"acs-jwt-wasi 1 last-fetch=-\n{\"v\":1}",
            br#"{"v":1,"url":"","expires_at":1,"etag":null,"document":""}"#,
        ] {
            assert_eq!(StoredState::from_bytes(bytes), None, "{bytes:?}");
        }
    }

    #[test]
    fn file_store_round_trips_and_replaces() {
        let dir = std::env::temp_dir().join(format!("acs-jwt-wasi-store-{}", std::process::id()));
        fs::create_dir_all(&dir).expect("create a temporary directory");
        let store = FileSnapshotStore::new(dir.join("keys.state"));
        assert_eq!(store.load().expect("a missing file reads as empty"), None);

        store.save(b"first").expect("save");
        store.save(b"second").expect("save again");
        assert_eq!(store.load().expect("load"), Some(b"second".to_vec()));
        let leftovers: Vec<_> = fs::read_dir(&dir)
            .expect("list the directory")
            .filter_map(Result::ok)
            .filter(|entry| entry.file_name().to_string_lossy().ends_with(".tmp"))
            .collect();
        assert!(leftovers.is_empty(), "temporary files left: {leftovers:?}");
        fs::remove_dir_all(&dir).expect("remove the temporary directory");
    }

    #[test]
    fn file_store_refuses_oversized_files() {
        let dir = std::env::temp_dir().join(format!("acs-jwt-wasi-large-{}", std::process::id()));
        fs::create_dir_all(&dir).expect("create a temporary directory");
        let store = FileSnapshotStore::new(dir.join("keys.state"));
        fs::write(store.path(), vec![b' '; MAX_RECORD_BYTES as usize + 1]).expect("write");
        let err = store.load().expect_err("too large");
        assert_eq!(err.kind(), io::ErrorKind::InvalidData);
        fs::remove_dir_all(&dir).expect("remove the temporary directory");
    }

    #[test]
    fn save_into_a_missing_directory_fails_cleanly() {
        let store = FileSnapshotStore::new(
            std::env::temp_dir()
                .join("acs-jwt-wasi-no-such-directory")
                .join("keys.state"),
        );
        assert!(store.save(b"bytes").is_err());
    }

    #[test]
    fn memory_store_keeps_the_last_bytes() {
        let store = MemorySnapshotStore::new();
        assert_eq!(store.load().expect("load"), None);
        store.save(b"one").expect("save");
        assert_eq!(store.bytes(), Some(b"one".to_vec()));
        // Through the implementations for references and boxes.
        fn load_through(store: impl SnapshotStore) -> Option<Vec<u8>> {
            store.load().expect("load")
        }
        let seeded = MemorySnapshotStore::with_bytes(b"two".to_vec());
        assert_eq!(load_through(&seeded), Some(b"two".to_vec()));
        let boxed: Box<dyn SnapshotStore> = Box::new(seeded);
        assert_eq!(load_through(boxed), Some(b"two".to_vec()));
    }
}

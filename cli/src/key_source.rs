//! Loading the key set from the source chosen on the command line.

use std::fs::File;
use std::io::Read;
use std::path::Path;

use acs_jwt::JwkSet;
use acs_jwt::limits::MAX_JWKS_BYTES;

use crate::args::KeySource;
use crate::output::Failure;

/// A parsed key set and where it came from.
pub(crate) struct LoadedKeys {
    pub(crate) set: JwkSet,
    /// The source as the user wrote it, such as the file path, for messages.
    pub(crate) origin: String,
    /// The key source options that load this set again, for hints such as
    /// `acs-jwt keys --jwks FILE`.
    pub(crate) options: String,
}

/// Reads and parses the key set. Every failure is a configuration error (exit status 2).
pub(crate) fn load(source: &KeySource) -> Result<LoadedKeys, Failure> {
    let Some(path) = &source.jwks else {
        // The clap group makes one source required, so this is reached only if a new source
        // is added to the group without a branch here.
        return Err(Failure::usage("no key source given; pass --jwks FILE"));
    };

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

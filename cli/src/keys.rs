//! The `keys` subcommand: lists every entry of a key set and whether it is usable.

use acs_jwt::{JwkSet, KeyRejection};
use serde::Serialize;

use crate::args::KeysArgs;
use crate::key_source::{self, Resolved};
use crate::output::{self, Failure};
use crate::remote;

/// One entry of the key set's `keys` array, as printed.
#[derive(Serialize)]
struct KeyEntry<'a> {
    /// Position in the `keys` array.
    index: usize,
    kid: Option<&'a str>,
    /// Modulus size in bits, or `None` for a skipped entry unless its modulus was too small.
    bits: Option<usize>,
    /// `"usable"` or `"skipped"`.
    status: &'static str,
    /// Reason the entry was skipped, absent for a usable key.
    #[serde(skip_serializing_if = "Option::is_none")]
    reason: Option<String>,
}

/// Runs `keys`: a table, or with `json` an array of entries in document order.
///
/// A key set URL is fetched once, without the verifier's cache, and a fetched set without
/// usable keys is still listed.
pub(crate) fn run(args: &KeysArgs, json: bool) -> Result<(), Failure> {
    let keys = match key_source::resolve(&args.key_source, &args.fetch, args.issuer())? {
        Resolved::File(keys) => keys,
        Resolved::Remote(source) => remote::fetch_key_set(&source, args.issuer())?,
    };
    let entries = entries(&keys.set);

    if json {
        output::print_json(&entries);
        return Ok(());
    }

    let mut text = format!(
        "{}: {} entries, {} usable, {} skipped\n",
        keys.origin,
        entries.len(),
        keys.set.keys().len(),
        keys.set.skipped().len()
    );
    let rows: Vec<[String; 4]> = entries.iter().map(table_row).collect();
    let kid_width = rows
        .iter()
        .map(|row| row[1].chars().count())
        .chain(["kid".len()])
        .max()
        .unwrap_or_default();
    if !rows.is_empty() {
        text.push_str(&format!("index  {:kid_width$}  bits  status\n", "kid"));
    }
    for [index, kid, bits, status] in rows {
        text.push_str(&format!(
            "{index:<5}  {kid:kid_width$}  {bits:>4}  {status}\n"
        ));
    }
    output::write_stdout(&text);
    Ok(())
}

/// Merges the usable and the skipped keys back into document order.
///
/// `JwkSet::from_json` puts every entry of the `keys` array into exactly one of the two lists,
/// each in document order, and only skipped entries record their index. So an index that no
/// skipped entry claims belongs to the next usable key.
fn entries(set: &JwkSet) -> Vec<KeyEntry<'_>> {
    let total = set.keys().len() + set.skipped().len();
    let mut usable = set.keys().iter();
    let mut skipped = set.skipped().iter().peekable();
    let mut entries = Vec::with_capacity(total);

    for index in 0..total {
        let next_skipped = skipped.next_if(|entry| entry.index == index);
        if let Some(entry) = next_skipped {
            let bits = match entry.reason {
                KeyRejection::ModulusTooSmall { bits } => Some(bits),
                _ => None,
            };
            entries.push(KeyEntry {
                index,
                kid: entry.kid.as_deref(),
                bits,
                status: "skipped",
                reason: Some(entry.reason.to_string()),
            });
        } else if let Some(key) = usable.next() {
            entries.push(KeyEntry {
                index,
                kid: key.kid(),
                bits: Some(key.modulus_bits()),
                status: "usable",
                reason: None,
            });
        }
    }
    entries
}

/// Formats an entry as the cells index, kid, bits and status. The kid is quoted so that
/// control characters in a hostile key set are escaped.
fn table_row(entry: &KeyEntry<'_>) -> [String; 4] {
    let kid = entry
        .kid
        .map_or_else(|| String::from("-"), |kid| format!("{kid:?}"));
    let bits = entry
        .bits
        .map_or_else(|| String::from("-"), |bits| bits.to_string());
    let status = match &entry.reason {
        Some(reason) => format!("skipped: {reason}"),
        None => String::from(entry.status),
    };
    [entry.index.to_string(), kid, bits, status]
}

//! Which column type changes Athena still reads across a history table's partitions, and
//! the names of the history generations.
//!
//! Athena reads each partition with the partition's own column types and coerces them to the
//! table's; it fails with HIVE_PARTITION_SCHEMA_MISMATCH unless the coercion is a widening:
//! tinyint < smallint < int < bigint, float → double. Everything else (bigint → string, a
//! decimal's precision or scale, a struct's or array's element) is incompatible and starts a
//! new history generation: `<name>_history`, then `<name>_history_v2`, `_v3`, ...

use crate::catalog::types::ColumnType;

/// Suffix of a history table's name (generation 1).
pub(crate) const HISTORY_SUFFIX: &str = "_history";
/// Highest generation (its suffix `_history_v99` bounds the latest table's name length).
pub(crate) const MAX_GENERATION: u32 = 99;
/// The longest history suffix, `_history_v99`.
pub(crate) const LONGEST_HISTORY_SUFFIX: &str = "_history_v99";
/// Partition key of every history table created now: a name no source column is likely
/// to have (a source column named `export_id` collided with the legacy key).
pub(crate) const RESERVED_PARTITION_KEY: &str = "snapshot_export_id";

/// The history table of generation `generation` of latest table `latest`.
pub(crate) fn history_name(latest: &str, generation: u32) -> String {
    if generation <= 1 {
        format!("{latest}{HISTORY_SUFFIX}")
    } else {
        format!("{latest}{HISTORY_SUFFIX}_v{generation}")
    }
}

const INTEGERS: [&str; 4] = ["tinyint", "smallint", "int", "bigint"];
const FLOATS: [&str; 2] = ["float", "double"];

/// The type both `a` and `b` are read as without error (the wider of the two), `None` when
/// one cannot be read as the other.
pub(crate) fn wider(a: &str, b: &str) -> Option<String> {
    let (a, b) = (a.to_ascii_lowercase(), b.to_ascii_lowercase());
    if a == b {
        return Some(a);
    }
    for ladder in [&INTEGERS[..], &FLOATS[..]] {
        if let (Some(i), Some(j)) = (
            ladder.iter().position(|t| *t == a),
            ladder.iter().position(|t| *t == b),
        ) {
            return Some(ladder[i.max(j)].to_owned());
        }
    }
    None
}

/// One column a history generation cannot take.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Incompatible {
    /// The column.
    pub column: String,
    /// Its type in the generation (or `partition key`).
    pub from: String,
    /// Its type in this export.
    pub to: String,
}

/// The generation's columns once this export's are merged in (types widened, new columns
/// appended, removed ones kept), or the columns it cannot take: an incompatible type, or a
/// source column named like the generation's partition key.
pub(crate) fn merge(
    existing: &[(String, String)],
    partition_keys: &[String],
    columns: &[ColumnType],
) -> Result<Vec<(String, String)>, Vec<Incompatible>> {
    let mut merged = existing.to_vec();
    let mut bad = Vec::new();
    for c in columns {
        if partition_keys
            .iter()
            .any(|k| k.eq_ignore_ascii_case(&c.name))
        {
            bad.push(Incompatible {
                column: c.name.clone(),
                from: "partition key".to_owned(),
                to: c.hive_type.clone(),
            });
            continue;
        }
        match merged.iter_mut().find(|(n, _)| *n == c.name) {
            Some((_, t)) => match wider(t, &c.hive_type) {
                Some(w) => *t = w,
                None => bad.push(Incompatible {
                    column: c.name.clone(),
                    from: t.clone(),
                    to: c.hive_type.clone(),
                }),
            },
            None => merged.push((c.name.clone(), c.hive_type.clone())),
        }
    }
    if bad.is_empty() { Ok(merged) } else { Err(bad) }
}

#[cfg(test)]
mod tests;

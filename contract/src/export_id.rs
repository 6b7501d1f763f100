//! Snapshot ARNs and the deterministic export task id derived from them.
//!
//! The export task id is derived from the snapshot ARN (and the ExportOnly list) alone, so a
//! duplicated event, a re-run or a manual retry of the same snapshot maps to the same
//! export, which StartExport then adopts instead of starting a second one. It lives in the
//! contract because two programs derive it: Normalize (the export id) and the operator CLI
//! (which names a manual execution after the export it will run).

use sha2::{Digest, Sha256};

use super::{EXPORT_TASK_ID_BASE_MAX_LEN, SourceKind};

/// Hex digits of the hash at the end of every id.
const HASH_HEX_LEN: usize = 8;
/// Prefix added when the snapshot id does not start with a letter.
const LETTER_PREFIX: &str = "snap";

/// The parts of a snapshot ARN the pipeline uses.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SnapshotArn {
    /// Instance or cluster snapshot.
    pub kind: SourceKind,
    /// The snapshot identifier (may contain `:`, e.g. `rds:orders-2026-11-24-03-10`).
    pub snapshot_id: String,
    /// The account that owns the snapshot.
    pub account: String,
    /// The snapshot's Region.
    pub region: String,
}

/// A string that is not an RDS snapshot ARN, and why.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error(
    "{arn:?} is not an RDS snapshot ARN ({why}); expected \
     arn:aws:rds:<region>:<account>:snapshot:<id> or ...:cluster-snapshot:<id>"
)]
pub struct SnapshotArnError {
    /// The rejected text.
    pub arn: String,
    /// What is wrong with it.
    pub why: &'static str,
}

/// Parses `arn:<partition>:rds:<region>:<account>:snapshot|cluster-snapshot:<id>`.
pub fn parse_snapshot_arn(arn: &str) -> Result<SnapshotArn, SnapshotArnError> {
    let bad = |why| SnapshotArnError {
        arn: arn.to_owned(),
        why,
    };
    let parts: Vec<&str> = arn.splitn(7, ':').collect();
    let [
        prefix,
        partition,
        service,
        region,
        account,
        resource_type,
        id,
    ] = parts.as_slice()
    else {
        return Err(bad("too few ':'-separated parts"));
    };
    if *prefix != "arn" || partition.is_empty() {
        return Err(bad("it does not start with arn:<partition>:"));
    }
    if *service != "rds" {
        return Err(bad("the service is not rds"));
    }
    if region.is_empty() || account.is_empty() {
        return Err(bad("the region or account is empty"));
    }
    let kind = match *resource_type {
        "snapshot" => SourceKind::DbSnapshot,
        "cluster-snapshot" => SourceKind::ClusterSnapshot,
        _ => {
            return Err(bad(
                "the resource type is neither snapshot nor cluster-snapshot",
            ));
        }
    };
    if id.is_empty() || id.chars().any(char::is_control) {
        return Err(bad("the snapshot id is empty or has control characters"));
    }
    Ok(SnapshotArn {
        kind,
        snapshot_id: (*id).to_owned(),
        account: (*account).to_owned(),
        region: (*region).to_owned(),
    })
}

/// The deterministic base export task id of a snapshot (and ExportOnly list).
///
/// A readable slug of the snapshot id plus `-` and 8 hex digits of a SHA-256 over the ARN
/// and the sorted ExportOnly list: letter first, only `[a-z0-9-]`, no `--`, no trailing
/// `-`, at most [`EXPORT_TASK_ID_BASE_MAX_LEN`] characters. The hash keeps ids of
/// snapshots whose slugs collide (truncation, punctuation) apart.
pub fn export_task_id(snapshot_arn: &str, snapshot_id: &str, export_only: &[String]) -> String {
    let mut hasher = Sha256::new();
    hasher.update(snapshot_arn.as_bytes());
    if !export_only.is_empty() {
        let mut sorted: Vec<&str> = export_only.iter().map(String::as_str).collect();
        sorted.sort_unstable();
        sorted.dedup();
        hasher.update(b"\nexport-only:");
        hasher.update(sorted.join(",").as_bytes());
    }
    let hash: String = hasher
        .finalize()
        .iter()
        .take(HASH_HEX_LEN / 2)
        .map(|b| format!("{b:02x}"))
        .collect();

    let mut slug = slugify(snapshot_id);
    if !slug.starts_with(|c: char| c.is_ascii_alphabetic()) {
        slug = if slug.is_empty() {
            LETTER_PREFIX.to_owned()
        } else {
            format!("{LETTER_PREFIX}-{slug}")
        };
    }
    slug.truncate(EXPORT_TASK_ID_BASE_MAX_LEN - HASH_HEX_LEN - 1); // ASCII: any index is a boundary.
    let slug = slug.trim_end_matches('-');
    format!("{slug}-{hash}")
}

/// Lower-case ASCII letters and digits, every other run of characters one `-`, no `-` at
/// either end.
fn slugify(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        if c.is_ascii_alphanumeric() {
            out.push(c.to_ascii_lowercase());
        } else if !out.is_empty() && !out.ends_with('-') {
            out.push('-');
        }
    }
    out.trim_end_matches('-').to_owned()
}

/// The id of attempt `attempt` (1-based): the base id, then `<base>-r<N>`.
pub fn attempt_id(base: &str, attempt: u32) -> String {
    if attempt <= 1 {
        base.to_owned()
    } else {
        format!("{base}-r{attempt}")
    }
}

/// Whether `id` is a valid export task id of at most `max_len` characters: starts with a
/// letter; only ASCII letters, digits and hyphens; no `--`; no trailing `-`.
pub fn is_valid_export_task_id(id: &str, max_len: usize) -> bool {
    !id.is_empty()
        && id.len() <= max_len
        && id.starts_with(|c: char| c.is_ascii_alphabetic())
        && id.chars().all(|c| c.is_ascii_alphanumeric() || c == '-')
        && !id.contains("--")
        && !id.ends_with('-')
}

#[cfg(test)]
mod tests;

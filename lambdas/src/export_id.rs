//! Snapshot ARNs and export task ids.
//!
//! The export task id is derived from the snapshot ARN (and the ExportOnly list) alone,
//! so a duplicated event, a re-run or a manual retry of the same snapshot maps to the same
//! export, which StartExport then adopts instead of starting a second one.

use sha2::{Digest, Sha256};
use state_machine::contract::{EXPORT_TASK_ID_BASE_MAX_LEN, EXPORT_TASK_ID_MAX_LEN, SourceKind};

use crate::error::TaskError;

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

/// Parses `arn:<partition>:rds:<region>:<account>:snapshot|cluster-snapshot:<id>`.
pub fn parse_snapshot_arn(arn: &str) -> Result<SnapshotArn, TaskError> {
    let bad = |why: &str| {
        TaskError::InvalidInput(format!(
            "snapshot_arn {arn:?} is not an RDS snapshot ARN ({why}); expected \
             arn:aws:rds:<region>:<account>:snapshot:<id> or ...:cluster-snapshot:<id>"
        ))
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
    let digest = hasher.finalize();
    let hash: String = digest
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
    let max_slug = EXPORT_TASK_ID_BASE_MAX_LEN - HASH_HEX_LEN - 1;
    slug.truncate(max_slug); // ASCII only, so any byte index is a char boundary.
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

/// Checks a base export task id taken from the input (StartExport, RewriteAcl).
pub fn check_base_id(id: &str) -> Result<(), TaskError> {
    if is_valid_export_task_id(id, EXPORT_TASK_ID_BASE_MAX_LEN) {
        Ok(())
    } else {
        Err(TaskError::InvalidInput(format!(
            "job.export_task_id {id:?} is not a valid export task id (letter first, only \
             letters, digits and single hyphens, at most {EXPORT_TASK_ID_BASE_MAX_LEN} chars)"
        )))
    }
}

/// Checks an attempt's export task id taken from the input (CheckExport, RewriteAcl).
pub fn check_attempt_id(id: &str) -> Result<(), TaskError> {
    if is_valid_export_task_id(id, EXPORT_TASK_ID_MAX_LEN) {
        Ok(())
    } else {
        Err(TaskError::InvalidInput(format!(
            "export.export_task_id {id:?} is not a valid export task id (letter first, only \
             letters, digits and single hyphens, at most {EXPORT_TASK_ID_MAX_LEN} chars)"
        )))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use state_machine::contract::MAX_EXPORT_ATTEMPTS;

    const ARN: &str = "arn:aws:rds:eu-west-1:111122223333:snapshot:rds:orders-2026-11-24-03-10";

    #[test]
    fn parses_instance_and_cluster_arns() {
        let a = parse_snapshot_arn(ARN).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(a.kind, SourceKind::DbSnapshot);
        assert_eq!(a.snapshot_id, "rds:orders-2026-11-24-03-10");
        assert_eq!(a.account, "111122223333");
        assert_eq!(a.region, "eu-west-1");
        let c = parse_snapshot_arn("arn:aws:rds:us-east-1:1:cluster-snapshot:awsbackup:job-1")
            .unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(c.kind, SourceKind::ClusterSnapshot);
        assert_eq!(c.snapshot_id, "awsbackup:job-1");
    }

    #[test]
    fn rejects_other_arns() {
        for bad in [
            "",
            "snapshot",
            "arn:aws:s3:::bucket",
            "arn:aws:rds:us-east-1:1:db:orders",
            "arn:aws:rds:us-east-1:1:snapshot:",
            "arn:aws:rds::1:snapshot:x",
            "arn:aws:rds:us-east-1:1:cluster:x",
        ] {
            let e = parse_snapshot_arn(bad)
                .err()
                .unwrap_or_else(|| panic!("accepted {bad:?}"));
            assert_eq!(e.name(), "InvalidInput");
            assert!(e.to_string().contains("snapshot_arn"), "{e}");
        }
    }

    #[test]
    fn readable_and_stable() {
        let id = export_task_id(ARN, "rds:orders-2026-11-24-03-10", &[]);
        assert!(id.starts_with("rds-orders-2026-11-24-03-10-"), "{id}");
        assert_eq!(id, export_task_id(ARN, "rds:orders-2026-11-24-03-10", &[]));
        assert_eq!(id.len(), "rds-orders-2026-11-24-03-10-".len() + 8);
    }

    #[test]
    fn export_only_changes_the_id_but_not_its_order() {
        let base = export_task_id(ARN, "s", &[]);
        let a = export_task_id(ARN, "s", &["db.a".into(), "db.b".into()]);
        let b = export_task_id(ARN, "s", &["db.b".into(), "db.a".into()]);
        assert_ne!(base, a);
        assert_eq!(a, b);
    }

    #[test]
    fn digits_first_get_a_letter_prefix() {
        assert!(export_task_id(ARN, "2026-snap", &[]).starts_with("snap-2026-snap-"));
        assert!(export_task_id(ARN, "::", &[]).starts_with("snap-"));
    }

    #[test]
    fn attempt_ids() {
        assert_eq!(attempt_id("a-1", 1), "a-1");
        assert_eq!(attempt_id("a-1", 2), "a-1-r2");
    }

    proptest! {
        #[test]
        fn ids_are_always_valid(
            id in prop_oneof![
                "\\PC{0,200}",
                "rds:[a-z0-9-]{0,80}",
                "awsbackup:job-[A-F0-9-]{0,80}",
                "[0-9][a-z0-9-]{0,70}",
                "[a-z]{1,10}--+[a-z-]{0,60}",
                "[-:_ .]{0,10}[\\u{80}-\\u{10FFFF}]{0,30}",
            ],
            export_only in proptest::collection::vec("[a-z_.]{1,20}", 0..4),
        ) {
            let arn = format!("arn:aws:rds:us-east-1:1:snapshot:{id}");
            let base = export_task_id(&arn, &id, &export_only);
            prop_assert!(is_valid_export_task_id(&base, EXPORT_TASK_ID_BASE_MAX_LEN), "{base:?}");
            let last = attempt_id(&base, MAX_EXPORT_ATTEMPTS);
            prop_assert!(is_valid_export_task_id(&last, EXPORT_TASK_ID_MAX_LEN), "{last:?}");
            prop_assert!(check_base_id(&base).is_ok());
        }

        #[test]
        fn validity_check_rejects_bad_ids(id in prop_oneof![
            "[a-z]{1,5}--[a-z]{0,5}",
            "[a-z]{1,5}-",
            "[a-z]{0,5}[^a-zA-Z0-9-][a-z]{0,5}",
            "[0-9-][a-z]{0,5}",
        ]) {
            prop_assert!(!is_valid_export_task_id(&id, EXPORT_TASK_ID_MAX_LEN));
        }
    }

    #[test]
    fn validity_check_examples() {
        assert!(is_valid_export_task_id("a", 60));
        assert!(!is_valid_export_task_id("", 60));
        assert!(!is_valid_export_task_id("1a", 60));
        assert!(!is_valid_export_task_id("a-", 60));
        assert!(!is_valid_export_task_id("a--b", 60));
        assert!(!is_valid_export_task_id("a/b", 60));
        assert!(!is_valid_export_task_id(&"a".repeat(61), 60));
    }
}

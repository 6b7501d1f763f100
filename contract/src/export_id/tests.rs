//! Tests of the snapshot ARN parser and the export task id, including property tests on
//! hostile snapshot names.

use super::*;
use crate::{EXPORT_TASK_ID_MAX_LEN, MAX_EXPORT_ATTEMPTS};
use proptest::prelude::*;

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
        assert_eq!(e.arn, bad);
        assert!(e.to_string().contains("is not an RDS snapshot ARN"), "{e}");
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

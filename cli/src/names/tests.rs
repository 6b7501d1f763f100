//! Unit tests of `names`.

use super::*;

const SNAP: &str = "arn:aws:rds:eu-west-1:111122223333:snapshot:rds:orders-2026-11-24-03-10";

#[test]
fn state_machine_arns_are_checked() {
    let arn = StateMachineArn::parse("arn:aws:states:eu-west-1:1:stateMachine:pipe").unwrap();
    assert_eq!(arn.name, "pipe");
    assert_eq!(
        arn.execution_arn("x"),
        "arn:aws:states:eu-west-1:1:execution:pipe:x"
    );
    for bad in [
        "pipe",
        "arn:aws:states:eu-west-1:1:execution:pipe:x",
        "arn:aws:lambda:eu-west-1:1:stateMachine:pipe",
        "arn:aws:states::1:stateMachine:pipe",
    ] {
        let err = StateMachineArn::parse(bad).unwrap_err().to_string();
        assert!(err.starts_with("--state-machine-arn: "), "{err}");
    }
}

#[test]
fn execution_and_snapshot_arns_are_checked() {
    assert_eq!(
        ExecutionArn::parse("arn:aws:states:r:1:execution:m:n")
            .unwrap()
            .name,
        "n"
    );
    assert!(ExecutionArn::parse("arn:aws:states:r:1:stateMachine:m").is_err());
    let snap = SnapshotArn::parse(SNAP).unwrap();
    assert_eq!(snap.kind, SourceKind::DbSnapshot);
    assert_eq!(snap.snapshot_id, "rds:orders-2026-11-24-03-10");
    let cluster = SnapshotArn::parse("arn:aws:rds:r:1:cluster-snapshot:c1").unwrap();
    assert_eq!(cluster.kind, SourceKind::ClusterSnapshot);
    let err = SnapshotArn::parse("arn:aws:rds:r:1:db:orders")
        .unwrap_err()
        .to_string();
    assert!(
        err.contains("neither snapshot nor cluster-snapshot"),
        "{err}"
    );
    assert!(SnapshotArn::parse("arn:aws:s3:::bucket").is_err());
}

#[test]
fn start_names_are_deterministic_and_valid() {
    let snap = SnapshotArn::parse(SNAP).unwrap();
    let name = start_execution_name(&snap, &[]);
    assert_eq!(name, start_execution_name(&snap, &[]));
    assert!(name.starts_with("rds-orders-2026-11-24-03-10-"), "{name}");
    let only = vec!["db.s.b".to_owned(), "db.s.a".to_owned()];
    let reordered = vec!["db.s.a".to_owned(), "db.s.b".to_owned()];
    assert_ne!(name, start_execution_name(&snap, &only));
    assert_eq!(
        start_execution_name(&snap, &only),
        start_execution_name(&snap, &reordered)
    );
    let long = SnapshotArn::parse(&format!("{SNAP}{}", "x".repeat(200))).unwrap();
    let long_name = start_execution_name(&long, &[]);
    assert!(
        long_name.len() <= contract::EXPORT_TASK_ID_BASE_MAX_LEN,
        "{long_name}"
    );
    for n in [&name, &long_name] {
        assert!(
            n.bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
        );
    }
}

#[test]
fn rerun_names_keep_their_root_and_fit() {
    assert_eq!(rerun_name("abc", 1), "abc-rerun-1");
    assert_eq!(rerun_name("abc-rerun-1", 2), "abc-rerun-2");
    assert_eq!(rerun_name("abc-rerun-x", 1), "abc-rerun-x-rerun-1");
    let long = "a".repeat(80);
    let name = rerun_name(&long, 12);
    assert_eq!(name.len(), EXECUTION_NAME_MAX_LEN);
    assert!(name.ends_with("-rerun-12"));
}

#[test]
fn ages_parse() {
    assert_eq!(parse_age("--since", "7d").unwrap(), 7 * 86_400);
    assert_eq!(parse_age("--since", "30m").unwrap(), 1_800);
    assert_eq!(parse_age("--since", "2w").unwrap(), 14 * 86_400);
    for bad in ["7", "d", "7y", "-1d", ""] {
        assert!(parse_age("--since", bad).is_err(), "{bad}");
    }
}

//! Normalize over mocked RDS: events, manual input, filters and lookup errors.

use aws_sdk_rds::operation::describe_db_cluster_snapshots::{
    DescribeDBClusterSnapshotsError, DescribeDbClusterSnapshotsOutput,
};
use aws_sdk_rds::operation::describe_db_snapshots::{
    DescribeDBSnapshotsError, DescribeDbSnapshotsOutput,
};
use aws_sdk_rds::types::{DbClusterSnapshot, DbSnapshot};
use aws_smithy_mocks::mock;
use contract::{JobAction, SnapshotType, SourceKind, Trigger};
use serde_json::{Value, json};

use super::normalize;
use crate::config::NormalizeConfig;
use crate::test_support::{ARN, failed, meta, mocked, ok};

fn event(detail_type: &str, event_id: &str, arn: &str) -> Value {
    json!({
        "version": "0", "id": "e-1", "source": "aws.rds", "detail-type": detail_type,
        "account": "111122223333", "region": "us-east-1", "time": "2026-11-24T03:12:00Z",
        "resources": [arn],
        "detail": {"EventCategories": ["creation"], "SourceType": "SNAPSHOT", "SourceArn": arn,
                   "SourceIdentifier": "x", "Message": "created", "EventID": event_id}
    })
}

fn instance_found(db: &'static str, snapshot_type: &'static str) -> aws_smithy_mocks::Rule {
    mock!(aws_sdk_rds::Client::describe_db_snapshots)
        .match_requests(|r| r.db_snapshot_identifier() == Some("rds:orders-2026-11-24-03-10"))
        .then_output(move || {
            DescribeDbSnapshotsOutput::builder()
                .db_snapshots(
                    DbSnapshot::builder()
                        .db_instance_identifier(db)
                        .snapshot_type(snapshot_type)
                        .status("available")
                        .build(),
                )
                .build()
        })
}

#[tokio::test]
async fn automated_instance_event_becomes_an_export_job() {
    let rule = instance_found("orders", "automated");
    let rds = mocked!(aws_sdk_rds, &[&rule]);
    let job = ok(normalize(
        &rds,
        &NormalizeConfig::default(),
        &event("RDS DB Snapshot Event", "RDS-EVENT-0091", ARN),
    )
    .await);
    assert_eq!(job.action, JobAction::Export);
    assert_eq!(job.trigger, Trigger::Event);
    assert_eq!(job.source_kind, SourceKind::DbSnapshot);
    assert_eq!(job.snapshot_type, Some(SnapshotType::Automated));
    assert_eq!(job.db_identifier.as_deref(), Some("orders"));
    assert_eq!(job.event_id.as_deref(), Some("RDS-EVENT-0091"));
    assert!(
        job.export_task_id
            .starts_with("rds-orders-2026-11-24-03-10-"),
        "{}",
        job.export_task_id
    );
    assert_eq!(rule.num_calls(), 1);
}

#[tokio::test]
async fn event_id_given_as_a_url_and_arn_from_resources() {
    let rule = instance_found("orders", "manual");
    let rds = mocked!(aws_sdk_rds, &[&rule]);
    let mut e = event(
        "RDS DB Snapshot Event",
        "https://docs.aws.amazon.com/AmazonRDS/latest/UserGuide/USER_Events.html#RDS-EVENT-0042",
        ARN,
    );
    if let Some(d) = e["detail"].as_object_mut() {
        d.remove("SourceArn");
    }
    let job = ok(normalize(&rds, &NormalizeConfig::default(), &e).await);
    assert_eq!(job.snapshot_type, Some(SnapshotType::Manual));
    assert_eq!(job.event_id.as_deref(), Some("RDS-EVENT-0042"));
    assert_eq!(job.snapshot_arn, ARN);
}

#[tokio::test]
async fn cluster_event_describes_the_cluster_snapshot() {
    let arn = "arn:aws:rds:us-east-1:1:cluster-snapshot:rds:aurora-2026";
    let rule = mock!(aws_sdk_rds::Client::describe_db_cluster_snapshots)
        .match_requests(|r| r.db_cluster_snapshot_identifier() == Some("rds:aurora-2026"))
        .then_output(|| {
            DescribeDbClusterSnapshotsOutput::builder()
                .db_cluster_snapshots(
                    DbClusterSnapshot::builder()
                        .db_cluster_identifier("aurora")
                        .build(),
                )
                .build()
        });
    let rds = mocked!(aws_sdk_rds, &[&rule]);
    let job = ok(normalize(
        &rds,
        &NormalizeConfig::default(),
        &event("RDS DB Cluster Snapshot Event", "RDS-EVENT-0169", arn),
    )
    .await);
    assert_eq!(job.source_kind, SourceKind::ClusterSnapshot);
    assert_eq!(job.db_identifier.as_deref(), Some("aurora"));
    assert_eq!(job.snapshot_type, Some(SnapshotType::Automated));
}

#[tokio::test]
async fn unrelated_events_are_ignored_without_calling_aws() {
    let rds = mocked!(aws_sdk_rds, &[] as &[&aws_smithy_mocks::Rule]);
    for (dt, id) in [
        ("RDS DB Snapshot Event", "RDS-EVENT-0041"),
        // An instance event number inside a cluster event means something else.
        ("RDS DB Cluster Snapshot Event", "RDS-EVENT-0042"),
    ] {
        let job = ok(normalize(&rds, &NormalizeConfig::default(), &event(dt, id, ARN)).await);
        assert_eq!(job.action, JobAction::Ignore);
        assert!(
            job.ignore_reason.as_deref().is_some_and(|r| r.contains(id)),
            "{:?}",
            job.ignore_reason
        );
    }
}

#[tokio::test]
async fn snapshot_type_filter_applies_to_events() {
    let rds = mocked!(aws_sdk_rds, &[] as &[&aws_smithy_mocks::Rule]);
    let cfg = NormalizeConfig {
        snapshot_types: Some(vec![SnapshotType::Manual]),
        ..NormalizeConfig::default()
    };
    let job = ok(normalize(
        &rds,
        &cfg,
        &event("RDS DB Snapshot Event", "RDS-EVENT-0091", ARN),
    )
    .await);
    assert_eq!(job.action, JobAction::Ignore);
    assert!(
        job.ignore_reason
            .as_deref()
            .is_some_and(|r| r.contains("SNAPSHOT_TYPES"))
    );
}

#[tokio::test]
async fn db_filter_applies_to_events_but_not_to_manual_input() {
    let cfg = NormalizeConfig {
        db_identifiers: Some(vec!["billing".into()]),
        ..NormalizeConfig::default()
    };
    let rule = instance_found("orders", "automated");
    let rds = mocked!(aws_sdk_rds, &[&rule]);
    let job = ok(normalize(
        &rds,
        &cfg,
        &event("RDS DB Snapshot Event", "RDS-EVENT-0091", ARN),
    )
    .await);
    assert_eq!(job.action, JobAction::Ignore);
    assert!(
        job.ignore_reason
            .as_deref()
            .is_some_and(|r| r.contains("DB_IDENTIFIERS"))
    );

    let rule = instance_found("orders", "manual");
    let rds = mocked!(aws_sdk_rds, &[&rule]);
    let job = ok(normalize(&rds, &cfg, &json!({"snapshot_arn": ARN})).await);
    assert_eq!(job.action, JobAction::Export);
    assert_eq!(job.trigger, Trigger::Manual);
    assert_eq!(job.snapshot_type, Some(SnapshotType::Manual));
}

#[tokio::test]
async fn manual_export_only_overrides_the_default_and_changes_the_id() {
    let cfg = NormalizeConfig {
        export_only: vec!["orders".into()],
        ..NormalizeConfig::default()
    };
    let (r1, r2) = (
        instance_found("orders", "manual"),
        instance_found("orders", "manual"),
    );
    let rds = mocked!(aws_sdk_rds, &[&r1, &r2]);
    let default = ok(normalize(&rds, &cfg, &json!({"snapshot_arn": ARN})).await);
    assert_eq!(default.export_only, vec!["orders".to_owned()]);
    let own = ok(normalize(
        &rds,
        &cfg,
        &json!({"snapshot_arn": ARN, "export_only": ["orders.public.items"]}),
    )
    .await);
    assert_eq!(own.export_only, vec!["orders.public.items".to_owned()]);
    assert_ne!(default.export_task_id, own.export_task_id);
}

#[tokio::test]
async fn invalid_inputs_name_the_field() {
    let rds = mocked!(aws_sdk_rds, &[] as &[&aws_smithy_mocks::Rule]);
    let cfg = NormalizeConfig::default();
    let mut no_event_id = event("RDS DB Snapshot Event", "x", ARN);
    no_event_id["detail"]
        .as_object_mut()
        .map(|d| d.remove("EventID"));
    let mut no_arn = event("RDS DB Snapshot Event", "RDS-EVENT-0042", ARN);
    no_arn["detail"]
        .as_object_mut()
        .map(|d| d.remove("SourceArn"));
    no_arn.as_object_mut().map(|o| o.remove("resources"));
    let cases: Vec<(Value, &str)> = vec![
        (json!("text"), "JSON object"),
        (json!({"snapshot_arn": ARN, "extra": 1}), "extra"),
        (json!({}), "snapshot_arn"),
        (json!({"snapshot_arn": "arn:aws:s3:::b"}), "snapshot_arn"),
        (
            json!({"snapshot_arn": ARN, "export_only": ["a b"]}),
            "export_only",
        ),
        (
            {
                let mut e = event("RDS DB Snapshot Event", "RDS-EVENT-0042", ARN);
                e["source"] = json!("aws.ec2");
                e
            },
            "aws.rds",
        ),
        (
            event("RDS DB Instance Event", "RDS-EVENT-0042", ARN),
            "detail-type",
        ),
        (no_event_id, "detail.EventID"),
        (
            event("RDS DB Snapshot Event", "0042", ARN),
            "detail.EventID",
        ),
        (no_arn, "SourceArn"),
        (
            event(
                "RDS DB Snapshot Event",
                "RDS-EVENT-0042",
                "arn:aws:rds:us-east-1:1:cluster-snapshot:c",
            ),
            "detail-type",
        ),
    ];
    for (input, field) in cases {
        let e = failed(normalize(&rds, &cfg, &input).await);
        assert_eq!(e.name(), "InvalidInput", "{input}");
        assert!(e.to_string().contains(field), "{input}: {e}");
    }
}

#[tokio::test]
async fn missing_snapshot_and_throttling() {
    let not_found = mock!(aws_sdk_rds::Client::describe_db_snapshots)
        .then_error(|| DescribeDBSnapshotsError::generic(meta("DBSnapshotNotFound")));
    let empty = mock!(aws_sdk_rds::Client::describe_db_snapshots)
        .then_output(|| DescribeDbSnapshotsOutput::builder().build());
    let throttled = mock!(aws_sdk_rds::Client::describe_db_snapshots)
        .then_error(|| DescribeDBSnapshotsError::generic(meta("Throttling")));
    let cluster_missing =
        mock!(aws_sdk_rds::Client::describe_db_cluster_snapshots).then_error(|| {
            DescribeDBClusterSnapshotsError::generic(meta("DBClusterSnapshotNotFoundFault"))
        });
    let rds = mocked!(
        aws_sdk_rds,
        &[&not_found, &empty, &throttled, &cluster_missing]
    );
    let cfg = NormalizeConfig::default();
    let input = json!({"snapshot_arn": ARN});
    assert_eq!(
        failed(normalize(&rds, &cfg, &input).await).name(),
        "SnapshotNotFound"
    );
    assert_eq!(
        failed(normalize(&rds, &cfg, &input).await).name(),
        "SnapshotNotFound"
    );
    assert_eq!(
        failed(normalize(&rds, &cfg, &input).await).name(),
        "Throttled"
    );
    let cluster = json!({"snapshot_arn": "arn:aws:rds:us-east-1:1:cluster-snapshot:c1"});
    let e = failed(normalize(&rds, &cfg, &cluster).await);
    assert_eq!(e.name(), "SnapshotNotFound");
    assert!(e.to_string().contains("cluster-snapshot:c1"), "{e}");
}

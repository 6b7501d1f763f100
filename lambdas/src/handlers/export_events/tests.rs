//! Unit tests of `export_events`: which events are export-finished events, and the sweep
//! over mocked DynamoDB, RDS and Step Functions.

use serde_json::json;

use super::*;

fn event(id: &str, detail_type: &str, arn: &str) -> Value {
    json!({
        "source": "aws.rds",
        "detail-type": detail_type,
        "resources": [arn],
        "detail": {"EventID": id, "SourceArn": arn, "SourceIdentifier": "orders-snap", "Message": "Export task completed"}
    })
}

#[test]
fn the_six_export_finished_ids_name_their_snapshot() {
    let db = "arn:aws:rds:us-east-1:210987654321:snapshot:rds:orders-2026-12-01";
    let cluster = "arn:aws:rds:us-east-1:210987654321:cluster-snapshot:rds:billing-2026-12-01";
    for id in ["RDS-EVENT-0159", "RDS-EVENT-0160", "RDS-EVENT-0161"] {
        assert_eq!(
            export_event_snapshot(&event(id, "RDS DB Snapshot Event", db)),
            Ok(db.to_owned())
        );
    }
    for id in ["RDS-EVENT-0162", "RDS-EVENT-0163", "RDS-EVENT-0164"] {
        assert_eq!(
            export_event_snapshot(&event(id, "RDS DB Cluster Snapshot Event", cluster)),
            Ok(cluster.to_owned())
        );
    }
    // SourceArn missing: resources[0].
    let mut e = event("RDS-EVENT-0161", "RDS DB Snapshot Event", db);
    e["detail"]["SourceArn"] = Value::Null;
    assert_eq!(export_event_snapshot(&e), Ok(db.to_owned()));
}

#[test]
fn the_url_form_of_the_event_id_is_read_as_normalize_reads_it() {
    let db = "arn:aws:rds:us-east-1:210987654321:snapshot:rds:orders-2026-12-01";
    let url = "http://docs.amazonwebservices.com/AmazonRDS/latest/UserGuide/USER_Events.html#RDS-EVENT-0161";
    assert_eq!(
        export_event_snapshot(&event(url, "RDS DB Snapshot Event", db)),
        Ok(db.to_owned())
    );
    let created = "http://docs.amazonwebservices.com/AmazonRDS/latest/UserGuide/USER_Events.html#RDS-EVENT-0091";
    assert!(export_event_snapshot(&event(created, "RDS DB Snapshot Event", db)).is_err());
}

#[test]
fn other_events_are_not_export_events() {
    let db = "arn:aws:rds:us-east-1:210987654321:snapshot:rds:orders-2026-12-01";
    // Snapshot created, an unknown id, another source, no ARN at all.
    assert!(export_event_snapshot(&event("RDS-EVENT-0091", "RDS DB Snapshot Event", db)).is_err());
    assert!(export_event_snapshot(&event("", "RDS DB Snapshot Event", db)).is_err());
    let mut other = event("RDS-EVENT-0161", "RDS DB Snapshot Event", db);
    other["source"] = json!("aws.states");
    assert!(export_event_snapshot(&other).is_err());
    let mut no_arn = event("RDS-EVENT-0161", "RDS DB Snapshot Event", db);
    no_arn["detail"]["SourceArn"] = json!("orders");
    no_arn["resources"] = json!([]);
    assert!(export_event_snapshot(&no_arn).is_err());
    assert!(export_event_snapshot(&json!({})).is_err());
}

// The sweep (a Scheduled Event) over mocked DynamoDB, RDS and Step Functions.

use std::collections::HashMap;

use aws_sdk_dynamodb::operation::delete_item::DeleteItemOutput;
use aws_sdk_dynamodb::operation::scan::ScanOutput;
use aws_sdk_dynamodb::types::AttributeValue;
use aws_sdk_rds::operation::describe_export_tasks::DescribeExportTasksOutput;
use aws_sdk_rds::types::ExportTask;
use aws_sdk_sfn::operation::send_task_success::{SendTaskSuccessError, SendTaskSuccessOutput};
use aws_smithy_mocks::{Rule, mock};
use contract::{CheckExportInput, ExportStatus};

use crate::export_waits::WaitStore;
use crate::test_support::{ARN, BASE_ID, export_state, job, meta, mocked, ok, policy};

const NOW: i64 = 1_800_000_000;
const TOKEN: &str = "token-of-the-waiting-execution";

fn scheduled_event() -> Value {
    json!({
        "version": "0",
        "id": "53dc4d37-cffa-4f76-80c9-8b7d4a4d2eaa",
        "detail-type": "Scheduled Event",
        "source": "aws.events",
        "account": "123456789012",
        "time": "2026-12-06T20:00:00Z",
        "region": "us-east-1",
        "resources": ["arn:aws:events:us-east-1:123456789012:rule/snapshot-export-export-sweep"],
        "detail": {}
    })
}

/// The stored item of the execution waiting for export `BASE_ID`.
fn wait_item() -> HashMap<String, AttributeValue> {
    let request = CheckExportInput {
        job: job(),
        export: export_state(BASE_ID, ExportStatus::InProgress, "rds"),
        policy: policy(),
        redrive_count: 0,
    };
    let text = |v: &str| AttributeValue::S(v.to_owned());
    HashMap::from([
        ("snapshot_arn".to_owned(), text(ARN)),
        (
            "execution_id".to_owned(),
            text("arn:aws:states:us-east-1:1:execution:sm:e1"),
        ),
        ("task_token".to_owned(), text(TOKEN)),
        ("export_task_id".to_owned(), text(BASE_ID)),
        (
            "request".to_owned(),
            text(&serde_json::to_string(&request).unwrap_or_default()),
        ),
        (
            "expires_at".to_owned(),
            AttributeValue::N("1800090000".into()),
        ),
    ])
}

fn scanned(items: Vec<HashMap<String, AttributeValue>>) -> Rule {
    mock!(aws_sdk_dynamodb::Client::scan)
        .then_output(move || ScanOutput::builder().set_items(Some(items.clone())).build())
}

fn deleted() -> Rule {
    mock!(aws_sdk_dynamodb::Client::delete_item)
        .match_requests(|r| r.condition_expression() == Some("task_token = :t"))
        .then_output(|| DeleteItemOutput::builder().build())
}

fn task(status: &str) -> ExportTask {
    ExportTask::builder()
        .export_task_identifier(BASE_ID)
        .source_arn(ARN)
        .status(status)
        .percent_progress(if status == "COMPLETE" { 100 } else { 40 })
        .s3_bucket("analytics-exports")
        .s3_prefix("rds")
        .build()
}

/// The sweep's list call (a `status` filter, no task id), answering `tasks`.
fn listed(tasks: Vec<ExportTask>) -> Rule {
    mock!(aws_sdk_rds::Client::describe_export_tasks)
        .match_requests(|r| {
            r.export_task_identifier().is_none()
                && r.filters().iter().any(|f| {
                    f.name() == Some("status")
                        && f.values() == ["starting", "in_progress", "canceling"]
                })
        })
        .then_output(move || {
            DescribeExportTasksOutput::builder()
                .set_export_tasks(Some(tasks.clone()))
                .build()
        })
}

/// The confirming DescribeExportTasks of the waiting export.
fn confirmed(status: &'static str) -> Rule {
    mock!(aws_sdk_rds::Client::describe_export_tasks)
        .match_requests(|r| r.export_task_identifier() == Some(BASE_ID))
        .then_output(move || {
            DescribeExportTasksOutput::builder()
                .export_tasks(task(status))
                .build()
        })
}

fn sent() -> Rule {
    mock!(aws_sdk_sfn::Client::send_task_success)
        .match_requests(|r| {
            r.task_token() == Some(TOKEN)
                && r.output()
                    .is_some_and(|o| o.contains("\"status\":\"COMPLETE\""))
        })
        .then_output(|| SendTaskSuccessOutput::builder().build())
}

#[test]
fn the_schedule_is_a_sweep_and_an_rds_event_is_not() {
    assert!(is_scheduled_event(&scheduled_event()));
    let db = "arn:aws:rds:us-east-1:210987654321:snapshot:rds:orders-2026-12-01";
    assert!(!is_scheduled_event(&event(
        "RDS-EVENT-0161",
        "RDS DB Snapshot Event",
        db
    )));
    let mut other = scheduled_event();
    other["source"] = json!("aws.rds");
    assert!(!is_scheduled_event(&other));
}

#[tokio::test]
async fn an_empty_table_makes_no_rds_call() {
    let scan = scanned(vec![]);
    let list = listed(vec![]);
    let send = sent();
    let store = WaitStore::new(mocked!(aws_sdk_dynamodb, [&scan]), "waits");
    let rds = mocked!(aws_sdk_rds, [&list]);
    let sfn = mocked!(aws_sdk_sfn, [&send]);
    let outcome = ok(sweep(&store, &sfn, &rds, NOW).await);
    assert_eq!(outcome, ExportEventOutcome::default());
    assert_eq!(
        (scan.num_calls(), list.num_calls(), send.num_calls()),
        (1, 0, 0)
    );
}

#[tokio::test]
async fn an_export_that_ended_unlisted_is_confirmed_and_its_execution_woken_once() {
    let (scan, list, confirm, send, delete) = (
        scanned(vec![wait_item()]),
        listed(vec![]),
        confirmed("COMPLETE"),
        sent(),
        deleted(),
    );
    let store = WaitStore::new(mocked!(aws_sdk_dynamodb, [&scan, &delete]), "waits");
    let rds = mocked!(aws_sdk_rds, [&list, &confirm]);
    let sfn = mocked!(aws_sdk_sfn, [&send]);
    let outcome = ok(sweep(&store, &sfn, &rds, NOW).await);
    assert_eq!((outcome.waiting, outcome.woken, outcome.stale), (1, 1, 0));
    assert_eq!(
        (
            list.num_calls(),
            confirm.num_calls(),
            send.num_calls(),
            delete.num_calls()
        ),
        (1, 1, 1, 1)
    );
}

#[tokio::test]
async fn a_running_export_is_neither_confirmed_nor_woken() {
    let (scan, list, confirm, send) = (
        scanned(vec![wait_item()]),
        listed(vec![task("IN_PROGRESS")]),
        confirmed("COMPLETE"),
        sent(),
    );
    let store = WaitStore::new(mocked!(aws_sdk_dynamodb, [&scan]), "waits");
    let rds = mocked!(aws_sdk_rds, [&list, &confirm]);
    let sfn = mocked!(aws_sdk_sfn, [&send]);
    let outcome = ok(sweep(&store, &sfn, &rds, NOW).await);
    assert_eq!(
        (outcome.waiting, outcome.still_running, outcome.woken),
        (1, 1, 0)
    );
    assert_eq!((confirm.num_calls(), send.num_calls()), (0, 0));
}

#[tokio::test]
async fn a_listed_task_that_ended_is_confirmed_not_taken_for_running() {
    // A service that ignores the status filter answers the ended task too.
    let (scan, list, confirm, send, delete) = (
        scanned(vec![wait_item()]),
        listed(vec![task("complete")]),
        confirmed("COMPLETE"),
        sent(),
        deleted(),
    );
    let store = WaitStore::new(mocked!(aws_sdk_dynamodb, [&scan, &delete]), "waits");
    let rds = mocked!(aws_sdk_rds, [&list, &confirm]);
    let sfn = mocked!(aws_sdk_sfn, [&send]);
    let outcome = ok(sweep(&store, &sfn, &rds, NOW).await);
    assert_eq!(outcome.woken, 1);
}

#[tokio::test]
async fn a_stale_token_is_ignored_and_its_item_removed() {
    let stale = mock!(aws_sdk_sfn::Client::send_task_success)
        .then_error(|| SendTaskSuccessError::generic(meta("TaskTimedOut")));
    let (scan, list, confirm, delete) = (
        scanned(vec![wait_item()]),
        listed(vec![]),
        confirmed("COMPLETE"),
        deleted(),
    );
    let store = WaitStore::new(mocked!(aws_sdk_dynamodb, [&scan, &delete]), "waits");
    let rds = mocked!(aws_sdk_rds, [&list, &confirm]);
    let sfn = mocked!(aws_sdk_sfn, [&stale]);
    let outcome = ok(sweep(&store, &sfn, &rds, NOW).await);
    assert_eq!((outcome.woken, outcome.stale), (0, 1));
    assert_eq!((stale.num_calls(), delete.num_calls()), (1, 1));
}

//! Notify over mocked EventBridge and Step Functions: the success request, and the
//! status-change event of a failed execution (failed state read from its history).

use aws_sdk_eventbridge::operation::put_events::{PutEventsError, PutEventsOutput};
use aws_sdk_eventbridge::types::PutEventsResultEntry;
use aws_sdk_sfn::operation::get_execution_history::{
    GetExecutionHistoryError, GetExecutionHistoryOutput,
};
use aws_sdk_sfn::types::{HistoryEvent, HistoryEventType, StateEnteredEventDetails};
use aws_smithy_mocks::{Rule, mock};
use contract::{
    AclState, ExecutionStatusChange, ExportStatus, NotifyInput, NotifyRequest, PipelineState,
};
use serde_json::Value;

use super::notify;
use crate::config::NotifyConfig;
use crate::test_support::{BASE_ID, export_state, failed, job, meta, mocked, ok};

const NOW: i64 = 1_800_000_600;

const EXECUTION: &str = "arn:aws:states:us-east-1:1:execution:pipeline:e1";

fn success() -> NotifyRequest {
    NotifyRequest::Success(NotifyInput {
        redrive_count: 1,
        execution_id: EXECUTION.into(),
        execution_started_at: "2027-01-15T08:00:00.000Z".into(),
        state: PipelineState {
            job: Some(job()),
            export: Some(export_state(BASE_ID, ExportStatus::Complete, "rds")),
            acl: Some(AclState {
                ownership: "ObjectWriter".into(),
                skipped: false,
                rewritten: 42,
                failed: 0,
                invocations: 1,
                start_after: None,
                done: true,
            }),
            ..PipelineState::default()
        },
    })
}

/// The status-change event of an execution that failed at RewriteAcl after one redrive.
fn failure() -> NotifyRequest {
    let event = serde_json::json!({
        "version": "0", "id": "e-1", "source": "aws.states", "region": "us-east-1",
        "detail-type": "Step Functions Execution Status Change",
        "detail": {
            "executionArn": EXECUTION, "status": "FAILED", "redriveCount": 1,
            "redriveStatus": "REDRIVABLE", "error": "AclAccessDenied", "cause": "denied",
            "input": format!("{{\"snapshot_arn\": \"{}\"}}", crate::test_support::ARN),
        }
    });
    let event: ExecutionStatusChange = serde_json::from_value(event).unwrap();
    NotifyRequest::Failure(event)
}

/// A history whose newest entered state is RewriteAcl, with the state document as input.
fn history() -> Rule {
    mock!(aws_sdk_sfn::Client::get_execution_history)
        .match_requests(|r| r.execution_arn() == Some(EXECUTION) && r.reverse_order() == Some(true))
        .then_output(|| {
            let state = serde_json::json!({
                "job": job(),
                "export": export_state(&format!("{BASE_ID}-r2"), ExportStatus::Complete, "rds"),
            });
            let event = |id, kind, details: Option<StateEnteredEventDetails>| {
                HistoryEvent::builder()
                    .id(id)
                    .r#type(kind)
                    .timestamp(aws_smithy_types::DateTime::from_secs(NOW))
                    .set_state_entered_event_details(details)
                    .build()
                    .unwrap()
            };
            GetExecutionHistoryOutput::builder()
                .events(event(9, HistoryEventType::ExecutionFailed, None))
                .events(event(8, HistoryEventType::TaskFailed, None))
                .events(event(
                    7,
                    HistoryEventType::TaskStateEntered,
                    Some(
                        StateEnteredEventDetails::builder()
                            .name("RewriteAcl")
                            .input(state.to_string())
                            .build()
                            .unwrap(),
                    ),
                ))
                .build()
                .unwrap()
        })
}

fn bus() -> NotifyConfig {
    NotifyConfig {
        event_bus_name: Some("analytics".into()),
        event_source: "snapshot-export".into(),
    }
}

#[tokio::test]
async fn no_bus_sends_nothing() {
    let events = mocked!(aws_sdk_eventbridge, &[] as &[&Rule]);
    let cfg = NotifyConfig {
        event_bus_name: None,
        event_source: "snapshot-export".into(),
    };
    let sfn = mocked!(aws_sdk_sfn, &[] as &[&Rule]);
    let out = ok(notify(&events, &sfn, &cfg, &success(), NOW).await);
    assert!(!out.sent);
    assert_eq!(out.detail_type, "Snapshot Export Succeeded");
}

/// A PutEvents rule accepting one event of `detail_type` whose detail passes `check`.
fn put(detail_type: &'static str, check: fn(&Value) -> bool) -> Rule {
    mock!(aws_sdk_eventbridge::Client::put_events)
        .match_requests(move |r| {
            let Some(e) = r.entries().first() else {
                return false;
            };
            let detail: Value =
                serde_json::from_str(e.detail().unwrap_or("null")).unwrap_or(Value::Null);
            e.event_bus_name() == Some("analytics")
                && e.source() == Some("snapshot-export")
                && e.detail_type() == Some(detail_type)
                && e.resources() == [EXECUTION]
                && detail["execution_arn"] == EXECUTION
                && detail["redrive_count"] == 1
                && check(&detail)
        })
        .then_output(|| {
            PutEventsOutput::builder()
                .failed_entry_count(0)
                .entries(PutEventsResultEntry::builder().event_id("ev-1").build())
                .build()
        })
}

#[tokio::test]
async fn sends_the_success_detail() {
    let rule = put("Snapshot Export Succeeded", |detail| {
        detail["outcome"] == "SUCCEEDED"
            && detail["snapshot_arn"] == crate::test_support::ARN
            && detail["export_task_id"] == BASE_ID
            && detail["s3_location"] == format!("s3://analytics-exports/rds/{BASE_ID}/")
            && detail["object_count"] == 42
            && detail["export_duration_seconds"] == NOW - 1_000
            && detail["execution_duration_seconds"].is_i64()
    });
    let events = mocked!(aws_sdk_eventbridge, &[&rule]);
    let sfn = mocked!(aws_sdk_sfn, &[] as &[&Rule]);
    let out = ok(notify(&events, &sfn, &bus(), &success(), NOW).await);
    assert!(out.sent);
    assert_eq!(out.event_id.as_deref(), Some("ev-1"));
    assert_eq!(out.detail_type, "Snapshot Export Succeeded");
}

#[tokio::test]
async fn copy_delivery_reports_the_copy_counts_and_the_analytics_location() {
    let rule = put("Snapshot Export Succeeded", |detail| {
        detail["delivery"] == "copy"
            && detail["s3_location"] == format!("s3://analytics-exports/rds/{BASE_ID}/")
            && detail["staging_location"] == format!("s3://prod-staging/rds/{BASE_ID}/")
            && detail["object_count"] == 250
            && detail["objects_copied"] == 240
            && detail["objects_already_copied"] == 10
            && detail["bytes_copied"] == 12_884_901_888_u64
            && detail["multipart_copies"] == 1
            && detail["acl_skipped"].is_null()
    });
    let events = mocked!(aws_sdk_eventbridge, &[&rule]);
    let sfn = mocked!(aws_sdk_sfn, &[] as &[&Rule]);
    let NotifyRequest::Success(mut input) = success() else {
        panic!("success() is a success request")
    };
    input.state.acl = None;
    if let Some(export) = input.state.export.as_mut() {
        export.s3_bucket = "prod-staging".into();
    }
    input.state.copy = Some(contract::CopyState {
        source_bucket: "prod-staging".into(),
        destination_bucket: "analytics-exports".into(),
        copied: 240,
        already_copied: 10,
        bytes_copied: 12_884_901_888,
        multipart: 1,
        invocations: 2,
        start_after: None,
        done: true,
    });
    let out = ok(notify(&events, &sfn, &bus(), &NotifyRequest::Success(input), NOW).await);
    assert!(out.sent);
}

#[tokio::test]
async fn a_failed_execution_is_notified_with_its_failed_state() {
    let rule = put("Snapshot Export Failed", |detail| {
        detail["outcome"] == "FAILED"
            && detail["status"] == "FAILED"
            && detail["failed_state"] == "RewriteAcl"
            && detail["error"] == "AclAccessDenied"
            && detail["cause"] == "denied"
            && detail["redrivable"] == true
            && detail["redrive_helps"] == true
            && detail["snapshot_arn"] == crate::test_support::ARN
            && detail["export_task_id"] == format!("{BASE_ID}-r2")
            && detail["console_url"]
                == format!(
                    "https://us-east-1.console.aws.amazon.com/states/home?region=us-east-1#/v2/executions/details/{EXECUTION}"
                )
    });
    let events = mocked!(aws_sdk_eventbridge, &[&rule]);
    let history = history();
    let sfn = mocked!(aws_sdk_sfn, &[&history]);
    let out = ok(notify(&events, &sfn, &bus(), &failure(), NOW).await);
    assert_eq!(out.detail_type, "Snapshot Export Failed");
    assert!(out.sent);
}

#[tokio::test]
async fn an_unreadable_history_still_notifies_from_the_event() {
    let rule = put("Snapshot Export Failed", |detail| {
        detail["failed_state"].is_null()
            && detail["error"] == "AclAccessDenied"
            && detail["snapshot_arn"] == crate::test_support::ARN
    });
    let events = mocked!(aws_sdk_eventbridge, &[&rule]);
    let denied = mock!(aws_sdk_sfn::Client::get_execution_history)
        .then_error(|| GetExecutionHistoryError::generic(meta("AccessDeniedException")));
    let sfn = mocked!(aws_sdk_sfn, &[&denied]);
    assert!(ok(notify(&events, &sfn, &bus(), &failure(), NOW).await).sent);
}

#[tokio::test]
async fn a_running_or_succeeded_status_is_not_notified_as_a_failure() {
    let NotifyRequest::Failure(mut event) = failure() else {
        unreachable!()
    };
    event.detail.status = "SUCCEEDED".into();
    let events = mocked!(aws_sdk_eventbridge, &[] as &[&Rule]);
    let sfn = mocked!(aws_sdk_sfn, &[] as &[&Rule]);
    let e = failed(notify(&events, &sfn, &bus(), &NotifyRequest::Failure(event), NOW).await);
    assert_eq!(e.name(), "InvalidInput");
}

#[test]
fn requests_are_told_apart_by_their_source() {
    let success: NotifyRequest = serde_json::from_value(serde_json::json!({
        "execution_id": EXECUTION, "execution_started_at": "2027-01-15T08:00:00.000Z",
        "state": {}
    }))
    .unwrap();
    assert!(matches!(success, NotifyRequest::Success(ref i) if i.redrive_count == 0));
    let bad = serde_json::from_value::<NotifyRequest>(serde_json::json!({"source": "aws.states"}));
    assert!(bad.unwrap_err().to_string().contains("detail"));
    // An older definition's NotifyFailure must not be published as a success.
    let legacy = serde_json::from_value::<NotifyRequest>(serde_json::json!({
        "outcome": "FAILED", "execution_id": EXECUTION,
        "execution_started_at": "2027-01-15T08:00:00.000Z", "state": {}
    }));
    assert!(legacy.unwrap_err().to_string().contains("status-change"));
}

#[tokio::test]
async fn failures_are_notify_failed() {
    let rejected = mock!(aws_sdk_eventbridge::Client::put_events).then_output(|| {
        PutEventsOutput::builder()
            .failed_entry_count(1)
            .entries(
                PutEventsResultEntry::builder()
                    .error_code("InternalFailure")
                    .error_message("try again")
                    .build(),
            )
            .build()
    });
    let denied = mock!(aws_sdk_eventbridge::Client::put_events)
        .then_error(|| PutEventsError::generic(meta("AccessDeniedException")));
    let events = mocked!(aws_sdk_eventbridge, &[&rejected, &denied]);
    let history = history();
    let sfn = mocked!(aws_sdk_sfn, &[&history]);
    let e = failed(notify(&events, &sfn, &bus(), &success(), NOW).await);
    assert_eq!(e.name(), "NotifyFailed");
    assert!(e.to_string().contains("InternalFailure"), "{e}");
    let e = failed(notify(&events, &sfn, &bus(), &failure(), NOW).await);
    assert_eq!(e.name(), "NotifyFailed");
    assert!(e.to_string().contains("AccessDeniedException"), "{e}");
}

#[tokio::test]
async fn schema_changes_send_a_second_entry_in_the_same_request() {
    let NotifyRequest::Success(mut input) = success() else {
        return;
    };
    input.state.catalog = Some(contract::CatalogState {
        database: "analytics".into(),
        verdict: contract::Verdict::Partial,
        schema_changes: 2,
        schema_change_sample: vec![contract::SchemaChange {
            table: "shop_public_orders".into(),
            column: "id".into(),
            from: "bigint".into(),
            to: "string".into(),
            history_table: "shop_public_orders_history_v2".into(),
        }],
        report_uri: "s3://b/r/snapshot-export-verification.json".into(),
        done: true,
        ..contract::CatalogState::default()
    });
    let both = mock!(aws_sdk_eventbridge::Client::put_events)
        .match_requests(|r| {
            let types: Vec<Option<&str>> = r.entries().iter().map(|e| e.detail_type()).collect();
            let schema: Value = r
                .entries()
                .get(1)
                .and_then(|e| serde_json::from_str(e.detail().unwrap_or("null")).ok())
                .unwrap_or(Value::Null);
            let success: Value = r
                .entries()
                .first()
                .and_then(|e| serde_json::from_str(e.detail().unwrap_or("null")).ok())
                .unwrap_or(Value::Null);
            types
                == [
                    Some("Snapshot Export Succeeded"),
                    Some("Snapshot Export Schema Changed"),
                ]
                && success["verdict"] == "PARTIAL"
                && success["catalog"]["schema_changes"] == 2
                && schema["schema_changes"] == 2
                && schema["sample"][0]["history_table"] == "shop_public_orders_history_v2"
                && schema["report_uri"] == "s3://b/r/snapshot-export-verification.json"
                && schema["export_id"] == BASE_ID
        })
        .then_output(|| {
            PutEventsOutput::builder()
                .failed_entry_count(0)
                .entries(PutEventsResultEntry::builder().event_id("ev-1").build())
                .entries(PutEventsResultEntry::builder().event_id("ev-2").build())
                .build()
        });
    let events = mocked!(aws_sdk_eventbridge, &[&both]);
    let sfn = mocked!(aws_sdk_sfn, &[] as &[&Rule]);
    let out = ok(notify(&events, &sfn, &bus(), &NotifyRequest::Success(input), NOW).await);
    assert_eq!(out.event_id.as_deref(), Some("ev-1"));
}

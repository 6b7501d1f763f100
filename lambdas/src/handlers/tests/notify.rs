//! Notify over mocked EventBridge.

use aws_sdk_eventbridge::operation::put_events::{PutEventsError, PutEventsOutput};
use aws_sdk_eventbridge::types::PutEventsResultEntry;
use aws_smithy_mocks::{Rule, mock};
use contract::{AclState, CaughtError, ExportStatus, NotifyInput, Outcome, PipelineState};
use serde_json::Value;

use super::{BASE_ID, export_state, failed, job, meta, mocked, ok};
use crate::config::NotifyConfig;
use crate::handlers::notify::notify;

const NOW: i64 = 1_800_000_600;

fn input(outcome: Outcome) -> NotifyInput {
    NotifyInput {
        outcome,
        execution_id: "arn:aws:states:us-east-1:1:execution:pipeline:e1".into(),
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
                continuation_token: None,
                done: true,
            }),
            crawler: None,
            error: (outcome == Outcome::Failed).then(|| CaughtError {
                error: "ExportFailed".into(),
                cause: "S3 denied".into(),
            }),
        },
    }
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
    let out = ok(notify(&events, &cfg, &input(Outcome::Succeeded), NOW).await);
    assert!(!out.sent);
    assert_eq!(out.detail_type, "Snapshot Export Succeeded");
}

#[tokio::test]
async fn sends_success_and_failure_details() {
    for (outcome, detail_type) in [
        (Outcome::Succeeded, "Snapshot Export Succeeded"),
        (Outcome::Failed, "Snapshot Export Failed"),
    ] {
        let rule = mock!(aws_sdk_eventbridge::Client::put_events)
            .match_requests(move |r| {
                let Some(e) = r.entries().first() else {
                    return false;
                };
                let detail: Value =
                    serde_json::from_str(e.detail().unwrap_or("null")).unwrap_or(Value::Null);
                e.event_bus_name() == Some("analytics")
                    && e.source() == Some("snapshot-export")
                    && e.detail_type() == Some(detail_type)
                    && detail["snapshot_arn"] == super::ARN
                    && detail["export_task_id"] == BASE_ID
                    && detail["s3_location"] == format!("s3://analytics-exports/rds/{BASE_ID}/")
                    && detail["object_count"] == 42
                    && detail["export_duration_seconds"] == NOW - 1_000
                    && detail["execution_duration_seconds"].is_i64()
                    && (outcome == Outcome::Succeeded
                        || (detail["error"] == "ExportFailed" && detail["cause"] == "S3 denied"))
            })
            .then_output(|| {
                PutEventsOutput::builder()
                    .failed_entry_count(0)
                    .entries(PutEventsResultEntry::builder().event_id("ev-1").build())
                    .build()
            });
        let events = mocked!(aws_sdk_eventbridge, &[&rule]);
        let out = ok(notify(&events, &bus(), &input(outcome), NOW).await);
        assert!(out.sent);
        assert_eq!(out.event_id.as_deref(), Some("ev-1"));
        assert_eq!(out.detail_type, detail_type);
    }
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
    let e = failed(notify(&events, &bus(), &input(Outcome::Succeeded), NOW).await);
    assert_eq!(e.name(), "NotifyFailed");
    assert!(e.to_string().contains("InternalFailure"), "{e}");
    let e = failed(notify(&events, &bus(), &input(Outcome::Failed), NOW).await);
    assert_eq!(e.name(), "NotifyFailed");
    assert!(e.to_string().contains("AccessDeniedException"), "{e}");
}

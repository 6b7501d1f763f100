//! CheckExport over mocked RDS: progress, failure causes, a lost task, the wait's timeout
//! and its restart by a redrive.

use aws_sdk_rds::operation::describe_export_tasks::DescribeExportTasksOutput;
use aws_sdk_rds::types::ExportTask;
use aws_smithy_mocks::mock;
use contract::{CheckExportInput, ExportStatus};

use super::check_export;
use crate::test_support::{
    BASE_ID, export_described, export_state, export_unknown, failed, job, mocked, ok, policy,
};

const NOW: i64 = 1_800_000_000;

fn check_input(started_at: i64) -> CheckExportInput {
    let mut export = export_state(BASE_ID, ExportStatus::Starting, "rds");
    export.started_at = started_at;
    CheckExportInput {
        job: job(),
        export,
        policy: policy(),
        redrive_count: 0,
    }
}

#[tokio::test]
async fn check_updates_progress() {
    let d = mock!(aws_sdk_rds::Client::describe_export_tasks).then_output(|| {
        let t = ExportTask::builder()
            .export_task_identifier(BASE_ID)
            .status("IN_PROGRESS")
            .percent_progress(40)
            .total_extracted_data_in_gb(12)
            .warning_message(r#"{"warnings":[{"message":"table t skipped"}]}"#)
            .build();
        DescribeExportTasksOutput::builder().export_tasks(t).build()
    });
    let rds = mocked!(aws_sdk_rds, &[&d]);
    let s = ok(check_export(&rds, check_input(NOW - 600), NOW).await);
    assert_eq!(
        (s.status, s.percent_progress, s.total_extracted_gb, s.checks),
        (ExportStatus::InProgress, 40, Some(12), 1)
    );
    assert_eq!(s.warnings, vec!["table t skipped".to_owned()]);
    assert_eq!(
        s.progress.last().map(|p| (p.at, p.percent)),
        Some((NOW, 40))
    );
    assert!((30..=1800).contains(&s.next_poll_seconds));
}

#[tokio::test]
async fn check_failed_always_has_a_cause() {
    let d = export_described(BASE_ID, "FAILED");
    let rds = mocked!(aws_sdk_rds, &[&d]);
    let s = ok(check_export(&rds, check_input(NOW), NOW).await);
    assert_eq!(s.status, ExportStatus::Failed);
    assert!(
        s.failure_cause.contains(BASE_ID) && s.failure_cause.contains("FAILED"),
        "{}",
        s.failure_cause
    );
}

#[tokio::test]
async fn check_not_found_and_timeout() {
    let d = export_unknown(BASE_ID);
    let rds = mocked!(aws_sdk_rds, &[&d]);
    assert_eq!(
        failed(check_export(&rds, check_input(NOW), NOW).await).name(),
        "ExportNotFound"
    );

    let (slow, done) = (
        export_described(BASE_ID, "IN_PROGRESS"),
        export_described(BASE_ID, "COMPLETE"),
    );
    let rds = mocked!(aws_sdk_rds, &[&slow, &done]);
    let e = failed(check_export(&rds, check_input(NOW - 86_401), NOW).await);
    assert_eq!(e.name(), "ExportWaitTimedOut");
    assert!(
        e.to_string().contains(BASE_ID) && e.to_string().contains("86401"),
        "{e}"
    );
    // A terminal status past the limit is reported, not timed out.
    let s = ok(check_export(&rds, check_input(NOW - 86_401), NOW).await);
    assert_eq!(s.status, ExportStatus::Complete);
}

#[tokio::test]
async fn a_redrive_restarts_the_export_wait() {
    // Timed out once (the wait began 24 h + 1 s ago) ...
    let slow = export_described(BASE_ID, "IN_PROGRESS");
    let rds = mocked!(aws_sdk_rds, &[&slow]);
    assert_eq!(
        failed(check_export(&rds, check_input(NOW - 86_401), NOW).await).name(),
        "ExportWaitTimedOut"
    );
    // ... redriven: the same input with RedriveCount 1 waits a full window again.
    let slow = export_described(BASE_ID, "IN_PROGRESS");
    let rds = mocked!(aws_sdk_rds, &[&slow]);
    let redriven = CheckExportInput {
        redrive_count: 1,
        ..check_input(NOW - 86_401)
    };
    let state = ok(check_export(&rds, redriven, NOW).await);
    assert_eq!((state.wait_started_at, state.redrive_count), (NOW, 1));
    assert_eq!(
        state.started_at,
        NOW - 86_401,
        "the export's own start is kept"
    );
    // The next check of the same run does not restart it again.
    let slow = export_described(BASE_ID, "IN_PROGRESS");
    let rds = mocked!(aws_sdk_rds, &[&slow]);
    let next = CheckExportInput {
        redrive_count: 1,
        export: state,
        ..check_input(NOW)
    };
    let later = ok(check_export(&rds, next, NOW + 600).await);
    assert_eq!(later.wait_started_at, NOW);
}

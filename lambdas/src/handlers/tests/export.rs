//! StartExport and CheckExport over mocked RDS: start, adopt, next attempt, races, every
//! error mapping, progress and timeouts.

use aws_sdk_rds::operation::describe_export_tasks::{
    DescribeExportTasksError, DescribeExportTasksOutput,
};
use aws_sdk_rds::operation::start_export_task::{StartExportTaskError, StartExportTaskOutput};
use aws_sdk_rds::types::ExportTask;
use aws_smithy_mocks::{Rule, mock};
use contract::{CheckExportInput, ExportStatus, JobAction, MAX_EXPORT_ATTEMPTS, StartExportInput};

use super::{ARN, BASE_ID, export_state, failed, job, meta, mocked, ok, policy};
use crate::config::StartExportConfig;
use crate::handlers::check_export::check_export;
use crate::handlers::start_export::start_export;

const NOW: i64 = 1_800_000_000;

fn cfg(prefix: &str) -> StartExportConfig {
    StartExportConfig {
        bucket: "analytics-exports".into(),
        prefix: prefix.into(),
        kms_key_arn: "arn:aws:kms:us-east-1:1:key/k".into(),
        export_role_arn: "arn:aws:iam::1:role/export".into(),
        prod_role: None,
    }
}

fn input() -> StartExportInput {
    StartExportInput {
        job: job(),
        policy: policy(),
        max_attempts: contract::MAX_EXPORT_ATTEMPTS,
        redrive_count: 0,
    }
}

fn task(id: &str, status: &str) -> ExportTask {
    ExportTask::builder()
        .export_task_identifier(id)
        .source_arn(ARN)
        .status(status)
        .s3_bucket("analytics-exports")
        .s3_prefix("rds")
        .build()
}

fn described(id: &'static str, status: &'static str) -> Rule {
    mock!(aws_sdk_rds::Client::describe_export_tasks)
        .match_requests(move |r| r.export_task_identifier() == Some(id))
        .then_output(move || {
            DescribeExportTasksOutput::builder()
                .export_tasks(task(id, status))
                .build()
        })
}

fn unknown(id: &'static str) -> Rule {
    mock!(aws_sdk_rds::Client::describe_export_tasks)
        .match_requests(move |r| r.export_task_identifier() == Some(id))
        .then_error(|| DescribeExportTasksError::generic(meta("ExportTaskNotFound")))
}

fn started(id: &'static str, prefix: Option<&'static str>) -> Rule {
    mock!(aws_sdk_rds::Client::start_export_task)
        .match_requests(move |r| {
            r.export_task_identifier() == Some(id)
                && r.source_arn() == Some(ARN)
                && r.s3_bucket_name() == Some("analytics-exports")
                && r.s3_prefix() == prefix
                && r.iam_role_arn() == Some("arn:aws:iam::1:role/export")
                && r.kms_key_id() == Some("arn:aws:kms:us-east-1:1:key/k")
                && r.export_only().is_empty()
        })
        .then_output(move || {
            StartExportTaskOutput::builder()
                .export_task_identifier(id)
                .source_arn(ARN)
                .status("STARTING")
                .s3_bucket("analytics-exports")
                .set_s3_prefix(prefix.map(str::to_owned))
                .build()
        })
}

fn start_fails(code: &'static str) -> Rule {
    mock!(aws_sdk_rds::Client::start_export_task)
        .then_error(move || StartExportTaskError::generic(meta(code)))
}

#[tokio::test]
async fn starts_attempt_one() {
    let (d, s) = (unknown(BASE_ID), started(BASE_ID, Some("rds")));
    let rds = mocked!(aws_sdk_rds, &[&d, &s]);
    let state = ok(start_export(&rds, &cfg("rds"), &input(), NOW).await);
    assert_eq!(state.export_task_id, BASE_ID);
    assert_eq!(
        (state.attempt, state.adopted, state.status),
        (1, false, ExportStatus::Starting)
    );
    assert_eq!(state.s3_prefix, format!("rds/{BASE_ID}"));
    assert_eq!((state.started_at, state.checks), (NOW, 0));
    assert!((30..=1800).contains(&state.next_poll_seconds));
    assert_eq!(state.failure_cause, "");
    assert_eq!(s.num_calls(), 1);
}

#[tokio::test]
async fn no_prefix_omits_s3_prefix() {
    let (d, s) = (unknown(BASE_ID), started(BASE_ID, None));
    let rds = mocked!(aws_sdk_rds, &[&d, &s]);
    let state = ok(start_export(&rds, &cfg(""), &input(), NOW).await);
    assert_eq!(state.s3_prefix, BASE_ID);
    assert_eq!(s.num_calls(), 1);
}

#[tokio::test]
async fn adopts_a_running_or_complete_export_in_any_case() {
    for (status, expected) in [
        ("IN_PROGRESS", ExportStatus::InProgress),
        ("complete", ExportStatus::Complete),
        ("starting", ExportStatus::Starting),
        ("CANCELING", ExportStatus::Canceling),
    ] {
        let d = described(BASE_ID, status);
        let rds = mocked!(aws_sdk_rds, &[&d]);
        let state = ok(start_export(&rds, &cfg("rds"), &input(), NOW).await);
        assert!(state.adopted);
        assert_eq!((state.attempt, state.status), (1, expected));
    }
}

#[tokio::test]
async fn failed_attempt_one_starts_r2_and_canceled_r2_starts_r3() {
    let r2 = format!("{BASE_ID}-r2");
    let r2: &'static str = Box::leak(r2.into_boxed_str());
    let r3: &'static str = Box::leak(format!("{BASE_ID}-r3").into_boxed_str());
    let (a, b, c, s) = (
        described(BASE_ID, "FAILED"),
        described(r2, "canceled"),
        unknown(r3),
        started(r3, Some("rds")),
    );
    let rds = mocked!(aws_sdk_rds, &[&a, &b, &c, &s]);
    let state = ok(start_export(&rds, &cfg("rds"), &input(), NOW).await);
    assert_eq!(state.export_task_id, r3);
    assert_eq!((state.attempt, state.adopted), (3, false));
    assert_eq!(state.s3_prefix, format!("rds/{r3}"));
}

#[tokio::test]
async fn already_exists_race_adopts_the_winner() {
    let (d1, s, d2) = (
        unknown(BASE_ID),
        start_fails("ExportTaskAlreadyExists"),
        described(BASE_ID, "STARTING"),
    );
    let rds = mocked!(aws_sdk_rds, &[&d1, &s, &d2]);
    let state = ok(start_export(&rds, &cfg("rds"), &input(), NOW).await);
    assert!(state.adopted);
    assert_eq!(state.export_task_id, BASE_ID);
}

#[tokio::test]
async fn start_errors_map_to_contract_names() {
    let cases = [
        ("DBSnapshotNotFound", "SnapshotNotFound", ARN),
        ("DBClusterSnapshotNotFoundFault", "SnapshotNotFound", ARN),
        (
            "IamRoleMissingPermissions",
            "ExportPermissionDenied",
            "role/export",
        ),
        (
            "IamRoleNotFound",
            "ExportPermissionDenied",
            "EXPORT_ROLE_ARN",
        ),
        (
            "KMSKeyNotAccessibleFault",
            "ExportPermissionDenied",
            "key/k",
        ),
        (
            "InvalidS3BucketFault",
            "ExportPermissionDenied",
            "analytics-exports",
        ),
        ("InvalidExportOnly", "ExportRejected", "EXPORT_ONLY"),
        ("InvalidExportSourceState", "SnapshotNotAvailable", ARN),
        ("ExportTaskLimitReachedFault", "ExportQuotaReached", "quota"),
        ("ExportTaskQuotaExceeded", "ExportQuotaReached", "quota"),
        ("LimitExceededException", "ExportQuotaReached", "quota"),
        ("RequestLimitExceeded", "Throttled", "RequestLimitExceeded"),
        ("ThrottlingException", "Throttled", "StartExportTask"),
        ("InvalidParameterValue", "AwsError", "InvalidParameterValue"),
    ];
    for (code, name, mentions) in cases {
        let (d, s) = (unknown(BASE_ID), start_fails(code));
        let rds = mocked!(aws_sdk_rds, &[&d, &s]);
        let e = failed(start_export(&rds, &cfg("rds"), &input(), NOW).await);
        assert_eq!(e.name(), name, "{code}: {e}");
        assert!(e.to_string().contains(mentions), "{code}: {e}");
    }
}

#[tokio::test]
async fn server_errors_and_throttled_describe() {
    let d = unknown(BASE_ID);
    let s = mock!(aws_sdk_rds::Client::start_export_task)
        .sequence()
        .http_status(503, None)
        .build();
    let rds = mocked!(aws_sdk_rds, &[&d, &s]);
    assert_eq!(
        failed(start_export(&rds, &cfg("rds"), &input(), NOW).await).name(),
        "TransientAwsError"
    );
    let t = mock!(aws_sdk_rds::Client::describe_export_tasks)
        .then_error(|| DescribeExportTasksError::generic(meta("Throttling")));
    let rds = mocked!(aws_sdk_rds, &[&t]);
    assert_eq!(
        failed(start_export(&rds, &cfg("rds"), &input(), NOW).await).name(),
        "Throttled"
    );
}

#[tokio::test]
async fn every_attempt_spent_is_exhausted() {
    let all_failed = mock!(aws_sdk_rds::Client::describe_export_tasks).then_compute_output(|r| {
        DescribeExportTasksOutput::builder()
            .export_tasks(task(
                r.export_task_identifier().unwrap_or_default(),
                "FAILED",
            ))
            .build()
    });
    let rds = aws_smithy_mocks::mock_client!(
        aws_sdk_rds,
        aws_smithy_mocks::RuleMode::MatchAny,
        &[&all_failed]
    );
    let e = failed(start_export(&rds, &cfg("rds"), &input(), NOW).await);
    assert_eq!(e.name(), "ExportAttemptsExhausted");
    assert_eq!(all_failed.num_calls(), MAX_EXPORT_ATTEMPTS as usize);
}

#[tokio::test]
async fn refuses_bad_input_and_foreign_exports() {
    let rds = mocked!(aws_sdk_rds, &[] as &[&Rule]);
    let mut i = input();
    i.job.action = JobAction::Ignore;
    assert_eq!(
        failed(start_export(&rds, &cfg("rds"), &i, NOW).await).name(),
        "InvalidInput"
    );
    let mut i = input();
    i.job.export_task_id = "../x".into();
    assert_eq!(
        failed(start_export(&rds, &cfg("rds"), &i, NOW).await).name(),
        "InvalidInput"
    );

    let other = mock!(aws_sdk_rds::Client::describe_export_tasks).then_output(|| {
        let t = ExportTask::builder()
            .export_task_identifier(BASE_ID)
            .source_arn("arn:aws:rds:us-east-1:1:snapshot:other")
            .status("COMPLETE")
            .build();
        DescribeExportTasksOutput::builder().export_tasks(t).build()
    });
    let rds = mocked!(aws_sdk_rds, &[&other]);
    assert_eq!(
        failed(start_export(&rds, &cfg("rds"), &input(), NOW).await).name(),
        "ExportRejected"
    );
}

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
    let d = described(BASE_ID, "FAILED");
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
    let d = unknown(BASE_ID);
    let rds = mocked!(aws_sdk_rds, &[&d]);
    assert_eq!(
        failed(check_export(&rds, check_input(NOW), NOW).await).name(),
        "ExportNotFound"
    );

    let (slow, done) = (
        described(BASE_ID, "IN_PROGRESS"),
        described(BASE_ID, "COMPLETE"),
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
async fn the_attempt_budget_is_max_attempts_plus_the_redrives() {
    let r2: &'static str = Box::leak(format!("{BASE_ID}-r2").into_boxed_str());
    let r3: &'static str = Box::leak(format!("{BASE_ID}-r3").into_boxed_str());
    let budget = |max_attempts, redrive_count| StartExportInput {
        max_attempts,
        redrive_count,
        ..input()
    };
    // Two attempts allowed, both FAILED: ExportFailed at StartExport, with the last cause,
    // and nothing started.
    let (a, b, c) = (
        described(BASE_ID, "FAILED"),
        described(r2, "FAILED"),
        unknown(r3),
    );
    let rds = mocked!(aws_sdk_rds, &[&a, &b, &c]);
    let e = failed(start_export(&rds, &cfg("rds"), &budget(2, 0), NOW).await);
    assert_eq!(e.name(), "ExportFailed");
    assert!(
        e.to_string().contains(r2) && e.to_string().contains("Redrive"),
        "{e}"
    );
    // The last spent attempt was canceled: ExportCanceled.
    let (a, b, c) = (
        described(BASE_ID, "FAILED"),
        described(r2, "CANCELED"),
        unknown(r3),
    );
    let rds = mocked!(aws_sdk_rds, &[&a, &b, &c]);
    let e = failed(start_export(&rds, &cfg("rds"), &budget(2, 0), NOW).await);
    assert_eq!(e.name(), "ExportCanceled");
    // One redrive later: exactly one more attempt starts.
    let (a, b, c, s) = (
        described(BASE_ID, "FAILED"),
        described(r2, "FAILED"),
        unknown(r3),
        started(r3, Some("rds")),
    );
    let rds = mocked!(aws_sdk_rds, &[&a, &b, &c, &s]);
    let state = ok(start_export(&rds, &cfg("rds"), &budget(2, 1), NOW).await);
    assert_eq!((state.export_task_id.as_str(), state.attempt), (r3, 3));
    assert_eq!(state.redrive_count, 1);
    // A running attempt past the budget (a duplicate execution started it) is adopted.
    let (a, b, c) = (
        described(BASE_ID, "FAILED"),
        described(r2, "FAILED"),
        described(r3, "IN_PROGRESS"),
    );
    let rds = mocked!(aws_sdk_rds, &[&a, &b, &c]);
    let state = ok(start_export(&rds, &cfg("rds"), &budget(2, 0), NOW).await);
    assert!(state.adopted);
    assert_eq!(state.export_task_id, r3);
}

#[tokio::test]
async fn a_redrive_restarts_the_export_wait() {
    // Timed out once (the wait began 24 h + 1 s ago) ...
    let slow = described(BASE_ID, "IN_PROGRESS");
    let rds = mocked!(aws_sdk_rds, &[&slow]);
    assert_eq!(
        failed(check_export(&rds, check_input(NOW - 86_401), NOW).await).name(),
        "ExportWaitTimedOut"
    );
    // ... redriven: the same input with RedriveCount 1 waits a full window again.
    let slow = described(BASE_ID, "IN_PROGRESS");
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
    let slow = described(BASE_ID, "IN_PROGRESS");
    let rds = mocked!(aws_sdk_rds, &[&slow]);
    let next = CheckExportInput {
        redrive_count: 1,
        export: state,
        ..check_input(NOW)
    };
    let later = ok(check_export(&rds, next, NOW + 600).await);
    assert_eq!(later.wait_started_at, NOW);
}

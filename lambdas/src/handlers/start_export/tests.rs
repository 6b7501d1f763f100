//! StartExport over mocked RDS: start, adopt, next attempt, races, every error mapping and
//! the attempt budget.

use aws_sdk_rds::operation::describe_export_tasks::{
    DescribeExportTasksError, DescribeExportTasksOutput,
};
use aws_sdk_rds::operation::start_export_task::{StartExportTaskError, StartExportTaskOutput};
use aws_sdk_rds::types::ExportTask;
use aws_smithy_mocks::{Rule, mock};
use contract::{ExportStatus, JobAction, MAX_EXPORT_ATTEMPTS, StartExportInput};

use super::start_export;
use crate::config::StartExportConfig;
use crate::test_support::{
    ARN, BASE_ID, export_described, export_task, export_unknown, failed, job, meta, mocked, ok,
    policy,
};

const NOW: i64 = 1_800_000_000;

fn cfg(prefix: &str) -> StartExportConfig {
    StartExportConfig {
        sources: Default::default(),
        bucket: "analytics-exports".into(),
        prefix: prefix.into(),
        kms_key_arn: "arn:aws:kms:us-east-1:1:key/k".into(),
        export_role_arn: "arn:aws:iam::1:role/export".into(),
        prod_role: None,
        slots_table: None,
    }
}

fn input() -> StartExportInput {
    StartExportInput {
        job: job(),
        policy: policy(),
        max_attempts: contract::MAX_EXPORT_ATTEMPTS,
        redrive_count: 0,
        slots: false,
        execution_id: None,
    }
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
    let (d, s) = (export_unknown(BASE_ID), started(BASE_ID, Some("rds")));
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
    let (d, s) = (export_unknown(BASE_ID), started(BASE_ID, None));
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
        let d = export_described(BASE_ID, status);
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
        export_described(BASE_ID, "FAILED"),
        export_described(r2, "canceled"),
        export_unknown(r3),
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
        export_unknown(BASE_ID),
        start_fails("ExportTaskAlreadyExists"),
        export_described(BASE_ID, "STARTING"),
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
        let (d, s) = (export_unknown(BASE_ID), start_fails(code));
        let rds = mocked!(aws_sdk_rds, &[&d, &s]);
        let e = failed(start_export(&rds, &cfg("rds"), &input(), NOW).await);
        assert_eq!(e.name(), name, "{code}: {e}");
        assert!(e.to_string().contains(mentions), "{code}: {e}");
    }
}

#[tokio::test]
async fn server_errors_and_throttled_describe() {
    let d = export_unknown(BASE_ID);
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
            .export_tasks(export_task(
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
        export_described(BASE_ID, "FAILED"),
        export_described(r2, "FAILED"),
        export_unknown(r3),
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
        export_described(BASE_ID, "FAILED"),
        export_described(r2, "CANCELED"),
        export_unknown(r3),
    );
    let rds = mocked!(aws_sdk_rds, &[&a, &b, &c]);
    let e = failed(start_export(&rds, &cfg("rds"), &budget(2, 0), NOW).await);
    assert_eq!(e.name(), "ExportCanceled");
    // One redrive later: exactly one more attempt starts.
    let (a, b, c, s) = (
        export_described(BASE_ID, "FAILED"),
        export_described(r2, "FAILED"),
        export_unknown(r3),
        started(r3, Some("rds")),
    );
    let rds = mocked!(aws_sdk_rds, &[&a, &b, &c, &s]);
    let state = ok(start_export(&rds, &cfg("rds"), &budget(2, 1), NOW).await);
    assert_eq!((state.export_task_id.as_str(), state.attempt), (r3, 3));
    assert_eq!(state.redrive_count, 1);
    // A running attempt past the budget (a duplicate execution started it) is adopted.
    let (a, b, c) = (
        export_described(BASE_ID, "FAILED"),
        export_described(r2, "FAILED"),
        export_described(r3, "IN_PROGRESS"),
    );
    let rds = mocked!(aws_sdk_rds, &[&a, &b, &c]);
    let state = ok(start_export(&rds, &cfg("rds"), &budget(2, 0), NOW).await);
    assert!(state.adopted);
    assert_eq!(state.export_task_id, r3);
}

#[tokio::test]
async fn rds_quota_fault_is_export_quota_reached_and_retried() {
    // RDS's answer past 5 running exports is not in aws-sdk-rds's error model: matched by
    // its code. The graph retries ExportQuotaReached (contract::errors::EXPORT_CAPACITY).
    let (d, s) = (
        export_unknown(BASE_ID),
        start_fails("ExportTaskLimitReachedFault"),
    );
    let rds = mocked!(aws_sdk_rds, &[&d, &s]);
    let e = failed(start_export(&rds, &cfg("rds"), &input(), NOW).await);
    assert_eq!(e.name(), contract::errors::EXPORT_QUOTA_REACHED, "{e}");
    assert!(e.is_retryable(), "{e}");
    assert!(e.to_string().contains("ExportTaskLimitReachedFault"), "{e}");
}

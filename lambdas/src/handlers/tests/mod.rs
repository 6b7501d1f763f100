//! Unit tests of the handlers over mocked AWS clients (aws-smithy-mocks), plus the shared
//! fixtures they use.

mod catalog_tables;
mod copy_objects;
mod crawler;
mod export;
mod normalize;
mod notify;
mod rewrite_acl;

use aws_smithy_types::error::ErrorMetadata;
use contract::{
    ExportState, ExportStatus, Job, JobAction, PollPolicy, SnapshotType, SourceKind, Trigger,
};

/// A mocked client of `$sdk` answering with `$rules` in order, without SDK retries (the
/// handlers' own retry and classification are under test, not the SDK's).
macro_rules! mocked {
    ($sdk:ident, $rules:expr) => {
        aws_smithy_mocks::mock_client!($sdk, aws_smithy_mocks::RuleMode::Sequential, $rules, |b| b
            .retry_config($sdk::config::retry::RetryConfig::disabled()))
    };
}
pub(crate) use mocked;

/// Error metadata with an AWS error code.
pub(crate) fn meta(code: &str) -> ErrorMetadata {
    ErrorMetadata::builder()
        .code(code)
        .message(format!("{code} message"))
        .build()
}

pub(crate) const ARN: &str =
    "arn:aws:rds:us-east-1:111122223333:snapshot:rds:orders-2026-11-24-03-10";
pub(crate) const BASE_ID: &str = "rds-orders-2026-11-24-03-10-0a1b2c3d";

pub(crate) fn job() -> Job {
    Job {
        action: JobAction::Export,
        ignore_reason: None,
        snapshot_arn: ARN.into(),
        source_kind: SourceKind::DbSnapshot,
        snapshot_id: "rds:orders-2026-11-24-03-10".into(),
        db_identifier: Some("orders".into()),
        snapshot_type: Some(SnapshotType::Automated),
        trigger: Trigger::Event,
        event_id: Some("RDS-EVENT-0091".into()),
        export_task_id: BASE_ID.into(),
        export_only: vec![],
    }
}

/// StartCrawler's first input: the state document after the export, no crawl yet.
pub(crate) fn first_crawl() -> contract::StartCrawlerInput {
    contract::StartCrawlerInput {
        state: contract::PipelineState {
            job: Some(job()),
            ..Default::default()
        },
        redrive_count: 0,
    }
}

pub(crate) fn policy() -> PollPolicy {
    PollPolicy {
        min_poll_seconds: 30,
        max_poll_seconds: 1800,
        max_wait_seconds: 86_400,
        max_polls: 2_400,
        events: false,
    }
}

pub(crate) fn export_state(id: &str, status: ExportStatus, prefix: &str) -> ExportState {
    ExportState {
        export_task_id: id.into(),
        attempt: 1,
        adopted: false,
        status,
        percent_progress: 0,
        total_extracted_gb: None,
        failure_cause: String::new(),
        warnings: vec![],
        snapshot_time: None,
        s3_bucket: "analytics-exports".into(),
        s3_prefix: if prefix.is_empty() {
            id.to_owned()
        } else {
            format!("{prefix}/{id}")
        },
        started_at: 1_000,
        wait_started_at: 0,
        redrive_count: 0,
        checks: 0,
        next_poll_seconds: 30,
        progress: vec![],
    }
}

/// The error of a result that must have failed.
pub(crate) fn failed<T: std::fmt::Debug>(
    r: Result<T, crate::error::TaskError>,
) -> crate::error::TaskError {
    match r {
        Err(e) => e,
        Ok(v) => panic!("expected an error, got {v:?}"),
    }
}

/// The value of a result that must have succeeded.
pub(crate) fn ok<T>(r: Result<T, crate::error::TaskError>) -> T {
    r.unwrap_or_else(|e| panic!("unexpected {}: {e}", e.name()))
}

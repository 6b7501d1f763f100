//! What the unit tests share: mocked AWS clients (aws-smithy-mocks), error metadata, the
//! fixtures of [`fixtures`] (also compiled into the moto tests), an export state, the mock
//! answers more than one handler's tests expect (an export task described or unknown, a Glue
//! crawler), and the checks of a result that must have failed or succeeded.

mod fixtures;

use aws_sdk_glue::operation::get_crawler::GetCrawlerOutput;
use aws_sdk_glue::types::{Crawler, CrawlerState as GlueState, LastCrawlInfo, LastCrawlStatus};
use aws_sdk_rds::operation::describe_export_tasks::{
    DescribeExportTasksError, DescribeExportTasksOutput,
};
use aws_sdk_rds::types::ExportTask;
use aws_smithy_mocks::{Rule, mock};
use aws_smithy_types::DateTime;
use aws_smithy_types::error::ErrorMetadata;
use contract::{ExportState, ExportStatus};

use crate::config::CrawlerConfig;
use crate::error::TaskError;

pub(crate) use fixtures::{ARN, BASE_ID, first_crawl, job, policy};

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
        warnings_total: 0,
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
pub(crate) fn failed<T: std::fmt::Debug>(r: Result<T, TaskError>) -> TaskError {
    match r {
        Err(e) => e,
        Ok(v) => panic!("expected an error, got {v:?}"),
    }
}

/// The value of a result that must have succeeded.
pub(crate) fn ok<T>(r: Result<T, TaskError>) -> T {
    r.unwrap_or_else(|e| panic!("unexpected {}: {e}", e.name()))
}

/// An export task as DescribeExportTasks shows it (of [`ARN`], in `analytics-exports/rds`).
pub(crate) fn export_task(id: &str, status: &str) -> ExportTask {
    ExportTask::builder()
        .export_task_identifier(id)
        .source_arn(ARN)
        .status(status)
        .s3_bucket("analytics-exports")
        .s3_prefix("rds")
        .build()
}

/// DescribeExportTasks of `id` answers the task with `status`.
pub(crate) fn export_described(id: &'static str, status: &'static str) -> Rule {
    mock!(aws_sdk_rds::Client::describe_export_tasks)
        .match_requests(move |r| r.export_task_identifier() == Some(id))
        .then_output(move || {
            DescribeExportTasksOutput::builder()
                .export_tasks(export_task(id, status))
                .build()
        })
}

/// DescribeExportTasks of `id` answers ExportTaskNotFound.
pub(crate) fn export_unknown(id: &'static str) -> Rule {
    mock!(aws_sdk_rds::Client::describe_export_tasks)
        .match_requests(move |r| r.export_task_identifier() == Some(id))
        .then_error(|| DescribeExportTasksError::generic(meta("ExportTaskNotFound")))
}

/// The crawler both crawler functions are configured with.
pub(crate) fn crawler_config() -> CrawlerConfig {
    CrawlerConfig {
        crawler_name: "exports".into(),
    }
}

/// GetCrawler answers the crawler in `state`, with its last crawl (status, start time,
/// error message) when given.
pub(crate) fn crawler_answer(
    state: GlueState,
    last: Option<(&'static str, i64, Option<&'static str>)>,
) -> Rule {
    mock!(aws_sdk_glue::Client::get_crawler).then_output(move || {
        let mut c = Crawler::builder().name("exports").state(state.clone());
        if let Some((status, start, msg)) = last {
            c = c.last_crawl(
                LastCrawlInfo::builder()
                    .status(LastCrawlStatus::from(status))
                    .start_time(DateTime::from_secs(start))
                    .set_error_message(msg.map(str::to_owned))
                    .build(),
            );
        }
        GetCrawlerOutput::builder().crawler(c.build()).build()
    })
}

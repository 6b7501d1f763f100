//! The task contract: the typed input and output of every Lambda task in the pipeline.
//!
//! The state machine and the Lambda handlers both depend on these types, so a JSONPath in
//! the generated graph (say `$.export.next_poll_seconds`) always names a real field of a
//! real payload. Nothing here depends on the AWS SDK: the lambdas crate converts SDK
//! types into these.
//!
//! The execution's state document grows as the pipeline runs:
//!
//! ```json
//! { "job": Job, "export": ExportState, "acl": AclState, "crawler": CrawlerState,
//!   "error": CaughtError, "notification": NotifyOutput }
//! ```
//!
//! Every optional field is omitted when unset, and the graph only ever reads fields that are
//! always present at the point where it reads them.

pub mod errors;
pub mod export_id;

use serde::{Deserialize, Serialize};

/// Longest export task identifier RDS accepts in practice.
pub const EXPORT_TASK_ID_MAX_LEN: usize = 60;

/// Longest base export task identifier Normalize produces, leaving room for a `-r<N>` attempt
/// suffix (N up to [`MAX_EXPORT_ATTEMPTS`]) within [`EXPORT_TASK_ID_MAX_LEN`].
pub const EXPORT_TASK_ID_BASE_MAX_LEN: usize = 56;

/// Export attempts StartExport makes for one snapshot before it gives up
/// (`ExportAttemptsExhausted`): attempt 1 uses the base id, attempt N the suffix `-r<N>`.
pub const MAX_EXPORT_ATTEMPTS: u32 = 99;

/// Most recent progress samples kept in [`ExportState::progress`] (bounds the payload).
pub const MAX_PROGRESS_SAMPLES: usize = 16;

/// What Normalize decided to do with its input.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum JobAction {
    /// Export the snapshot.
    Export,
    /// Nothing to do (filtered out, unrelated event); the execution ends in `Ignored`.
    Ignore,
}

impl JobAction {
    /// The exact string the graph's Choice compares `$.job.action` with.
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::Export => "export",
            Self::Ignore => "ignore",
        }
    }
}

/// The kind of snapshot being exported (from the ARN: `:snapshot:` or `:cluster-snapshot:`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum SourceKind {
    /// An RDS DB instance snapshot.
    DbSnapshot,
    /// An Aurora DB cluster snapshot.
    ClusterSnapshot,
}

/// How the snapshot came to be, from the event id (or `rds:` prefix) when known.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum SnapshotType {
    /// Taken by a person or a tool (RDS-EVENT-0042, RDS-EVENT-0075).
    Manual,
    /// Taken by the automated backup window (RDS-EVENT-0091, RDS-EVENT-0169).
    Automated,
    /// A finished snapshot copy (RDS-EVENT-0197).
    Copy,
}

/// What started the execution.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Trigger {
    /// An EventBridge RDS snapshot event.
    Event,
    /// A manual input `{"snapshot_arn": ...}` (console, CLI, re-run).
    Manual,
}

/// Manual execution input: what an operator (console, CLI) starts an execution with.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ManualInput {
    /// ARN of the DB snapshot or DB cluster snapshot to export.
    pub snapshot_arn: String,
    /// Optional ExportOnly list (`database`, `database.schema`, `database.schema.table`, ...).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub export_only: Vec<String>,
}

/// Output of Normalize, kept at `$.job` for the rest of the execution.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Job {
    /// Whether to export or to end in `Ignored`.
    pub action: JobAction,
    /// Why the input was ignored (set when `action` is `ignore`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ignore_reason: Option<String>,
    /// ARN of the snapshot to export.
    pub snapshot_arn: String,
    /// Instance or cluster snapshot.
    pub source_kind: SourceKind,
    /// The snapshot identifier (last ARN segment, e.g. `rds:orders-2026-11-24-03-10`).
    pub snapshot_id: String,
    /// The DB instance or cluster identifier, when the input says it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub db_identifier: Option<String>,
    /// Manual, automated or copy, when known.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub snapshot_type: Option<SnapshotType>,
    /// Event or manual input.
    pub trigger: Trigger,
    /// The RDS event id (`RDS-EVENT-0091`) for event triggers.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub event_id: Option<String>,
    /// Deterministic base export task id (at most [`EXPORT_TASK_ID_BASE_MAX_LEN`] chars).
    pub export_task_id: String,
    /// ExportOnly list; empty exports everything.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub export_only: Vec<String>,
}

/// Export task status, always upper case here (moto answers in lower case: compare
/// case-insensitively when parsing).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum ExportStatus {
    /// Restoring and scaling the database; no progress yet.
    Starting,
    /// Extracting; `PercentProgress` moves.
    InProgress,
    /// Done; objects are in S3.
    Complete,
    /// Failed; `FailureCause` says why.
    Failed,
    /// Being canceled.
    Canceling,
    /// Canceled.
    Canceled,
}

impl ExportStatus {
    /// The exact string the graph's Choice compares `$.export.status` with.
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::Starting => "STARTING",
            Self::InProgress => "IN_PROGRESS",
            Self::Complete => "COMPLETE",
            Self::Failed => "FAILED",
            Self::Canceling => "CANCELING",
            Self::Canceled => "CANCELED",
        }
    }

    /// Parses an RDS status in any case (`complete`, `COMPLETE`); `None` when unknown.
    pub fn parse(s: &str) -> Option<Self> {
        [
            Self::Starting,
            Self::InProgress,
            Self::Complete,
            Self::Failed,
            Self::Canceling,
            Self::Canceled,
        ]
        .into_iter()
        .find(|status| status.as_str().eq_ignore_ascii_case(s))
    }

    /// True for COMPLETE, FAILED and CANCELED: nothing will change any more.
    pub const fn is_terminal(self) -> bool {
        matches!(self, Self::Complete | Self::Failed | Self::Canceled)
    }
}

/// One observation of an export's progress, for the polling policy's rate estimate.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct ProgressSample {
    /// When it was observed, seconds since the Unix epoch.
    pub at: i64,
    /// PercentProgress observed (0-100).
    pub percent: u8,
}

/// Polling bounds, written into the graph from `PipelineConfig` and handed to StartExport and
/// CheckExport as the literal `policy` parameter.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct PollPolicy {
    /// Shortest wait between two polls, seconds.
    pub min_poll_seconds: u32,
    /// Longest wait between two polls, seconds.
    pub max_poll_seconds: u32,
    /// Total time an export may take, from StartExport, before `ExportWaitTimedOut`.
    pub max_wait_seconds: u64,
}

/// StartExport's input (Parameters `{"job.$": "$.job", "policy": {...}}`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StartExportInput {
    /// The job Normalize produced.
    pub job: Job,
    /// Polling bounds for the first wait.
    pub policy: PollPolicy,
}

/// StartExport's and CheckExport's output, kept at `$.export`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ExportState {
    /// The export task id of the current attempt (the base id, or base + `-r<N>`).
    pub export_task_id: String,
    /// Attempt number, 1 for the base id.
    pub attempt: u32,
    /// True when StartExport found the task already running or done and adopted it.
    pub adopted: bool,
    /// Current status.
    pub status: ExportStatus,
    /// PercentProgress (0-100).
    pub percent_progress: u8,
    /// TotalExtractedDataInGB, when RDS reports it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub total_extracted_gb: Option<i64>,
    /// FailureCause; always a non-empty string once the status is FAILED or CANCELED (the
    /// graph reads it there), empty before.
    #[serde(default)]
    pub failure_cause: String,
    /// Warnings parsed from WarningMessage (tables skipped and why).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub warnings: Vec<String>,
    /// Bucket the export writes to.
    pub s3_bucket: String,
    /// Where this export's objects land: `<prefix>/<export-id>` (no trailing slash), or
    /// `<export-id>` when no prefix is configured.
    pub s3_prefix: String,
    /// When this pipeline first started or adopted the export, seconds since the epoch.
    pub started_at: i64,
    /// DescribeExportTasks calls so far.
    pub checks: u32,
    /// Seconds WaitForExport waits before the next CheckExport.
    pub next_poll_seconds: u32,
    /// Recent progress observations (at most [`MAX_PROGRESS_SAMPLES`]).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub progress: Vec<ProgressSample>,
}

/// CheckExport's input (Parameters `{"job.$": "$.job", "export.$": "$.export", "policy": {...}}`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CheckExportInput {
    /// The job Normalize produced.
    pub job: Job,
    /// The previous StartExport / CheckExport output.
    pub export: ExportState,
    /// Polling bounds.
    pub policy: PollPolicy,
}

/// RewriteAcl's input: the whole state document (no Parameters), because `$.acl` is absent
/// on the first call and present on the following ones.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RewriteAclInput {
    /// The job Normalize produced.
    pub job: Job,
    /// The completed export.
    pub export: ExportState,
    /// The previous RewriteAcl output when looping.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub acl: Option<AclState>,
}

/// RewriteAcl's output, kept at `$.acl`. Counts are cumulative across loop iterations.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AclState {
    /// The bucket's object ownership (`BucketOwnerEnforced`, `BucketOwnerPreferred`,
    /// `ObjectWriter`, or `None` when no ownership controls are set).
    pub ownership: String,
    /// True when the bucket enforces bucket-owner ownership and no ACL was sent.
    pub skipped: bool,
    /// Objects whose ACL is now bucket-owner-full-control.
    pub rewritten: u64,
    /// Objects that could not be rewritten after retries (the task fails when non-zero).
    pub failed: u64,
    /// RewriteAcl invocations so far (one per loop iteration).
    #[serde(default)]
    pub invocations: u32,
    /// Last key done: the next call lists from after it. Absent when `done`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub continuation_token: Option<String>,
    /// True when every object under the export prefix has been handled.
    pub done: bool,
}

/// Whether StartCrawler started a crawl.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum CrawlStart {
    /// A crawl of ours started.
    Started,
    /// Another crawl was running: wait, then start again (it may predate the export).
    AlreadyRunning,
}

impl CrawlStart {
    /// The exact string the graph's Choice compares `$.crawler.start` with.
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::Started => "STARTED",
            Self::AlreadyRunning => "ALREADY_RUNNING",
        }
    }
}

/// The crawl's outcome as CheckCrawler sees it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum CrawlOutcome {
    /// Not looked at yet (StartCrawler's output).
    Pending,
    /// Our crawl is running or stopping.
    Running,
    /// Our crawl finished (Glue SUCCEEDED; moto says COMPLETED).
    Succeeded,
    /// Our crawl failed; `error_message` says why.
    Failed,
    /// Our crawl was cancelled.
    Cancelled,
}

impl CrawlOutcome {
    /// The exact string the graph's Choice compares `$.crawler.outcome` with.
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::Pending => "PENDING",
            Self::Running => "RUNNING",
            Self::Succeeded => "SUCCEEDED",
            Self::Failed => "FAILED",
            Self::Cancelled => "CANCELLED",
        }
    }
}

/// StartCrawler's input (Parameters `{"job.$": "$.job"}`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StartCrawlerInput {
    /// The job Normalize produced.
    pub job: Job,
}

/// StartCrawler's and CheckCrawler's output, kept at `$.crawler`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CrawlerState {
    /// The Glue crawler's name.
    pub crawler_name: String,
    /// Whether our crawl started or another one was running.
    pub start: CrawlStart,
    /// When our crawl was started (or StartCrawler last tried), seconds since the epoch.
    pub started_at: i64,
    /// The crawl's outcome so far.
    pub outcome: CrawlOutcome,
    /// LastCrawl.ErrorMessage; always a non-empty string once the outcome is FAILED or
    /// CANCELLED (the graph reads it there), empty before.
    #[serde(default)]
    pub error_message: String,
    /// GetCrawler calls so far.
    #[serde(default)]
    pub checks: u32,
}

/// CheckCrawler's bounds, written into the graph from `PipelineConfig`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct CrawlPolicy {
    /// Total time a crawl may take, from StartCrawler, before `CrawlWaitTimedOut`.
    pub max_wait_seconds: u64,
}

/// CheckCrawler's input (Parameters `{"job.$": "$.job", "crawler.$": "$.crawler", "policy": {...}}`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CheckCrawlerInput {
    /// The job Normalize produced.
    pub job: Job,
    /// The previous StartCrawler / CheckCrawler output.
    pub crawler: CrawlerState,
    /// Bounds.
    pub policy: CrawlPolicy,
}

/// An error caught by a Catch (`ResultPath: "$.error"`) or built by a failure Pass state.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CaughtError {
    /// The error name (`InvalidInput`, `ExportFailed`, ...).
    #[serde(rename = "Error")]
    pub error: String,
    /// What happened and what to fix.
    #[serde(rename = "Cause", default)]
    pub cause: String,
}

/// The whole state document, every part optional: what Notify reads.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct PipelineState {
    /// From Normalize.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub job: Option<Job>,
    /// From StartExport / CheckExport.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub export: Option<ExportState>,
    /// From RewriteAcl.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub acl: Option<AclState>,
    /// From StartCrawler / CheckCrawler.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub crawler: Option<CrawlerState>,
    /// The caught error on the failure path.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error: Option<CaughtError>,
}

/// How the execution ended, as the Notify states tell the notify function.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum Outcome {
    /// Exported, ACLs rewritten, crawled.
    Succeeded,
    /// Something failed; `state.error` says what.
    Failed,
}

impl Outcome {
    /// The exact string the graph's Notify states pass as `outcome`.
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::Succeeded => "SUCCEEDED",
            Self::Failed => "FAILED",
        }
    }
}

/// Notify's input (Parameters `{"outcome": "...", "execution_id.$": "$$.Execution.Id",
/// "execution_started_at.$": "$$.Execution.StartTime", "state.$": "$"}`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct NotifyInput {
    /// Success or failure.
    pub outcome: Outcome,
    /// The execution ARN.
    pub execution_id: String,
    /// The execution's start time (ISO 8601, from the context object).
    pub execution_started_at: String,
    /// The state document at this point.
    pub state: PipelineState,
}

/// Notify's output, kept at `$.notification`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct NotifyOutput {
    /// False when no bus is configured (nothing was sent).
    pub sent: bool,
    /// The detail-type sent (`Snapshot Export Succeeded` / `Snapshot Export Failed`).
    pub detail_type: String,
    /// The EventBridge event id, when sent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub event_id: Option<String>,
}

/// Detail-type of the success notification.
pub const DETAIL_TYPE_SUCCEEDED: &str = "Snapshot Export Succeeded";
/// Detail-type of the failure notification.
pub const DETAIL_TYPE_FAILED: &str = "Snapshot Export Failed";

//! StartExport's and CheckExport's payloads: the RDS export task's status as the pipeline
//! tracks it at `$.export`, and the polling policy the graph hands both.

use serde::{Deserialize, Serialize};

use crate::Job;

/// Most recent progress samples kept in [`ExportState::progress`] (bounds the payload).
pub const MAX_PROGRESS_SAMPLES: usize = 16;

/// Most RDS warnings kept in [`ExportState::warnings`] (bounds the payload; the count of all
/// is [`ExportState::warnings_total`]).
pub const MAX_WARNINGS: usize = 50;
/// Longest warning kept, in characters (a longer one is cut, with `…`).
pub const MAX_WARNING_CHARS: usize = 1_000;

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
    /// Most polls one attempt's wait may take
    /// ([`crate::MAX_EXPORT_POLLS_PER_EXECUTION`] shared by the attempts and one redrive):
    /// the wait floor rises so that even a policy stuck at it stays within this.
    pub max_polls: u32,
    /// `[export] events = true`: RDS's export-finished events wake the execution, and
    /// `next_poll_seconds` is the callback's fallback interval (much longer than a poll).
    #[serde(default, skip_serializing_if = "is_false")]
    pub events: bool,
}

fn is_false(b: &bool) -> bool {
    !*b
}

/// StartExport's input (Parameters `{"job.$": "$.job", "policy": {...}, "max_attempts": N,
/// "redrive_count.$": "$$.Execution.RedriveCount"}`). The graph enters StartExport first
/// and again after an attempt ended FAILED or CANCELED.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StartExportInput {
    /// The job Normalize produced.
    pub job: Job,
    /// Polling bounds for the first wait.
    pub policy: PollPolicy,
    /// Attempts that may end FAILED or CANCELED before StartExport fails with
    /// `ExportFailed` / `ExportCanceled` (`[export] max_attempts`); each redrive allows one
    /// more.
    #[serde(default = "default_max_attempts")]
    pub max_attempts: u32,
    /// `$$.Execution.RedriveCount`: 0 before any redrive.
    #[serde(default)]
    pub redrive_count: u32,
}

const fn default_max_attempts() -> u32 {
    1
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
    /// Warnings parsed from WarningMessage (tables skipped and why): at most
    /// [`MAX_WARNINGS`], each at most [`MAX_WARNING_CHARS`] characters.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub warnings: Vec<String>,
    /// How many warnings RDS gave (more than `warnings.len()` when some were not kept).
    #[serde(default)]
    pub warnings_total: u32,
    /// The snapshot's SnapshotTime, seconds since the epoch, once RDS reports it
    /// (CatalogTables orders exports of the same database by it).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub snapshot_time: Option<i64>,
    /// Bucket the export writes to.
    pub s3_bucket: String,
    /// Where this export's objects land: `<prefix>/<export-id>` (no trailing slash), or
    /// `<export-id>` when no prefix is configured.
    pub s3_prefix: String,
    /// When this pipeline first started or adopted the export, seconds since the epoch.
    pub started_at: i64,
    /// When the current wait began: `started_at`, or the first check after a redrive (a
    /// redrive restarts the wait clock, as it resets a Task's timeout).
    #[serde(default)]
    pub wait_started_at: i64,
    /// The execution's RedriveCount when the wait clock last started.
    #[serde(default)]
    pub redrive_count: u32,
    /// DescribeExportTasks calls so far.
    pub checks: u32,
    /// Seconds WaitForExport waits before the next CheckExport.
    pub next_poll_seconds: u32,
    /// Recent progress observations (at most [`MAX_PROGRESS_SAMPLES`]).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub progress: Vec<ProgressSample>,
}

/// CheckExport's input (Parameters `{"job.$": "$.job", "export.$": "$.export", "policy":
/// {...}, "redrive_count.$": "$$.Execution.RedriveCount"}`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CheckExportInput {
    /// The job Normalize produced.
    pub job: Job,
    /// The previous StartExport / CheckExport output.
    pub export: ExportState,
    /// Polling bounds.
    pub policy: PollPolicy,
    /// `$$.Execution.RedriveCount`: 0 before any redrive.
    #[serde(default)]
    pub redrive_count: u32,
}

/// WaitForExportEvent's input (`[export] events = true`; Parameters.Payload `{"job.$",
/// "export.$", "policy", "redrive_count.$", "task_token.$": "$$.Task.Token",
/// "execution_id.$": "$$.Execution.Id"}`). The function stores the token for the export's
/// snapshot, checks the export once and sends the token back at once when the export has
/// ended; `export-events` sends it when RDS says so. The callback's output is CheckExport's
/// ([`ExportState`]).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct WaitForExportInput {
    /// The job Normalize produced.
    pub job: Job,
    /// The previous StartExport / CheckExport output.
    pub export: ExportState,
    /// Polling bounds.
    pub policy: PollPolicy,
    /// `$$.Execution.RedriveCount`: 0 before any redrive.
    #[serde(default)]
    pub redrive_count: u32,
    /// `$$.Task.Token`: new at every entry of the state (a redrive's too).
    pub task_token: String,
    /// `$$.Execution.Id`: one waiting token per execution and snapshot.
    pub execution_id: String,
}

impl WaitForExportInput {
    /// The CheckExport input the same observation is made with.
    pub fn check_input(&self) -> CheckExportInput {
        CheckExportInput {
            job: self.job.clone(),
            export: self.export.clone(),
            policy: self.policy,
            redrive_count: self.redrive_count,
        }
    }
}

/// What `export-events` did with one RDS export event (its output; EventBridge ignores it,
/// the logs and tests read it).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ExportEventOutcome {
    /// The event's snapshot ARN (empty for an event that is not an export event).
    pub snapshot_arn: String,
    /// Why nothing was looked up (not an export-finished event), if so.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ignored: Option<String>,
    /// Waiting executions found for the snapshot.
    pub waiting: u32,
    /// Tokens handed back (the export confirmed ended).
    pub woken: u32,
    /// Waits whose export is still running per DescribeExportTasks (an early or unrelated
    /// event): left waiting.
    pub still_running: u32,
    /// Tokens Step Functions no longer knows (TaskTimedOut, InvalidToken): removed.
    pub stale: u32,
}

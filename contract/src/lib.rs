//! The vocabulary shared by the graph, the Lambda functions and the operator CLI.
//!
//! - the typed input and output of every task, one private module per task (`normalize`,
//!   `export`, `rewrite_acl`, `copy_objects`, `catalog`, `crawler`, `notify`), their types
//!   re-exported here by name (`contract::ExportState`);
//! - `errors`: the error names Retry/Catch match and the functions return as `errorType`;
//! - `export_id`: the deterministic export task id of a snapshot;
//! - `functions`: the function table, the one list of Lambda functions (binary, ARN
//!   placeholder, the Task states that call it, environment), from which the graph, the
//!   start-up validation, the Terraform (`functions.json`), the scripts and the e2e harness
//!   are derived.
//!
//! The state machine and the Lambda handlers both depend on these types, so a JSONPath in
//! the generated graph (say `$.export.next_poll_seconds`) always names a real field of a
//! real payload. Nothing here depends on the AWS SDK or on the ASL model.
//!
//! The execution's state document grows as the pipeline runs:
//!
//! ```json
//! { "job": Job, "export": ExportState, "acl": AclState | "copy": CopyState,
//!   "catalog": CatalogState | "crawler": CrawlerState, "notification": NotifyOutput }
//! ```
//!
//! No Task catches its errors: an error the retries did not absorb fails the execution at
//! that Task, so a redrive (which re-enters the failed state with its recorded input and
//! `$$.Execution.RedriveCount` raised by one) re-runs exactly that task. Every task input
//! that must behave differently on a redrive carries `redrive_count`.
//!
//! Every optional field is omitted when unset, and the graph only ever reads fields that are
//! always present at the point where it reads them.

// The task modules are private: their types are the crate's API at its root (below), so a
// payload can move between modules without breaking a caller, and the list is the API.
mod catalog;
mod copy_objects;
mod crawler;
pub mod errors;
mod export;
pub mod export_id;
pub mod functions;
mod normalize;
mod notify;
mod rewrite_acl;

pub use catalog::{
    CatalogState, CatalogTablesInput, Problem, ProblemKind, REPORT_NAME, SAMPLE_MAX,
    SAMPLE_TEXT_MAX, SchemaChange, Verdict,
};
pub use copy_objects::{CopyObjectsInput, CopyState};
pub use crawler::{
    CheckCrawlerInput, CrawlOutcome, CrawlPolicy, CrawlStart, CrawlerState, StartCrawlerInput,
};
pub use export::{
    CheckExportInput, ExportEventOutcome, ExportState, ExportStatus, MAX_PROGRESS_SAMPLES,
    MAX_WARNING_CHARS, MAX_WARNINGS, PollPolicy, ProgressSample, StartExportInput,
    WaitForExportInput,
};
pub use normalize::{
    Job, JobAction, ManualInput, SnapshotType, SourceKind, Trigger, input_snapshot_arn,
};
pub use notify::{
    DETAIL_TYPE_FAILED, DETAIL_TYPE_SCHEMA_CHANGED, DETAIL_TYPE_SUCCEEDED, ExecutionStatusChange,
    ExecutionStatusDetail, NotifyInput, NotifyOutput, NotifyRequest, PipelineState,
};
pub use rewrite_acl::{AclState, RewriteAclInput};

/// RDS's export-finished event ids: DB snapshot 0159 failed, 0160 canceled, 0161
/// completed; cluster snapshot 0162 failed, 0163 canceled, 0164 completed. export-events
/// acts on them, the Terraform's rules forward them (a test ties those to this list) and
/// preflight checks the deployed rules against it.
pub const EXPORT_FINISHED_EVENT_IDS: [&str; 6] = [
    "RDS-EVENT-0159",
    "RDS-EVENT-0160",
    "RDS-EVENT-0161",
    "RDS-EVENT-0162",
    "RDS-EVENT-0163",
    "RDS-EVENT-0164",
];

/// Longest export task identifier RDS accepts in practice.
pub const EXPORT_TASK_ID_MAX_LEN: usize = 60;

/// Longest base export task identifier Normalize produces, leaving room for a `-r<N>` attempt
/// suffix (N up to [`MAX_EXPORT_ATTEMPTS`]) within [`EXPORT_TASK_ID_MAX_LEN`].
pub const EXPORT_TASK_ID_BASE_MAX_LEN: usize = 56;

/// Export attempt ids one snapshot can ever use (`ExportAttemptsExhausted` past them):
/// attempt 1 uses the base id, attempt N the suffix `-r<N>`. The attempts one execution
/// makes are bounded far below this by `[export] max_attempts` plus its redrives.
pub const MAX_EXPORT_ATTEMPTS: u32 = 99;

/// CheckExport polls one execution may spend on all its export attempts together, a
/// redrive's included: a poll loop (WaitForExport, CheckExport, ExportStatus) adds about 9
/// history events, so 2,000 polls are about 18,000 events, leaving about 7,000 of the
/// 25,000-event limit for the rest (ACL and crawler loops, retries), so a failed execution
/// stays redrivable (a redrive needs a history under 24,999 events).
pub const MAX_EXPORT_POLLS_PER_EXECUTION: u32 = 2_000;

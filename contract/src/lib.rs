//! The vocabulary shared by the graph, the Lambda functions and the operator CLI.
//!
//! - the typed input and output of every task, one module per task (`normalize`, `export`,
//!   `rewrite_acl`, `crawler`, `notify`), re-exported here;
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
//! { "job": Job, "export": ExportState, "acl": AclState, "crawler": CrawlerState,
//!   "notification": NotifyOutput }
//! ```
//!
//! Every optional field is omitted when unset, and the graph only ever reads fields that are
//! always present at the point where it reads them.

mod crawler;
pub mod errors;
mod export;
pub mod export_id;
pub mod functions;
mod normalize;
mod notify;
mod rewrite_acl;

pub use crawler::*;
pub use export::*;
pub use normalize::*;
pub use notify::*;
pub use rewrite_acl::*;

/// Longest export task identifier RDS accepts in practice.
pub const EXPORT_TASK_ID_MAX_LEN: usize = 60;

/// Longest base export task identifier Normalize produces, leaving room for a `-r<N>` attempt
/// suffix (N up to [`MAX_EXPORT_ATTEMPTS`]) within [`EXPORT_TASK_ID_MAX_LEN`].
pub const EXPORT_TASK_ID_BASE_MAX_LEN: usize = 56;

/// Export attempts StartExport makes for one snapshot before it gives up
/// (`ExportAttemptsExhausted`): attempt 1 uses the base id, attempt N the suffix `-r<N>`.
pub const MAX_EXPORT_ATTEMPTS: u32 = 99;

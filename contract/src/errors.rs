//! Error names shared by the graph's Retry/Catch and the Lambda handlers' `errorType`.
//!
//! A Lambda error's `errorType` is the name Retry and Catch match, so these strings are the
//! contract: the lambdas crate maps each error variant to exactly one of them, and the
//! pipeline's retriers list them. Anything not retried fails the execution at the Task
//! that raised it, with this name as the execution's error, so Redrive re-runs that task.

/// The input is neither a supported RDS snapshot event nor a valid manual input; the cause
/// names the field.
pub const INVALID_INPUT: &str = "InvalidInput";
/// The function's environment is missing or has a malformed variable (an init error).
pub const INVALID_CONFIG: &str = "InvalidConfig";
/// An AWS API throttled us (Throttling, TooManyRequests, SlowDown, ...). Retried.
pub const THROTTLED: &str = "Throttled";
/// A 5xx, a timeout or a connection failure talking to AWS. Retried.
pub const TRANSIENT_AWS_ERROR: &str = "TransientAwsError";
/// Five exports are already running in the account. Retried with long waits.
pub const EXPORT_QUOTA_REACHED: &str = "ExportQuotaReached";
/// The snapshot exists but is not `available` yet (still being created or copied). Retried.
pub const SNAPSHOT_NOT_AVAILABLE: &str = "SnapshotNotAvailable";
/// The snapshot (or cluster snapshot) does not exist.
pub const SNAPSHOT_NOT_FOUND: &str = "SnapshotNotFound";
/// RDS refused the export for a permission or set-up reason: export role missing or lacking
/// permissions, KMS key not accessible, bucket invalid. The cause says which.
pub const EXPORT_PERMISSION_DENIED: &str = "ExportPermissionDenied";
/// RDS refused the export request itself (bad ExportOnly list, unsupported source).
pub const EXPORT_REJECTED: &str = "ExportRejected";
/// The last allowed export attempt ended FAILED (StartExport); the cause carries RDS's
/// FailureCause. A redrive starts one more attempt.
pub const EXPORT_FAILED: &str = "ExportFailed";
/// The last allowed export attempt was canceled (StartExport). A redrive starts one more.
pub const EXPORT_CANCELED: &str = "ExportCanceled";
/// The export task id the state carries is unknown to RDS.
pub const EXPORT_NOT_FOUND: &str = "ExportNotFound";
/// The export did not finish within `max_wait_seconds`.
pub const EXPORT_WAIT_TIMED_OUT: &str = "ExportWaitTimedOut";
/// Every attempt id for this snapshot has been used by failed or canceled exports.
pub const EXPORT_ATTEMPTS_EXHAUSTED: &str = "ExportAttemptsExhausted";
/// Listing the export prefix or rewriting an object's ACL was denied.
pub const ACL_ACCESS_DENIED: &str = "AclAccessDenied";
/// Some objects' ACLs could not be rewritten after retries. Retried (the rewrite is
/// idempotent).
pub const ACL_REWRITE_INCOMPLETE: &str = "AclRewriteIncomplete";
/// The configured Glue crawler does not exist.
pub const CRAWLER_NOT_FOUND: &str = "CrawlerNotFound";
/// Our crawl ended FAILED (StartCrawler); the cause is Glue's error message. A redrive
/// starts a new crawl.
pub const CRAWL_FAILED: &str = "CrawlFailed";
/// Our crawl was cancelled (StartCrawler). A redrive starts a new crawl.
pub const CRAWL_CANCELLED: &str = "CrawlCancelled";
/// The crawl did not finish within the crawler's `max_wait_seconds`.
pub const CRAWL_WAIT_TIMED_OUT: &str = "CrawlWaitTimedOut";
/// Publishing the notification failed.
pub const NOTIFY_FAILED: &str = "NotifyFailed";
/// Any other AWS error, not retried; the cause carries the AWS error code and message.
pub const AWS_ERROR: &str = "AwsError";

/// The Lambda service errors CDK's LambdaInvoke retries by default (2 s, 6 attempts, x2).
pub const LAMBDA_SERVICE_ERRORS: [&str; 4] = [
    "Lambda.ServiceException",
    "Lambda.AWSLambdaException",
    "Lambda.SdkClientException",
    "Lambda.ClientExecutionTimeoutException",
];

/// Our transient errors, retried on every task with backoff and full jitter.
pub const TRANSIENT: [&str; 3] = [THROTTLED, TRANSIENT_AWS_ERROR, ACL_REWRITE_INCOMPLETE];

/// StartExport's capacity errors, retried with long waits (an export slot or the snapshot
/// may take tens of minutes to free up).
pub const EXPORT_CAPACITY: [&str; 2] = [EXPORT_QUOTA_REACHED, SNAPSHOT_NOT_AVAILABLE];

/// Every error name a handler may return (the lambdas crate tests its mapping against it).
pub const ALL: [&str; 22] = [
    INVALID_INPUT,
    INVALID_CONFIG,
    THROTTLED,
    TRANSIENT_AWS_ERROR,
    EXPORT_QUOTA_REACHED,
    SNAPSHOT_NOT_AVAILABLE,
    SNAPSHOT_NOT_FOUND,
    EXPORT_PERMISSION_DENIED,
    EXPORT_REJECTED,
    EXPORT_FAILED,
    EXPORT_CANCELED,
    EXPORT_NOT_FOUND,
    EXPORT_WAIT_TIMED_OUT,
    EXPORT_ATTEMPTS_EXHAUSTED,
    ACL_ACCESS_DENIED,
    ACL_REWRITE_INCOMPLETE,
    CRAWLER_NOT_FOUND,
    CRAWL_FAILED,
    CRAWL_CANCELLED,
    CRAWL_WAIT_TIMED_OUT,
    NOTIFY_FAILED,
    AWS_ERROR,
];

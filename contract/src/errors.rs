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
/// Reading an object under the export prefix in the staging bucket was denied to the copier
/// role (s3:GetObject, or kms:Decrypt on the prod key); the cause names bucket, key and
/// permission.
pub const COPY_SOURCE_DENIED: &str = "CopySourceDenied";
/// Writing a copy into the analytics bucket was denied (s3:PutObject, or
/// kms:GenerateDataKey on the analytics key); the cause names bucket, key and permission.
pub const COPY_DESTINATION_DENIED: &str = "CopyDestinationDenied";
/// Some objects could not be copied after retries. Retried (the copy is idempotent).
pub const COPY_INCOMPLETE: &str = "CopyIncomplete";
/// A Parquet file of the export cannot be read (footer missing or corrupt); the cause
/// names the key.
pub const PARQUET_UNREADABLE: &str = "ParquetUnreadable";
/// The export's verification verdict is PARTIAL (tables skipped, failed or disappeared)
/// and catalog-tables runs with `ON_PARTIAL=fail`: nothing was changed in Glue, the report
/// was written. Not retried: re-export, or set `on_partial = "notify"` to accept, then
/// Redrive (a redrive verifies again).
pub const EXPORT_PARTIAL: &str = "ExportPartial";
/// Reading the exported files or writing the Glue Data Catalog was denied, or the Glue
/// database does not exist; the cause names the resource and the permission.
pub const CATALOG_ACCESS_DENIED: &str = "CatalogAccessDenied";
/// Publishing the notification failed.
pub const NOTIFY_FAILED: &str = "NotifyFailed";
/// Storing, reading or deleting an export wait's task token in the export-waits table
/// failed (table missing, dynamodb permission denied); the cause names the table and the
/// operation. Fix it, then Redrive (the callback state stores a new token).
pub const EXPORT_WAIT_STORE_FAILED: &str = "ExportWaitStoreFailed";
/// Handing a task token back to Step Functions failed for a reason other than a closed
/// token (states:SendTaskSuccess denied, unknown state machine); the cause says which.
pub const TASK_TOKEN_SEND_FAILED: &str = "TaskTokenSendFailed";
/// Any other AWS error, not retried; the cause carries the AWS error code and message.
pub const AWS_ERROR: &str = "AwsError";

/// The Lambda service errors CDK's LambdaInvoke retries by default (2 s, 6 attempts, x2).
pub const LAMBDA_SERVICE_ERRORS: [&str; 4] = [
    "Lambda.ServiceException",
    "Lambda.AWSLambdaException",
    "Lambda.SdkClientException",
    "Lambda.ClientExecutionTimeoutException",
];

/// Step Functions' own error when a Task's TimeoutSeconds passes; on the callback state
/// (`[export] events = true`) it is the fallback poll, caught into CheckExport.
pub const STATES_TIMEOUT: &str = "States.Timeout";

/// Our transient errors, retried on every task with backoff and full jitter.
pub const TRANSIENT: [&str; 4] = [
    THROTTLED,
    TRANSIENT_AWS_ERROR,
    ACL_REWRITE_INCOMPLETE,
    COPY_INCOMPLETE,
];

/// StartExport's capacity errors, retried with long waits (an export slot or the snapshot
/// may take tens of minutes to free up).
pub const EXPORT_CAPACITY: [&str; 2] = [EXPORT_QUOTA_REACHED, SNAPSHOT_NOT_AVAILABLE];

/// Every error name a handler may return (the lambdas crate tests its mapping against it).
pub const ALL: [&str; 30] = [
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
    COPY_SOURCE_DENIED,
    COPY_DESTINATION_DENIED,
    COPY_INCOMPLETE,
    PARQUET_UNREADABLE,
    EXPORT_PARTIAL,
    CATALOG_ACCESS_DENIED,
    NOTIFY_FAILED,
    EXPORT_WAIT_STORE_FAILED,
    TASK_TOKEN_SEND_FAILED,
    AWS_ERROR,
];

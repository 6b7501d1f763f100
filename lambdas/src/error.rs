//! The one error type of every handler, and its conversion into the Lambda error payload.
//!
//! A Lambda error's `errorType` is the name the state machine's Retry and Catch match, so
//! each variant maps to exactly one name of `contract::errors`, and its
//! message says what went wrong and what to fix (which role, key, bucket or variable).

use contract::errors;
use lambda_runtime::Diagnostic;

/// Everything a task handler can fail with. Each variant is one contract error name.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TaskError {
    /// The input is neither a supported RDS snapshot event nor a valid manual input.
    #[error("{0}")]
    InvalidInput(String),
    /// A missing or malformed environment variable (start-up error).
    #[error("{0}")]
    InvalidConfig(String),
    /// An AWS API throttled the call; retried by the state machine.
    #[error("{operation} was throttled ({code}): {message}")]
    Throttled {
        /// The API operation, e.g. `rds:DescribeExportTasks`.
        operation: String,
        /// The AWS error code.
        code: String,
        /// The AWS error message.
        message: String,
    },
    /// A 5xx, a timeout or a connection failure; retried by the state machine.
    #[error("{operation} failed transiently: {detail}")]
    TransientAws {
        /// The API operation.
        operation: String,
        /// What happened.
        detail: String,
    },
    /// Any other AWS error, with its code and message.
    #[error("{operation} failed with {code}: {message}")]
    Aws {
        /// The API operation.
        operation: String,
        /// The AWS error code (or `Unknown`).
        code: String,
        /// The AWS error message.
        message: String,
    },
    /// Too many exports running in the account.
    #[error("{0}")]
    ExportQuotaReached(String),
    /// The snapshot is not `available` yet.
    #[error("{0}")]
    SnapshotNotAvailable(String),
    /// The snapshot does not exist.
    #[error("{0}")]
    SnapshotNotFound(String),
    /// RDS refused the export for a permission or set-up reason.
    #[error("{0}")]
    ExportPermissionDenied(String),
    /// RDS refused the export request itself.
    #[error("{0}")]
    ExportRejected(String),
    /// The export task id is unknown to RDS.
    #[error("{0}")]
    ExportNotFound(String),
    /// The export took longer than the policy allows.
    #[error("{0}")]
    ExportWaitTimedOut(String),
    /// The last allowed export attempt ended FAILED.
    #[error("{0}")]
    ExportFailed(String),
    /// The last allowed export attempt was canceled.
    #[error("{0}")]
    ExportCanceled(String),
    /// Every attempt id has been used by failed or canceled exports.
    #[error("{0}")]
    ExportAttemptsExhausted(String),
    /// Listing the prefix or rewriting an ACL was denied.
    #[error("{0}")]
    AclAccessDenied(String),
    /// Some ACLs could not be rewritten after retries; retried by the state machine.
    #[error("{0}")]
    AclRewriteIncomplete(String),
    /// The Glue crawler does not exist.
    #[error("{0}")]
    CrawlerNotFound(String),
    /// The crawl took longer than the policy allows.
    #[error("{0}")]
    CrawlWaitTimedOut(String),
    /// Our crawl ended FAILED.
    #[error("{0}")]
    CrawlFailed(String),
    /// Our crawl was cancelled.
    #[error("{0}")]
    CrawlCancelled(String),
    /// Reading the staging side of a copy was denied (s3:ListBucket, s3:GetObject or
    /// kms:Decrypt); names bucket, key and permission.
    #[error("{0}")]
    CopySourceDenied(String),
    /// Writing a copy into the analytics bucket was denied (s3:PutObject or
    /// kms:GenerateDataKey); names bucket, key and permission.
    #[error("{0}")]
    CopyDestinationDenied(String),
    /// Some objects could not be copied after retries; retried by the state machine.
    #[error("{0}")]
    CopyIncomplete(String),
    /// A Parquet file of the export cannot be read (footer missing or corrupt); names the key.
    #[error("{0}")]
    ParquetUnreadable(String),
    /// The verification verdict is PARTIAL and `ON_PARTIAL=fail`: names up to 20 tables
    /// and the total, and how to accept or re-export.
    #[error("{0}")]
    ExportPartial(String),
    /// Reading the exported files or writing the Glue catalog was denied, or the Glue
    /// database does not exist; names the resource and the permission.
    #[error("{0}")]
    CatalogAccessDenied(String),
    /// Publishing the notification failed.
    #[error("{0}")]
    NotifyFailed(String),
    /// The export-waits table could not be written, read or cleaned up.
    #[error("{0}")]
    ExportWaitStoreFailed(String),
    /// A task token could not be handed back (other than a closed token).
    #[error("{0}")]
    TaskTokenSendFailed(String),
}

impl TaskError {
    /// The contract error name (`errorType`) of this error.
    pub fn name(&self) -> &'static str {
        match self {
            Self::InvalidInput(_) => errors::INVALID_INPUT,
            Self::InvalidConfig(_) => errors::INVALID_CONFIG,
            Self::Throttled { .. } => errors::THROTTLED,
            Self::TransientAws { .. } => errors::TRANSIENT_AWS_ERROR,
            Self::Aws { .. } => errors::AWS_ERROR,
            Self::ExportQuotaReached(_) => errors::EXPORT_QUOTA_REACHED,
            Self::SnapshotNotAvailable(_) => errors::SNAPSHOT_NOT_AVAILABLE,
            Self::SnapshotNotFound(_) => errors::SNAPSHOT_NOT_FOUND,
            Self::ExportPermissionDenied(_) => errors::EXPORT_PERMISSION_DENIED,
            Self::ExportRejected(_) => errors::EXPORT_REJECTED,
            Self::ExportNotFound(_) => errors::EXPORT_NOT_FOUND,
            Self::ExportWaitTimedOut(_) => errors::EXPORT_WAIT_TIMED_OUT,
            Self::ExportFailed(_) => errors::EXPORT_FAILED,
            Self::ExportCanceled(_) => errors::EXPORT_CANCELED,
            Self::ExportAttemptsExhausted(_) => errors::EXPORT_ATTEMPTS_EXHAUSTED,
            Self::AclAccessDenied(_) => errors::ACL_ACCESS_DENIED,
            Self::AclRewriteIncomplete(_) => errors::ACL_REWRITE_INCOMPLETE,
            Self::CrawlerNotFound(_) => errors::CRAWLER_NOT_FOUND,
            Self::CrawlWaitTimedOut(_) => errors::CRAWL_WAIT_TIMED_OUT,
            Self::CrawlFailed(_) => errors::CRAWL_FAILED,
            Self::CrawlCancelled(_) => errors::CRAWL_CANCELLED,
            Self::CopySourceDenied(_) => errors::COPY_SOURCE_DENIED,
            Self::CopyDestinationDenied(_) => errors::COPY_DESTINATION_DENIED,
            Self::CopyIncomplete(_) => errors::COPY_INCOMPLETE,
            Self::ParquetUnreadable(_) => errors::PARQUET_UNREADABLE,
            Self::ExportPartial(_) => errors::EXPORT_PARTIAL,
            Self::CatalogAccessDenied(_) => errors::CATALOG_ACCESS_DENIED,
            Self::NotifyFailed(_) => errors::NOTIFY_FAILED,
            Self::ExportWaitStoreFailed(_) => errors::EXPORT_WAIT_STORE_FAILED,
            Self::TaskTokenSendFailed(_) => errors::TASK_TOKEN_SEND_FAILED,
        }
    }

    /// True for the errors the state machine retries (transient or capacity).
    pub fn is_retryable(&self) -> bool {
        let name = self.name();
        errors::TRANSIENT.contains(&name) || errors::EXPORT_CAPACITY.contains(&name)
    }
}

impl From<TaskError> for Diagnostic {
    fn from(error: TaskError) -> Self {
        Diagnostic {
            error_type: error.name().to_owned(),
            error_message: error.to_string(),
        }
    }
}

#[cfg(test)]
mod tests;

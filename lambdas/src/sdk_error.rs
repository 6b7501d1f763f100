//! Classification of AWS SDK errors into the contract's generic error names.
//!
//! Handlers first match the codes that mean something specific to them (a missing
//! snapshot, a denied ACL); everything else goes through [`classify`], which decides
//! between `Throttled` and `TransientAwsError` (both retried by the state machine) and
//! `AwsError` (not retried, carries the code and message so an operator can act on it).

use std::error::Error as StdError;

use aws_smithy_runtime_api::client::orchestrator::HttpResponse;
use aws_smithy_runtime_api::client::result::SdkError;
use aws_smithy_types::error::metadata::ProvideErrorMetadata;

use crate::error::TaskError;

/// Error codes AWS services use for throttling.
const THROTTLING_CODES: [&str; 6] = [
    "Throttling",
    "ThrottlingException",
    "ThrottledException",
    "TooManyRequestsException",
    "RequestLimitExceeded",
    "SlowDown",
];

/// True for the codes AWS services use for throttling.
pub(crate) fn is_throttling_code(code: &str) -> bool {
    THROTTLING_CODES.contains(&code)
}

/// The AWS error code of a service error, if there is one.
pub(crate) fn code<E: ProvideErrorMetadata>(err: &SdkError<E, HttpResponse>) -> Option<&str> {
    match err {
        SdkError::ServiceError(se) => se.err().code(),
        _ => None,
    }
}

/// The AWS error message of a service error, or the error's display text.
pub(crate) fn message<E>(err: &SdkError<E, HttpResponse>) -> String
where
    E: ProvideErrorMetadata + StdError + 'static,
{
    match err {
        SdkError::ServiceError(se) => se
            .err()
            .message()
            .map(str::to_owned)
            .unwrap_or_else(|| se.err().to_string()),
        other => full_chain(other),
    }
}

/// True when `code` names the AWS error `name`, ignoring case and a trailing `Fault`
/// (RDS spells the same fault `DBSnapshotNotFound` and `DBClusterSnapshotNotFoundFault`).
pub(crate) fn code_is(code: Option<&str>, name: &str) -> bool {
    let Some(code) = code else { return false };
    let strip = |s: &str| -> String {
        let lower = s.to_ascii_lowercase();
        lower
            .strip_suffix("fault")
            .map(str::to_owned)
            .unwrap_or(lower)
    };
    strip(code) == strip(name)
}

/// A DynamoDB error on one of the pipeline's own tables: throttling
/// (ProvisionedThroughputExceeded, RequestLimitExceeded) is `Throttled`, 5xx and timeouts
/// stay retryable as [`classify`] says, and anything else (table missing, access denied)
/// becomes `unusable(operation, code, message)`, the caller's named error for its table.
pub(crate) fn table_error<E>(
    operation: &str,
    err: &SdkError<E, HttpResponse>,
    unusable: impl FnOnce(String, String, String) -> TaskError,
) -> TaskError
where
    E: ProvideErrorMetadata + StdError + 'static,
{
    if matches!(
        code(err),
        Some("ProvisionedThroughputExceededException" | "RequestLimitExceeded")
    ) {
        return TaskError::Throttled {
            operation: operation.to_owned(),
            code: code(err).unwrap_or_default().to_owned(),
            message: message(err),
        };
    }
    match classify(operation, err) {
        TaskError::Aws {
            operation,
            code,
            message,
        } => unusable(operation, code, message),
        other => other,
    }
}

/// Maps an SDK error no handler-specific rule matched to `Throttled`,
/// `TransientAwsError` or `AwsError`.
pub(crate) fn classify<E>(operation: &str, err: &SdkError<E, HttpResponse>) -> TaskError
where
    E: ProvideErrorMetadata + StdError + 'static,
{
    let operation = operation.to_owned();
    match err {
        SdkError::ServiceError(se) => {
            let status = se.raw().status().as_u16();
            let code = se.err().code().unwrap_or("Unknown").to_owned();
            let message = message(err);
            if THROTTLING_CODES.contains(&code.as_str()) || status == 429 {
                TaskError::Throttled {
                    operation,
                    code,
                    message,
                }
            } else if status >= 500 {
                TaskError::TransientAws {
                    operation,
                    detail: format!("HTTP {status} {code}: {message}"),
                }
            } else {
                TaskError::Aws {
                    operation,
                    code,
                    message,
                }
            }
        }
        SdkError::TimeoutError(_) => TaskError::TransientAws {
            operation,
            detail: format!("timed out: {}", full_chain(err)),
        },
        // The prod role's credentials refused (sts:AssumeRole denied by our role's policy
        // or by the prod role's trust policy): a permission to fix, not a retry.
        SdkError::DispatchFailure(_) if assume_role_denied(&full_chain(err)) => TaskError::Aws {
            operation,
            code: "AccessDenied".to_owned(),
            message: format!(
                "the credentials of the assumed role were refused: {}",
                full_chain(err)
            ),
        },
        SdkError::DispatchFailure(_) => TaskError::TransientAws {
            operation,
            detail: format!("request not delivered: {}", full_chain(err)),
        },
        SdkError::ResponseError(re) => {
            let status = re.raw().status().as_u16();
            // An unparseable answer is usually a proxy or service hiccup: retry it.
            TaskError::TransientAws {
                operation,
                detail: format!("unreadable HTTP {status} response: {}", full_chain(err)),
            }
        }
        // Construction failures are bugs or bad input, never fixed by retrying.
        _ => TaskError::Aws {
            operation,
            code: "ClientError".to_owned(),
            message: full_chain(err),
        },
    }
}

/// Whether a dispatch failure is STS refusing the role assumption the credentials
/// provider made (AssumeRoleProvider reports it as a credentials-loading failure).
fn assume_role_denied(chain: &str) -> bool {
    chain.contains("loading credentials")
        && (chain.contains("AccessDenied") || chain.contains("not authorized"))
}

/// The error and its sources joined with `: ` (the SDK's Display is often just
/// "dispatch failure", the useful part is in the sources).
fn full_chain(err: &(dyn StdError + 'static)) -> String {
    let mut out = err.to_string();
    let mut source = err.source();
    while let Some(s) = source {
        let text = s.to_string();
        if !out.contains(&text) {
            out.push_str(": ");
            out.push_str(&text);
        }
        source = s.source();
    }
    out
}

#[cfg(test)]
mod tests;

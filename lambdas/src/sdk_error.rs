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
mod tests {
    use super::*;
    use aws_sdk_glue::operation::get_crawler::GetCrawlerError;
    use aws_smithy_runtime_api::http::StatusCode;
    use aws_smithy_types::body::SdkBody;
    use aws_smithy_types::error::ErrorMetadata;

    fn service_error(status: u16, code: &str) -> SdkError<GetCrawlerError, HttpResponse> {
        let err =
            GetCrawlerError::generic(ErrorMetadata::builder().code(code).message("msg").build());
        let raw = HttpResponse::new(
            StatusCode::try_from(status).unwrap_or_else(|_| panic!("status {status}")),
            SdkBody::empty(),
        );
        SdkError::service_error(err, raw)
    }

    #[test]
    fn throttling_codes_and_429_are_throttled() {
        for code in THROTTLING_CODES {
            assert_eq!(
                classify("op", &service_error(400, code)).name(),
                "Throttled",
                "{code}"
            );
        }
        assert_eq!(
            classify("op", &service_error(429, "Whatever")).name(),
            "Throttled"
        );
        assert_eq!(
            classify("op", &service_error(503, "SlowDown")).name(),
            "Throttled"
        );
    }

    #[test]
    fn server_errors_are_transient_client_errors_are_not() {
        assert_eq!(
            classify("op", &service_error(500, "InternalError")).name(),
            "TransientAwsError"
        );
        assert_eq!(
            classify("op", &service_error(503, "ServiceUnavailable")).name(),
            "TransientAwsError"
        );
        let e = classify(
            "glue:GetCrawler",
            &service_error(400, "ValidationException"),
        );
        assert_eq!(e.name(), "AwsError");
        assert_eq!(
            e.to_string(),
            "glue:GetCrawler failed with ValidationException: msg"
        );
    }

    #[test]
    fn timeouts_and_dispatch_failures_are_transient() {
        let t: SdkError<GetCrawlerError, HttpResponse> = SdkError::timeout_error("slow");
        assert_eq!(classify("op", &t).name(), "TransientAwsError");
        let d: SdkError<GetCrawlerError, HttpResponse> = SdkError::dispatch_failure(
            aws_smithy_runtime_api::client::result::ConnectorError::io("refused".into()),
        );
        let e = classify("op", &d);
        assert_eq!(e.name(), "TransientAwsError");
        assert!(e.to_string().contains("refused"), "{e}");
    }

    #[test]
    fn code_is_ignores_case_and_fault_suffix() {
        assert!(code_is(
            Some("DBSnapshotNotFound"),
            "DbSnapshotNotFoundFault"
        ));
        assert!(code_is(
            Some("KMSKeyNotAccessibleFault"),
            "KmsKeyNotAccessible"
        ));
        assert!(!code_is(
            Some("DBSnapshotNotFound"),
            "DBClusterSnapshotNotFound"
        ));
        assert!(!code_is(None, "X"));
    }
}

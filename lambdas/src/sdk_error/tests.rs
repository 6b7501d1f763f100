//! Unit tests of `sdk_error`.

use super::*;
use aws_sdk_glue::operation::get_crawler::GetCrawlerError;
use aws_smithy_runtime_api::http::StatusCode;
use aws_smithy_types::body::SdkBody;
use aws_smithy_types::error::ErrorMetadata;

fn service_error(status: u16, code: &str) -> SdkError<GetCrawlerError, HttpResponse> {
    let err = GetCrawlerError::generic(ErrorMetadata::builder().code(code).message("msg").build());
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

#[test]
fn a_refused_role_assumption_is_access_denied_not_transient() {
    use aws_credential_types::provider::error::CredentialsError;
    use aws_smithy_runtime_api::client::result::ConnectorError;

    let sts = "service error: unhandled error (AccessDenied): User: arn:aws:sts::1:assumed-role/r/s is not authorized to perform: sts:AssumeRole";
    let denied: SdkError<GetCrawlerError, HttpResponse> = SdkError::dispatch_failure(
        ConnectorError::other(Box::new(CredentialsError::provider_error(sts)), None),
    );
    let e = classify("rds:DescribeDBSnapshots", &denied);
    assert_eq!(e.name(), "AwsError");
    assert!(e.to_string().contains("AccessDenied"), "{e}");
    let slow: SdkError<GetCrawlerError, HttpResponse> =
        SdkError::dispatch_failure(ConnectorError::other(
            Box::new(CredentialsError::provider_timed_out(
                std::time::Duration::from_secs(5),
            )),
            None,
        ));
    assert_eq!(classify("op", &slow).name(), "TransientAwsError");
}

//! The commands' unit tests' clients: aws-smithy-mocks rules in place of the services, for
//! the calls moto does not implement (RedriveExecution, export progress), which the
//! binary's integration tests against moto cannot reach.

use aws_smithy_mocks::{Rule, RuleMode, mock_client};

use crate::aws::Clients;

/// Mocked clients: the given Step Functions and RDS rules (matched in any order), and
/// clients without rules for the other services.
pub(crate) fn mocked(sfn: &[&Rule], rds: &[&Rule]) -> Clients {
    let none: &[&Rule] = &[];
    Clients {
        sfn: mock_client!(aws_sdk_sfn, RuleMode::MatchAny, sfn),
        rds: mock_client!(aws_sdk_rds, RuleMode::MatchAny, rds),
        events: mock_client!(aws_sdk_eventbridge, RuleMode::MatchAny, none),
        glue: mock_client!(aws_sdk_glue, RuleMode::MatchAny, none),
        s3: mock_client!(aws_sdk_s3, RuleMode::MatchAny, none),
        dynamodb: mock_client!(aws_sdk_dynamodb, RuleMode::MatchAny, none),
    }
}

/// A Step Functions JSON error response (`__type` and message), as AWS sends it.
pub(crate) fn sfn_error(code: &str, message: &str) -> aws_smithy_runtime_api::http::Response {
    aws_smithy_runtime_api::http::Response::new(
        aws_smithy_runtime_api::http::StatusCode::try_from(400).unwrap(),
        aws_smithy_types::body::SdkBody::from(format!(
            r#"{{"__type":"{code}","message":"{message}"}}"#
        )),
    )
}

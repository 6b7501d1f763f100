//! The `rewrite-acl` Lambda function: see `lambdas::handlers::rewrite_acl` and docs/lambdas.md.

use lambdas::handlers::rewrite_acl::RewriteAclHandler;

#[tokio::main]
async fn main() -> Result<(), lambda_runtime::Error> {
    lambdas::runtime::run::<RewriteAclHandler>().await
}

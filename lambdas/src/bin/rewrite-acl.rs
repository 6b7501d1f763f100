//! The `rewrite-acl` Lambda function: see lambdas/src/handlers/rewrite_acl.rs and docs/lambdas.md.

use lambdas::RewriteAclHandler;

#[tokio::main]
async fn main() -> Result<(), lambda_runtime::Error> {
    lambdas::run::<RewriteAclHandler>().await
}

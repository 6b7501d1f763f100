//! The `copy-objects` Lambda function: see `lambdas::handlers::copy_objects` and docs/lambdas.md.

use lambdas::handlers::copy_objects::CopyObjectsHandler;

#[tokio::main]
async fn main() -> Result<(), lambda_runtime::Error> {
    lambdas::runtime::run::<CopyObjectsHandler>().await
}

//! The `copy-objects` Lambda function: see lambdas/src/handlers/copy_objects.rs and docs/lambdas.md.

use lambdas::CopyObjectsHandler;

#[tokio::main]
async fn main() -> Result<(), lambda_runtime::Error> {
    lambdas::run::<CopyObjectsHandler>().await
}

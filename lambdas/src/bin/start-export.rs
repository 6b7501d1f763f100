//! The `start-export` Lambda function: see lambdas/src/handlers/start_export.rs and docs/lambdas.md.

use lambdas::StartExportHandler;

#[tokio::main]
async fn main() -> Result<(), lambda_runtime::Error> {
    lambdas::run::<StartExportHandler>().await
}

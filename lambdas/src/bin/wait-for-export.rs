//! The `wait-for-export` Lambda function: see lambdas/src/handlers/wait_for_export.rs and docs/lambdas.md.

use lambdas::WaitForExportHandler;

#[tokio::main]
async fn main() -> Result<(), lambda_runtime::Error> {
    lambdas::run::<WaitForExportHandler>().await
}

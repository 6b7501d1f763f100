//! The `check-export` Lambda function: see lambdas/src/handlers/check_export.rs and docs/lambdas.md.

use lambdas::CheckExportHandler;

#[tokio::main]
async fn main() -> Result<(), lambda_runtime::Error> {
    lambdas::run::<CheckExportHandler>().await
}

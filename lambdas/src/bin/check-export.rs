//! The `check-export` Lambda function: see `lambdas::handlers::check_export` and docs/lambdas.md.

use lambdas::handlers::check_export::CheckExportHandler;

#[tokio::main]
async fn main() -> Result<(), lambda_runtime::Error> {
    lambdas::runtime::run::<CheckExportHandler>().await
}

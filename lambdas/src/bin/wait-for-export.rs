//! The `wait-for-export` Lambda function: see `lambdas::handlers::export_events` and docs/lambdas.md.

use lambdas::handlers::export_events::WaitForExportHandler;

#[tokio::main]
async fn main() -> Result<(), lambda_runtime::Error> {
    lambdas::runtime::run::<WaitForExportHandler>().await
}

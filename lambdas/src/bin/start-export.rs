//! The `start-export` Lambda function: see `lambdas::handlers::start_export` and docs/lambdas.md.

use lambdas::handlers::start_export::StartExportHandler;

#[tokio::main]
async fn main() -> Result<(), lambda_runtime::Error> {
    lambdas::runtime::run::<StartExportHandler>().await
}

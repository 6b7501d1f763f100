//! The `export-events` Lambda function: see `lambdas::handlers::export_events` and docs/lambdas.md.

use lambdas::handlers::export_events::ExportEventsHandler;

#[tokio::main]
async fn main() -> Result<(), lambda_runtime::Error> {
    lambdas::runtime::run::<ExportEventsHandler>().await
}

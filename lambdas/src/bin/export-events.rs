//! The `export-events` Lambda function: see lambdas/src/handlers/export_events.rs and docs/lambdas.md.

use lambdas::ExportEventsHandler;

#[tokio::main]
async fn main() -> Result<(), lambda_runtime::Error> {
    lambdas::run::<ExportEventsHandler>().await
}

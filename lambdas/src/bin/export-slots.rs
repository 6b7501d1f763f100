//! The `export-slots` Lambda function: see lambdas/src/handlers/export_slots.rs and docs/scheduling.md.

use lambdas::ExportSlotsHandler;

#[tokio::main]
async fn main() -> Result<(), lambda_runtime::Error> {
    lambdas::run::<ExportSlotsHandler>().await
}

//! The `normalize` Lambda function: see lambdas/src/handlers/normalize.rs and docs/lambdas.md.

use lambdas::NormalizeHandler;

#[tokio::main]
async fn main() -> Result<(), lambda_runtime::Error> {
    lambdas::run::<NormalizeHandler>().await
}

//! The `normalize` Lambda function: see `lambdas::handlers::normalize` and docs/lambdas.md.

use lambdas::handlers::normalize::NormalizeHandler;

#[tokio::main]
async fn main() -> Result<(), lambda_runtime::Error> {
    lambdas::runtime::run::<NormalizeHandler>().await
}

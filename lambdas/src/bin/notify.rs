//! The `notify` Lambda function: see `lambdas::handlers::notify` and docs/lambdas.md.

use lambdas::handlers::notify::NotifyHandler;

#[tokio::main]
async fn main() -> Result<(), lambda_runtime::Error> {
    lambdas::runtime::run::<NotifyHandler>().await
}

//! The `notify` Lambda function: see `lambdas::handlers::notify` and docs/lambdas.md.

use lambdas::handlers::notify::NotifyTask;

#[tokio::main]
async fn main() -> Result<(), lambda_runtime::Error> {
    lambdas::runtime::run::<NotifyTask>().await
}

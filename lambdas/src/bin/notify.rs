//! The `notify` Lambda function: see lambdas/src/handlers/notify.rs and docs/lambdas.md.

use lambdas::NotifyHandler;

#[tokio::main]
async fn main() -> Result<(), lambda_runtime::Error> {
    lambdas::run::<NotifyHandler>().await
}

//! The `start-crawler` Lambda function: see `lambdas::handlers::crawler` and docs/lambdas.md.

use lambdas::handlers::crawler::StartCrawlerHandler;

#[tokio::main]
async fn main() -> Result<(), lambda_runtime::Error> {
    lambdas::runtime::run::<StartCrawlerHandler>().await
}

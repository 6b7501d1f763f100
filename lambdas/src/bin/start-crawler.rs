//! The `start-crawler` Lambda function: see lambdas/src/handlers/start_crawler.rs and docs/lambdas.md.

use lambdas::StartCrawlerHandler;

#[tokio::main]
async fn main() -> Result<(), lambda_runtime::Error> {
    lambdas::run::<StartCrawlerHandler>().await
}

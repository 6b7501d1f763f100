//! The `check-crawler` Lambda function: see lambdas/src/handlers/check_crawler.rs and docs/lambdas.md.

use lambdas::CheckCrawlerHandler;

#[tokio::main]
async fn main() -> Result<(), lambda_runtime::Error> {
    lambdas::run::<CheckCrawlerHandler>().await
}

//! The `catalog-tables` Lambda function: see `lambdas::handlers::catalog_tables` and docs/lambdas.md.

use lambdas::handlers::catalog_tables::CatalogTablesHandler;

#[tokio::main]
async fn main() -> Result<(), lambda_runtime::Error> {
    lambdas::runtime::run::<CatalogTablesHandler>().await
}

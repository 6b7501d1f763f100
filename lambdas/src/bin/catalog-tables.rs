//! The `catalog-tables` Lambda function: see lambdas/src/handlers/catalog_tables.rs and docs/lambdas.md.

use lambdas::CatalogTablesHandler;

#[tokio::main]
async fn main() -> Result<(), lambda_runtime::Error> {
    lambdas::run::<CatalogTablesHandler>().await
}

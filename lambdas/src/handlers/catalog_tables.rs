//! CatalogTables: verifies the delivered export (every table's status and row count, a
//! COMPLETE or PARTIAL verdict, a report in S3) and writes the Glue Data Catalog straight
//! from it, no crawler: for each exported table a latest table (the newest export's folder)
//! and a history table partitioned by export id. See [`crate::catalog`].

use std::time::Duration;

use contract::functions::{self, Function};
use contract::{CatalogState, CatalogTablesInput};

use crate::aws::Aws;
use crate::catalog::{CatalogSettings, DEFAULT_FOOTERS_IN_FLIGHT, catalog_export};
use crate::config::{CATALOG_DEADLINE_MARGIN_SECONDS, CatalogTablesConfig, Env};
use crate::error::TaskError;
use crate::runtime::{Handler, Invocation};

/// The settings of one invocation from the function's configuration.
pub(crate) fn settings(cfg: &CatalogTablesConfig) -> CatalogSettings {
    CatalogSettings {
        database: cfg.database.clone(),
        concurrency: cfg.concurrency,
        footers_in_flight: DEFAULT_FOOTERS_IN_FLIGHT,
        deadline_margin: Duration::from_secs(CATALOG_DEADLINE_MARGIN_SECONDS),
        on_partial: cfg.on_partial,
        row_drop_threshold: cfg.row_drop_threshold,
    }
}

/// The `catalog-tables` function.
#[derive(Debug)]
pub struct CatalogTablesHandler {
    settings: CatalogSettings,
    aws: Aws,
}

impl Handler for CatalogTablesHandler {
    const FUNCTION: &'static Function = &functions::CATALOG_TABLES;
    type Config = CatalogTablesConfig;
    type Input = CatalogTablesInput;
    type Output = CatalogState;

    fn config(env: &Env) -> Result<CatalogTablesConfig, TaskError> {
        CatalogTablesConfig::from_env(env)
    }

    async fn init(cfg: CatalogTablesConfig) -> Self {
        Self {
            settings: settings(&cfg),
            aws: Aws::load(None).await,
        }
    }

    fn export_id(input: &CatalogTablesInput) -> Option<String> {
        Some(input.export.export_task_id.clone())
    }

    async fn handle(
        &self,
        input: CatalogTablesInput,
        invocation: Invocation,
    ) -> Result<CatalogState, TaskError> {
        catalog_export(
            &self.aws.s3,
            &self.aws.glue,
            &self.settings,
            &input,
            invocation.deadline,
        )
        .await
    }
}

//! Lambda task handlers of the snapshot-export pipeline: one library, one thin binary per
//! function (`src/bin/`).
//!
//! Handlers take and return the payload types of the `contract` crate and fail with
//! [`TaskError`], whose `errorType` is always a `contract::errors` name. Each handler is a
//! plain async function over injected AWS clients, its configuration, its input and the
//! clock, so tests drive it with mocked clients or against moto.
//!
//! The modules are private; what the binaries and the integration tests (`tests/`) use is
//! re-exported below, by name. The public modules are what the benchmarks (`bench/`)
//! drive (the ACL, copy and catalog loops, the polling policy, the slot admission policy),
//! under the paths they import.

pub mod acl;
pub mod catalog;
pub mod copy;
pub mod polling;
pub mod slot_policy;

mod aws;
mod config;
mod error;
mod export_id;
mod export_scope;
mod export_task;
mod export_waits;
mod glue_crawler;
mod handlers;
mod listing;
mod rds_event;
mod runtime;
mod sdk_error;
#[cfg(test)]
mod test_support;

pub use aws::{Aws, ProdClients, s3_client};
pub use config::{
    CatalogTablesConfig, CheckExportConfig, CopyObjectsConfig, CrawlerConfig, Env,
    ExportWaitsConfig, NormalizeConfig, NotifyConfig, OnPartial, ProdRole, RewriteAclConfig,
    StartExportConfig,
};
pub use error::TaskError;
pub use handlers::catalog_tables::CatalogTablesHandler;
pub use handlers::check_crawler::{CheckCrawlerHandler, check_crawler};
pub use handlers::check_export::{CheckExportHandler, check_export};
pub use handlers::copy_objects::{CopyObjectsHandler, copy_objects};
pub use handlers::export_events::ExportEventsHandler;
pub use handlers::normalize::{NormalizeHandler, Parsed, normalize, parse};
pub use handlers::notify::NotifyHandler;
pub use handlers::rewrite_acl::{RewriteAclHandler, rewrite_acl};
pub use handlers::start_crawler::{StartCrawlerHandler, start_crawler};
pub use handlers::start_export::{StartExportHandler, start_export};
pub use handlers::wait_for_export::WaitForExportHandler;
pub use handlers::{HANDLERS, RegisteredHandler};
pub use runtime::{Handler, Invocation, run, unix_now};

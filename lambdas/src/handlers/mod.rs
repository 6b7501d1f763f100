//! The task handlers: one module per Lambda binary, named like it (`start-export` is
//! [`start_export`]). Each exposes a plain async function over injected clients,
//! configuration, input and clock (what the tests call), and a [`Handler`] the binary
//! runs. What more than one handler uses lives outside this folder (`crate::export_task`,
//! `crate::export_scope`, `crate::export_waits`, `crate::slots`, `crate::glue_crawler`, ...).
//!
//! [`HANDLERS`] lists every handler by its function: the tests check it against the function
//! table (`contract::functions::FUNCTIONS`) and drive each handler's input and configuration
//! parsing through it.

pub(crate) mod catalog_tables;
pub(crate) mod check_crawler;
pub(crate) mod check_export;
pub(crate) mod copy_objects;
pub(crate) mod export_events;
pub(crate) mod export_slots;
pub(crate) mod normalize;
pub(crate) mod notify;
pub(crate) mod rewrite_acl;
pub(crate) mod start_crawler;
pub(crate) mod start_export;
pub(crate) mod wait_for_export;

use contract::functions::Function;
use serde_json::Value;

use crate::config::Env;
use crate::error::TaskError;
use crate::runtime::{Handler, parse_input};

/// One handler, as the tests see it.
#[derive(Debug, Clone, Copy)]
pub struct RegisteredHandler {
    /// Its entry in the function table.
    pub function: &'static Function,
    /// The handler's Rust type name, e.g. `lambdas::handlers::notify::NotifyHandler`: it
    /// names the module the handler lives in.
    pub type_name: fn() -> &'static str,
    /// Parses a payload into the handler's input (`InvalidInput` when it cannot).
    pub parse_input: fn(Value) -> Result<(), TaskError>,
    /// Parses the environment into the handler's configuration (`InvalidConfig`).
    pub parse_config: fn(&Env) -> Result<(), TaskError>,
}

impl RegisteredHandler {
    const fn of<T: Handler>() -> Self {
        Self {
            function: T::FUNCTION,
            type_name: std::any::type_name::<T>,
            parse_input: input_of::<T>,
            parse_config: config_of::<T>,
        }
    }
}

fn input_of<T: Handler>(payload: Value) -> Result<(), TaskError> {
    parse_input::<T>(payload).map(drop)
}

fn config_of<T: Handler>(env: &Env) -> Result<(), TaskError> {
    T::config(env).map(drop)
}

/// Every handler, in the function table's order.
pub const HANDLERS: &[RegisteredHandler] = &[
    RegisteredHandler::of::<normalize::NormalizeHandler>(),
    RegisteredHandler::of::<export_slots::ExportSlotsHandler>(),
    RegisteredHandler::of::<start_export::StartExportHandler>(),
    RegisteredHandler::of::<check_export::CheckExportHandler>(),
    RegisteredHandler::of::<wait_for_export::WaitForExportHandler>(),
    RegisteredHandler::of::<export_events::ExportEventsHandler>(),
    RegisteredHandler::of::<rewrite_acl::RewriteAclHandler>(),
    RegisteredHandler::of::<copy_objects::CopyObjectsHandler>(),
    RegisteredHandler::of::<catalog_tables::CatalogTablesHandler>(),
    RegisteredHandler::of::<start_crawler::StartCrawlerHandler>(),
    RegisteredHandler::of::<check_crawler::CheckCrawlerHandler>(),
    RegisteredHandler::of::<notify::NotifyHandler>(),
];

#[cfg(test)]
mod tests;

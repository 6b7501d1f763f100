//! The task handlers, one module per state-machine task (crawler start and check share
//! one). Each exposes a plain async function over injected clients, configuration, input
//! and clock (what the tests call), and a [`crate::runtime::Handler`] the binary runs.

pub mod catalog_tables;
pub mod check_export;
pub mod copy_objects;
pub mod crawler;
pub mod export_events;
pub(crate) mod export_task;
pub mod normalize;
pub mod notify;
pub mod rewrite_acl;
pub(crate) mod scope;
pub mod start_export;

#[cfg(test)]
mod tests;

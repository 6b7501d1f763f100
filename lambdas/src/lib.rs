//! Lambda task handlers of the snapshot-export pipeline: one library, one thin binary per
//! function (`src/bin/`).
//!
//! Handlers take and return the payload types of the `contract` crate and fail with
//! [`error::TaskError`], whose `errorType` is always a `contract::errors` name. Each
//! handler is a plain async function over injected AWS clients, its configuration, its
//! input and the clock, so tests drive it with mocked clients or against moto.

pub mod acl;
pub mod aws;
pub mod catalog;
pub mod config;
pub mod copy;
pub mod error;
pub mod export_id;
pub mod handlers;
pub mod polling;
pub mod runtime;
pub(crate) mod sdk_error;

pub use error::TaskError;

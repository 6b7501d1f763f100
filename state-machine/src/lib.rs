//! Typed Amazon States Language (ASL) and the snapshot-export pipeline built with it.
//!
//! `contract` holds the task payloads shared with the Lambda handlers.

pub mod contract;

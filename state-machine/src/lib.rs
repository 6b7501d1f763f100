//! Typed Amazon States Language (ASL) and the snapshot-export pipeline built with it.
//!
//! - `asl`: the ASL model (one struct per state type), its JSON form and its validation.
//! - `pipeline`: the one function that builds the export graph from a [`PipelineConfig`].
//! - `config`: that configuration, read from TOML.
//! - `mermaid`: a flowchart of any machine, for the docs and the CLI.

pub mod asl;
pub mod config;
pub mod error;
pub mod mermaid;
pub mod pipeline;

pub use asl::StateMachine;
pub use config::PipelineConfig;
pub use error::AslError;
pub use pipeline::pipeline;

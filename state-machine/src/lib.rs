//! Typed Amazon States Language (ASL) and the snapshot-export pipeline built with it.
//!
//! - `asl`: the ASL model (one struct per state type), its JSON form and its validation.
//! - `pipeline`: [`pipeline`] chains the graph's stages (one child module each) for a
//!   [`PipelineConfig`].
//! - `config`: that configuration, read from TOML.
//! - `mermaid`: a flowchart of any machine, for the docs and the CLI.
//!
//! The modules are private; what other crates use is re-exported here, by name.

mod asl;
mod config;
mod error;
mod mermaid;
mod pipeline;

pub use asl::{
    Catcher, Choice, ChoiceRule, CompareOp, Condition, Fail, JitterStrategy, JsonPath, Pass,
    ResultPath, Retrier, State, StateMachine, StateMachineBuilder, StateName, Succeed, Task, Test,
    Transition, TypeTest, Wait, WaitFor,
};
pub use config::{
    AclConfig, Catalog, CrawlerConfig, Delivery, ExecutionConfig, ExportConfig,
    NotificationsConfig, PipelineConfig,
};
pub use error::AslError;
pub use pipeline::pipeline;

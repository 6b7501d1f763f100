//! The CLI's integration tests, one binary: the real `snapshot-export` binary against moto
//! for the calls moto implements (Step Functions executions, EventBridge, Glue), and the
//! command functions with aws-smithy-mocks clients where moto has no such call
//! (RedriveExecution, export progress). moto is the harness launcher
//! (`tests/harness/launcher.py`), one per test, started by `support::Moto`.
#![allow(clippy::unwrap_used, clippy::expect_used, missing_docs)]

mod support;

mod mocked_redrive;
mod mocked_status;
mod moto_events;
mod moto_executions;
mod moto_preflight;
mod moto_start;
mod render_validate;

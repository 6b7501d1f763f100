//! The CLI's integration tests, one binary: the real `snapshot-export` binary, on its own
//! (`render`, `validate`, errors) and against moto for the calls moto implements (Step
//! Functions executions, EventBridge, Glue). moto is the harness launcher
//! (`tests/harness/launcher.py`), one per test, started by the shared `test_support::Moto`.
//! What moto cannot answer (RedriveExecution, export progress) is tested inside the crate,
//! with mocked clients (`commands/redrive/tests.rs`, `commands/status/tests.rs`).
#![allow(clippy::unwrap_used, clippy::expect_used, missing_docs)]

mod support;

mod moto_events;
mod moto_executions;
mod moto_preflight;
mod moto_start;
mod render_validate;

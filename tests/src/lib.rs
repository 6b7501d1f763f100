//! Cross-crate and end-to-end tests of the snapshot-export pipeline.
//!
//! The end-to-end harness itself is not Rust: `tests/e2e/` (Node: the independent ASL
//! interpreter driving the real Lambda binaries) and `tests/harness/` (Python: moto with
//! the scenario controls); see `tests/README.md`. The Rust tests in `tests/tests/` check
//! what ties them to the Rust crates: every error and state name a scenario expects is one
//! the contract and the generated graph really have, so a renamed state or error breaks
//! here, at `cargo test`, rather than as a puzzling scenario failure.

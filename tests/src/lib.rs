//! Cross-crate and end-to-end tests of the snapshot-export pipeline, and the one home of
//! the test support the crates share.
//!
//! The end-to-end harness itself is not Rust: `tests/e2e/` (Node: the independent ASL
//! interpreter driving the real Lambda binaries) and `tests/harness/` (Python: moto with
//! the scenario controls); see `tests/README.md`. The Rust tests in `tests/tests/` check
//! what ties them to the Rust crates: every error and state name a scenario expects is one
//! the contract and the generated graph really have, and every variable a function reads
//! has a value in the harness, so a renamed state, error or variable breaks here, at
//! `cargo test`, rather than as a puzzling scenario failure.
//!
//! This library is the shared test support (a dev-dependency of `lambdas` and `cli`):
//! [`Moto`], moto for one test through the harness launcher (`launcher`, the Rust
//! counterpart of `tests/e2e/lib/launcher.mjs`), and [`workspace`].

use std::path::{Path, PathBuf};

mod launcher;
mod moto;

pub use launcher::python;
pub use moto::{ACCOUNT, Moto, REGION};

/// The workspace root (this crate is one level below it).
pub fn workspace() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..")
}

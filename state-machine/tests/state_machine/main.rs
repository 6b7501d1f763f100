//! Integration tests of the state-machine crate: the committed definition, the rendered
//! variants (snapshots and policy rules), the docs, and one test per validation error.
#![allow(clippy::unwrap_used, clippy::expect_used, missing_docs)]

mod definition;
mod rules;
mod validation;

use std::path::{Path, PathBuf};

use state_machine::{PipelineConfig, StateMachine, pipeline};

/// The crate's directory.
fn crate_dir() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

/// Every config variant in `configs/`, sorted by name, with `default` first.
fn variants() -> Vec<(String, PipelineConfig)> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(crate_dir().join("configs"))
        .unwrap()
        .map(|entry| entry.unwrap().path())
        .filter(|path| path.extension().is_some_and(|ext| ext == "toml"))
        .collect();
    files.sort();
    let mut out = vec![("default".to_owned(), PipelineConfig::default())];
    for file in files {
        let name = file.file_stem().unwrap().to_string_lossy().into_owned();
        let config =
            PipelineConfig::from_file(&file).unwrap_or_else(|e| panic!("{}: {e}", file.display()));
        out.push((name, config));
    }
    out
}

/// The machine for a variant.
fn machine(config: &PipelineConfig) -> StateMachine {
    pipeline(config).unwrap()
}

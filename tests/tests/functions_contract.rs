//! The function table (`contract::functions`), the graph and the Lambda crate agree on which
//! functions exist.
//!
//! Every `[[bin]]` of lambdas/Cargo.toml is a function of the table and the other way
//! round; every Task state of every rendered variant (the default and
//! `state-machine/configs/*.toml`) calls, by its ARN placeholder, the function the table
//! lists for that state (a callback Task: by `Parameters.FunctionName`); and every function
//! is called by some variant or triggered by an EventBridge rule.

use std::collections::BTreeSet;
use std::path::Path;

use contract::functions::{CALLBACK_RESOURCE, FUNCTIONS, for_state};
use state_machine::{PipelineConfig, pipeline};

fn table_binaries() -> BTreeSet<String> {
    FUNCTIONS.iter().map(|f| f.binary.to_owned()).collect()
}

#[test]
fn every_function_is_a_bin_target_of_the_lambdas_crate() {
    let manifest = Path::new(env!("CARGO_MANIFEST_DIR")).join("../lambdas/Cargo.toml");
    let text = std::fs::read_to_string(&manifest)
        .unwrap_or_else(|e| panic!("{}: {e}", manifest.display()));
    let bins: BTreeSet<String> = text
        .lines()
        .filter_map(|l| l.trim().strip_prefix("name = \""))
        .filter_map(|rest| rest.strip_suffix('"'))
        .map(str::to_owned)
        .filter(|name| name != "lambdas")
        .collect();
    assert_eq!(
        bins,
        table_binaries(),
        "the [[bin]]s of lambdas/Cargo.toml and contract::functions::FUNCTIONS differ"
    );
}

/// The default configuration and every committed variant.
fn variants() -> Vec<PipelineConfig> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../state-machine/configs");
    let mut files: Vec<_> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .filter_map(|entry| entry.ok().map(|e| e.path()))
        .filter(|path| path.extension().is_some_and(|ext| ext == "toml"))
        .collect();
    files.sort();
    let mut configs = vec![PipelineConfig::default()];
    configs.extend(files.iter().map(|file| {
        PipelineConfig::from_file(file).unwrap_or_else(|e| panic!("{}: {e}", file.display()))
    }));
    configs
}

#[test]
fn every_task_state_calls_the_function_the_table_lists_for_it() {
    let mut called = BTreeSet::new();
    for config in variants() {
        let json = pipeline(&config)
            .unwrap_or_else(|e| panic!("pipeline does not build: {e}"))
            .to_json()
            .unwrap_or_else(|e| panic!("render: {e}"));
        let definition: serde_json::Value =
            serde_json::from_str(&json).unwrap_or_else(|e| panic!("rendered JSON: {e}"));
        let states = definition["States"]
            .as_object()
            .unwrap_or_else(|| panic!("no States"));
        for (name, state) in states {
            if state["Type"] != "Task" {
                continue;
            }
            let function = for_state(name)
                .unwrap_or_else(|| panic!("Task state {name} is in no function's `states`"));
            let placeholder = format!("${{{}}}", function.placeholder());
            if state["Resource"] == CALLBACK_RESOURCE {
                assert_eq!(state["Parameters"]["FunctionName"], placeholder, "{name}");
            } else {
                assert_eq!(state["Resource"], placeholder, "{name}");
            }
            called.insert(function.binary.to_owned());
        }
    }
    called.extend(
        FUNCTIONS
            .iter()
            .filter(|f| !f.triggers.is_empty())
            .map(|f| f.binary.to_owned()),
    );
    assert_eq!(
        called,
        table_binaries(),
        "a function no variant calls and no rule triggers (add a state-machine/configs/*.toml that calls it)"
    );
}

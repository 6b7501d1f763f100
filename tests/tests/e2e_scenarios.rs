//! The e2e scenarios only name errors and states that exist.
//!
//! A scenario that expects `error: "ExportFailed"` or `states_entered: ["RewriteAcl"]` is
//! only meaningful if the contract has that error and the generated graph that state:
//! checked here against `contract::errors::ALL` and the pipeline rendered
//! with the default configuration (the committed definition).

// A test that cannot read its own fixtures should stop right there, saying which.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use contract::errors;
use serde_json::Value;
use state_machine::{PipelineConfig, pipeline};

fn scenario_files() -> Vec<PathBuf> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("e2e");
    let mut files: Vec<PathBuf> = std::fs::read_dir(root.join("scenarios"))
        .expect("tests/e2e/scenarios exists")
        .map(|entry| entry.expect("readable entry").path())
        .filter(|path| path.extension().is_some_and(|ext| ext == "json"))
        .collect();
    files.sort();
    files.push(root.join("demo").join("demo.json"));
    files
}

/// Every `expect` object of a scenario: the scenario's own and each execution's.
fn expectations(scenario: &Value) -> Vec<&Value> {
    let mut all: Vec<&Value> = scenario.get("expect").into_iter().collect();
    for execution in scenario["executions"]
        .as_array()
        .expect("executions is a list")
    {
        all.extend(execution.get("expect"));
    }
    all
}

/// A string, the strings of a list, or the keys of an object.
fn strings(value: Option<&Value>) -> Vec<String> {
    match value {
        Some(Value::String(s)) => vec![s.clone()],
        Some(Value::Array(items)) => items
            .iter()
            .filter_map(Value::as_str)
            .map(str::to_owned)
            .collect(),
        Some(Value::Object(map)) => map.keys().cloned().collect(),
        _ => Vec::new(),
    }
}

/// Names in `scenario` unknown to the contract or the graph.
fn unknown_names(scenario: &Value, states: &BTreeSet<String>) -> Vec<String> {
    let mut problems = Vec::new();
    for expect in expectations(scenario) {
        let mut error_names = strings(expect.get("error"));
        error_names.extend(strings(expect.get("retried_min")));
        let details = expect
            .get("notifications_detail")
            .and_then(Value::as_array)
            .cloned()
            .unwrap_or_default();
        for detail in &details {
            error_names.extend(strings(detail.get("error")));
        }
        for error in error_names {
            if !errors::ALL.contains(&error.as_str()) && !error.starts_with("States.") {
                problems.push(format!("error {error} is not in contract::errors::ALL"));
            }
        }
        let mut state_names = strings(expect.get("end_state"));
        for detail in &details {
            state_names.extend(strings(detail.get("failed_state")));
        }
        for key in [
            "failed_state",
            "redriven_at",
            "states_entered",
            "states_not_entered",
            "states_exact",
            "state_count_min",
        ] {
            state_names.extend(strings(expect.get(key)));
        }
        for state in state_names {
            if !states.contains(&state) {
                problems.push(format!("state {state} is not in the pipeline"));
            }
        }
    }
    problems
}

/// The states of the graph a scenario runs: its `pipeline_config` (a TOML file relative to
/// the repository root), or the default configuration.
fn pipeline_states(scenario: &Value) -> BTreeSet<String> {
    let config = match scenario.get("pipeline_config").and_then(Value::as_str) {
        Some(file) => {
            PipelineConfig::from_file(Path::new(env!("CARGO_MANIFEST_DIR")).join("..").join(file))
                .unwrap_or_else(|e| panic!("{file}: {e}"))
        }
        None => PipelineConfig::default(),
    };
    let machine = pipeline(&config).expect("the pipeline renders");
    machine.states().map(|(name, _)| name.to_string()).collect()
}

#[test]
fn scenarios_name_only_contract_errors_and_graph_states() {
    let files = scenario_files();
    // The demo is always listed: without a scenario beside it the directory was misread.
    assert!(
        files.len() > 1,
        "no scenario in tests/e2e/scenarios, only {files:?}"
    );
    let mut problems = Vec::new();
    for file in &files {
        let text = std::fs::read_to_string(file).expect("readable scenario");
        let scenario: Value = serde_json::from_str(&text).expect("scenario is JSON");
        problems.extend(
            unknown_names(&scenario, &pipeline_states(&scenario))
                .into_iter()
                .map(|p| format!("{}: {p}", file.display())),
        );
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

#[test]
fn a_misspelt_error_or_state_is_reported() {
    let scenario = serde_json::json!({
        "expect": {"error": "ExportFialed"},
        "executions": [{"expect": {"states_entered": ["RewriteAcl", "RewriteAcls"], "retried_min": {"ExportQuotaReached": 1},
                        "failed_state": "CheckExprot",
                        "notifications_detail": [{"failed_state": "StartExport", "error": "AclDenied"}]}}]
    });
    let problems = unknown_names(&scenario, &pipeline_states(&scenario));
    assert_eq!(
        problems,
        [
            "error ExportFialed is not in contract::errors::ALL",
            "error AclDenied is not in contract::errors::ALL",
            "state CheckExprot is not in the pipeline",
            "state RewriteAcls is not in the pipeline"
        ]
    );
}

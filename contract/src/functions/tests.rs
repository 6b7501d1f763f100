//! The function table is consistent, and its committed JSON form is current.

use std::collections::BTreeSet;

use super::*;

#[test]
fn binaries_states_and_placeholders_are_unique() {
    let binaries: BTreeSet<&str> = FUNCTIONS.iter().map(|f| f.binary).collect();
    assert_eq!(binaries.len(), FUNCTIONS.len());
    let states: Vec<&str> = FUNCTIONS
        .iter()
        .flat_map(|f| f.states.iter().copied())
        .collect();
    let unique: BTreeSet<&str> = states.iter().copied().collect();
    assert_eq!(
        unique.len(),
        states.len(),
        "a state calls two functions: {states:?}"
    );
    for f in FUNCTIONS {
        assert!(
            !f.states.is_empty() || !f.triggers.is_empty(),
            "{} is called by no state and triggered by no rule",
            f.binary
        );
        assert_eq!(by_binary(f.binary), Some(f));
        for state in f.states {
            assert_eq!(for_state(state), Some(f));
        }
        let env: Vec<&str> = f.env().collect();
        let unique: BTreeSet<&str> = env.iter().copied().collect();
        assert_eq!(
            unique.len(),
            env.len(),
            "{} lists a variable twice",
            f.binary
        );
    }
    assert_eq!(START_EXPORT.placeholder(), "start_export_function_arn");
    assert_eq!(REWRITE_ACL.task_timeout_seconds(), 960);
    assert_eq!(for_state("WaitForExport"), None);
    assert_eq!(
        for_state(states::WAIT_FOR_EXPORT_EVENT),
        Some(&WAIT_FOR_EXPORT)
    );
    assert_eq!(NOTIFY.triggers, &[rules::STATUS_CHANGE]);
    assert_eq!(
        EXPORT_EVENTS.triggers,
        &[rules::EXPORT_FINISHED, rules::EXPORT_SWEEP]
    );
    assert_eq!(by_binary("start_export"), None);
}

#[test]
fn committed_table_json_is_current() {
    let committed = include_str!("../../../infra/modules/analytics-account/functions.json");
    assert!(
        committed == table_json(),
        "{TABLE_JSON_PATH} is stale: regenerate it with\n  cargo run -p snapshot-export-cli -- render --format functions --out {TABLE_JSON_PATH}"
    );
}

#[test]
fn table_json_lists_every_function_with_its_placeholder() {
    let doc: serde_json::Value = serde_json::from_str(&table_json()).unwrap_or_default();
    let functions = doc["functions"].as_object().cloned().unwrap_or_default();
    assert_eq!(functions.len(), FUNCTIONS.len());
    for f in FUNCTIONS {
        let entry = &functions[f.binary];
        assert_eq!(entry["placeholder"], f.placeholder());
        assert_eq!(entry["timeout_seconds"], f.timeout_seconds);
        assert_eq!(entry["states"], serde_json::json!(f.states));
        assert_eq!(entry["triggers"], serde_json::json!(f.triggers));
    }
}

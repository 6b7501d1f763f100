//! Unit tests of `states.rs`: rendering and parsing back each form.
use serde_json::json;

use super::*;
use crate::asl::choice::Condition;
use crate::asl::retry::{Catcher, JitterStrategy, Retrier};

fn p(path: &str) -> JsonPath {
    JsonPath::new(path).unwrap()
}

/// Renders `state`, compares with `expected`, and parses it back to the same value.
fn round_trip(state: impl Into<State>, expected: Value) {
    let state = state.into();
    let json = serde_json::to_value(&state).unwrap();
    assert_eq!(json, expected);
    assert_eq!(serde_json::from_value::<State>(json).unwrap(), state);
}

#[test]
fn task_renders_every_field_in_order() {
    let mut task = Task::new("${x_function_arn}", Transition::next("B"))
        .parameters(json!({"a.$": "$.a"}))
        .result_selector(json!({"r.$": "$"}))
        .result_path(ResultPath::Discard)
        .timeout_seconds(5)
        .retry(vec![Retrier::on(["E"]).jitter(JitterStrategy::Full)])
        .catch(vec![Catcher::all("F")]);
    task.comment = Some("c".into());
    task.input_path = Some(p("$.in"));
    task.output_path = Some(p("$.out"));
    task.extra.insert("HeartbeatSeconds".into(), json!(3));
    let json = serde_json::to_string(&State::from(task.clone())).unwrap();
    assert_eq!(
        json,
        r#"{"Type":"Task","Comment":"c","Resource":"${x_function_arn}","InputPath":"$.in","Parameters":{"a.$":"$.a"},"ResultSelector":{"r.$":"$"},"ResultPath":null,"OutputPath":"$.out","TimeoutSeconds":5,"Retry":[{"ErrorEquals":["E"],"JitterStrategy":"FULL"}],"Catch":[{"ErrorEquals":["States.ALL"],"Next":"F"}],"Next":"B","HeartbeatSeconds":3}"#
    );
    assert_eq!(
        serde_json::from_str::<State>(&json).unwrap(),
        State::Task(task)
    );
}

#[test]
fn task_with_end_and_no_options_is_minimal() {
    round_trip(
        Task::new("arn", Transition::End),
        json!({"Type": "Task", "Resource": "arn", "End": true}),
    );
}

#[test]
fn pass_renders_result_and_parameters() {
    let mut pass = Pass::new(Transition::next("N"));
    pass.result = Some(json!({"x": 1}));
    pass.result_path = Some(ResultPath::path("$.r").unwrap());
    round_trip(
        pass,
        json!({"Type": "Pass", "Result": {"x": 1}, "ResultPath": "$.r", "Next": "N"}),
    );
    let mut pass = Pass::new(Transition::End);
    pass.parameters = Some(json!({"Error": "E", "Cause.$": "$.c"}));
    round_trip(
        pass,
        json!({"Type": "Pass", "Parameters": {"Error": "E", "Cause.$": "$.c"}, "End": true}),
    );
}

#[test]
fn wait_renders_each_kind() {
    for (wait, key, value) in [
        (WaitFor::Seconds(10), "Seconds", json!(10)),
        (WaitFor::SecondsPath(p("$.s")), "SecondsPath", json!("$.s")),
        (
            WaitFor::Timestamp("2026-01-01T00:00:00Z".into()),
            "Timestamp",
            json!("2026-01-01T00:00:00Z"),
        ),
        (
            WaitFor::TimestampPath(p("$.t")),
            "TimestampPath",
            json!("$.t"),
        ),
    ] {
        round_trip(
            Wait::new(wait, Transition::next("N")),
            json!({"Type": "Wait", key: value, "Next": "N"}),
        );
    }
}

#[test]
fn wait_without_duration_is_rejected() {
    let err = serde_json::from_value::<State>(json!({"Type": "Wait", "Next": "N"}));
    assert!(err.is_err());
}

#[test]
fn choice_renders_rules_and_default() {
    round_trip(
        Choice::new(vec![ChoiceRule::new(
            Condition::boolean_equals(p("$.done"), true),
            "Yes",
        )])
        .default("No"),
        json!({"Type": "Choice", "Choices": [
            {"Variable": "$.done", "BooleanEquals": true, "Next": "Yes"}
        ], "Default": "No"}),
    );
}

#[test]
fn succeed_and_fail_have_no_transition() {
    round_trip(Succeed::default(), json!({"Type": "Succeed"}));
    round_trip(
        Fail {
            error_path: Some(p("$.error.Error")),
            cause_path: Some(p("$.error.Cause")),
            ..Fail::default()
        },
        json!({"Type": "Fail", "ErrorPath": "$.error.Error", "CausePath": "$.error.Cause"}),
    );
    round_trip(
        Fail {
            comment: Some("c".into()),
            ..Fail::literal("E", "why")
        },
        json!({"Type": "Fail", "Comment": "c", "Error": "E", "Cause": "why"}),
    );
    // A Next on a terminal state is not taken as a transition: it lands in `extra`,
    // where validation rejects it (see the validation tests).
    let parsed: State = serde_json::from_value(json!({"Type": "Succeed", "Next": "X"})).unwrap();
    assert!(parsed.transition().is_none());
    assert!(parsed.extra().contains_key("Next"));
}

#[test]
fn next_and_end_cannot_mix() {
    for json in [
        json!({"Type": "Pass", "Next": "N", "End": true}),
        json!({"Type": "Pass"}),
        json!({"Type": "Pass", "End": false}),
    ] {
        let err = serde_json::from_value::<State>(json)
            .unwrap_err()
            .to_string();
        assert!(err.contains("Next"), "{err}");
    }
}

#[test]
fn unknown_type_is_rejected() {
    let err = serde_json::from_value::<State>(json!({"Type": "Parallel", "End": true}));
    assert!(err.unwrap_err().to_string().contains("Parallel"));
}

//! One test per validation rule: each broken graph fails with its named error, naming the
//! state and the field.

use serde_json::json;
use state_machine::{
    AslError, Catcher, Choice, ChoiceRule, Condition, Fail, JsonPath, Pass, ResultPath, Retrier,
    State, StateMachine, StateMachineBuilder, Succeed, Task, Transition,
};

fn p(path: &str) -> JsonPath {
    JsonPath::new(path).unwrap()
}

/// `Start` (a task) → `Done` (Succeed), with `task` changed by the test.
fn with_task(change: impl FnOnce(Task) -> Task) -> StateMachineBuilder {
    let mut m = StateMachine::builder("Start");
    m.state("Start", change(Task::new("arn", Transition::next("Done"))));
    m.state("Done", Succeed::default());
    m
}

fn err(m: &StateMachineBuilder) -> AslError {
    m.build().expect_err("the machine should be rejected")
}

#[test]
fn a_valid_machine_builds() {
    assert!(with_task(|t| t).build().is_ok());
}

#[test]
fn no_states() {
    assert!(matches!(
        err(&StateMachine::builder("A")),
        AslError::NoStates
    ));
}

#[test]
fn empty_and_long_names() {
    let mut m = with_task(|t| t);
    m.state("", Succeed::default());
    assert!(matches!(err(&m), AslError::EmptyStateName { position: 2 }));

    let long = "x".repeat(81);
    let mut m = with_task(|t| t);
    m.state(long.as_str(), Succeed::default());
    let e = err(&m);
    assert!(
        matches!(&e, AslError::StateNameTooLong { len: 81, .. }),
        "{e}"
    );

    let mut m = StateMachine::builder("x".repeat(80));
    m.state("x".repeat(80), Succeed::default());
    assert!(m.build().is_ok());
}

#[test]
fn duplicate_names_name_both_places() {
    let mut m = with_task(|t| t);
    m.state("Start", Succeed::default());
    let e = err(&m);
    assert!(
        matches!(&e, AslError::DuplicateStateName { name, first: 0, second: 2 } if name == "Start"),
        "{e}"
    );
    assert!(e.to_string().contains("state #0") && e.to_string().contains("state #2"));
}

#[test]
fn duplicate_names_in_a_file_are_caught() {
    let text =
        r#"{"StartAt": "A", "States": {"A": {"Type": "Succeed"}, "A": {"Type": "Succeed"}}}"#;
    let e = StateMachine::from_json(text).unwrap_err();
    assert!(
        matches!(
            e,
            AslError::DuplicateStateName {
                first: 0,
                second: 1,
                ..
            }
        ),
        "{e}"
    );
}

#[test]
fn unknown_start_at() {
    let mut m = StateMachine::builder("Nowhere");
    m.state("Done", Succeed::default());
    assert!(matches!(err(&m), AslError::UnknownStartAt { target } if target == "Nowhere"));
}

#[test]
fn unknown_next_default_and_catch_targets() {
    let e = err(&with_task(|mut t| {
        t.transition = Transition::next("Missing");
        t
    }));
    assert!(
        matches!(&e, AslError::UnknownTarget { state, field, target } if state == "Start" && field == "Next" && target == "Missing"),
        "{e}"
    );

    let e = err(&with_task(|t| t.catch(vec![Catcher::all("Missing")])));
    assert!(
        matches!(&e, AslError::UnknownTarget { field, .. } if field == "Catch[0].Next"),
        "{e}"
    );

    let mut m = StateMachine::builder("C");
    m.state(
        "C",
        Choice::new(vec![ChoiceRule::new(
            Condition::is_present(p("$.x"), true),
            "Done",
        )])
        .default("Missing"),
    );
    m.state("Done", Succeed::default());
    let e = err(&m);
    assert!(
        matches!(&e, AslError::UnknownTarget { state, field, .. } if state == "C" && field == "Default"),
        "{e}"
    );

    let mut m = StateMachine::builder("C");
    m.state(
        "C",
        Choice::new(vec![ChoiceRule::new(
            Condition::is_present(p("$.x"), true),
            "Missing",
        )]),
    );
    let e = err(&m);
    assert!(
        matches!(&e, AslError::UnknownTarget { field, .. } if field == "Choices[0].Next"),
        "{e}"
    );
}

#[test]
fn unreachable_state() {
    let mut m = with_task(|t| t);
    m.state("Orphan", Succeed::default());
    assert!(matches!(err(&m), AslError::Unreachable { state, .. } if state == "Orphan"));
}

#[test]
fn catch_targets_count_as_reachable() {
    let mut m = with_task(|t| t.catch(vec![Catcher::all("Oops")]));
    m.state("Oops", Fail::literal("E", "c"));
    assert!(m.build().is_ok());
}

#[test]
fn no_terminal_state() {
    let mut m = StateMachine::builder("A");
    m.state("A", Pass::new(Transition::next("B")));
    m.state("B", Pass::new(Transition::next("A")));
    assert!(matches!(err(&m), AslError::NoTerminalState));
}

#[test]
fn empty_error_equals() {
    let e = err(&with_task(|t| {
        t.retry(vec![Retrier::on(Vec::<String>::new())])
    }));
    assert!(
        matches!(&e, AslError::EmptyErrorEquals { field, .. } if field == "Retry[0].ErrorEquals"),
        "{e}"
    );
}

#[test]
fn states_all_must_be_alone() {
    let e = err(&with_task(|t| {
        t.retry(vec![Retrier::on(["States.ALL", "X"])])
    }));
    assert!(
        matches!(&e, AslError::StatesAllNotAlone { state, field } if state == "Start" && field == "Retry[0].ErrorEquals"),
        "{e}"
    );
    let e = err(&with_task(|t| {
        t.catch(vec![Catcher::on(["X", "States.ALL"], "Done")])
    }));
    assert!(
        matches!(&e, AslError::StatesAllNotAlone { field, .. } if field == "Catch[0].ErrorEquals"),
        "{e}"
    );
}

#[test]
fn states_all_must_be_last() {
    let e = err(&with_task(|t| {
        t.retry(vec![Retrier::on(["States.ALL"]), Retrier::on(["X"])])
    }));
    assert!(
        matches!(&e, AslError::StatesAllNotLast { field, .. } if field == "Retry[0]"),
        "{e}"
    );
    let e = err(&with_task(|t| {
        t.catch(vec![Catcher::all("Done"), Catcher::on(["X"], "Done")])
    }));
    assert!(
        matches!(&e, AslError::StatesAllNotLast { field, .. } if field == "Catch[0]"),
        "{e}"
    );
}

#[test]
fn retry_numbers_out_of_range() {
    for (retrier, field) in [
        (
            Retrier::on(["X"]).interval_seconds(0),
            "Retry[0].IntervalSeconds",
        ),
        (
            Retrier::on(["X"]).interval_seconds(100_000_000),
            "Retry[0].IntervalSeconds",
        ),
        (
            Retrier::on(["X"]).max_attempts(100_000_000),
            "Retry[0].MaxAttempts",
        ),
        (Retrier::on(["X"]).backoff_rate(0.5), "Retry[0].BackoffRate"),
        (
            Retrier::on(["X"]).backoff_rate(f64::NAN),
            "Retry[0].BackoffRate",
        ),
        (
            Retrier::on(["X"]).max_delay_seconds(0),
            "Retry[0].MaxDelaySeconds",
        ),
        (
            Retrier::on(["X"]).max_delay_seconds(31_622_401),
            "Retry[0].MaxDelaySeconds",
        ),
    ] {
        let e = err(&with_task(|t| t.retry(vec![retrier])));
        assert!(
            matches!(&e, AslError::RetryOutOfRange { field: f, .. } if f == field),
            "{e}"
        );
    }
    let edge = Retrier::on(["X"])
        .interval_seconds(1)
        .max_attempts(0)
        .backoff_rate(1.0)
        .max_delay_seconds(31_622_400);
    assert!(with_task(|t| t.retry(vec![edge])).build().is_ok());
}

#[test]
fn choice_needs_a_rule() {
    let mut m = StateMachine::builder("C");
    m.state("C", Choice::new(vec![]).default("Done"));
    m.state("Done", Succeed::default());
    assert!(matches!(err(&m), AslError::ChoiceWithoutRules { state } if state == "C"));
}

#[test]
fn and_or_need_conditions() {
    let mut m = StateMachine::builder("C");
    let nested = Condition::Not(Box::new(Condition::Or(vec![])));
    m.state(
        "C",
        Choice::new(vec![ChoiceRule::new(Condition::And(vec![nested]), "Done")]),
    );
    m.state("Done", Succeed::default());
    let e = err(&m);
    assert!(
        matches!(&e, AslError::InvalidCondition { field, .. } if field == "Choices[0].And[0].Not"),
        "{e}"
    );
}

#[test]
fn json_paths_must_start_with_dollar() {
    let e = JsonPath::new("export.status").unwrap_err();
    assert!(matches!(e, AslError::InvalidJsonPath { .. }));
    let text =
        r#"{"StartAt": "W", "States": {"W": {"Type": "Wait", "SecondsPath": "x", "End": true}}}"#;
    let e = StateMachine::from_json(text).unwrap_err();
    assert!(e.to_string().contains("must start with `$`"), "{e}");
}

#[test]
fn payload_paths_must_be_paths() {
    let e = err(&with_task(|t| t.parameters(json!({"a": {"job.$": "job"}}))));
    assert!(
        matches!(&e, AslError::InvalidPayloadPath { field: "Parameters", key, .. } if key == "job.$"),
        "{e}"
    );
    let e = err(&with_task(|t| t.result_selector(json!({"x.$": 3}))));
    assert!(
        matches!(
            &e,
            AslError::InvalidPayloadPath {
                field: "ResultSelector",
                ..
            }
        ),
        "{e}"
    );
    let ok = with_task(|t| {
        t.parameters(json!({"id.$": "$$.Execution.Id", "f.$": "States.Format('{}', $.a)"}))
    });
    assert!(ok.build().is_ok());
}

#[test]
fn result_path_cannot_be_a_context_path() {
    let e = err(&with_task(|t| {
        t.result_path(ResultPath::path("$$.Execution").unwrap())
    }));
    assert!(
        matches!(&e, AslError::ContextPathNotAllowed { field, .. } if field == "ResultPath"),
        "{e}"
    );
}

#[test]
fn fail_error_and_error_path_conflict() {
    let mut fail = Fail::literal("E", "c");
    fail.error_path = Some(p("$.e"));
    let mut m = StateMachine::builder("F");
    m.state("F", fail);
    let e = err(&m);
    assert!(
        matches!(
            &e,
            AslError::ConflictingFields {
                first: "Error",
                second: "ErrorPath",
                ..
            }
        ),
        "{e}"
    );
}

#[test]
fn extra_fields_cannot_redefine_modeled_ones() {
    let e = err(&with_task(|mut t| {
        t.extra.insert("End".into(), json!(true));
        t
    }));
    assert!(
        matches!(&e, AslError::ReservedExtraField { key, .. } if key == "End"),
        "{e}"
    );
    // A terminal state with a Next in the file.
    let text = r#"{"StartAt": "S", "States": {"S": {"Type": "Succeed", "Next": "S"}}}"#;
    let e = StateMachine::from_json(text).unwrap_err();
    assert!(
        matches!(&e, AslError::ReservedExtraField { key, .. } if key == "Next"),
        "{e}"
    );
    // Unmodeled fields pass through.
    assert!(
        with_task(|mut t| {
            t.extra.insert("HeartbeatSeconds".into(), json!(60));
            t
        })
        .build()
        .is_ok()
    );
}

#[test]
fn zero_timeouts() {
    let e = err(&with_task(|t| t.timeout_seconds(0)));
    assert!(
        matches!(&e, AslError::InvalidTimeout { owner, .. } if owner.contains("Start")),
        "{e}"
    );
    let mut m = with_task(|t| t);
    m.timeout_seconds(0);
    assert!(matches!(err(&m), AslError::InvalidTimeout { .. }));
}

#[test]
fn malformed_files_are_parse_errors() {
    for text in [
        "not json",
        r#"{"StartAt": "A", "States": {"A": {"Type": "Pass", "Next": "A", "End": true}}}"#,
        r#"{"StartAt": "A", "States": {}, "Bogus": 1}"#,
    ] {
        assert!(
            matches!(StateMachine::from_json(text), Err(AslError::Parse(_))),
            "{text}"
        );
    }
}

#[test]
fn states_keep_insertion_order() {
    let mut m = StateMachine::builder("Z");
    m.state("Z", Pass::new(Transition::next("A")));
    m.state("A", Pass::new(Transition::next("M")));
    m.state("M", Succeed::default());
    let machine = m.build().unwrap();
    let json = machine.to_json().unwrap();
    let (z, a, mm) = (
        json.find("\"Z\":").unwrap(),
        json.find("\"A\":").unwrap(),
        json.find("\"M\":").unwrap(),
    );
    assert!(z < a && a < mm);
    let parsed = StateMachine::from_json(&json).unwrap();
    let names: Vec<&str> = parsed.states().map(|(n, _)| n.as_str()).collect();
    assert_eq!(names, ["Z", "A", "M"]);
    assert!(matches!(machine.state("A"), Some(State::Pass(_))));
}

#[test]
fn plain_deserialize_validates_too() {
    let text = r#"{"StartAt": "A", "States": {"A": {"Type": "Pass", "Next": "Missing"}}}"#;
    let err = serde_json::from_str::<StateMachine>(text)
        .unwrap_err()
        .to_string();
    assert!(err.contains("Missing"), "{err}");
}

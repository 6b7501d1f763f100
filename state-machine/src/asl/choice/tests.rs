//! Unit tests of `choice.rs`: rendering and parsing back each form.
use super::*;

fn path(p: &str) -> JsonPath {
    JsonPath::new(p).unwrap()
}

#[test]
fn renders_flat_operator_keys_and_round_trips() {
    let rule = ChoiceRule::new(
        Condition::And(vec![
            Condition::string_equals(path("$.s"), "COMPLETE"),
            Condition::compare(path("$.n"), Test::Numeric(CompareOp::GreaterThan, 5.into())),
            Condition::Not(Box::new(Condition::boolean_equals(path("$.b"), true))),
            Condition::Or(vec![
                Condition::is_present(path("$.p"), false),
                Condition::compare(
                    path("$.t"),
                    Test::TimestampPath(CompareOp::LessThanEquals, path("$$.State.EnteredTime")),
                ),
            ]),
        ]),
        "Next1",
    );
    let json = serde_json::to_value(&rule).unwrap();
    assert_eq!(
        json,
        serde_json::json!({"And": [
            {"Variable": "$.s", "StringEquals": "COMPLETE"},
            {"Variable": "$.n", "NumericGreaterThan": 5},
            {"Not": {"Variable": "$.b", "BooleanEquals": true}},
            {"Or": [
                {"Variable": "$.p", "IsPresent": false},
                {"Variable": "$.t", "TimestampLessThanEqualsPath": "$$.State.EnteredTime"}
            ]}
        ], "Next": "Next1"})
    );
    assert_eq!(serde_json::from_value::<ChoiceRule>(json).unwrap(), rule);
}

#[test]
fn parses_every_comparison_family() {
    for (key, value) in [
        ("StringLessThan", serde_json::json!("a")),
        ("StringGreaterThanEqualsPath", serde_json::json!("$.x")),
        ("StringMatches", serde_json::json!("a*")),
        ("NumericEquals", serde_json::json!(1.5)),
        ("NumericLessThanPath", serde_json::json!("$.x")),
        (
            "TimestampGreaterThan",
            serde_json::json!("2026-01-01T00:00:00Z"),
        ),
        ("BooleanEqualsPath", serde_json::json!("$.x")),
        ("IsNull", serde_json::json!(true)),
        ("IsTimestamp", serde_json::json!(false)),
    ] {
        let json = serde_json::json!({"Variable": "$.v", key: value, "Next": "N"});
        let rule: ChoiceRule = serde_json::from_value(json.clone()).unwrap();
        assert_eq!(serde_json::to_value(&rule).unwrap(), json, "{key}");
    }
}

#[test]
fn rejects_malformed_conditions() {
    for (json, needle) in [
        (
            serde_json::json!({"StringEquals": "x", "Next": "N"}),
            "needs `Variable`",
        ),
        (
            serde_json::json!({"Variable": "$.v", "Next": "N"}),
            "exactly one operator",
        ),
        (
            serde_json::json!({"Variable": "$.v", "StringEquals": "x", "IsPresent": true, "Next": "N"}),
            "exactly one operator",
        ),
        (
            serde_json::json!({"Variable": "$.v", "StringEqualz": "x", "Next": "N"}),
            "unknown condition key",
        ),
        (
            serde_json::json!({"Variable": "$.v", "NumericEquals": "1", "Next": "N"}),
            "needs a number",
        ),
        (
            serde_json::json!({"Variable": "v", "StringEquals": "x", "Next": "N"}),
            "must start with `$`",
        ),
        (
            serde_json::json!({"Variable": "$.v", "StringEquals": "x"}),
            "needs `Next`",
        ),
        (
            serde_json::json!({"And": [], "Variable": "$.v", "Next": "N"}),
            "must be alone",
        ),
    ] {
        let err = serde_json::from_value::<ChoiceRule>(json)
            .unwrap_err()
            .to_string();
        assert!(err.contains(needle), "{err}");
    }
}

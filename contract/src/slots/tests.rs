//! The `$.slot` state stays small and omits what is unset; the joined output is exactly
//! `{"joined": <arn>}` (the graph's Choice tests for its presence).

use super::*;

#[test]
fn a_joined_output_is_only_the_owner() {
    let state = SlotState {
        joined: Some("arn:aws:states:us-east-1:1:execution:sm:a".into()),
        ..SlotState::default()
    };
    let json = serde_json::to_value(&state).unwrap_or_default();
    assert_eq!(
        json,
        serde_json::json!({"joined": "arn:aws:states:us-east-1:1:execution:sm:a", "acquired_at": 0, "waited_seconds": 0})
    );
}

#[test]
fn a_granted_slot_has_no_position_nor_joined() {
    let state = SlotState {
        account: "210987654321".into(),
        region: "us-east-1".into(),
        acquired_at: 100,
        waited_seconds: 40,
        ..SlotState::default()
    };
    let text = serde_json::to_string(&state).unwrap_or_default();
    assert!(
        !text.contains("joined") && !text.contains("position"),
        "{text}"
    );
    assert!(text.len() < 200, "{text}");
}

//! Unit tests of `retry`.

use super::*;

#[test]
fn defaults_are_not_written() {
    let r = Retrier::on(["X"])
        .interval_seconds(1)
        .max_attempts(3)
        .backoff_rate(2.0)
        .jitter(JitterStrategy::None);
    assert_eq!(
        serde_json::to_string(&r).unwrap(),
        r#"{"ErrorEquals":["X"]}"#
    );
    let r = Retrier::on(["X"])
        .interval_seconds(2)
        .max_attempts(6)
        .backoff_rate(1.5)
        .max_delay_seconds(60)
        .jitter(JitterStrategy::Full);
    assert_eq!(
        serde_json::to_string(&r).unwrap(),
        r#"{"ErrorEquals":["X"],"IntervalSeconds":2,"MaxAttempts":6,"BackoffRate":1.5,"MaxDelaySeconds":60,"JitterStrategy":"FULL"}"#
    );
}

#[test]
fn catcher_round_trips() {
    let c = Catcher::all("Failed").result_path(ResultPath::path("$.error").unwrap());
    let json = serde_json::to_string(&c).unwrap();
    assert_eq!(
        json,
        r#"{"ErrorEquals":["States.ALL"],"ResultPath":"$.error","Next":"Failed"}"#
    );
    assert_eq!(serde_json::from_str::<Catcher>(&json).unwrap(), c);
}

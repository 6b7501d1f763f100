//! export-slots tells its four payloads apart, and acts only on the status changes that
//! end an execution whose input names a snapshot.

use serde_json::json;

use super::*;

fn job() -> Value {
    serde_json::to_value(crate::test_support::job()).unwrap_or_default()
}

#[test]
fn acquire_and_release_inputs() {
    let acquire = json!({"job": job(), "task_token": "t", "execution_id": "e", "redrive_count": 0});
    assert!(matches!(parse_request(acquire), Ok(Request::Acquire(_))));
    let release = json!({"job": job(), "execution_id": "e"});
    assert!(matches!(parse_request(release), Ok(Request::Release(_))));
    let bad = json!({"job": 3, "execution_id": "e"});
    assert_eq!(
        parse_request(bad).err().map(|e| e.name()),
        Some("InvalidInput")
    );
    assert_eq!(
        parse_request(json!({})).err().map(|e| e.name()),
        Some("InvalidInput")
    );
}

fn status_event(status: &str, input: &str) -> Value {
    json!({"source": "aws.states", "detail-type": "Step Functions Execution Status Change",
           "detail": {"executionArn": "arn:aws:states:us-east-1:1:execution:sm:x", "status": status, "input": input}})
}

#[test]
fn an_aborted_execution_names_its_snapshot() {
    let input = r#"{"snapshot_arn": "arn:aws:rds:us-east-1:210987654321:snapshot:a"}"#;
    match parse_request(status_event("ABORTED", input)) {
        Ok(Request::Ended {
            execution_arn,
            snapshot_arn,
        }) => {
            assert!(execution_arn.ends_with(":x"));
            assert_eq!(
                snapshot_arn,
                "arn:aws:rds:us-east-1:210987654321:snapshot:a"
            );
        }
        other => panic!("{other:?}"),
    }
    assert!(matches!(
        parse_request(status_event("SUCCEEDED", input)),
        Ok(Request::Ignored(_))
    ));
    assert!(matches!(
        parse_request(status_event("FAILED", "not json")),
        Ok(Request::Ignored(_))
    ));
}

#[test]
fn the_schedule_is_the_sweep() {
    let e = json!({"source": "aws.events", "detail-type": "Scheduled Event", "detail": {}});
    assert!(matches!(parse_request(e), Ok(Request::Sweep)));
}

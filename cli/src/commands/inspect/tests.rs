//! Unit tests of `inspect`.

use super::*;

fn entered(name: &str) -> Step {
    Step::Entered(name.to_owned())
}

#[test]
fn the_snapshot_comes_from_manual_or_event_input() {
    assert_eq!(
        snapshot_from_input(r#"{"snapshot_arn":"arn:a","export_only":["db"]}"#).as_deref(),
        Some("arn:a")
    );
    let event = r#"{"source":"aws.rds","detail":{"SourceArn":"arn:b"},"resources":["arn:c"]}"#;
    assert_eq!(snapshot_from_input(event).as_deref(), Some("arn:b"));
    assert_eq!(
        snapshot_from_input(r#"{"resources":["arn:c"]}"#).as_deref(),
        Some("arn:c")
    );
    assert_eq!(snapshot_from_input("not json"), None);
}

#[test]
fn the_failed_state_is_the_last_state_entered() {
    let failed_at_task = [
        entered("Normalize"),
        entered("StartExport"),
        entered("WaitForExport"),
        entered("CheckExport"),
        Step::Ended {
            error: Some("ExportNotFound".into()),
            cause: None,
        },
    ];
    assert_eq!(
        failed_state(&failed_at_task).as_deref(),
        Some("CheckExport")
    );
    let timed_out = [entered("Normalize"), entered("WaitForExport")];
    assert_eq!(failed_state(&timed_out).as_deref(), Some("WaitForExport"));
    assert_eq!(failed_state(&[]), None);
}

#[test]
fn the_export_id_is_the_latest_attempt() {
    let job = r#"{"action":"export","snapshot_arn":"arn:s","source_kind":"db-snapshot","snapshot_id":"s","trigger":"manual","export_task_id":"s-0001"}"#;
    let export = r#"{"export_task_id":"s-0001-r2","attempt":2,"adopted":false,"status":"IN_PROGRESS","percent_progress":40,"s3_bucket":"b","s3_prefix":"p","started_at":1,"checks":3,"next_poll_seconds":60}"#;
    let steps = [
        Step::Exited {
            name: "Normalize".into(),
            output: Some(format!(r#"{{"job":{job}}}"#)),
        },
        Step::Exited {
            name: "CheckExport".into(),
            output: Some(format!(r#"{{"job":{job},"export":{export}}}"#)),
        },
        Step::Exited {
            name: "Other".into(),
            output: Some("\"An output\"".into()),
        },
    ];
    let state = latest_state(&steps).unwrap();
    assert_eq!(export_id_of(&state).as_deref(), Some("s-0001-r2"));
    let state = latest_state(&steps[..1]).unwrap();
    assert_eq!(export_id_of(&state).as_deref(), Some("s-0001"));
    assert!(latest_state(&steps[2..]).is_none());
}

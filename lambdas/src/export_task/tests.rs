//! Unit tests of `export_task`.

use super::*;

#[test]
fn warnings_from_json_or_raw() {
    assert_eq!(parse_warnings(None), Vec::<String>::new());
    assert_eq!(parse_warnings(Some("  ")), Vec::<String>::new());
    assert_eq!(
        parse_warnings(Some(
            r#"{"warnings":[{"message":"table a skipped"},{"message":"table b skipped"}]}"#
        )),
        vec!["table a skipped".to_owned(), "table b skipped".to_owned()]
    );
    assert_eq!(
        parse_warnings(Some(r#"["x", "y"]"#)),
        vec!["x".to_owned(), "y".to_owned()]
    );
    assert_eq!(
        parse_warnings(Some("plain text warning")),
        vec!["plain text warning".to_owned()]
    );
    assert_eq!(parse_warnings(Some("{}")), vec!["{}".to_owned()]);
}

#[test]
fn failure_cause_never_empty_when_terminal_failure() {
    let v = TaskView {
        id: "e-1".into(),
        ..TaskView::default()
    };
    assert_eq!(
        failure_cause(&v, ExportStatus::Failed),
        "export task e-1 ended FAILED; RDS gave no FailureCause"
    );
    assert!(failure_cause(&v, ExportStatus::Canceled).contains("CANCELED"));
    assert_eq!(failure_cause(&v, ExportStatus::InProgress), "");
    let v = TaskView {
        failure_cause: Some("S3 access denied".into()),
        ..v
    };
    assert_eq!(failure_cause(&v, ExportStatus::Failed), "S3 access denied");
    assert_eq!(failure_cause(&v, ExportStatus::Complete), "");
}

#[test]
fn progress_is_bounded() {
    let policy = PollPolicy {
        min_poll_seconds: 30,
        max_poll_seconds: 1800,
        max_wait_seconds: 86_400,
        max_polls: 2_400,
        events: false,
    };
    let mut s = ExportState {
        export_task_id: "e".into(),
        attempt: 1,
        adopted: false,
        status: ExportStatus::Starting,
        percent_progress: 0,
        total_extracted_gb: None,
        failure_cause: String::new(),
        warnings: vec![],
        warnings_total: 0,
        snapshot_time: None,
        s3_bucket: "b".into(),
        s3_prefix: "e".into(),
        started_at: 0,
        wait_started_at: 0,
        redrive_count: 0,
        checks: 0,
        next_poll_seconds: 30,
        progress: vec![],
    };
    let v = TaskView {
        id: "e".into(),
        percent: Some(150),
        ..TaskView::default()
    };
    for i in 0..40 {
        observe(&mut s, &v, ExportStatus::InProgress, &policy, i);
    }
    assert_eq!(s.progress.len(), MAX_PROGRESS_SAMPLES);
    assert_eq!(s.progress.last().map(|p| p.at), Some(39));
    assert_eq!(s.percent_progress, 100);
    assert!((30..=1800).contains(&s.next_poll_seconds));
}

#[test]
fn warnings_are_capped_in_number_and_length_and_counted() {
    let many: Vec<String> = (0..4_000)
        .map(|i| format!("Table db.public.t{i} was skipped: {}", "x".repeat(2_000)))
        .collect();
    let capped = cap_warnings(many);
    assert_eq!(capped.len(), contract::MAX_WARNINGS);
    assert!(
        capped
            .iter()
            .all(|w| w.chars().count() == contract::MAX_WARNING_CHARS)
    );
    assert!(capped[0].ends_with('…'));
    assert_eq!(cap_warnings(vec!["short".into()]), vec!["short".to_owned()]);
}

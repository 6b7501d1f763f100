//! `status` with mocked Step Functions and RDS (moto runs no state machine, and its
//! export tasks are `complete` at once, so these cannot run the binary): the export id
//! comes from the execution's state, later attempts are followed, and the table shows the
//! progress, copy delivery's included.

mod slots;
mod verification;

use super::{RunningExecution, StatusReport, gather, human_bytes};
use crate::args::StatusArgs;
use crate::mocks::mocked;
use crate::output::Report;
use aws_sdk_rds::operation::describe_export_tasks::DescribeExportTasksOutput;
use aws_sdk_rds::types::ExportTask;
use aws_sdk_sfn::Client;
use aws_sdk_sfn::operation::describe_execution::DescribeExecutionOutput;
use aws_sdk_sfn::operation::get_execution_history::GetExecutionHistoryOutput;
use aws_sdk_sfn::operation::list_executions::ListExecutionsOutput;
use aws_sdk_sfn::types::{
    ExecutionListItem, ExecutionStatus, HistoryEvent, HistoryEventType, StateEnteredEventDetails,
    StateExitedEventDetails,
};
use aws_smithy_mocks::{Rule, mock};
use aws_smithy_types::DateTime;

const MACHINE: &str = "arn:aws:states:eu-west-1:111122223333:stateMachine:snapshot-export";
const EXECUTION: &str =
    "arn:aws:states:eu-west-1:111122223333:execution:snapshot-export:orders-1a2b3c4d";
const STARTED: i64 = 1_795_000_000;
const JOB: &str = r#"{"action":"export","snapshot_arn":"arn:aws:rds:eu-west-1:111122223333:snapshot:orders","source_kind":"db-snapshot","snapshot_id":"orders","trigger":"manual","export_task_id":"orders-1a2b3c4d"}"#;

fn export_state(id: &str, attempt: u32) -> String {
    format!(
        r#"{{"export_task_id":"{id}","attempt":{attempt},"adopted":false,"status":"IN_PROGRESS","percent_progress":10,"s3_bucket":"b","s3_prefix":"exports/{id}","started_at":{STARTED},"checks":2,"next_poll_seconds":300}}"#
    )
}

fn entered(id: i64, name: &str) -> HistoryEvent {
    HistoryEvent::builder()
        .id(id)
        .timestamp(DateTime::from_secs(STARTED + id))
        .r#type(HistoryEventType::TaskStateEntered)
        .state_entered_event_details(
            StateEnteredEventDetails::builder()
                .name(name)
                .build()
                .unwrap(),
        )
        .build()
        .unwrap()
}

fn exited(id: i64, name: &str, output: &str) -> HistoryEvent {
    HistoryEvent::builder()
        .id(id)
        .timestamp(DateTime::from_secs(STARTED + id))
        .r#type(HistoryEventType::TaskStateExited)
        .state_exited_event_details(
            StateExitedEventDetails::builder()
                .name(name)
                .output(output)
                .build()
                .unwrap(),
        )
        .build()
        .unwrap()
}

fn sfn_rules(history: Vec<HistoryEvent>) -> Vec<Rule> {
    vec![
        mock!(Client::list_executions)
            .match_requests(|r| r.status_filter() == Some(&ExecutionStatus::Running))
            .then_output(|| {
                ListExecutionsOutput::builder()
                    .executions(
                        ExecutionListItem::builder()
                            .execution_arn(EXECUTION)
                            .state_machine_arn(MACHINE)
                            .name("orders-1a2b3c4d")
                            .status(ExecutionStatus::Running)
                            .start_date(DateTime::from_secs(STARTED))
                            .build()
                            .unwrap(),
                    )
                    .build()
                    .unwrap()
            }),
        mock!(Client::describe_execution).then_output(|| {
            DescribeExecutionOutput::builder()
                .execution_arn(EXECUTION)
                .state_machine_arn(MACHINE)
                .status(ExecutionStatus::Running)
                .start_date(DateTime::from_secs(STARTED))
                .input(r#"{"snapshot_arn":"arn:aws:rds:eu-west-1:111122223333:snapshot:orders"}"#)
                .build()
                .unwrap()
        }),
        mock!(Client::get_execution_history).then_output(move || {
            GetExecutionHistoryOutput::builder()
                .set_events(Some(history.clone()))
                .build()
                .unwrap()
        }),
    ]
}

/// RDS answering DescribeExportTasks from a fixed list of (id, status, percent), with
/// every task in each answer (as moto does), so the CLI must pick the exact id.
fn rds_rule(tasks: &'static [(&'static str, &'static str, i32)]) -> Rule {
    mock!(aws_sdk_rds::Client::describe_export_tasks).then_compute_output(move |req| {
        let wanted = req.filters()[0].values()[0].clone();
        assert_eq!(req.filters()[0].name(), Some("export-task-identifier"));
        let known = tasks.iter().any(|(id, _, _)| *id == wanted);
        let all = tasks
            .iter()
            .filter(|_| known)
            .map(|(id, status, percent)| {
                ExportTask::builder()
                    .export_task_identifier(*id)
                    .status(*status)
                    .percent_progress(*percent)
                    .total_extracted_data_in_gb(3)
                    .build()
            })
            .collect();
        DescribeExportTasksOutput::builder()
            .set_export_tasks(Some(all))
            .build()
    })
}

fn args() -> StatusArgs {
    StatusArgs {
        state_machine_arn: Some(MACHINE.into()),
        execution: None,
        tables: false,
        slots_table: None,
        watch: false,
        interval: 10,
        crawler: None,
    }
}

#[tokio::test]
async fn the_current_attempt_in_the_state_is_shown_with_its_progress() {
    let history = vec![
        entered(2, "Normalize"),
        exited(3, "Normalize", &format!(r#"{{"job":{JOB}}}"#)),
        entered(4, "StartExport"),
        exited(
            5,
            "StartExport",
            &format!(
                r#"{{"job":{JOB},"export":{}}}"#,
                export_state("orders-1a2b3c4d-r2", 2)
            ),
        ),
        entered(6, "WaitForExport"),
    ];
    let sfn = sfn_rules(history);
    let rds = rds_rule(&[
        ("orders-1a2b3c4d", "failed", 30),
        ("orders-1a2b3c4d-r2", "in_progress", 45),
    ]);
    let refs: Vec<&Rule> = sfn.iter().collect();
    let report = gather(&mocked(&refs, &[&rds]), &args()).await.unwrap();
    let r = &report.running[0];
    assert_eq!(r.export_task_id.as_deref(), Some("orders-1a2b3c4d-r2"));
    assert_eq!(r.export_status.as_deref(), Some("IN_PROGRESS"));
    assert_eq!(r.percent, Some(45));
    assert_eq!(r.state.as_deref(), Some("WaitForExport"));
    assert_eq!(
        rds.num_calls(),
        1,
        "the current attempt is looked up directly"
    );
    assert_eq!(
        report.table(),
        "NAME             STARTED               STATE          EXPORT ID           EXPORT       PROGRESS\n\
         orders-1a2b3c4d  2026-11-18T11:06:40Z  WaitForExport  orders-1a2b3c4d-r2  IN_PROGRESS  [#########-----------]  45%\n"
    );
}

#[tokio::test]
async fn a_base_id_is_followed_past_failed_attempts() {
    let history = vec![
        entered(2, "Normalize"),
        exited(3, "Normalize", &format!(r#"{{"job":{JOB}}}"#)),
        entered(4, "StartExport"),
    ];
    let sfn = sfn_rules(history);
    let rds = rds_rule(&[
        ("orders-1a2b3c4d", "FAILED", 30),
        ("orders-1a2b3c4d-r2", "CANCELED", 5),
        ("orders-1a2b3c4d-r3", "STARTING", 0),
    ]);
    let refs: Vec<&Rule> = sfn.iter().collect();
    let report = gather(&mocked(&refs, &[&rds]), &args()).await.unwrap();
    let r = &report.running[0];
    assert_eq!(r.export_task_id.as_deref(), Some("orders-1a2b3c4d-r3"));
    assert_eq!(r.export_status.as_deref(), Some("STARTING"));
    assert_eq!(rds.num_calls(), 3);
}

#[tokio::test]
async fn no_export_yet_shows_dashes() {
    let sfn = sfn_rules(vec![entered(2, "Normalize")]);
    let refs: Vec<&Rule> = sfn.iter().collect();
    let report = gather(&mocked(&refs, &[]), &args()).await.unwrap();
    let r = &report.running[0];
    assert_eq!(r.export_task_id, None);
    assert_eq!(
        report.table().lines().nth(1).unwrap(),
        "orders-1a2b3c4d  2026-11-18T11:06:40Z  Normalize  -          -       -"
    );
}

#[test]
fn copy_progress_is_shown_in_the_table() {
    let report = StatusReport {
        running: vec![RunningExecution {
            name: "e1".into(),
            execution_arn: "arn".into(),
            started: "now".into(),
            state: Some("CopyObjects".into()),
            snapshot_arn: None,
            export_task_id: Some("orders-1".into()),
            export_status: Some("COMPLETE".into()),
            percent: Some(100),
            extracted_gb: None,
            objects_copied: Some(1200),
            bytes_copied: Some(3 * 1024 * 1024 * 1024),
        }],
        crawler: None,
        verification: None,
        slots: None,
        listed: true,
    };
    let table = report.table();
    assert!(table.contains("COPIED"), "{table}");
    assert!(table.contains("1200 obj, 3.0 GiB"), "{table}");
    // Without copy delivery the table keeps its columns.
    let mut share = report.clone();
    share.running[0].objects_copied = None;
    assert!(!share.table().contains("COPIED"));
    assert_eq!(human_bytes(512), "512 B");
}

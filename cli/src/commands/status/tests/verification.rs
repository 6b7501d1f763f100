//! `status --execution [--tables]` with mocked Step Functions and S3: the verdict and
//! counts from the output's `$.catalog`, from the history when the execution failed at
//! CatalogTables, the report's tables, and a report that is not there.

use super::{EXECUTION, JOB, MACHINE, STARTED, exited};
use crate::args::StatusArgs;
use crate::aws::Clients;
use crate::commands::status::gather;
use crate::error::CliError;
use crate::mocks::mocked;
use crate::output::Report;
use aws_sdk_s3::operation::get_object::{GetObjectError, GetObjectOutput};
use aws_sdk_sfn::Client;
use aws_sdk_sfn::operation::describe_execution::DescribeExecutionOutput;
use aws_sdk_sfn::operation::get_execution_history::GetExecutionHistoryOutput;
use aws_sdk_sfn::types::{
    ExecutionFailedEventDetails, ExecutionStatus, HistoryEvent, HistoryEventType,
};
use aws_smithy_mocks::{Rule, RuleMode, mock, mock_client};
use aws_smithy_types::DateTime;
use aws_smithy_types::byte_stream::ByteStream;

const REPORT_URI: &str = "s3://analytics/exports/orders-1/snapshot-export-verification.json";

fn catalog(verdict: &str, done: bool) -> String {
    format!(
        r#"{{"database":"snapshot_export","cataloged":2,"verdict":"{verdict}","tables_exported":2,"tables_empty":1,"tables_skipped":1,"tables_failed":0,"tables_disappeared":1,"row_drops":1,"rows_total":1234,"files_total":7,"bytes_total":4096,"type_changes":0,"schema_changes":0,"problems":[{{"target":"shop.public.audit","kind":"skipped","reason":"column name with a space"}}],"report_uri":"{REPORT_URI}","report_parts":0,"done":{done}}}"#
    )
}

fn export_state() -> &'static str {
    r#"{"export_task_id":"orders-1","attempt":1,"adopted":false,"status":"COMPLETE","percent_progress":100,"s3_bucket":"analytics","s3_prefix":"exports/orders-1","started_at":1795000000,"checks":2,"next_poll_seconds":300}"#
}

fn args(tables: bool) -> StatusArgs {
    StatusArgs {
        state_machine_arn: None,
        execution: Some(EXECUTION.into()),
        tables,
        slots_table: None,
        watch: false,
        interval: 10,
        crawler: None,
    }
}

fn failed(id: i64, error: &str) -> HistoryEvent {
    HistoryEvent::builder()
        .id(id)
        .timestamp(DateTime::from_secs(STARTED + id))
        .r#type(HistoryEventType::ExecutionFailed)
        .execution_failed_event_details(
            ExecutionFailedEventDetails::builder()
                .error(error)
                .cause("the export is PARTIAL")
                .build(),
        )
        .build()
        .unwrap()
}

/// DescribeExecution (status, output) and the history.
fn sfn(status: ExecutionStatus, output: Option<String>, events: Vec<HistoryEvent>) -> Vec<Rule> {
    vec![
        mock!(Client::describe_execution).then_output(move || {
            DescribeExecutionOutput::builder()
                .execution_arn(EXECUTION)
                .state_machine_arn(MACHINE)
                .status(status.clone())
                .start_date(DateTime::from_secs(STARTED))
                .set_output(output.clone())
                .build()
                .unwrap()
        }),
        mock!(Client::get_execution_history).then_output(move || {
            GetExecutionHistoryOutput::builder()
                .set_events(Some(events.clone()))
                .build()
                .unwrap()
        }),
    ]
}

fn clients(sfn: &[Rule], s3: &[&Rule]) -> Clients {
    let refs: Vec<&Rule> = sfn.iter().collect();
    Clients {
        s3: mock_client!(aws_sdk_s3, RuleMode::MatchAny, s3),
        ..mocked(&refs, &[])
    }
}

fn report_body() -> &'static str {
    r#"{"export_id":"orders-1","verdict":"PARTIAL","counts":{},"tables":[
      {"target":"shop.public.audit","glue_table":"shop_public_audit","status":"skipped","reason":"column name with a space","files":0,"rows":0,"bytes":0,"row_drop":false},
      {"target":"shop.public.orders","glue_table":"shop_public_orders","status":"exported","files":5,"rows":1200,"bytes":4000,"previous_rows":5000,"row_drop":true},
      {"target":"shop.public.users","glue_table":"shop_public_users","status":"exported","files":2,"rows":34,"bytes":96,"row_drop":false}],
      "schema_changes":[],"warnings":[],"warnings_total":1}"#
}

#[tokio::test]
async fn the_verdict_and_counts_come_from_the_output_and_the_tables_from_the_report() {
    let output = format!(
        r#"{{"export":{},"catalog":{}}}"#,
        export_state(),
        catalog("PARTIAL", true)
    );
    let rules = sfn(ExecutionStatus::Succeeded, Some(output), vec![]);
    let get = mock!(aws_sdk_s3::Client::get_object)
        .match_requests(|r| {
            r.bucket() == Some("analytics")
                && r.key() == Some("exports/orders-1/snapshot-export-verification.json")
        })
        .then_output(|| {
            GetObjectOutput::builder()
                .body(ByteStream::from_static(report_body().as_bytes()))
                .build()
        });
    let report = gather(&clients(&rules, &[&get]), &args(true))
        .await
        .unwrap();
    let v = report.verification.as_ref().unwrap();
    assert_eq!(v.execution_status, "SUCCEEDED");
    assert_eq!(v.report_uri.as_deref(), Some(REPORT_URI));
    assert_eq!(v.tables.as_ref().unwrap().len(), 3);
    let text = report.table();
    assert!(text.contains("verdict PARTIAL: 2 exported, 1 empty, 1 skipped, 0 failed, 1 disappeared; 1 row drops; 1234 rows, 7 files"), "{text}");
    assert!(
        text.contains("skipped shop.public.audit: column name with a space"),
        "{text}"
    );
    let lines: Vec<&str> = text.lines().collect();
    let header = lines.iter().position(|l| l.starts_with("TARGET")).unwrap();
    assert!(
        lines[header]
            .split_whitespace()
            .eq(["TARGET", "STATUS", "ROWS", "FILES", "REASON"])
    );
    assert!(
        lines[header + 1].split_whitespace().eq([
            "shop.public.audit",
            "skipped",
            "0",
            "0",
            "column",
            "name",
            "with",
            "a",
            "space"
        ]),
        "{text}"
    );
    assert!(
        lines[header + 2].contains("row drop (previously 5000)"),
        "{text}"
    );
    assert!(
        lines[header + 3]
            .split_whitespace()
            .eq(["shop.public.users", "exported", "34", "2", "-"]),
        "{text}"
    );
    // JSON for scripts: the catalog as the state has it, the tables.
    let json = serde_json::to_value(&report).unwrap();
    assert_eq!(json["verification"]["catalog"]["verdict"], "PARTIAL");
    assert_eq!(json["verification"]["catalog"]["rows_total"], 1234);
    assert_eq!(json["verification"]["tables"][1]["rows"], 1200);
    assert!(json.get("slots").is_none());
}

#[tokio::test]
async fn a_failed_execution_shows_the_latest_catalog_of_its_history_and_its_error() {
    // CatalogTables returned once (not done), then failed with ExportPartial.
    let state = format!(
        r#"{{"job":{JOB},"export":{},"catalog":{}}}"#,
        export_state(),
        catalog("PARTIAL", false)
    );
    let rules = sfn(
        ExecutionStatus::Failed,
        None,
        vec![
            exited(5, "CatalogTables", &state),
            failed(9, "ExportPartial"),
        ],
    );
    let report = gather(&clients(&rules, &[]), &args(false)).await.unwrap();
    let v = report.verification.as_ref().unwrap();
    assert_eq!(v.error.as_deref(), Some("ExportPartial"));
    assert_eq!(v.catalog.as_ref().unwrap().tables_skipped, 1);
    assert!(v.tables.is_none());
    let text = report.table();
    assert!(
        text.starts_with(&format!("execution {EXECUTION}: FAILED (ExportPartial)\n")),
        "{text}"
    );
    assert!(
        text.contains("verdict PARTIAL (verification not finished)"),
        "{text}"
    );
}

#[tokio::test]
async fn without_a_catalog_the_report_is_looked_for_next_to_the_export_and_named_when_missing() {
    let state = format!(r#"{{"job":{JOB},"export":{}}}"#, export_state());
    let rules = sfn(
        ExecutionStatus::Failed,
        None,
        vec![exited(4, "CheckExport", &state), failed(9, "ExportPartial")],
    );
    let missing = mock!(aws_sdk_s3::Client::get_object).then_error(|| {
        GetObjectError::NoSuchKey(aws_sdk_s3::types::error::NoSuchKey::builder().build())
    });
    let err = gather(&clients(&rules, &[&missing]), &args(true))
        .await
        .unwrap_err();
    match err {
        CliError::NotFound { what, name, .. } => {
            assert_eq!(what, "verification report");
            assert_eq!(name, REPORT_URI);
        }
        other => panic!("{other:?}"),
    }
    // Without --tables nothing is read: the URI and "no verification" are shown.
    let report = gather(&clients(&rules, &[]), &args(false)).await.unwrap();
    let text = report.table();
    assert!(
        text.contains("no verification in the execution's state"),
        "{text}"
    );
    assert!(text.contains(&format!("report {REPORT_URI}")), "{text}");
}

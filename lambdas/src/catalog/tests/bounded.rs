//! The state of a 10,000-table export (4,000 tables failed or skipped, 6,000 exported with
//! long names, schema changes and row drops everywhere) stays far below Step Functions'
//! and EventBridge's 256 KiB: every task output and both event details.

use contract::{
    AclState, CatalogState, CopyState, CrawlOutcome, CrawlStart, CrawlerState, ExportStatus,
    NotifyInput, NotifyOutput, PipelineState, SchemaChange,
};

use crate::catalog::discover::{Discovery, TableInfo};
use crate::catalog::report::{TableReport, TableStatus};
use crate::catalog::{TableDone, record, verify};
use crate::export_task::cap_warnings;
use crate::handlers::notify::{schema_changed_detail, success_detail};
use crate::test_support::{BASE_ID, export_state, job};

/// The limit of a Step Functions payload and of a PutEvents entry.
const LIMIT: usize = 256 * 1024;
/// "Far below": at most a third of it for the whole state document, whose 50 warnings of
/// 1,000 characters are half; a tenth for each other part.
const BUDGET: usize = LIMIT / 3;
const PART_BUDGET: usize = LIMIT / 10;

fn long(i: usize) -> String {
    format!(
        "shop_{}.public.table_{i:05}_{}",
        "d".repeat(40),
        "x".repeat(150)
    )
}

fn size<T: serde::Serialize>(v: &T) -> usize {
    serde_json::to_vec(v).map(|b| b.len()).unwrap_or(usize::MAX)
}

#[test]
fn a_10000_table_export_stays_far_below_256_kib() {
    // 3,000 FAILED in export_tables_info, 1,000 named by RDS's warnings (50 kept: the
    // other 950 tables are counted as warnings not kept, which makes the verdict PARTIAL).
    let mut discovery = Discovery::default();
    for i in 0..3_000 {
        discovery.info.insert(
            long(i),
            TableInfo {
                status: "FAILED".into(),
                original_types: Default::default(),
            },
        );
    }
    let all_warnings: Vec<String> = (3_000..4_000)
        .map(|i| {
            format!(
                "Table {} was skipped: column name with a space {}",
                long(i),
                "w".repeat(900)
            )
        })
        .collect();
    for i in 3_000..4_000 {
        discovery.info.insert(long(i), TableInfo::default());
    }
    let total = u32::try_from(all_warnings.len()).unwrap_or(u32::MAX);
    let warnings = cap_warnings(all_warnings);
    let v = verify::classify(&discovery, &warnings, total);
    let mut state = CatalogState {
        database: "analytics".into(),
        report_uri: format!(
            "s3://analytics-exports/rds/{BASE_ID}/snapshot-export-verification.json"
        ),
        verdict: v.verdict(),
        tables_skipped: v.count(&TableStatus::Skipped),
        tables_failed: v.count(&TableStatus::Failed),
        ..CatalogState::default()
    };
    for p in v.problems() {
        state.sample_problem(p);
    }
    for i in 4_000..10_000 {
        let name = long(i);
        record(
            &mut state,
            &TableDone {
                report: TableReport {
                    target: name.clone(),
                    glue_table: name.replace('.', "_"),
                    status: TableStatus::Exported,
                    reason: None,
                    files: 3,
                    rows: 0,
                    bytes: 1_000,
                    previous_rows: Some(1_000_000),
                    previous_export_id: Some("e0".repeat(28)),
                    row_drop: true,
                    history_table: Some(format!("{name}_history_v2")),
                },
                kept_newer: false,
                type_changes: 3,
                schema_changes: vec![SchemaChange {
                    table: name.clone(),
                    column: "c".repeat(200),
                    from: "struct<".to_owned() + &"a:int,".repeat(100) + ">",
                    to: "string".into(),
                    history_table: format!("{name}_history_v2"),
                }],
            },
        );
    }
    assert_eq!(
        (
            state.tables_failed,
            state.tables_skipped,
            state.tables_exported
        ),
        (3_000, 50, 6_000)
    );
    assert!(state.problems.len() == 20);
    assert_eq!(state.row_drops, 6_000);
    let mut export = export_state(BASE_ID, ExportStatus::Complete, "rds");
    export.warnings = warnings;
    export.warnings_total = total;
    let acl = AclState {
        ownership: "ObjectWriter".into(),
        skipped: false,
        rewritten: 1_000_000,
        failed: 0,
        invocations: 40,
        start_after: Some(format!(
            "rds/{BASE_ID}/{}/1/part-00000.parquet",
            long(9_999)
        )),
        done: false,
    };
    let copy = CopyState {
        source_bucket: "staging".into(),
        destination_bucket: "analytics-exports".into(),
        copied: 1_000_000,
        already_copied: 0,
        bytes_copied: u64::MAX,
        multipart: 10,
        invocations: 40,
        start_after: acl.start_after.clone(),
        done: false,
    };
    let crawler = CrawlerState {
        crawler_name: "c".repeat(255),
        start: CrawlStart::Started,
        started_at: 0,
        outcome: CrawlOutcome::Failed,
        error_message: "e".repeat(2_048),
        checks: 1_000,
        wait_started_at: 0,
        redrive_count: 3,
    };
    let notification = NotifyOutput {
        sent: true,
        detail_type: "Snapshot Export Succeeded".into(),
        event_id: Some("x".repeat(64)),
    };
    let input = NotifyInput {
        execution_id: "arn:aws:states:us-east-1:1:execution:p:e".into(),
        execution_started_at: "2027-01-15T08:00:00.000Z".into(),
        redrive_count: 0,
        state: PipelineState {
            job: Some(job()),
            export: Some(export.clone()),
            acl: Some(acl.clone()),
            copy: Some(copy.clone()),
            catalog: Some(state.clone()),
            crawler: Some(crawler.clone()),
        },
    };
    let success = success_detail(&input, 1_800_000_000);
    let schema = schema_changed_detail(&input).unwrap_or_default();
    let sizes = [
        ("$.export (ExportState)", size(&export)),
        ("$.acl (AclState)", size(&acl)),
        ("$.copy (CopyState)", size(&copy)),
        ("$.catalog (CatalogState)", size(&state)),
        ("$.crawler (CrawlerState)", size(&crawler)),
        ("$.notification (NotifyOutput)", size(&notification)),
        ("whole state document", size(&input.state)),
        ("Succeeded detail", size(&success)),
        ("Schema Changed detail", size(&schema)),
    ];
    for (what, n) in sizes {
        println!("{what}: {n} bytes");
        let budget = if what.starts_with("whole")
            || what.starts_with("$.export")
            || what.starts_with("Succeeded")
        {
            BUDGET
        } else {
            PART_BUDGET
        };
        assert!(n < budget, "{what} is {n} bytes, over {budget}");
    }
    assert_eq!(
        success["catalog"]["problems"].as_array().map(Vec::len),
        Some(20)
    );
    assert_eq!(schema["sample"].as_array().map(Vec::len), Some(20));
    assert_eq!(success["verdict"], "PARTIAL");
    assert_eq!(schema["schema_changes"], 6_000);
}

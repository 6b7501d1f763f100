//! The verification report: one JSON file at the export root next to `export_info_*.json`
//! (a file, so discovery never takes it for a database), with every table's status, rows,
//! files and bytes. An invocation that stops at its deadline writes a part with the tables
//! of its batches; the last one merges the parts into the report. Only PutObject of our own
//! files inside the export prefix: idempotent, nothing is deleted.

use aws_sdk_s3::primitives::ByteStream;
use contract::{CatalogState, REPORT_NAME, SchemaChange, Verdict};
use serde::{Deserialize, Serialize};

use crate::error::TaskError;
use crate::sdk_error::{classify, code, message};

/// One table's verification result.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub(crate) enum TableStatus {
    /// At least one Parquet file, not failed, not skipped: cataloged.
    Exported,
    /// No Parquet file: not cataloged.
    Empty,
    /// Named by RDS's WarningMessage.
    Skipped,
    /// Not COMPLETE in `export_tables_info`.
    Failed,
    /// In the previous export of this source, absent from this one.
    Disappeared,
}

/// One table's line of the report.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct TableReport {
    /// `database.schema.table` (empty for a warning naming no table).
    pub target: String,
    /// The latest Glue table.
    pub glue_table: String,
    /// What happened to it.
    pub status: TableStatus,
    /// Why (skipped, failed, disappeared, empty).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
    /// Parquet files.
    pub files: u64,
    /// Rows (Σ footer `num_rows`).
    pub rows: u64,
    /// Bytes of the Parquet files.
    pub bytes: u64,
    /// Rows of the previous export (the latest table's `recordCount` before this one).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub previous_rows: Option<u64>,
    /// The previous export's id.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub previous_export_id: Option<String>,
    /// Rows fell below previous × (1 − ROW_DROP_THRESHOLD).
    pub row_drop: bool,
    /// The history table (generation) this export's partition went into.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub history_table: Option<String>,
}

impl TableReport {
    /// A table that was not read (skipped, failed, disappeared).
    pub(crate) fn left_out(
        target: String,
        glue_table: String,
        status: TableStatus,
        reason: String,
    ) -> Self {
        Self {
            target,
            glue_table,
            status,
            reason: Some(reason),
            files: 0,
            rows: 0,
            bytes: 0,
            previous_rows: None,
            previous_export_id: None,
            row_drop: false,
            history_table: None,
        }
    }
}

/// What one invocation adds to the report.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct ReportPart {
    /// Its tables.
    pub tables: Vec<TableReport>,
    /// Its incompatible schema changes.
    pub schema_changes: Vec<SchemaChange>,
}

impl ReportPart {
    /// Adds another part.
    pub(crate) fn extend(&mut self, other: Self) {
        self.tables.extend(other.tables);
        self.schema_changes.extend(other.schema_changes);
    }
}

/// The counts of the report (those of the final state).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
struct Counts {
    tables_exported: u32,
    tables_empty: u32,
    tables_skipped: u32,
    tables_failed: u32,
    tables_disappeared: u32,
    row_drops: u32,
    rows_total: u64,
    files_total: u64,
    bytes_total: u64,
    type_changes: u32,
    schema_changes: u32,
}

/// The final report.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct Report {
    export_id: String,
    snapshot_arn: String,
    verdict: Verdict,
    counts: Counts,
    tables: Vec<TableReport>,
    schema_changes: Vec<SchemaChange>,
    warnings: Vec<String>,
    warnings_total: u32,
}

/// What the report is about besides the tables.
#[derive(Debug, Clone, Copy)]
pub(crate) struct ReportHeader<'a> {
    /// The export task id.
    pub export_id: &'a str,
    /// The snapshot ARN.
    pub snapshot_arn: &'a str,
    /// RDS's warnings kept.
    pub warnings: &'a [String],
    /// How many RDS gave.
    pub warnings_total: u32,
}

impl Report {
    /// The report of `state` with all tables (sorted by target).
    pub(crate) fn new(header: ReportHeader<'_>, state: &CatalogState, mut all: ReportPart) -> Self {
        all.tables.sort_by(|a, b| a.target.cmp(&b.target));
        Self {
            export_id: header.export_id.to_owned(),
            snapshot_arn: header.snapshot_arn.to_owned(),
            verdict: state.verdict,
            counts: Counts {
                tables_exported: state.tables_exported,
                tables_empty: state.tables_empty,
                tables_skipped: state.tables_skipped,
                tables_failed: state.tables_failed,
                tables_disappeared: state.tables_disappeared,
                row_drops: state.row_drops,
                rows_total: state.rows_total,
                files_total: state.files_total,
                bytes_total: state.bytes_total,
                type_changes: state.type_changes,
                schema_changes: state.schema_changes,
            },
            tables: all.tables,
            schema_changes: all.schema_changes,
            warnings: header.warnings.to_vec(),
            warnings_total: header.warnings_total,
        }
    }
}

/// Key of the final report under the export root (`root` ends in `/`).
pub(crate) fn report_key(root: &str) -> String {
    format!("{root}{REPORT_NAME}")
}

/// Key of part `n` (from 1).
pub(crate) fn part_key(root: &str, n: u32) -> String {
    let stem = REPORT_NAME.trim_end_matches(".json");
    format!("{root}{stem}.part-{n:04}.json")
}

fn s3_denied(action: &str, bucket: &str, key: &str, detail: &str) -> TaskError {
    TaskError::CatalogAccessDenied(format!(
        "{action} on s3://{bucket}/{key} was denied ({detail}): grant the catalog-tables function \
         {action} on the export prefix (the verification report is written there), then Redrive"
    ))
}

/// Writes `value` as JSON to `s3://bucket/key`.
pub(crate) async fn put_json<T: Serialize>(
    s3: &aws_sdk_s3::Client,
    bucket: &str,
    key: &str,
    value: &T,
) -> Result<(), TaskError> {
    let body = serde_json::to_vec(value).map_err(|e| TaskError::InvalidInput(e.to_string()))?;
    s3.put_object()
        .bucket(bucket)
        .key(key)
        .content_type("application/json")
        .body(ByteStream::from(body))
        .send()
        .await
        .map_err(|e| match code(&e) {
            Some("AccessDenied") => s3_denied("s3:PutObject", bucket, key, &message(&e)),
            _ => classify("s3:PutObject", &e),
        })?;
    Ok(())
}

/// Reads part `key` back.
pub(crate) async fn get_part(
    s3: &aws_sdk_s3::Client,
    bucket: &str,
    key: &str,
) -> Result<ReportPart, TaskError> {
    let out = s3
        .get_object()
        .bucket(bucket)
        .key(key)
        .send()
        .await
        .map_err(|e| match code(&e) {
            Some("AccessDenied") => s3_denied("s3:GetObject", bucket, key, &message(&e)),
            _ => classify("s3:GetObject", &e),
        })?;
    let body = out
        .body
        .collect()
        .await
        .map_err(|e| TaskError::TransientAws {
            operation: "s3:GetObject".into(),
            detail: format!("reading s3://{bucket}/{key}: {e}"),
        })?;
    serde_json::from_slice(&body.into_bytes()).map_err(|e| {
        TaskError::InvalidInput(format!(
            "the verification report part s3://{bucket}/{key} is not ours ({e}): \
             it is rewritten by a redrive of the invocation that wrote it"
        ))
    })
}

//! CatalogTables's payloads: its input (the whole state document) and its result at
//! `$.catalog`, bounded whatever the number of tables: counts, capped samples and the S3
//! URI of the full verification report.

use serde::{Deserialize, Serialize};

use crate::{CopyState, ExportState, Job};

/// Most entries of any sample list a task output or event detail carries
/// ([`CatalogState::problems`], [`CatalogState::schema_change_sample`]); the full lists are
/// in the verification report.
pub const SAMPLE_MAX: usize = 20;

/// Longest text of a sample entry's field, in characters (a longer one is cut with `…`;
/// the report has it whole).
pub const SAMPLE_TEXT_MAX: usize = 256;

fn cut(text: &mut String) {
    if text.chars().count() > SAMPLE_TEXT_MAX {
        let mut short: String = text.chars().take(SAMPLE_TEXT_MAX - 1).collect();
        short.push('…');
        *text = short;
    }
}

/// Name of the verification report, at the export root next to `export_info_*.json`.
pub const REPORT_NAME: &str = "snapshot-export-verification.json";

/// CatalogTables's input: the whole state document (no Parameters).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CatalogTablesInput {
    /// The job Normalize produced.
    pub job: Job,
    /// The completed export.
    pub export: ExportState,
    /// The copy (copy delivery): the tables are read from its destination.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub copy: Option<CopyState>,
    /// The previous CatalogTables output when looping (or after a redrive).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub catalog: Option<CatalogState>,
}

impl CatalogTablesInput {
    /// Where the delivered export is: `(bucket, prefix)` of the copy in copy delivery,
    /// else of the export itself (share-key delivery).
    pub fn delivered(&self) -> (&str, &str) {
        match &self.copy {
            Some(copy) => (
                copy.destination_bucket.as_str(),
                self.export.s3_prefix.as_str(),
            ),
            None => (
                self.export.s3_bucket.as_str(),
                self.export.s3_prefix.as_str(),
            ),
        }
    }
}

/// The export's verdict: known after discovery, before any footer is read.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum Verdict {
    /// Every expected table was exported (row drops do not change it).
    #[default]
    Complete,
    /// Tables were skipped, failed or disappeared, or RDS warnings were not kept.
    Partial,
}

impl Verdict {
    /// The exact string written to Glue, the report and the notification.
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::Complete => "COMPLETE",
            Self::Partial => "PARTIAL",
        }
    }
}

/// What is wrong with one table (or with the export's warnings).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ProblemKind {
    /// Named by RDS's WarningMessage (or a warning naming no table we know).
    Skipped,
    /// A status other than COMPLETE in `export_tables_info`.
    Failed,
    /// The previous export of the same source had it; this one has no trace of it.
    Disappeared,
    /// Its rows dropped by more than `ROW_DROP_THRESHOLD` since the previous export.
    RowDrop,
    /// No Parquet file (not cataloged).
    Empty,
}

/// One entry of the problems sample.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Problem {
    /// `database.schema.table` (empty for a warning naming no table).
    pub target: String,
    /// What kind of problem.
    pub kind: ProblemKind,
    /// Why, in words (export status, RDS's warning, previous and new row counts).
    pub reason: String,
}

/// A column whose type changed incompatibly: a new history generation was started.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SchemaChange {
    /// The latest Glue table.
    pub table: String,
    /// The column (or the partition key it collides with).
    pub column: String,
    /// The type before (in the previous generation).
    pub from: String,
    /// The type now.
    pub to: String,
    /// The history table (generation) this export went into.
    pub history_table: String,
}

/// CatalogTables's output, kept at `$.catalog`. Counts are cumulative across iterations;
/// nothing in it grows with the number of tables.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct CatalogState {
    /// The Glue database.
    pub database: String,
    /// Exported tables cataloged (a latest table updated or left newer, and a history
    /// partition).
    pub cataloged: u32,
    /// Latest tables not moved because a newer snapshot is already cataloged.
    #[serde(default)]
    pub kept_newer: u32,
    /// COMPLETE or PARTIAL.
    #[serde(default)]
    pub verdict: Verdict,
    /// Tables with at least one Parquet file, not failed, not skipped.
    #[serde(default)]
    pub tables_exported: u32,
    /// Tables without Parquet (not cataloged).
    #[serde(default)]
    pub tables_empty: u32,
    /// Tables named by RDS's WarningMessage.
    #[serde(default)]
    pub tables_skipped: u32,
    /// Tables whose export status is not COMPLETE.
    #[serde(default)]
    pub tables_failed: u32,
    /// Tables of the previous export of this source that this one lacks.
    #[serde(default)]
    pub tables_disappeared: u32,
    /// Tables whose rows dropped by more than the threshold.
    #[serde(default)]
    pub row_drops: u32,
    /// Rows of the exported tables (Parquet footers' `num_rows`).
    #[serde(default)]
    pub rows_total: u64,
    /// Parquet files read.
    #[serde(default)]
    pub files_total: u64,
    /// Bytes of those files.
    #[serde(default)]
    pub bytes_total: u64,
    /// Columns whose type changed compatibly (the latest table was updated).
    #[serde(default)]
    pub type_changes: u32,
    /// Incompatible changes (a new history generation was started).
    #[serde(default)]
    pub schema_changes: u32,
    /// A sample (at most [`SAMPLE_MAX`]) of the problems; all are in the report.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub problems: Vec<Problem>,
    /// A sample (at most [`SAMPLE_MAX`]) of the incompatible changes.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub schema_change_sample: Vec<SchemaChange>,
    /// `s3://<bucket>/<export root>snapshot-export-verification.json`.
    #[serde(default)]
    pub report_uri: String,
    /// Report parts written by invocations that stopped at their deadline.
    #[serde(default)]
    pub report_parts: u32,
    /// Last table folder done: the next call goes on after it. Absent when `done`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub start_after: Option<String>,
    /// True when every exported table has been handled.
    pub done: bool,
}

impl CatalogState {
    /// Adds `problem` to the sample unless it is full (the count lives elsewhere), its
    /// texts cut to [`SAMPLE_TEXT_MAX`].
    pub fn sample_problem(&mut self, mut problem: Problem) {
        if self.problems.len() < SAMPLE_MAX {
            cut(&mut problem.target);
            cut(&mut problem.reason);
            self.problems.push(problem);
        }
    }

    /// Adds `change` to the sample unless it is full, its texts cut likewise.
    pub fn sample_schema_change(&mut self, mut change: SchemaChange) {
        if self.schema_change_sample.len() < SAMPLE_MAX {
            for text in [
                &mut change.table,
                &mut change.column,
                &mut change.from,
                &mut change.to,
                &mut change.history_table,
            ] {
                cut(text);
            }
            self.schema_change_sample.push(change);
        }
    }
}

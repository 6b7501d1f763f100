//! CatalogTables's payloads: its input (the whole state document) and its result at
//! `$.catalog`.

use serde::{Deserialize, Serialize};

use crate::{CopyState, ExportState, Job};

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

/// A table the export has but the catalog left out, and why.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SkippedTable {
    /// `database.schema.table` (or the folder name).
    pub target: String,
    /// The export's status for it, or RDS's warning.
    pub reason: String,
}

/// A column whose type changed since the export the latest table described.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TypeChange {
    /// The Glue table.
    pub table: String,
    /// The column.
    pub column: String,
    /// The type before.
    pub from: String,
    /// The type now.
    pub to: String,
}

/// CatalogTables's output, kept at `$.catalog`. Counts are cumulative across iterations.
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
    /// Tables left out (not COMPLETE, or skipped by RDS).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub skipped: Vec<SkippedTable>,
    /// Columns whose type changed.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub type_changes: Vec<TypeChange>,
    /// Last table folder done: the next call goes on after it. Absent when `done`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub start_after: Option<String>,
    /// True when every exported table has been handled.
    pub done: bool,
}

//! `status --execution`: the verification of one execution (#21). The verdict and counts
//! are the execution's bounded `$.catalog` (its output, or the latest state in its history
//! when it failed or still runs); `--tables` reads the full report from S3 at
//! `$.catalog.report_uri`. Without a `$.catalog` (CatalogTables failed on its first call,
//! e.g. `ExportPartial` with `on_partial = "fail"`) the report is looked for where
//! CatalogTables writes it: next to the delivered export's `export_info` files.

use contract::{CatalogState, PipelineState, REPORT_NAME, Verdict};
use serde::{Deserialize, Serialize};

use crate::commands::inspect::{describe, ended_with, history, latest_state};
use crate::error::CliError;

/// One table's line of the report (the fields `status --tables` shows; the report has
/// more, ignored here).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct TableLine {
    /// `database.schema.table`.
    pub(crate) target: String,
    /// exported, empty, skipped, failed, disappeared.
    pub(crate) status: String,
    /// Rows (Parquet footers).
    #[serde(default)]
    pub(crate) rows: u64,
    /// Parquet files.
    #[serde(default)]
    pub(crate) files: u64,
    /// Why (skipped, failed, disappeared, empty), plus the row drop.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(crate) reason: Option<String>,
    /// Rows fell by more than the threshold.
    #[serde(default)]
    pub(crate) row_drop: bool,
    /// Rows of the previous export.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(crate) previous_rows: Option<u64>,
}

/// The report's parts `status` reads.
#[derive(Debug, Clone, Deserialize)]
struct ReportDocument {
    /// Per table, sorted by target.
    #[serde(default)]
    tables: Vec<TableLine>,
}

/// One execution's verification.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub(crate) struct ExecutionVerification {
    /// The execution.
    pub(crate) execution_arn: String,
    /// RUNNING, SUCCEEDED, FAILED, ...
    pub(crate) execution_status: String,
    /// The error the execution failed with (e.g. `ExportPartial`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) error: Option<String>,
    /// `$.catalog`, when CatalogTables returned at least once.
    pub(crate) catalog: Option<CatalogState>,
    /// Where the report is (`$.catalog.report_uri`, else where CatalogTables writes it).
    pub(crate) report_uri: Option<String>,
    /// With `--tables`: one line per table of the report.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) tables: Option<Vec<TableLine>>,
}

impl ExecutionVerification {
    /// The text form: verdict and counts, then the tables.
    pub(crate) fn text(&self) -> String {
        let mut text = format!(
            "execution {}: {}",
            self.execution_arn, self.execution_status
        );
        if let Some(error) = &self.error {
            text.push_str(&format!(" ({error})"));
        }
        text.push('\n');
        match &self.catalog {
            Some(c) => {
                let verdict = match c.verdict {
                    Verdict::Complete => "COMPLETE",
                    Verdict::Partial => "PARTIAL",
                };
                text.push_str(&format!(
                    "verdict {verdict}{}: {} exported, {} empty, {} skipped, {} failed, {} disappeared; \
                     {} row drops; {} rows, {} files, {} bytes; {} type changes, {} schema changes\n",
                    if c.done { "" } else { " (verification not finished)" },
                    c.tables_exported,
                    c.tables_empty,
                    c.tables_skipped,
                    c.tables_failed,
                    c.tables_disappeared,
                    c.row_drops,
                    c.rows_total,
                    c.files_total,
                    c.bytes_total,
                    c.type_changes,
                    c.schema_changes,
                ));
                for p in &c.problems {
                    let kind = serde_json::to_value(p.kind)
                        .ok()
                        .and_then(|k| k.as_str().map(str::to_owned))
                        .unwrap_or_default();
                    text.push_str(&format!("  {kind} {}: {}\n", p.target, p.reason));
                }
            }
            None => text.push_str(
                "no verification in the execution's state (CatalogTables has not returned)\n",
            ),
        }
        if let Some(uri) = &self.report_uri {
            text.push_str(&format!("report {uri}\n"));
        }
        if let Some(tables) = &self.tables {
            let mut table =
                crate::output::Table::new(&["TARGET", "STATUS", "ROWS", "FILES", "REASON"]);
            for t in tables {
                let mut reason = t.reason.clone().unwrap_or_default();
                if t.row_drop {
                    let drop = format!(
                        "row drop (previously {})",
                        t.previous_rows
                            .map_or_else(|| "?".to_owned(), |r| r.to_string())
                    );
                    reason = if reason.is_empty() {
                        drop
                    } else {
                        format!("{reason}; {drop}")
                    };
                }
                table.row(vec![
                    t.target.clone(),
                    t.status.clone(),
                    t.rows.to_string(),
                    t.files.to_string(),
                    if reason.is_empty() {
                        "-".to_owned()
                    } else {
                        reason
                    },
                ]);
            }
            text.push_str(&table.render());
        }
        text
    }
}

/// `s3://bucket/key` → `(bucket, key)`.
pub(crate) fn split_uri(uri: &str) -> Option<(&str, &str)> {
    let (bucket, key) = uri.strip_prefix("s3://")?.split_once('/')?;
    (!bucket.is_empty() && !key.is_empty()).then_some((bucket, key))
}

/// Where CatalogTables writes the report of the state's export (its delivered root).
fn report_uri_of(state: &PipelineState) -> Option<String> {
    let export = state.export.as_ref()?;
    let bucket = match &state.copy {
        Some(copy) => copy.destination_bucket.as_str(),
        None => export.s3_bucket.as_str(),
    };
    let prefix = export.s3_prefix.trim_matches('/');
    (!bucket.is_empty() && !prefix.is_empty())
        .then(|| format!("s3://{bucket}/{prefix}/{REPORT_NAME}"))
}

/// The verification of `execution_arn`; with `tables`, the report's tables too.
pub(crate) async fn gather(
    sfn: &aws_sdk_sfn::Client,
    s3: &aws_sdk_s3::Client,
    execution_arn: &str,
    tables: bool,
) -> Result<ExecutionVerification, CliError> {
    let described = describe(sfn, execution_arn).await?;
    let from_output = described
        .output()
        .and_then(|o| serde_json::from_str::<PipelineState>(o).ok());
    let steps = history(sfn, execution_arn).await?;
    // The output when it has the catalog; else the latest state that carried one.
    let state = match from_output {
        Some(s) if s.catalog.is_some() => Some(s),
        _ => latest_state(&steps),
    };
    let catalog = state.as_ref().and_then(|s| s.catalog.clone());
    let report_uri = catalog
        .as_ref()
        .map(|c| c.report_uri.clone())
        .filter(|u| !u.is_empty())
        .or_else(|| state.as_ref().and_then(report_uri_of));
    let tables = match (&report_uri, tables) {
        (Some(uri), true) => Some(read_tables(s3, uri).await?),
        _ => None,
    };
    Ok(ExecutionVerification {
        execution_arn: execution_arn.to_owned(),
        execution_status: described.status().as_str().to_owned(),
        error: ended_with(&steps).0,
        catalog,
        report_uri,
        tables,
    })
}

/// GetObject of the report, its tables.
pub(crate) async fn read_tables(
    s3: &aws_sdk_s3::Client,
    uri: &str,
) -> Result<Vec<TableLine>, CliError> {
    let Some((bucket, key)) = split_uri(uri) else {
        return Err(CliError::NotFound {
            what: "verification report",
            name: uri.to_owned(),
            code: "not an s3:// URI".into(),
        });
    };
    let out = s3
        .get_object()
        .bucket(bucket)
        .key(key)
        .send()
        .await
        .map_err(|e| {
            if e.as_service_error().is_some_and(|s| s.is_no_such_key()) {
                CliError::NotFound {
                    what: "verification report",
                    name: uri.to_owned(),
                    code: "NoSuchKey".into(),
                }
            } else {
                CliError::aws("GetObject", &e)
            }
        })?;
    let bytes = out
        .body
        .collect()
        .await
        .map_err(|e| CliError::Aws {
            operation: "GetObject",
            code: "read".into(),
            message: format!(": {e}"),
        })?
        .into_bytes();
    let report: ReportDocument = serde_json::from_slice(&bytes).map_err(|e| CliError::Aws {
        operation: "GetObject",
        code: "InvalidReport".into(),
        message: format!(": {uri} is not a verification report ({e})"),
    })?;
    Ok(report.tables)
}

//! The catalog without a crawler, verified: one latest and one history Glue table per
//! exported table, written straight from the export's folders and its Parquet footers, and
//! a verdict on the export (COMPLETE or PARTIAL) with a report of every table.
//!
//! - [`discover`]: the export's table folders and `export_tables_info_*.json`;
//! - [`verify`]: which tables were skipped, failed or disappeared, the verdict, row drops;
//! - [`count`]: every Parquet file's footer (`num_rows`), bounded GETs in flight;
//! - [`footer`]: a Parquet footer read with ranged GETs;
//! - [`types`]: Parquet types → Glue (Hive) types; [`schema`]: which changes Athena reads;
//! - [`glue`]: the latest table, the history generations and their partitions;
//! - [`report`]: the verification report in S3.
//!
//! [`catalog_export`] is one CatalogTables invocation: public so the benchmark drives it
//! against local stand-ins. The first invocation of an execution verifies (the verdict is
//! known before any footer is read) and, with `ON_PARTIAL=fail` and a PARTIAL verdict,
//! writes the report and fails with `ExportPartial` without touching Glue. Tables are then
//! handled in sorted order, in batches whose footers and Glue requests run concurrently;
//! between batches it checks the Lambda deadline and, when time is short, writes a report
//! part and returns `done: false` with the last table done, and the graph calls again.
//! Skipped, failed and disappeared tables are not written: their latest table keeps its
//! previous location.

mod count;
mod discover;
mod footer;
mod glue;
mod naming;
mod report;
mod schema;
mod types;
mod verify;

use std::collections::{BTreeMap, HashMap};
use std::sync::Arc;
use std::time::{Duration, Instant};

use contract::{
    CatalogState, CatalogTablesInput, ExportStatus, Problem, ProblemKind, SAMPLE_MAX, SchemaChange,
    Verdict,
};
use tokio::sync::Semaphore;
use tokio::task::JoinSet;

use crate::error::TaskError;
use discover::{TableFolder, TableInfo};
use glue::{Snapshot, TableSpec, Verified};
use report::{Report, ReportHeader, ReportPart, TableReport, TableStatus};

pub use crate::config::OnPartial;

/// Tables per batch, in multiples of the concurrency (a checkpoint per batch).
const BATCH_FACTOR: usize = 4;
/// Default footer GETs in flight across the whole invocation.
pub const DEFAULT_FOOTERS_IN_FLIGHT: usize = 128;
/// The reason given for a table folder without Parquet.
const EMPTY_REASON: &str = "no Parquet file in its folder (empty table): not cataloged";

/// What one invocation needs besides the clients and the input.
#[derive(Debug, Clone, PartialEq)]
pub struct CatalogSettings {
    /// The Glue database.
    pub database: String,
    /// Tables in flight at once.
    pub concurrency: usize,
    /// Footer GETs in flight at once, across all tables.
    pub footers_in_flight: usize,
    /// Stop starting batches when less than this is left before the deadline.
    pub deadline_margin: Duration,
    /// What a PARTIAL verdict does.
    pub on_partial: OnPartial,
    /// Fraction of the previous rows whose loss is a row drop.
    pub row_drop_threshold: f64,
}

/// The snapshot time to order exports by: CheckExport's SnapshotTime, else when the export
/// started (RDS always reports SnapshotTime; the fallback keeps an old state usable).
fn snapshot_of(input: &CatalogTablesInput) -> Snapshot {
    let export = &input.export;
    let time = export.snapshot_time.unwrap_or_else(|| {
        tracing::warn!("the export state has no snapshot_time: ordering by the export's start");
        export.started_at
    });
    let job = &input.job;
    Snapshot {
        arn: job.snapshot_arn.clone(),
        time,
        export_id: export.export_task_id.clone(),
        // Two accounts may both have a database `shop`: the source name keeps them apart.
        source: format!(
            "{}{}",
            naming::glue_name_prefix(job),
            job.db_identifier.as_deref().unwrap_or(&job.snapshot_id)
        ),
    }
}

/// What every table of one invocation is cataloged with (cloned into each table's task).
#[derive(Debug, Clone)]
struct Cataloger {
    s3: aws_sdk_s3::Client,
    glue: aws_sdk_glue::Client,
    database: String,
    /// Where the export was delivered.
    bucket: String,
    snapshot: Snapshot,
    verdict: Verdict,
    row_drop_threshold: f64,
    /// Footer GETs in flight, shared by every table.
    footers: Arc<Semaphore>,
    /// What the Glue names start with: `<source name>_` (many accounts) or nothing.
    name_prefix: String,
}

/// One table's result.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct TableDone {
    pub(crate) report: TableReport,
    pub(crate) kept_newer: bool,
    /// Columns whose type changed compatibly in the latest table.
    pub(crate) type_changes: u32,
    pub(crate) schema_changes: Vec<SchemaChange>,
}

type TableResult = Result<TableDone, TaskError>;

impl Cataloger {
    /// One table: every footer counted, then (when it has Parquet) its history generation
    /// and partition, then its latest table.
    async fn table(self, folder: TableFolder, info: Option<TableInfo>) -> TableResult {
        let counted =
            count::count_table(&self.s3, &self.bucket, &folder.prefix, &self.footers).await?;
        let name = naming::source_glue_name(&self.name_prefix, &folder);
        let target = folder.target();
        let mut report = TableReport {
            target: target.clone(),
            glue_table: name.clone(),
            status: TableStatus::Exported,
            reason: None,
            files: counted.files,
            rows: counted.rows,
            bytes: counted.bytes,
            previous_rows: None,
            previous_export_id: None,
            row_drop: false,
            history_table: None,
        };
        let Some(columns) = counted.columns else {
            report.status = TableStatus::Empty;
            report.reason = Some(EMPTY_REASON.to_owned());
            if let Some((rows, id)) =
                glue::previous_of(&self.glue, &self.database, &name, &self.snapshot).await?
            {
                report.previous_rows = rows;
                report.previous_export_id = Some(id);
            }
            report.row_drop = verify::row_drop(report.previous_rows, 0, self.row_drop_threshold);
            return Ok(TableDone {
                report,
                kept_newer: false,
                type_changes: 0,
                schema_changes: Vec::new(),
            });
        };
        let comments: HashMap<String, String> = info
            .map(|i| {
                i.original_types
                    .into_iter()
                    .map(|(c, t)| (c, format!("original type: {t}")))
                    .collect()
            })
            .unwrap_or_default();
        let location = format!("s3://{}/{}", self.bucket, folder.prefix);
        let spec = TableSpec {
            name: &name,
            location: &location,
            columns: &columns,
            comments: &comments,
            target: &target,
        };
        let history = glue::write_history(
            &self.glue,
            &self.database,
            &spec,
            &self.snapshot,
            counted.rows,
        )
        .await?;
        let verified = Verified {
            rows: counted.rows,
            verdict: self.verdict,
            history_table: history.table.clone(),
        };
        let outcome =
            glue::write_latest(&self.glue, &self.database, &spec, &self.snapshot, &verified)
                .await?;
        report.previous_rows = outcome.previous_rows;
        report.previous_export_id = outcome.previous_export_id;
        report.row_drop =
            verify::row_drop(report.previous_rows, counted.rows, self.row_drop_threshold);
        report.history_table = Some(history.table.clone());
        let type_changes = outcome
            .type_changes
            .iter()
            .filter(|c| schema::wider(&c.from, &c.to).is_some())
            .count();
        Ok(TableDone {
            report,
            kept_newer: outcome.kept_newer,
            type_changes: u32::try_from(type_changes).unwrap_or(u32::MAX),
            schema_changes: history
                .incompatible
                .into_iter()
                .map(|c| SchemaChange {
                    table: name.clone(),
                    column: c.column,
                    from: c.from,
                    to: c.to,
                    history_table: history.table.clone(),
                })
                .collect(),
        })
    }

    /// The tables of one batch, `concurrency` at a time; the results in the batch's order.
    async fn batch(
        &self,
        batch: &[&TableFolder],
        info: &BTreeMap<String, TableInfo>,
        concurrency: usize,
    ) -> Vec<(usize, TableResult)> {
        let mut running = JoinSet::new();
        let mut results: Vec<(usize, TableResult)> = Vec::with_capacity(batch.len());
        for (i, folder) in batch.iter().enumerate() {
            if running.len() >= concurrency
                && let Some(done) = running.join_next().await
            {
                results.push(joined(done));
            }
            let table = self
                .clone()
                .table((*folder).clone(), info.get(&folder.target()).cloned());
            running.spawn(async move { (i, table.await) });
        }
        while let Some(done) = running.join_next().await {
            results.push(joined(done));
        }
        results.sort_by_key(|(i, _)| *i);
        results
    }
}

/// The delivered export's bucket and folder (`<prefix>/<export-id>/`), once the export is
/// COMPLETE and its prefix ends with its id.
fn delivered_root(input: &CatalogTablesInput) -> Result<(&str, String), TaskError> {
    let export = &input.export;
    if export.status != ExportStatus::Complete {
        return Err(TaskError::InvalidInput(format!(
            "export {} is {}, not COMPLETE: nothing to catalog yet",
            export.export_task_id,
            export.status.as_str()
        )));
    }
    let (bucket, prefix) = input.delivered();
    let prefix = prefix.trim_matches('/');
    if prefix.rsplit('/').next() != Some(export.export_task_id.as_str()) {
        return Err(TaskError::InvalidInput(format!(
            "export.s3_prefix {prefix:?} does not end with the export id {:?}: refusing to catalog another folder",
            export.export_task_id
        )));
    }
    Ok((bucket, format!("{prefix}/")))
}

fn add(counter: &mut u32, n: u32) {
    *counter = counter.saturating_add(n);
}

/// Adds one table's result to the state (counts and capped samples).
pub(crate) fn record(state: &mut CatalogState, done: &TableDone) {
    let r = &done.report;
    match r.status {
        TableStatus::Empty => {
            add(&mut state.tables_empty, 1);
            state.sample_problem(Problem {
                target: r.target.clone(),
                kind: ProblemKind::Empty,
                reason: EMPTY_REASON.to_owned(),
            });
        }
        _ => {
            add(&mut state.tables_exported, 1);
            add(&mut state.cataloged, 1);
            state.rows_total = state.rows_total.saturating_add(r.rows);
            state.files_total = state.files_total.saturating_add(r.files);
            state.bytes_total = state.bytes_total.saturating_add(r.bytes);
        }
    }
    if done.kept_newer {
        add(&mut state.kept_newer, 1);
    }
    add(&mut state.type_changes, done.type_changes);
    add(
        &mut state.schema_changes,
        u32::try_from(done.schema_changes.len()).unwrap_or(u32::MAX),
    );
    for c in &done.schema_changes {
        state.sample_schema_change(c.clone());
    }
    if r.row_drop {
        add(&mut state.row_drops, 1);
        state.sample_problem(Problem {
            target: r.target.clone(),
            kind: ProblemKind::RowDrop,
            reason: format!(
                "rows dropped from {} (export {}) to {}",
                r.previous_rows.unwrap_or_default(),
                r.previous_export_id.as_deref().unwrap_or("?"),
                r.rows
            ),
        });
    }
}

/// The first invocation's verification: the verdict, the left-out tables (counts, sample,
/// report lines) and, with `ON_PARTIAL=fail`, the report and `ExportPartial`.
#[allow(clippy::too_many_arguments)]
async fn verify_export(
    s3: &aws_sdk_s3::Client,
    glue_client: &aws_sdk_glue::Client,
    settings: &CatalogSettings,
    input: &CatalogTablesInput,
    discovery: &discover::Discovery,
    snapshot: &Snapshot,
    state: &mut CatalogState,
    part: &mut ReportPart,
    bucket: &str,
    root: &str,
) -> Result<verify::Verification, TaskError> {
    let export = &input.export;
    let mut v = verify::classify(discovery, &export.warnings, export.warnings_total);
    let previous = glue::previous_tables(glue_client, &settings.database, snapshot).await?;
    verify::add_disappeared(
        &mut v,
        &previous,
        discovery,
        &export.warnings,
        &input.job.export_only,
    );
    state.verdict = v.verdict();
    let mut empty = verify::empty_without_folder(discovery, &v);
    // The report names the Glue tables these would have (the source's prefix included).
    let prefix = naming::glue_name_prefix(&input.job);
    for t in v
        .left_out
        .iter_mut()
        .filter(|t| t.status != TableStatus::Disappeared)
        .chain(empty.iter_mut())
    {
        t.glue_table = naming::target_glue_name(&prefix, &t.target);
    }
    state.tables_empty = state
        .tables_empty
        .saturating_add(u32::try_from(empty.len()).unwrap_or(u32::MAX));
    state.tables_skipped = v.count(&TableStatus::Skipped);
    state.tables_failed = v.count(&TableStatus::Failed);
    state.tables_disappeared = v.count(&TableStatus::Disappeared);
    for p in v.problems() {
        state.sample_problem(p);
    }
    for t in &empty {
        state.sample_problem(Problem {
            target: t.target.clone(),
            kind: ProblemKind::Empty,
            reason: t.reason.clone().unwrap_or_default(),
        });
    }
    part.tables.extend(v.left_out.iter().cloned());
    part.tables.extend(empty);
    tracing::info!(
        verdict = state.verdict.as_str(),
        skipped = state.tables_skipped,
        failed = state.tables_failed,
        disappeared = state.tables_disappeared,
        "export verified"
    );
    if state.verdict == Verdict::Partial && settings.on_partial == OnPartial::Fail {
        let header = header(input);
        let report = Report::new(header, state, part.clone());
        report::put_json(s3, bucket, &report::report_key(root), &report).await?;
        return Err(TaskError::ExportPartial(verify::partial_cause(
            &v,
            SAMPLE_MAX,
            &state.report_uri,
        )));
    }
    Ok(v)
}

fn header(input: &CatalogTablesInput) -> ReportHeader<'_> {
    ReportHeader {
        export_id: &input.export.export_task_id,
        snapshot_arn: &input.job.snapshot_arn,
        warnings: &input.export.warnings,
        warnings_total: input.export.warnings_total,
    }
}

/// One CatalogTables invocation.
pub async fn catalog_export(
    s3: &aws_sdk_s3::Client,
    glue_client: &aws_sdk_glue::Client,
    settings: &CatalogSettings,
    input: &CatalogTablesInput,
    deadline: Option<Instant>,
) -> Result<CatalogState, TaskError> {
    let (bucket, root) = delivered_root(input)?;
    let first = input.catalog.is_none();
    let mut state = match &input.catalog {
        Some(previous) if previous.done => return Ok(previous.clone()),
        Some(previous) => previous.clone(),
        None => CatalogState {
            database: settings.database.clone(),
            report_uri: format!("s3://{bucket}/{}", report::report_key(&root)),
            ..CatalogState::default()
        },
    };
    let discovery = discover::discover(s3, bucket, &root).await?;
    let snapshot = snapshot_of(input);
    // This invocation's report lines (a part when it stops early, else merged into the
    // final report).
    let mut part = ReportPart::default();
    let left_out = if first {
        verify_export(
            s3,
            glue_client,
            settings,
            input,
            &discovery,
            &snapshot,
            &mut state,
            &mut part,
            bucket,
            &root,
        )
        .await?
        .targets()
    } else {
        // Later invocations: the counts are in the state; only which folders to skip.
        let mut v = verify::classify(&discovery, &input.export.warnings, 0);
        v.general.clear();
        v.targets()
    };
    let todo: Vec<&TableFolder> = discovery
        .tables
        .iter()
        .filter(|f| !left_out.contains(&f.target()))
        .filter(|f| state.start_after.as_ref().is_none_or(|after| f.id > *after))
        .collect();
    let cataloger = Cataloger {
        s3: s3.clone(),
        glue: glue_client.clone(),
        database: settings.database.clone(),
        bucket: bucket.to_owned(),
        snapshot,
        verdict: state.verdict,
        row_drop_threshold: settings.row_drop_threshold,
        footers: Arc::new(Semaphore::new(settings.footers_in_flight.max(1))),
        name_prefix: naming::glue_name_prefix(&input.job),
    };
    let concurrency = settings.concurrency.max(1);
    let stop_at = deadline.and_then(|d| d.checked_sub(settings.deadline_margin));
    tracing::info!(
        tables = discovery.tables.len(),
        todo = todo.len(),
        left_out = left_out.len(),
        "cataloging the export's tables"
    );
    for (n, batch) in todo.chunks(concurrency * BATCH_FACTOR).enumerate() {
        if n > 0 && stop_at.is_some_and(|t| Instant::now() >= t) {
            tracing::info!(start_after = ?state.start_after, "deadline near: stopping between batches");
            let number = state.report_parts + 1;
            report::put_json(s3, bucket, &report::part_key(&root, number), &part).await?;
            state.report_parts = number;
            state.done = false;
            return Ok(state);
        }
        for (_, result) in cataloger.batch(batch, &discovery.info, concurrency).await {
            // The error first: a task that ended abnormally has no index in the batch.
            let done = result?;
            record(&mut state, &done);
            part.tables.push(done.report);
            part.schema_changes.extend(done.schema_changes);
        }
        state.start_after = batch.last().map(|f| f.id.clone());
    }
    let mut all = ReportPart::default();
    for number in 1..=state.report_parts {
        all.extend(report::get_part(s3, bucket, &report::part_key(&root, number)).await?);
    }
    all.extend(part);
    let report = Report::new(header(input), &state, all);
    report::put_json(s3, bucket, &report::report_key(&root), &report).await?;
    state.start_after = None;
    state.done = true;
    tracing::info!(
        verdict = state.verdict.as_str(),
        cataloged = state.cataloged,
        kept_newer = state.kept_newer,
        rows = state.rows_total,
        files = state.files_total,
        schema_changes = state.schema_changes,
        "catalog written"
    );
    Ok(state)
}

fn joined(done: Result<(usize, TableResult), tokio::task::JoinError>) -> (usize, TableResult) {
    done.unwrap_or_else(|e| {
        (
            usize::MAX,
            Err(TaskError::TransientAws {
                operation: "catalog".into(),
                detail: format!("a table's task ended abnormally: {e}"),
            }),
        )
    })
}

#[cfg(test)]
mod fakes;
#[cfg(test)]
mod tests;

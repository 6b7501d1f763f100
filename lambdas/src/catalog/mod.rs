//! The catalog without a crawler: one latest and one history Glue table per exported table,
//! written straight from the export's folders and its Parquet footers.
//!
//! - [`discover`]: the export's table folders and `export_tables_info_*.json`;
//! - [`footer`]: a Parquet footer read with ranged GETs;
//! - [`types`]: Parquet types → Glue (Hive) types;
//! - [`glue`]: the latest table, the history table and its partition.
//!
//! [`catalog_export`] is one CatalogTables invocation: public so the benchmark drives it
//! against local stand-ins. Tables are handled in sorted order, in batches whose footers and
//! Glue requests run concurrently; between batches it checks the Lambda deadline and, when
//! time is short, returns `done: false` with the last table done, and the graph calls again.

mod discover;
mod footer;
mod glue;
mod naming;
mod types;

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::time::{Duration, Instant};

use contract::{CatalogState, CatalogTablesInput, ExportStatus, SkippedTable};
use tokio::task::JoinSet;

use crate::error::TaskError;
use discover::{Discovery, TableFolder, TableInfo};
use glue::{Snapshot, TableOutcome, TableSpec};

/// Tables per batch, in multiples of the concurrency (a checkpoint per batch).
const BATCH_FACTOR: usize = 4;
/// The reason given for a table folder without Parquet.
const EMPTY_REASON: &str = "no Parquet file in its folder (empty table)";

/// What one invocation needs besides the clients and the input.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CatalogSettings {
    /// The Glue database.
    pub database: String,
    /// Tables in flight at once.
    pub concurrency: usize,
    /// Stop starting batches when less than this is left before the deadline.
    pub deadline_margin: Duration,
}

/// Why a table is left out of the catalog, from its status in `export_tables_info` or from
/// RDS's warnings; `None` when it is cataloged.
pub(crate) fn skip_reason(
    folder_target: &str,
    info: Option<&TableInfo>,
    warnings: &[String],
) -> Option<String> {
    if let Some(info) = info
        && !info.status.is_empty()
        && !info.status.eq_ignore_ascii_case("COMPLETE")
    {
        return Some(format!("export status {}", info.status));
    }
    warnings
        .iter()
        .find(|w| mentions(w, folder_target))
        .map(|w| format!("skipped by RDS: {w}"))
}

/// True when `text` names `target` as a whole word (not `orders` inside `orders_archive`).
fn mentions(text: &str, target: &str) -> bool {
    let word = |c: char| c.is_alphanumeric() || c == '_' || c == '$';
    text.match_indices(target).any(|(i, m)| {
        let before = text[..i].chars().next_back();
        let after = text[i + m.len()..].chars().next();
        !before.is_some_and(word) && !after.is_some_and(word)
    })
}

/// The tables left out: not-COMPLETE entries of `export_tables_info` (with a folder or not),
/// folders RDS's warnings name, and warnings naming no folder (reported as they are).
pub(crate) fn skipped_tables(discovery: &Discovery, warnings: &[String]) -> Vec<SkippedTable> {
    let mut out = Vec::new();
    let mut seen = BTreeSet::new();
    for folder in &discovery.tables {
        let target = folder.target();
        if let Some(reason) = skip_reason(&target, discovery.info.get(&target), warnings) {
            seen.insert(target.clone());
            out.push(SkippedTable { target, reason });
        }
    }
    for (target, info) in &discovery.info {
        if seen.contains(target) {
            continue;
        }
        if !info.status.is_empty() && !info.status.eq_ignore_ascii_case("COMPLETE") {
            seen.insert(target.clone());
            out.push(SkippedTable {
                target: target.clone(),
                reason: format!("export status {}", info.status),
            });
        }
    }
    for w in warnings {
        let named = discovery
            .tables
            .iter()
            .map(TableFolder::target)
            .chain(discovery.info.keys().cloned())
            .any(|t| mentions(w, &t));
        if !named {
            out.push(SkippedTable {
                target: String::new(),
                reason: format!("skipped by RDS: {w}"),
            });
        }
    }
    out
}

/// The snapshot time to order exports by: CheckExport's SnapshotTime, else when the export
/// started (RDS always reports SnapshotTime; the fallback keeps an old state usable).
fn snapshot_of(input: &CatalogTablesInput) -> Snapshot {
    let export = &input.export;
    let time = export.snapshot_time.unwrap_or_else(|| {
        tracing::warn!("the export state has no snapshot_time: ordering by the export's start");
        export.started_at
    });
    Snapshot {
        arn: input.job.snapshot_arn.clone(),
        time,
        export_id: export.export_task_id.clone(),
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
    /// What the Glue names start with: `<source name>_` (many accounts) or nothing.
    name_prefix: String,
}

/// One table's result, `None` for a folder without Parquet (an empty table).
type TableResult = Result<Option<TableOutcome>, TaskError>;

impl Cataloger {
    /// One table: its footer, then its latest table, history table and partition. `None`
    /// when the folder holds no Parquet file (an empty table).
    async fn table(self, folder: TableFolder, info: Option<TableInfo>) -> TableResult {
        let (s3, bucket) = (&self.s3, &self.bucket);
        let Some((key, size)) = discover::first_parquet(s3, bucket, &folder.prefix).await? else {
            return Ok(None);
        };
        let metadata = footer::read_footer(s3, bucket, &key, size).await?;
        let columns = types::columns(metadata.file_metadata().schema_descr().root_schema());
        let comments: HashMap<String, String> = info
            .map(|i| {
                i.original_types
                    .into_iter()
                    .map(|(c, t)| (c, format!("original type: {t}")))
                    .collect()
            })
            .unwrap_or_default();
        let name = naming::source_glue_name(&self.name_prefix, &folder);
        let location = format!("s3://{bucket}/{}", folder.prefix);
        let target = folder.target();
        let spec = TableSpec {
            name: &name,
            location: &location,
            columns: &columns,
            comments: &comments,
            target: &target,
        };
        let outcome = glue::write_latest(&self.glue, &self.database, &spec, &self.snapshot).await?;
        glue::write_history(&self.glue, &self.database, &spec, &self.snapshot).await?;
        Ok(Some(outcome))
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

/// Adds one table's outcome to the state, or the table to `empty`.
fn record(
    state: &mut CatalogState,
    empty: &mut Vec<SkippedTable>,
    folder: &TableFolder,
    outcome: Option<TableOutcome>,
) {
    match outcome {
        Some(outcome) => {
            state.cataloged = state.cataloged.saturating_add(1);
            if outcome.kept_newer {
                state.kept_newer = state.kept_newer.saturating_add(1);
            }
            state.type_changes.extend(outcome.type_changes);
        }
        None => empty.push(SkippedTable {
            target: folder.target(),
            reason: EMPTY_REASON.to_owned(),
        }),
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
    let mut state = match &input.catalog {
        Some(previous) if previous.done => return Ok(previous.clone()),
        Some(previous) => previous.clone(),
        None => CatalogState {
            database: settings.database.clone(),
            ..CatalogState::default()
        },
    };
    let discovery = discover::discover(s3, bucket, &root).await?;
    let mut skipped = skipped_tables(&discovery, &input.export.warnings);
    let left_out: BTreeSet<String> = skipped.iter().map(|s| s.target.clone()).collect();
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
        snapshot: snapshot_of(input),
        name_prefix: naming::glue_name_prefix(&input.job),
    };
    let concurrency = settings.concurrency.max(1);
    let stop_at = deadline.and_then(|d| d.checked_sub(settings.deadline_margin));
    // Empty tables found by earlier invocations of this run.
    let mut empty: Vec<SkippedTable> = state
        .skipped
        .iter()
        .filter(|s| s.reason == EMPTY_REASON)
        .cloned()
        .collect();
    tracing::info!(
        tables = discovery.tables.len(),
        todo = todo.len(),
        skipped = skipped.len(),
        "cataloging the export's tables"
    );
    for (n, batch) in todo.chunks(concurrency * BATCH_FACTOR).enumerate() {
        if n > 0 && stop_at.is_some_and(|t| Instant::now() >= t) {
            tracing::info!(start_after = ?state.start_after, "deadline near: stopping between batches");
            skipped.extend(empty);
            state.skipped = skipped;
            state.done = false;
            return Ok(state);
        }
        for (i, result) in cataloger.batch(batch, &discovery.info, concurrency).await {
            // The error first: a task that ended abnormally has no index in the batch.
            let outcome = result?;
            record(&mut state, &mut empty, batch[i], outcome);
        }
        state.start_after = batch.last().map(|f| f.id.clone());
    }
    skipped.extend(empty);
    state.skipped = skipped;
    state.start_after = None;
    state.done = true;
    tracing::info!(
        cataloged = state.cataloged,
        kept_newer = state.kept_newer,
        skipped = state.skipped.len(),
        type_changes = state.type_changes.len(),
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
mod tests;

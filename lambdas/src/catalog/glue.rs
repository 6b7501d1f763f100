//! Writing one exported table into the Glue Data Catalog: its latest table, its history
//! table and the history partition of this export.
//!
//! - The latest table points at the table's folder in the newest export. Which export is
//!   newest is decided by the snapshot time (then the export id) recorded in the table's
//!   parameters, so an export that finishes after a newer one never rolls it back. Updates
//!   pass the VersionId read with the table (optimistic locking): a concurrent writer makes
//!   Glue answer ConcurrentModificationException and the decision is made again.
//! - The history table `<latest>_history` is partitioned by `snapshot_export_id` (tables
//!   created before keep their `export_id` key); its columns are the union over the exports
//!   (a widened type wins, see [`crate::catalog::schema`]); each export adds one partition,
//!   whose own columns and `recordCount` are that export's. An incompatible type change, or
//!   a source column named like the partition key, starts a new generation
//!   `<latest>_history_v2`, `_v3`, ...; older generations stay queryable as they are.
//!   AlreadyExists is success: duplicates and redrives change nothing.
//! - The latest table's parameters say what the verification found: `recordCount`,
//!   `snapshot_export.verdict`, `.history_table`, `.target` and `.source` (the job's db
//!   identifier, else its snapshot id), by which the next export of the same source finds
//!   the tables that disappeared.

use std::collections::HashMap;

use aws_sdk_glue::types::{
    Column, PartitionInput, SerDeInfo, StorageDescriptor, Table, TableInput,
};
use aws_smithy_types::error::operation::BuildError;

use crate::catalog::schema::{self, RESERVED_PARTITION_KEY, history_name};
use crate::catalog::types::ColumnType;
use crate::catalog::verify::PreviousTable;
use crate::error::TaskError;
use crate::sdk_error::{classify, code, message};

/// Athena's Parquet SerDe.
pub(super) const SERDE: &str = "org.apache.hadoop.hive.ql.io.parquet.serde.ParquetHiveSerDe";
/// Athena's Parquet input format.
pub(super) const INPUT_FORMAT: &str =
    "org.apache.hadoop.hive.ql.io.parquet.MapredParquetInputFormat";
/// Athena's Parquet output format.
pub(super) const OUTPUT_FORMAT: &str =
    "org.apache.hadoop.hive.ql.io.parquet.MapredParquetOutputFormat";
/// Table and partition parameter: rows (the name a Glue crawler uses).
pub(super) const PARAM_RECORD_COUNT: &str = "recordCount";
/// Latest table parameter: the export's verdict.
pub(super) const PARAM_VERDICT: &str = "snapshot_export.verdict";
/// Latest table parameter: the history generation the export went into.
pub(super) const PARAM_HISTORY_TABLE: &str = "snapshot_export.history_table";
/// Latest table parameter: `database.schema.table`.
pub(super) const PARAM_TARGET: &str = "snapshot_export.target";
/// Latest table parameter: the source (the job's db identifier, else its snapshot id).
pub(super) const PARAM_SOURCE: &str = "snapshot_export.source";
/// Table parameter: the snapshot ARN of the export the table describes.
pub(super) const PARAM_SNAPSHOT_ARN: &str = "snapshot_export.snapshot_arn";
/// Table parameter: its snapshot time, seconds since the epoch.
pub(super) const PARAM_SNAPSHOT_TIME: &str = "snapshot_export.snapshot_time";
/// Table parameter: its export task id.
pub(super) const PARAM_EXPORT_ID: &str = "snapshot_export.export_id";
/// Tries of a read-decide-write cycle when another writer keeps getting there first.
const MAX_TRIES: u32 = 5;

/// The export being cataloged.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct Snapshot {
    /// The snapshot ARN.
    pub arn: String,
    /// The snapshot time, seconds since the epoch.
    pub time: i64,
    /// The export task id.
    pub export_id: String,
    /// The source: the job's db identifier, else its snapshot id.
    pub source: String,
}

impl Snapshot {
    fn parameters(&self) -> HashMap<String, String> {
        HashMap::from([
            ("classification".to_owned(), "parquet".to_owned()),
            ("EXTERNAL".to_owned(), "TRUE".to_owned()),
            (PARAM_SNAPSHOT_ARN.to_owned(), self.arn.clone()),
            (PARAM_SNAPSHOT_TIME.to_owned(), self.time.to_string()),
            (PARAM_EXPORT_ID.to_owned(), self.export_id.clone()),
        ])
    }
}

/// A column whose type the latest table changed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct TypeChange {
    /// The latest table.
    pub table: String,
    /// The column.
    pub column: String,
    /// Its type before.
    pub from: String,
    /// Its type now.
    pub to: String,
}

/// What the verification adds to the latest table's parameters.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct Verified {
    /// Rows of this export.
    pub rows: u64,
    /// The export's verdict.
    pub verdict: contract::Verdict,
    /// The history generation this export went into.
    pub history_table: String,
}

/// What one table's cataloging did.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(super) struct TableOutcome {
    /// The latest table describes a newer snapshot already: left as it was.
    pub kept_newer: bool,
    /// Columns whose type the latest table changed.
    pub type_changes: Vec<TypeChange>,
    /// The previous export's rows (its `recordCount`), when the latest table described an
    /// older export.
    pub previous_rows: Option<u64>,
    /// The previous export's id, likewise.
    pub previous_export_id: Option<String>,
}

/// What to do with the latest table.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) enum LatestAction {
    /// It does not exist.
    Create,
    /// It describes an older snapshot (or one we cannot place): replace it.
    Update {
        /// The version read, for optimistic locking.
        version_id: Option<String>,
        /// Columns whose type changes.
        type_changes: Vec<TypeChange>,
    },
    /// It already describes this export.
    Same,
    /// It describes a newer snapshot.
    KeepNewer,
}

/// The `(snapshot time, export id)` a table's parameters record, if any.
fn recorded(table: &Table) -> Option<(i64, String)> {
    let params = table.parameters()?;
    let time = params.get(PARAM_SNAPSHOT_TIME)?.parse::<i64>().ok()?;
    let id = params.get(PARAM_EXPORT_ID)?.clone();
    Some((time, id))
}

/// The previous export's `(recordCount, export id)` when `table` describes an older
/// export than `snapshot`.
fn previous(table: &Table, snapshot: &Snapshot) -> Option<(Option<u64>, String)> {
    let (time, id) = recorded(table)?;
    if (time, id.as_str()) >= (snapshot.time, snapshot.export_id.as_str()) {
        return None;
    }
    let rows = table
        .parameters()
        .and_then(|p| p.get(PARAM_RECORD_COUNT))
        .and_then(|r| r.parse().ok());
    Some((rows, id))
}

/// The previous export's `(recordCount, export id)` of latest table `name`, read only (an
/// empty table is not cataloged, but its row drop is reported).
pub(super) async fn previous_of(
    glue: &aws_sdk_glue::Client,
    database: &str,
    name: &str,
    snapshot: &Snapshot,
) -> Result<Option<(Option<u64>, String)>, TaskError> {
    Ok(get_table(glue, database, name)
        .await?
        .and_then(|t| previous(&t, snapshot)))
}

fn table_columns(table: &Table) -> Vec<(String, String)> {
    table
        .storage_descriptor()
        .map(|sd| {
            sd.columns()
                .iter()
                .map(|c| {
                    (
                        c.name().to_owned(),
                        c.r#type().unwrap_or_default().to_owned(),
                    )
                })
                .collect()
        })
        .unwrap_or_default()
}

/// Decides what to do with the latest table `existing` for `snapshot` with `columns`.
pub(super) fn decide_latest(
    name: &str,
    existing: Option<&Table>,
    snapshot: &Snapshot,
    columns: &[ColumnType],
) -> LatestAction {
    let Some(table) = existing else {
        return LatestAction::Create;
    };
    let ours = (snapshot.time, snapshot.export_id.clone());
    match recorded(table) {
        Some(theirs) if theirs > ours => return LatestAction::KeepNewer,
        Some(theirs) if theirs == ours => return LatestAction::Same,
        _ => {}
    }
    let before: HashMap<String, String> = table_columns(table).into_iter().collect();
    let type_changes = columns
        .iter()
        .filter_map(|c| {
            let from = before.get(&c.name)?;
            (!from.eq_ignore_ascii_case(&c.hive_type)).then(|| TypeChange {
                table: name.to_owned(),
                column: c.name.clone(),
                from: from.clone(),
                to: c.hive_type.clone(),
            })
        })
        .collect();
    LatestAction::Update {
        version_id: table.version_id().map(str::to_owned),
        type_changes,
    }
}

fn built<T>(what: &str, r: Result<T, BuildError>) -> Result<T, TaskError> {
    r.map_err(|e| TaskError::Aws {
        operation: "glue".into(),
        code: "ClientError".into(),
        message: format!("building {what}: {e}"),
    })
}

fn glue_columns(
    columns: &[(String, String)],
    comments: &HashMap<String, String>,
) -> Result<Vec<Column>, TaskError> {
    columns
        .iter()
        .map(|(name, hive_type)| {
            built(
                "a column",
                Column::builder()
                    .name(name)
                    .r#type(hive_type)
                    .set_comment(comments.get(name).cloned())
                    .build(),
            )
        })
        .collect()
}

fn storage(location: &str, columns: Vec<Column>) -> StorageDescriptor {
    StorageDescriptor::builder()
        .set_columns(Some(columns))
        .location(location)
        .input_format(INPUT_FORMAT)
        .output_format(OUTPUT_FORMAT)
        .compressed(false)
        .serde_info(
            SerDeInfo::builder()
                .serialization_library(SERDE)
                .parameters("serialization.format", "1")
                .build(),
        )
        .build()
}

/// What one table is, for the catalog.
#[derive(Debug, Clone)]
pub(super) struct TableSpec<'a> {
    /// The latest table's name.
    pub name: &'a str,
    /// The folder in this export, `s3://bucket/.../`.
    pub location: &'a str,
    /// The columns of this export's Parquet.
    pub columns: &'a [ColumnType],
    /// Column comments (the original database types, where the export says them).
    pub comments: &'a HashMap<String, String>,
    /// `database.schema.table`.
    pub target: &'a str,
}

fn table_input(
    spec: &TableSpec<'_>,
    name: &str,
    columns: &[(String, String)],
    parameters: HashMap<String, String>,
    location: &str,
    partition_key: Option<&str>,
) -> Result<TableInput, TaskError> {
    let kind = if partition_key.is_some() {
        "every export, one partition per export id"
    } else {
        "the newest export"
    };
    let mut builder = TableInput::builder()
        .name(name)
        .description(format!("RDS export of {}: {kind}", spec.target))
        .table_type("EXTERNAL_TABLE")
        .set_parameters(Some(parameters))
        .storage_descriptor(storage(location, glue_columns(columns, spec.comments)?));
    if let Some(key) = partition_key {
        builder = builder.partition_keys(built(
            "the partition key",
            Column::builder().name(key).r#type("string").build(),
        )?);
    }
    built("a table", builder.build())
}

fn denied(database: &str, what: &str, detail: &str) -> TaskError {
    TaskError::CatalogAccessDenied(format!(
        "{what} in Glue database {database} failed ({detail}): the database must exist and the catalog-tables \
         function needs glue:GetTable, CreateTable, UpdateTable and BatchCreatePartition on it, then Redrive"
    ))
}

/// Maps a Glue error: access denied and a missing database are `CatalogAccessDenied`.
fn glue_error<E>(
    database: &str,
    operation: &str,
    e: &aws_smithy_runtime_api::client::result::SdkError<
        E,
        aws_smithy_runtime_api::client::orchestrator::HttpResponse,
    >,
) -> TaskError
where
    E: aws_smithy_types::error::metadata::ProvideErrorMetadata + std::error::Error + 'static,
{
    match code(e) {
        Some("AccessDeniedException" | "AccessDenied") => denied(database, operation, &message(e)),
        Some("EntityNotFoundException") => denied(database, operation, &message(e)),
        _ => classify(operation, e),
    }
}

/// GetTable; `None` when the table does not exist.
async fn get_table(
    glue: &aws_sdk_glue::Client,
    database: &str,
    name: &str,
) -> Result<Option<Table>, TaskError> {
    match glue
        .get_table()
        .database_name(database)
        .name(name)
        .send()
        .await
    {
        Ok(out) => Ok(out.table().cloned()),
        Err(e) if code(&e) == Some("EntityNotFoundException") => {
            // A missing database answers EntityNotFoundException too: CreateTable will say so.
            Ok(None)
        }
        Err(e) => Err(glue_error(database, "glue:GetTable", &e)),
    }
}

/// CreateTable; `false` when someone else created it first.
async fn create_table(
    glue: &aws_sdk_glue::Client,
    database: &str,
    input: TableInput,
) -> Result<bool, TaskError> {
    match glue
        .create_table()
        .database_name(database)
        .table_input(input)
        .send()
        .await
    {
        Ok(_) => Ok(true),
        Err(e) if code(&e) == Some("AlreadyExistsException") => Ok(false),
        Err(e) => Err(glue_error(database, "glue:CreateTable", &e)),
    }
}

/// UpdateTable with the VersionId read; `false` when another writer changed it since.
async fn update_table(
    glue: &aws_sdk_glue::Client,
    database: &str,
    input: TableInput,
    version_id: Option<String>,
) -> Result<bool, TaskError> {
    match glue
        .update_table()
        .database_name(database)
        .table_input(input)
        .set_version_id(version_id)
        .send()
        .await
    {
        Ok(_) => Ok(true),
        Err(e) if code(&e) == Some("ConcurrentModificationException") => Ok(false),
        Err(e) => Err(glue_error(database, "glue:UpdateTable", &e)),
    }
}

fn conflict(database: &str, name: &str) -> TaskError {
    TaskError::TransientAws {
        operation: "glue:UpdateTable".into(),
        detail: format!(
            "table {database}.{name} kept changing under us ({MAX_TRIES} tries, ConcurrentModificationException)"
        ),
    }
}

/// Creates or moves the latest table forward.
pub(super) async fn write_latest(
    glue: &aws_sdk_glue::Client,
    database: &str,
    spec: &TableSpec<'_>,
    snapshot: &Snapshot,
    verified: &Verified,
) -> Result<TableOutcome, TaskError> {
    let columns: Vec<(String, String)> = spec
        .columns
        .iter()
        .map(|c| (c.name.clone(), c.hive_type.clone()))
        .collect();
    let mut parameters = snapshot.parameters();
    parameters.extend([
        (PARAM_RECORD_COUNT.to_owned(), verified.rows.to_string()),
        (
            PARAM_VERDICT.to_owned(),
            verified.verdict.as_str().to_owned(),
        ),
        (
            PARAM_HISTORY_TABLE.to_owned(),
            verified.history_table.clone(),
        ),
        (PARAM_TARGET.to_owned(), spec.target.to_owned()),
        (PARAM_SOURCE.to_owned(), snapshot.source.clone()),
    ]);
    for _ in 0..MAX_TRIES {
        let existing = get_table(glue, database, spec.name).await?;
        let (previous_rows, previous_export_id) = existing
            .as_ref()
            .and_then(|t| previous(t, snapshot))
            .unzip();
        let previous_rows = previous_rows.flatten();
        match decide_latest(spec.name, existing.as_ref(), snapshot, spec.columns) {
            LatestAction::Create => {
                let input = table_input(
                    spec,
                    spec.name,
                    &columns,
                    parameters.clone(),
                    spec.location,
                    None,
                )?;
                if create_table(glue, database, input).await? {
                    return Ok(TableOutcome::default());
                }
            }
            LatestAction::Update {
                version_id,
                type_changes,
            } => {
                let input = table_input(
                    spec,
                    spec.name,
                    &columns,
                    parameters.clone(),
                    spec.location,
                    None,
                )?;
                if update_table(glue, database, input, version_id).await? {
                    for c in &type_changes {
                        tracing::warn!(table = %c.table, column = %c.column, from = %c.from, to = %c.to, "column type changed");
                    }
                    return Ok(TableOutcome {
                        kept_newer: false,
                        type_changes,
                        previous_rows,
                        previous_export_id,
                    });
                }
            }
            LatestAction::Same => return Ok(TableOutcome::default()),
            LatestAction::KeepNewer => {
                tracing::info!(table = %spec.name, export_id = %snapshot.export_id, "a newer snapshot is cataloged: latest table kept");
                return Ok(TableOutcome {
                    kept_newer: true,
                    ..TableOutcome::default()
                });
            }
        }
    }
    Err(conflict(database, spec.name))
}

/// Where this export's partition went, and the incompatible changes that started a new
/// generation.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(super) struct HistoryOutcome {
    /// The history table (generation) written.
    pub table: String,
    /// Columns the previous generation could not take (non-empty: a new generation).
    pub incompatible: Vec<schema::Incompatible>,
}

/// The existing generations of `latest`'s history, oldest first (probed with GetTable up
/// to the first missing one).
async fn generations(
    glue: &aws_sdk_glue::Client,
    database: &str,
    latest: &str,
) -> Result<Vec<(u32, Table)>, TaskError> {
    let mut found = Vec::new();
    for generation in 1..=schema::MAX_GENERATION {
        match get_table(glue, database, &history_name(latest, generation)).await? {
            Some(t) => found.push((generation, t)),
            None => break,
        }
    }
    Ok(found)
}

fn partition_keys(table: &Table) -> Vec<String> {
    table
        .partition_keys()
        .iter()
        .map(|k| k.name().to_owned())
        .collect()
}

/// Puts this export into the current history generation (the highest; for an older export
/// the newest one compatible with it), or starts a new one with the reserved partition key,
/// then adds this export's partition with its `recordCount`.
pub(crate) async fn write_history(
    glue: &aws_sdk_glue::Client,
    database: &str,
    spec: &TableSpec<'_>,
    snapshot: &Snapshot,
    rows: u64,
) -> Result<HistoryOutcome, TaskError> {
    let ours = (snapshot.time, snapshot.export_id.clone());
    for _ in 0..MAX_TRIES {
        let found = generations(glue, database, spec.name).await?;
        let highest = found.last().map_or(0, |(g, _)| *g);
        let newest = found
            .last()
            .is_none_or(|(_, t)| recorded(t).is_none_or(|theirs| theirs <= ours));
        // A newer export only goes into the current generation; a late one into the newest
        // generation compatible with it.
        let candidates: Vec<&(u32, Table)> = if newest {
            found.last().into_iter().collect()
        } else {
            found.iter().rev().collect()
        };
        let mut incompatible = Vec::new();
        let mut chosen = None;
        for (generation, table) in candidates {
            match schema::merge(&table_columns(table), &partition_keys(table), spec.columns) {
                Ok(merged) => {
                    chosen = Some((*generation, table, merged));
                    break;
                }
                Err(bad) if incompatible.is_empty() => incompatible = bad,
                Err(_) => {}
            }
        }
        let done = match chosen {
            Some((generation, table, merged)) => {
                let name = history_name(spec.name, generation);
                widen_history(
                    glue, database, &name, table, &merged, spec, snapshot, newest,
                )
                .await?
                .then_some((name, partition_keys(table)))
            }
            None => {
                if highest >= schema::MAX_GENERATION {
                    return Err(TaskError::Aws {
                        operation: "glue:CreateTable".into(),
                        code: "TooManyGenerations".into(),
                        message: format!(
                            "{} already has {} history generations: rename or drop old ones, then Redrive",
                            spec.name,
                            schema::MAX_GENERATION
                        ),
                    });
                }
                let name = history_name(spec.name, highest + 1);
                let columns = schema::merge(&[], &[], spec.columns).unwrap_or_default();
                let input = table_input(
                    spec,
                    &name,
                    &columns,
                    snapshot.parameters(),
                    spec.location,
                    Some(RESERVED_PARTITION_KEY),
                )?;
                if highest > 0 {
                    tracing::warn!(history_table = %name, changes = ?incompatible, "incompatible schema change: new history generation");
                }
                create_table(glue, database, input)
                    .await?
                    .then(|| (name, vec![RESERVED_PARTITION_KEY.to_owned()]))
            }
        };
        if let Some((name, keys)) = done {
            add_partition(glue, database, &name, keys.len(), spec, snapshot, rows).await?;
            let started_new = !found
                .iter()
                .any(|(g, _)| history_name(spec.name, *g) == name);
            return Ok(HistoryOutcome {
                table: name,
                incompatible: if started_new && highest > 0 {
                    incompatible
                } else {
                    Vec::new()
                },
            });
        }
    }
    Err(conflict(database, &history_name(spec.name, 1)))
}

/// Widens generation `name` to `merged` and, for the newest export, moves its parameters
/// and location forward; `false` when another writer got there first.
#[allow(clippy::too_many_arguments)]
async fn widen_history(
    glue: &aws_sdk_glue::Client,
    database: &str,
    name: &str,
    table: &Table,
    merged: &[(String, String)],
    spec: &TableSpec<'_>,
    snapshot: &Snapshot,
    newest: bool,
) -> Result<bool, TaskError> {
    let ours = (snapshot.time, snapshot.export_id.clone());
    let existing = table_columns(table);
    if merged == existing && (!newest || recorded(table) == Some(ours)) {
        return Ok(true);
    }
    let current = table.storage_descriptor().and_then(|s| s.location());
    let (parameters, location) = if newest {
        (snapshot.parameters(), spec.location)
    } else {
        (
            table.parameters().cloned().unwrap_or_default(),
            current.unwrap_or(spec.location),
        )
    };
    let keys = partition_keys(table);
    let key = keys.first().map_or(RESERVED_PARTITION_KEY, String::as_str);
    let input = table_input(spec, name, merged, parameters, location, Some(key))?;
    update_table(glue, database, input, table.version_id().map(str::to_owned)).await
}

/// The latest tables a previous export of `source` wrote (GetTables over the database,
/// every page): those with our `target` and `source` parameters and an older snapshot
/// than `snapshot`. History tables carry neither parameter.
pub(super) async fn previous_tables(
    glue: &aws_sdk_glue::Client,
    database: &str,
    snapshot: &Snapshot,
) -> Result<Vec<PreviousTable>, TaskError> {
    let mut out = Vec::new();
    let mut token: Option<String> = None;
    loop {
        let page = glue
            .get_tables()
            .database_name(database)
            .set_next_token(token.take())
            .send()
            .await
            .map_err(|e| glue_error(database, "glue:GetTables", &e))?;
        for table in page.table_list() {
            let Some(params) = table.parameters() else {
                continue;
            };
            let (Some(target), Some(source)) = (params.get(PARAM_TARGET), params.get(PARAM_SOURCE))
            else {
                continue;
            };
            let older = recorded(table)
                .is_some_and(|theirs| theirs < (snapshot.time, snapshot.export_id.clone()));
            if source == &snapshot.source && older && !table.name().contains("_history") {
                out.push(PreviousTable {
                    name: table.name().to_owned(),
                    target: target.clone(),
                    export_id: params.get(PARAM_EXPORT_ID).cloned().unwrap_or_default(),
                });
            }
        }
        match page.next_token() {
            Some(t) if !t.is_empty() => token = Some(t.to_owned()),
            _ => break,
        }
    }
    Ok(out)
}

/// This export's partition of the history table `name`, with this export's columns;
/// AlreadyExists is success (a duplicate or a redrive).
async fn add_partition(
    glue: &aws_sdk_glue::Client,
    database: &str,
    name: &str,
    keys: usize,
    spec: &TableSpec<'_>,
    snapshot: &Snapshot,
    rows: u64,
) -> Result<(), TaskError> {
    // One value per partition key (our tables have exactly one).
    let values = vec![snapshot.export_id.clone(); keys.max(1)];
    let own: Vec<(String, String)> = spec
        .columns
        .iter()
        .map(|c| (c.name.clone(), c.hive_type.clone()))
        .collect();
    let partition = PartitionInput::builder()
        .set_values(Some(values))
        .storage_descriptor(storage(spec.location, glue_columns(&own, spec.comments)?))
        .parameters("classification", "parquet")
        .parameters(PARAM_RECORD_COUNT, rows.to_string())
        .parameters(PARAM_SNAPSHOT_ARN, &snapshot.arn)
        .parameters(PARAM_SNAPSHOT_TIME, snapshot.time.to_string())
        .build();
    let out = glue
        .batch_create_partition()
        .database_name(database)
        .table_name(name)
        .partition_input_list(partition)
        .send()
        .await
        .map_err(|e| glue_error(database, "glue:BatchCreatePartition", &e))?;
    for error in out.errors() {
        let detail = error.error_detail();
        let error_code = detail.and_then(|d| d.error_code()).unwrap_or("Unknown");
        if error_code != "AlreadyExistsException" {
            let text = detail.and_then(|d| d.error_message()).unwrap_or_default();
            return Err(partition_error(database, error_code, text));
        }
    }
    Ok(())
}

/// A partition BatchCreatePartition reports as failed (the request itself succeeded).
fn partition_error(database: &str, error_code: &str, text: &str) -> TaskError {
    const OPERATION: &str = "glue:BatchCreatePartition";
    match error_code {
        "AccessDeniedException" | "EntityNotFoundException" => {
            denied(database, OPERATION, &format!("{error_code}: {text}"))
        }
        "ThrottlingException" | "InternalServiceException" | "OperationTimeoutException" => {
            TaskError::TransientAws {
                operation: OPERATION.into(),
                detail: format!("{error_code}: {text}"),
            }
        }
        _ => TaskError::Aws {
            operation: OPERATION.into(),
            code: error_code.to_owned(),
            message: text.to_owned(),
        },
    }
}

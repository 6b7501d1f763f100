//! Writing one exported table into the Glue Data Catalog: its latest table, its history
//! table and the history partition of this export.
//!
//! - The latest table points at the table's folder in the newest export. Which export is
//!   newest is decided by the snapshot time (then the export id) recorded in the table's
//!   parameters, so an export that finishes after a newer one never rolls it back. Updates
//!   pass the VersionId read with the table (optimistic locking): a concurrent writer makes
//!   Glue answer ConcurrentModificationException and the decision is made again.
//! - The history table `<latest>_history` is partitioned by `export_id`; its columns are the
//!   union over the exports (the newest export's types win); each export adds one partition,
//!   whose own columns are that export's. AlreadyExists is success: duplicates and redrives
//!   change nothing.

use std::collections::HashMap;

use aws_sdk_glue::types::{
    Column, PartitionInput, SerDeInfo, StorageDescriptor, Table, TableInput,
};
use aws_smithy_types::error::operation::BuildError;
use contract::TypeChange;

use crate::catalog::types::ColumnType;
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
/// The history table's partition key.
pub(super) const PARTITION_KEY: &str = "export_id";
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

/// What one table's cataloging did.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(super) struct TableOutcome {
    /// The latest table describes a newer snapshot already: left as it was.
    pub kept_newer: bool,
    /// Columns whose type the latest table changed.
    pub type_changes: Vec<TypeChange>,
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

/// The history table's columns: `existing` ones in their order, then `columns` not there
/// yet; with `newest`, types follow `columns`.
pub(super) fn merge_columns(
    existing: &[(String, String)],
    columns: &[ColumnType],
    newest: bool,
) -> Vec<(String, String)> {
    let mut merged: Vec<(String, String)> = existing.to_vec();
    for c in columns {
        match merged.iter_mut().find(|(n, _)| *n == c.name) {
            Some((_, t)) if newest => c.hive_type.clone_into(t),
            Some(_) => {}
            None => merged.push((c.name.clone(), c.hive_type.clone())),
        }
    }
    merged
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
    partitioned: bool,
) -> Result<TableInput, TaskError> {
    let kind = if partitioned {
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
    if partitioned {
        builder = builder.partition_keys(built(
            "the partition key",
            Column::builder()
                .name(PARTITION_KEY)
                .r#type("string")
                .build(),
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
) -> Result<TableOutcome, TaskError> {
    let columns: Vec<(String, String)> = spec
        .columns
        .iter()
        .map(|c| (c.name.clone(), c.hive_type.clone()))
        .collect();
    for _ in 0..MAX_TRIES {
        let existing = get_table(glue, database, spec.name).await?;
        match decide_latest(spec.name, existing.as_ref(), snapshot, spec.columns) {
            LatestAction::Create => {
                let input = table_input(
                    spec,
                    spec.name,
                    &columns,
                    snapshot.parameters(),
                    spec.location,
                    false,
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
                    snapshot.parameters(),
                    spec.location,
                    false,
                )?;
                if update_table(glue, database, input, version_id).await? {
                    for c in &type_changes {
                        tracing::warn!(table = %c.table, column = %c.column, from = %c.from, to = %c.to, "column type changed");
                    }
                    return Ok(TableOutcome {
                        kept_newer: false,
                        type_changes,
                    });
                }
            }
            LatestAction::Same => return Ok(TableOutcome::default()),
            LatestAction::KeepNewer => {
                tracing::info!(table = %spec.name, export_id = %snapshot.export_id, "a newer snapshot is cataloged: latest table kept");
                return Ok(TableOutcome {
                    kept_newer: true,
                    type_changes: Vec::new(),
                });
            }
        }
    }
    Err(conflict(database, spec.name))
}

/// Creates or widens the history table, then adds this export's partition.
pub(crate) async fn write_history(
    glue: &aws_sdk_glue::Client,
    database: &str,
    spec: &TableSpec<'_>,
    snapshot: &Snapshot,
) -> Result<(), TaskError> {
    let name = format!("{}{}", spec.name, crate::catalog::discover::HISTORY_SUFFIX);
    for _ in 0..MAX_TRIES {
        if write_history_table(glue, database, &name, spec, snapshot).await? {
            return add_partition(glue, database, &name, spec, snapshot).await;
        }
    }
    Err(conflict(database, &name))
}

/// One read-decide-write of the history table `name`: created, or its columns widened and
/// its parameters and location moved to the newest export; `false` when another writer got
/// there first (read and decide again).
async fn write_history_table(
    glue: &aws_sdk_glue::Client,
    database: &str,
    name: &str,
    spec: &TableSpec<'_>,
    snapshot: &Snapshot,
) -> Result<bool, TaskError> {
    let Some(table) = get_table(glue, database, name).await? else {
        let columns = merge_columns(&[], spec.columns, true);
        let input = table_input(
            spec,
            name,
            &columns,
            snapshot.parameters(),
            spec.location,
            true,
        )?;
        return create_table(glue, database, input).await;
    };
    let ours = (snapshot.time, snapshot.export_id.clone());
    let newest = recorded(&table).is_none_or(|theirs| theirs <= ours);
    let existing = table_columns(&table);
    let merged = merge_columns(&existing, spec.columns, newest);
    if merged == existing && (!newest || recorded(&table) == Some(ours.clone())) {
        return Ok(true);
    }
    // The table's parameters and location follow the newest export it has seen.
    let current = table.storage_descriptor().and_then(|s| s.location());
    let (parameters, location) = if newest {
        (snapshot.parameters(), spec.location)
    } else {
        (
            table.parameters().cloned().unwrap_or_default(),
            current.unwrap_or(spec.location),
        )
    };
    let input = table_input(spec, name, &merged, parameters, location, true)?;
    update_table(glue, database, input, table.version_id().map(str::to_owned)).await
}

/// This export's partition of the history table `name`, with this export's columns;
/// AlreadyExists is success (a duplicate or a redrive).
async fn add_partition(
    glue: &aws_sdk_glue::Client,
    database: &str,
    name: &str,
    spec: &TableSpec<'_>,
    snapshot: &Snapshot,
) -> Result<(), TaskError> {
    let own: Vec<(String, String)> = spec
        .columns
        .iter()
        .map(|c| (c.name.clone(), c.hive_type.clone()))
        .collect();
    let partition = PartitionInput::builder()
        .values(&snapshot.export_id)
        .storage_descriptor(storage(spec.location, glue_columns(&own, spec.comments)?))
        .parameters("classification", "parquet")
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

//! Which tables an export holds: its folders, and what `export_tables_info_*.json` says.
//!
//! An RDS export is laid out as `<prefix>/<export-id>/<database>/<schema.table>/<n>/part-*.parquet`.
//! The folders are the source of truth (AWS says the naming below the prefix "is subject to
//! change", so everything inside it is read); `export_tables_info_*.json`, undocumented, adds
//! each table's status and original column types where present, and names tables that left
//! no folder (FAILED ones).

use std::collections::BTreeMap;

use serde_json::Value;
use sha2::{Digest, Sha256};

use crate::error::TaskError;
use crate::sdk_error::{classify, code, message};

/// Longest Glue table name.
pub(super) const GLUE_NAME_MAX: usize = 255;
/// Longest latest-table name: its history tables up to `<name>_history_v99` must fit too.
pub(super) const LATEST_NAME_MAX: usize =
    GLUE_NAME_MAX - crate::catalog::schema::LONGEST_HISTORY_SUFFIX.len();

/// One exported table's folder.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) struct TableFolder {
    /// `<database>/<schema.table>` (the sort key and `start_after` of the catalog loop).
    pub id: String,
    /// The database folder.
    pub database: String,
    /// The table folder (`schema.table`).
    pub table: String,
    /// The folder's key prefix, ending in `/`.
    pub prefix: String,
}

impl TableFolder {
    /// `database.schema.table`, as `export_tables_info` names it.
    pub(crate) fn target(&self) -> String {
        format!("{}.{}", self.database, self.table)
    }

    /// The latest table's Glue name.
    pub(crate) fn glue_name(&self) -> String {
        glue_table_name(&format!("{}_{}", self.database, self.table))
    }
}

/// A table's entry in `export_tables_info_*.json`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct TableInfo {
    /// `status` (`COMPLETE`, `FAILED`, ...).
    pub status: String,
    /// Column name (lower case) → original database type (`numeric(12,2)`, `varchar`).
    pub original_types: BTreeMap<String, String>,
}

/// What the export's listing shows.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct Discovery {
    /// The table folders, sorted by id.
    pub tables: Vec<TableFolder>,
    /// `export_tables_info` entries by target (`database.schema.table`).
    pub info: BTreeMap<String, TableInfo>,
}

/// Lower case, every run of characters outside `[a-z0-9]` replaced by one `_`; longer than
/// [`LATEST_NAME_MAX`] → cut, with `_` and 8 hex digits of the full name's SHA-256.
pub(super) fn glue_table_name(raw: &str) -> String {
    let mut out = String::with_capacity(raw.len());
    let mut in_run = false;
    for c in raw.chars().flat_map(char::to_lowercase) {
        if c.is_ascii_lowercase() || c.is_ascii_digit() {
            out.push(c);
            in_run = false;
        } else if !in_run {
            out.push('_');
            in_run = true;
        }
    }
    if out.len() <= LATEST_NAME_MAX {
        return out;
    }
    let digest = Sha256::digest(out.as_bytes());
    let hash: String = digest.iter().take(4).map(|b| format!("{b:02x}")).collect();
    out.truncate(LATEST_NAME_MAX - 9);
    format!("{out}_{hash}")
}

fn list_denied(bucket: &str, prefix: &str, e: &str) -> TaskError {
    TaskError::CatalogAccessDenied(format!(
        "s3:ListBucket on s3://{bucket}/{prefix} was denied ({e}): grant the catalog-tables function \
         s3:ListBucket on the export prefix, then Redrive"
    ))
}

/// One delimited listing: (sub-folders, objects with their sizes).
pub(crate) async fn list_level(
    s3: &aws_sdk_s3::Client,
    bucket: &str,
    prefix: &str,
) -> Result<(Vec<String>, Vec<(String, u64)>), TaskError> {
    let mut folders = Vec::new();
    let mut objects = Vec::new();
    let mut token: Option<String> = None;
    loop {
        let out = s3
            .list_objects_v2()
            .bucket(bucket)
            .prefix(prefix)
            .delimiter("/")
            .set_continuation_token(token.take())
            .send()
            .await
            .map_err(|e| match code(&e) {
                Some("AccessDenied") => list_denied(bucket, prefix, &message(&e)),
                _ => classify("s3:ListObjectsV2", &e),
            })?;
        folders.extend(
            out.common_prefixes()
                .iter()
                .filter_map(|p| p.prefix())
                .filter(|p| p.starts_with(prefix))
                .map(str::to_owned),
        );
        objects.extend(out.contents().iter().filter_map(|o| {
            o.key().filter(|k| k.starts_with(prefix)).map(|k| {
                (
                    k.to_owned(),
                    u64::try_from(o.size().unwrap_or(0)).unwrap_or(0),
                )
            })
        }));
        match out.next_continuation_token() {
            Some(t) if out.is_truncated() == Some(true) => token = Some(t.to_owned()),
            _ => break,
        }
    }
    Ok((folders, objects))
}

/// One page of a recursive listing of `folder`: the objects (key, size) and the next
/// continuation token, if any.
pub(super) async fn list_page(
    s3: &aws_sdk_s3::Client,
    bucket: &str,
    folder: &str,
    token: Option<String>,
) -> Result<(Vec<(String, u64)>, Option<String>), TaskError> {
    let out = s3
        .list_objects_v2()
        .bucket(bucket)
        .prefix(folder)
        .set_continuation_token(token)
        .send()
        .await
        .map_err(|e| match code(&e) {
            Some("AccessDenied") => list_denied(bucket, folder, &message(&e)),
            _ => classify("s3:ListObjectsV2", &e),
        })?;
    let objects = out
        .contents()
        .iter()
        .filter_map(|o| {
            let key = o.key().filter(|k| k.starts_with(folder))?;
            Some((
                key.to_owned(),
                u64::try_from(o.size().unwrap_or(0)).unwrap_or(0),
            ))
        })
        .collect();
    let next = match out.next_continuation_token() {
        Some(t) if out.is_truncated() == Some(true) => Some(t.to_owned()),
        _ => None,
    };
    Ok((objects, next))
}

/// The export's table folders (`<root><database>/<table>/`) and its tables info.
/// `root` ends in `/`.
pub(super) async fn discover(
    s3: &aws_sdk_s3::Client,
    bucket: &str,
    root: &str,
) -> Result<Discovery, TaskError> {
    let (databases, files) = list_level(s3, bucket, root).await?;
    let mut discovery = Discovery::default();
    for (key, _) in &files {
        let name = &key[root.len()..];
        if name.starts_with("export_tables_info_") && name.ends_with(".json") {
            let text = get_text(s3, bucket, key).await?;
            merge_tables_info(&mut discovery.info, &text);
        }
    }
    for database_prefix in databases {
        let database = database_prefix[root.len()..]
            .trim_end_matches('/')
            .to_owned();
        let (tables, _) = list_level(s3, bucket, &database_prefix).await?;
        for table_prefix in tables {
            let table = table_prefix[database_prefix.len()..]
                .trim_end_matches('/')
                .to_owned();
            discovery.tables.push(TableFolder {
                id: format!("{database}/{table}"),
                database: database.clone(),
                table,
                prefix: table_prefix,
            });
        }
    }
    discovery.tables.sort();
    Ok(discovery)
}

async fn get_text(s3: &aws_sdk_s3::Client, bucket: &str, key: &str) -> Result<String, TaskError> {
    let out = s3
        .get_object()
        .bucket(bucket)
        .key(key)
        .send()
        .await
        .map_err(|e| match code(&e) {
            Some("AccessDenied") => TaskError::CatalogAccessDenied(format!(
                "s3:GetObject on s3://{bucket}/{key} was denied ({}): grant the catalog-tables function \
                 s3:GetObject on the export prefix, then Redrive",
                message(&e)
            )),
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
    Ok(String::from_utf8_lossy(&body.into_bytes()).into_owned())
}

/// Adds the `perTableStatus[]` entries of one `export_tables_info` document. Anything it
/// does not understand is ignored (the file is undocumented: a hint, never required).
pub(super) fn merge_tables_info(info: &mut BTreeMap<String, TableInfo>, text: &str) {
    let Ok(doc) = serde_json::from_str::<Value>(text) else {
        tracing::warn!("export_tables_info is not JSON: ignored");
        return;
    };
    let Some(entries) = doc.get("perTableStatus").and_then(Value::as_array) else {
        return;
    };
    for entry in entries {
        let Some(target) = entry.get("target").and_then(Value::as_str) else {
            continue;
        };
        let original_types = entry
            .pointer("/schemaMetadata/originalTypeMappings")
            .and_then(Value::as_array)
            .map(|cols| {
                cols.iter()
                    .filter_map(|c| {
                        let name = c.get("columnName")?.as_str()?.to_ascii_lowercase();
                        let original = c.get("originalType")?.as_str()?;
                        Some((name, original.to_owned()))
                    })
                    .collect()
            })
            .unwrap_or_default();
        info.insert(
            target.to_owned(),
            TableInfo {
                status: entry
                    .get("status")
                    .and_then(Value::as_str)
                    .unwrap_or_default()
                    .to_owned(),
                original_types,
            },
        );
    }
}

#[cfg(test)]
mod tests;

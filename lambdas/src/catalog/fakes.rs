//! In-memory S3 and Glue behind aws-smithy-mocks (MatchAny rules computing from shared
//! maps), for the catalog's multi-table tests whose request order is concurrent.

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex, PoisonError};

use aws_sdk_glue::operation::batch_create_partition::BatchCreatePartitionOutput;
use aws_sdk_glue::operation::create_table::{CreateTableError, CreateTableOutput};
use aws_sdk_glue::operation::get_table::{GetTableError, GetTableOutput};
use aws_sdk_glue::operation::get_tables::GetTablesOutput;
use aws_sdk_glue::operation::update_table::UpdateTableOutput;
use aws_sdk_glue::types::{Partition, Table, TableInput};
use aws_sdk_s3::operation::get_object::GetObjectOutput;
use aws_sdk_s3::operation::list_objects_v2::ListObjectsV2Output;
use aws_sdk_s3::operation::put_object::PutObjectOutput;
use aws_sdk_s3::primitives::ByteStream;
use aws_sdk_s3::types::{CommonPrefix, Object};
use aws_smithy_mocks::{MockResponse, RuleMode, mock, mock_client};

use crate::test_support::meta;

/// Objects by key (one bucket).
pub(crate) type Objects = Arc<Mutex<BTreeMap<String, Vec<u8>>>>;

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(PoisonError::into_inner)
}

/// An S3 client over `objects`: ListObjectsV2 (with or without `/` delimiter, one page),
/// ranged GetObject, PutObject.
pub(crate) fn s3(objects: &Objects) -> aws_sdk_s3::Client {
    let (a, b, c) = (objects.clone(), objects.clone(), objects.clone());
    let list = mock!(aws_sdk_s3::Client::list_objects_v2).then_compute_output(move |r| {
        let prefix = r.prefix().unwrap_or_default().to_owned();
        let delimited = r.delimiter().is_some();
        let map = lock(&a);
        let mut folders = std::collections::BTreeSet::new();
        let mut contents = Vec::new();
        for (k, v) in map.range(prefix.clone()..) {
            let Some(rest) = k.strip_prefix(&prefix) else {
                break;
            };
            match rest.find('/') {
                Some(i) if delimited => {
                    folders.insert(format!("{prefix}{}", &rest[..=i]));
                }
                _ => contents.push(
                    Object::builder()
                        .key(k)
                        .size(i64::try_from(v.len()).unwrap_or(0))
                        .build(),
                ),
            }
        }
        ListObjectsV2Output::builder()
            .set_common_prefixes(Some(
                folders
                    .into_iter()
                    .map(|p| CommonPrefix::builder().prefix(p).build())
                    .collect(),
            ))
            .set_contents(Some(contents))
            .is_truncated(false)
            .build()
    });
    let get = mock!(aws_sdk_s3::Client::get_object).then_compute_output(move |r| {
        let bytes = lock(&b)
            .get(r.key().unwrap_or_default())
            .cloned()
            .unwrap_or_default();
        let body = match r
            .range()
            .and_then(|h| h.strip_prefix("bytes="))
            .and_then(|h| h.split_once('-'))
        {
            Some((x, y)) => {
                let x: usize = x.parse().unwrap_or(0);
                let y: usize = y.parse().unwrap_or(0).min(bytes.len().saturating_sub(1));
                bytes.get(x..=y).map(<[u8]>::to_vec).unwrap_or_default()
            }
            None => bytes,
        };
        GetObjectOutput::builder()
            .body(ByteStream::from(body))
            .build()
    });
    let put = mock!(aws_sdk_s3::Client::put_object).then_compute_output(move |r| {
        let body = r.body().bytes().map(<[u8]>::to_vec).unwrap_or_default();
        lock(&c).insert(r.key().unwrap_or_default().to_owned(), body);
        PutObjectOutput::builder().build()
    });
    mock_client!(aws_sdk_s3, RuleMode::MatchAny, &[&list, &get, &put], |b| b
        .retry_config(aws_sdk_s3::config::retry::RetryConfig::disabled()))
}

/// What the fake Glue holds.
#[derive(Debug, Default)]
pub(crate) struct GlueState {
    /// Tables by name.
    pub tables: BTreeMap<String, Table>,
    /// Partitions by table name.
    pub partitions: BTreeMap<String, Vec<Partition>>,
    /// Write requests seen (create, update, partition).
    pub writes: u32,
}

/// Shared fake Glue state.
pub(crate) type Glue = Arc<Mutex<GlueState>>;

fn to_table(input: &TableInput, version: u32) -> Table {
    Table::builder()
        .name(input.name())
        .set_parameters(input.parameters().cloned())
        .set_storage_descriptor(input.storage_descriptor().cloned())
        .set_partition_keys(Some(input.partition_keys().to_vec()))
        .version_id(version.to_string())
        .build()
        .unwrap_or_else(|e| panic!("{e}"))
}

/// A Glue client over `glue` (no version conflicts).
pub(crate) fn glue(glue: &Glue) -> aws_sdk_glue::Client {
    let (a, b, c, d, e) = (
        glue.clone(),
        glue.clone(),
        glue.clone(),
        glue.clone(),
        glue.clone(),
    );
    let get = mock!(aws_sdk_glue::Client::get_table).then_compute_response(move |r| {
        match lock(&a).tables.get(r.name().unwrap_or_default()) {
            Some(t) => MockResponse::Output(GetTableOutput::builder().table(t.clone()).build()),
            None => MockResponse::Error(GetTableError::generic(meta("EntityNotFoundException"))),
        }
    });
    let list = mock!(aws_sdk_glue::Client::get_tables).then_compute_output(move |_| {
        GetTablesOutput::builder()
            .set_table_list(Some(lock(&b).tables.values().cloned().collect()))
            .build()
    });
    let create = mock!(aws_sdk_glue::Client::create_table).then_compute_response(move |r| {
        let Some(input) = r.table_input() else {
            return MockResponse::Error(CreateTableError::generic(meta("InvalidInputException")));
        };
        let mut g = lock(&c);
        g.writes += 1;
        if g.tables.contains_key(input.name()) {
            return MockResponse::Error(CreateTableError::generic(meta("AlreadyExistsException")));
        }
        g.tables.insert(input.name().to_owned(), to_table(input, 1));
        MockResponse::Output(CreateTableOutput::builder().build())
    });
    let update = mock!(aws_sdk_glue::Client::update_table).then_compute_output(move |r| {
        if let Some(input) = r.table_input() {
            let mut g = lock(&d);
            g.writes += 1;
            let version = g
                .tables
                .get(input.name())
                .and_then(|t| t.version_id()?.parse::<u32>().ok())
                .unwrap_or(0);
            g.tables
                .insert(input.name().to_owned(), to_table(input, version + 1));
        }
        UpdateTableOutput::builder().build()
    });
    let partition =
        mock!(aws_sdk_glue::Client::batch_create_partition).then_compute_output(move |r| {
            let mut g = lock(&e);
            g.writes += 1;
            let table = r.table_name().unwrap_or_default().to_owned();
            for p in r.partition_input_list() {
                let built = Partition::builder()
                    .set_values(Some(p.values().to_vec()))
                    .set_parameters(p.parameters().cloned())
                    .set_storage_descriptor(p.storage_descriptor().cloned())
                    .table_name(&table)
                    .build();
                g.partitions.entry(table.clone()).or_default().push(built);
            }
            BatchCreatePartitionOutput::builder().build()
        });
    mock_client!(
        aws_sdk_glue,
        RuleMode::MatchAny,
        &[&get, &list, &create, &update, &partition],
        |b| b.retry_config(aws_sdk_glue::config::retry::RetryConfig::disabled())
    )
}

//! CatalogTables over mocked S3 and Glue: the latest table never rolls back, VersionId
//! conflicts are retried, partitions are idempotent, left-out tables are reported, S3 and
//! Glue faults have the contract's names. The verification (rows, verdicts, generations,
//! report parts) is in `verification.rs`, over the in-memory fakes.

use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;

use aws_sdk_glue::operation::batch_create_partition::BatchCreatePartitionOutput;
use aws_sdk_glue::operation::create_table::CreateTableError;
use aws_sdk_glue::operation::get_table::{GetTableError, GetTableOutput};
use aws_sdk_glue::operation::update_table::{UpdateTableError, UpdateTableOutput};
use aws_sdk_glue::types::{Column, ErrorDetail, PartitionError, StorageDescriptor, Table};
use aws_sdk_s3::operation::get_object::{GetObjectError, GetObjectOutput};
use aws_sdk_s3::operation::list_objects_v2::ListObjectsV2Output;
use aws_sdk_s3::operation::put_object::PutObjectOutput;
use aws_sdk_s3::primitives::ByteStream;
use aws_sdk_s3::types::{CommonPrefix, Object};
use aws_smithy_mocks::{Rule, RuleMode, mock, mock_client};
use contract::{CatalogTablesInput, ExportStatus, Verdict};
use parquet::file::properties::WriterProperties;
use parquet::file::writer::SerializedFileWriter;
use parquet::schema::parser::parse_message_type;

use super::glue::{
    self, PARAM_EXPORT_ID, PARAM_SNAPSHOT_TIME, Snapshot, TableSpec, write_history, write_latest,
};
use super::types::ColumnType;
use super::{CatalogSettings, OnPartial, catalog_export, fakes};
use crate::test_support::{BASE_ID, export_state, failed, job, meta, mocked, ok};

const DB: &str = "analytics";
const ROOT: &str = "rds/rds-orders-2026-11-24-03-10-0a1b2c3d/";

fn parquet_file(message: &str) -> Vec<u8> {
    let schema = Arc::new(parse_message_type(message).unwrap_or_else(|e| panic!("{e}")));
    let mut buf = Vec::new();
    let writer = SerializedFileWriter::new(
        &mut buf,
        schema,
        Arc::new(WriterProperties::builder().build()),
    )
    .unwrap_or_else(|e| panic!("{e}"));
    writer.close().unwrap_or_else(|e| panic!("{e}"));
    buf
}

fn snapshot(time: i64, id: &str) -> Snapshot {
    Snapshot {
        arn: "arn:aws:rds:us-east-1:1:snapshot:s".into(),
        time,
        export_id: id.into(),
        source: "appdb".into(),
    }
}

fn verified() -> glue::Verified {
    glue::Verified {
        rows: 3,
        verdict: contract::Verdict::Complete,
        history_table: "orders_public_items_history".into(),
    }
}

fn cols(items: &[(&str, &str)]) -> Vec<ColumnType> {
    items
        .iter()
        .map(|(n, t)| ColumnType {
            name: (*n).into(),
            hive_type: (*t).into(),
        })
        .collect()
}

/// A Glue table as GetTable returns it, cataloged from `(time, export id)`.
fn table(name: &str, version: &str, recorded: (i64, &str), columns: &[(&str, &str)]) -> Table {
    let sd = StorageDescriptor::builder()
        .set_columns(Some(
            columns
                .iter()
                .map(|(n, t)| {
                    Column::builder()
                        .name(*n)
                        .r#type(*t)
                        .build()
                        .unwrap_or_else(|e| panic!("{e}"))
                })
                .collect(),
        ))
        .location("s3://b/old/")
        .build();
    Table::builder()
        .name(name)
        .version_id(version)
        .parameters(PARAM_SNAPSHOT_TIME, recorded.0.to_string())
        .parameters(PARAM_EXPORT_ID, recorded.1)
        .storage_descriptor(sd)
        .build()
        .unwrap_or_else(|e| panic!("{e}"))
}

/// A legacy history table: partitioned by `export_id`.
fn legacy_key(t: Table) -> Table {
    let mut b = Table::builder()
        .name(t.name())
        .set_version_id(t.version_id().map(str::to_owned))
        .set_parameters(t.parameters().cloned())
        .set_storage_descriptor(t.storage_descriptor().cloned());
    b = b.partition_keys(
        Column::builder()
            .name("export_id")
            .r#type("string")
            .build()
            .unwrap_or_else(|e| panic!("{e}")),
    );
    b.build().unwrap_or_else(|e| panic!("{e}"))
}

fn got(t: Table) -> Rule {
    mock!(aws_sdk_glue::Client::get_table)
        .then_output(move || GetTableOutput::builder().table(t.clone()).build())
}

fn not_found() -> Rule {
    mock!(aws_sdk_glue::Client::get_table)
        .then_error(|| GetTableError::generic(meta("EntityNotFoundException")))
}

fn spec<'a>(columns: &'a [ColumnType], comments: &'a HashMap<String, String>) -> TableSpec<'a> {
    TableSpec {
        name: "orders_public_items",
        location: "s3://b/rds/e2/orders/public.items/",
        columns,
        comments,
        target: "orders.public.items",
    }
}

#[tokio::test]
async fn an_older_export_never_rolls_latest_back() {
    let newer = table(
        "orders_public_items",
        "7",
        (2_000, "e2"),
        &[("id", "bigint")],
    );
    // No UpdateTable rule: any write would fail the test.
    let glue_client = mocked!(aws_sdk_glue, [&got(newer)]);
    let columns = cols(&[("id", "bigint"), ("extra", "string")]);
    let comments = HashMap::new();
    let outcome = ok(write_latest(
        &glue_client,
        DB,
        &spec(&columns, &comments),
        &snapshot(1_000, "e1"),
        &verified(),
    )
    .await);
    assert!(outcome.kept_newer);
    assert!(outcome.type_changes.is_empty());
}

#[tokio::test]
async fn a_version_conflict_is_read_again_and_retried_with_the_new_version() {
    let v1 = table("orders_public_items", "1", (500, "e0"), &[("id", "int")]);
    let v2 = table("orders_public_items", "2", (600, "e0b"), &[("id", "int")]);
    let conflict = mock!(aws_sdk_glue::Client::update_table)
        .match_requests(|r| r.version_id() == Some("1"))
        .then_error(|| UpdateTableError::generic(meta("ConcurrentModificationException")));
    let accepted = mock!(aws_sdk_glue::Client::update_table)
        .match_requests(|r| {
            r.version_id() == Some("2")
                && r.table_input().is_some_and(|t| {
                    t.parameters()
                        .and_then(|p| p.get(PARAM_EXPORT_ID))
                        .map(String::as_str)
                        == Some("e1")
                        && t.table_type() == Some("EXTERNAL_TABLE")
                        && t.storage_descriptor().and_then(|s| s.location())
                            == Some("s3://b/rds/e2/orders/public.items/")
                })
        })
        .then_output(|| UpdateTableOutput::builder().build());
    let glue_client = mocked!(aws_sdk_glue, [&got(v1), &conflict, &got(v2), &accepted]);
    let columns = cols(&[("id", "bigint")]);
    let comments = HashMap::new();
    let outcome = ok(write_latest(
        &glue_client,
        DB,
        &spec(&columns, &comments),
        &snapshot(1_000, "e1"),
        &verified(),
    )
    .await);
    assert!(!outcome.kept_newer);
    assert_eq!(outcome.type_changes.len(), 1);
    let change = &outcome.type_changes[0];
    assert_eq!(
        (
            change.column.as_str(),
            change.from.as_str(),
            change.to.as_str()
        ),
        ("id", "int", "bigint")
    );
    assert_eq!(change.table, "orders_public_items");
}

#[tokio::test]
async fn a_table_that_keeps_changing_is_a_transient_error() {
    let rules: Vec<Rule> = (0..5)
        .flat_map(|i| {
            [
                got(table("orders_public_items", &i.to_string(), (1, "e0"), &[])),
                mock!(aws_sdk_glue::Client::update_table).then_error(|| {
                    UpdateTableError::generic(meta("ConcurrentModificationException"))
                }),
            ]
        })
        .collect();
    let refs: Vec<&Rule> = rules.iter().collect();
    let glue_client = mock_client!(aws_sdk_glue, RuleMode::Sequential, refs.as_slice(), |b| b
        .retry_config(aws_sdk_glue::config::retry::RetryConfig::disabled()));
    let columns = cols(&[("id", "bigint")]);
    let comments = HashMap::new();
    let e = failed(
        write_latest(
            &glue_client,
            DB,
            &spec(&columns, &comments),
            &snapshot(2, "e1"),
            &verified(),
        )
        .await,
    );
    assert_eq!(e.name(), "TransientAwsError");
}

#[tokio::test]
async fn the_same_export_again_writes_nothing_and_partitions_are_idempotent() {
    let columns = cols(&[("id", "bigint"), ("name", "string")]);
    let same = table(
        "orders_public_items",
        "3",
        (1_000, "e1"),
        &[("id", "bigint"), ("name", "string")],
    );
    let history = table(
        "orders_public_items_history",
        "4",
        (1_000, "e1"),
        &[("id", "bigint"), ("name", "string")],
    );
    let exists = mock!(aws_sdk_glue::Client::batch_create_partition)
        .match_requests(|r| {
            r.table_name() == Some("orders_public_items_history")
                && r.partition_input_list().first().map(|p| p.values())
                    == Some(&["e1".to_owned()][..])
        })
        .then_output(|| {
            BatchCreatePartitionOutput::builder()
                .errors(
                    PartitionError::builder()
                        .partition_values("e1")
                        .error_detail(
                            ErrorDetail::builder()
                                .error_code("AlreadyExistsException")
                                .error_message("Partition already exists.")
                                .build(),
                        )
                        .build(),
                )
                .build()
        });
    // Sequential, no Create/UpdateTable rule: only reads and the partition request happen.
    let glue_client = mocked!(
        aws_sdk_glue,
        [&got(same), &got(history), &not_found(), &exists]
    );
    let comments = HashMap::new();
    let s = spec(&columns, &comments);
    let outcome = ok(write_latest(&glue_client, DB, &s, &snapshot(1_000, "e1"), &verified()).await);
    assert_eq!(outcome, glue::TableOutcome::default());
    ok(write_history(&glue_client, DB, &s, &snapshot(1_000, "e1"), 3).await);
}

#[tokio::test]
async fn history_gains_new_columns_and_keeps_the_newer_parameters_for_an_older_export() {
    let columns = cols(&[("id", "bigint"), ("added", "date")]);
    let history = legacy_key(table(
        "orders_public_items_history",
        "9",
        (5_000, "e9"),
        &[("id", "bigint")],
    ));
    let widened = mock!(aws_sdk_glue::Client::update_table)
        .match_requests(|r| {
            let Some(t) = r.table_input() else {
                return false;
            };
            let names: Vec<&str> = t
                .storage_descriptor()
                .map(|s| s.columns().iter().map(|c| c.name()).collect())
                .unwrap_or_default();
            r.version_id() == Some("9")
                && names == ["id", "added"]
                && t.parameters()
                    .and_then(|p| p.get(PARAM_EXPORT_ID))
                    .map(String::as_str)
                    == Some("e9")
                && t.partition_keys()
                    .iter()
                    .map(|k| k.name())
                    .collect::<Vec<_>>()
                    == ["export_id"]
        })
        .then_output(|| UpdateTableOutput::builder().build());
    let partition = mock!(aws_sdk_glue::Client::batch_create_partition)
        .then_output(|| BatchCreatePartitionOutput::builder().build());
    let glue_client = mocked!(
        aws_sdk_glue,
        [&got(history), &not_found(), &widened, &partition]
    );
    let comments = HashMap::new();
    ok(write_history(
        &glue_client,
        DB,
        &spec(&columns, &comments),
        &snapshot(1_000, "e1"),
        3,
    )
    .await);
}

#[tokio::test]
async fn a_missing_database_or_denied_glue_is_catalog_access_denied() {
    let denied = mock!(aws_sdk_glue::Client::create_table)
        .then_error(|| CreateTableError::generic(meta("EntityNotFoundException")));
    let glue_client = mocked!(aws_sdk_glue, [&not_found(), &denied]);
    let columns = cols(&[("id", "bigint")]);
    let comments = HashMap::new();
    let e = failed(
        write_latest(
            &glue_client,
            DB,
            &spec(&columns, &comments),
            &snapshot(1, "e1"),
            &verified(),
        )
        .await,
    );
    assert_eq!(e.name(), "CatalogAccessDenied");
    assert!(e.to_string().contains(DB), "{e}");

    let denied = mock!(aws_sdk_glue::Client::get_table)
        .then_error(|| GetTableError::generic(meta("AccessDeniedException")));
    let glue_client = mocked!(aws_sdk_glue, [&denied]);
    let e = failed(
        write_latest(
            &glue_client,
            DB,
            &spec(&columns, &comments),
            &snapshot(1, "e1"),
            &verified(),
        )
        .await,
    );
    assert_eq!(e.name(), "CatalogAccessDenied");
}

// ---- the whole invocation over a mocked export listing ----

fn list_rule(
    prefix: &'static str,
    delimited: bool,
    folders: Vec<String>,
    objects: Vec<(String, i64)>,
) -> Rule {
    mock!(aws_sdk_s3::Client::list_objects_v2)
        .match_requests(move |r| r.prefix() == Some(prefix) && r.delimiter().is_some() == delimited)
        .then_output(move || {
            ListObjectsV2Output::builder()
                .set_common_prefixes(Some(
                    folders
                        .iter()
                        .map(|p| CommonPrefix::builder().prefix(p).build())
                        .collect(),
                ))
                .set_contents(Some(
                    objects
                        .iter()
                        .map(|(k, size)| Object::builder().key(k).size(*size).build())
                        .collect(),
                ))
                .is_truncated(false)
                .build()
        })
}

/// GetObject answering the requested byte range of `bytes`.
fn object_rule(key: &'static str, bytes: Vec<u8>) -> Rule {
    mock!(aws_sdk_s3::Client::get_object)
        .match_requests(move |r| r.key() == Some(key))
        .then_compute_output(move |r| {
            let body = match r
                .range()
                .and_then(|h| h.strip_prefix("bytes="))
                .and_then(|h| h.split_once('-'))
            {
                Some((a, b)) => {
                    let a: usize = a.parse().unwrap_or(0);
                    let b: usize = b.parse().unwrap_or(bytes.len() - 1);
                    bytes[a..=b.min(bytes.len() - 1)].to_vec()
                }
                None => bytes.clone(),
            };
            GetObjectOutput::builder()
                .body(ByteStream::from(body))
                .build()
        })
}

const ITEMS: &str = "rds/rds-orders-2026-11-24-03-10-0a1b2c3d/orders/public.items/";
const ITEMS_PART: &str =
    "rds/rds-orders-2026-11-24-03-10-0a1b2c3d/orders/public.items/1/part-00000.gz.parquet";
const AUDIT: &str = "rds/rds-orders-2026-11-24-03-10-0a1b2c3d/orders/public.audit/";
const TMP: &str = "rds/rds-orders-2026-11-24-03-10-0a1b2c3d/orders/public.tmp_x/";
const DB_FOLDER: &str = "rds/rds-orders-2026-11-24-03-10-0a1b2c3d/orders/";
const INFO: &str = "rds/rds-orders-2026-11-24-03-10-0a1b2c3d/export_tables_info_rds-orders-2026-11-24-03-10-0a1b2c3d_from_1_to_3.json";

fn s3_export(items: Vec<u8>) -> Vec<Rule> {
    let size = i64::try_from(items.len()).unwrap_or(0);
    vec![
        list_rule(ROOT, true, vec![DB_FOLDER.into()], vec![(INFO.into(), 100)]),
        list_rule(DB_FOLDER, true, vec![AUDIT.into(), ITEMS.into(), TMP.into()], vec![]),
        list_rule(ITEMS, false, vec![], vec![(format!("{ITEMS}1/_SUCCESS"), 0), (ITEMS_PART.into(), size)]),
        object_rule(ITEMS_PART, items),
        mock!(aws_sdk_s3::Client::put_object).then_output(|| PutObjectOutput::builder().build()),
        object_rule(
            INFO,
            br#"{"perTableStatus":[
                {"target":"orders.public.items","status":"COMPLETE","schemaMetadata":{"originalTypeMappings":[
                   {"columnName":"price","originalType":"numeric","expectedExportedType":"decimal(12,2)"}]}},
                {"target":"orders.public.audit","status":"FAILED"},
                {"target":"orders.public.gone","status":"CANCELED"}]}"#
                .to_vec(),
        ),
    ]
}

fn input() -> CatalogTablesInput {
    let mut export = export_state(BASE_ID, ExportStatus::Complete, "rds");
    export.snapshot_time = Some(1_700_000_000);
    export.warnings = vec!["Table orders.public.tmp_x was skipped: unsupported name".into()];
    CatalogTablesInput {
        job: job(),
        export,
        copy: None,
        catalog: None,
    }
}

fn settings() -> CatalogSettings {
    CatalogSettings {
        database: DB.into(),
        concurrency: 4,
        footers_in_flight: 8,
        deadline_margin: Duration::from_secs(60),
        on_partial: OnPartial::Notify,
        row_drop_threshold: 0.5,
    }
}

fn client_s3(rules: &[Rule]) -> aws_sdk_s3::Client {
    let refs: Vec<&Rule> = rules.iter().collect();
    mock_client!(aws_sdk_s3, RuleMode::MatchAny, refs.as_slice(), |b| b
        .retry_config(aws_sdk_s3::config::retry::RetryConfig::disabled()))
}

#[tokio::test]
async fn cataloged_left_out_and_original_types() {
    let items = parquet_file(
        "message m { required int64 id; optional int64 price (DECIMAL(12,2)); optional int64 at (TIMESTAMP(MICROS,true)); }",
    );
    let s3 = client_s3(&s3_export(items));
    let g = fakes::Glue::default();
    let glue_client = fakes::glue(&g);
    let state = ok(catalog_export(&s3, &glue_client, &settings(), &input(), None).await);
    assert!(state.done);
    assert_eq!(state.cataloged, 1);
    assert_eq!(state.kept_newer, 0);
    assert_eq!(state.database, DB);
    assert_eq!(state.verdict, Verdict::Partial);
    assert_eq!((state.tables_failed, state.tables_skipped), (2, 1));
    let problems: Vec<(&str, &str)> = state
        .problems
        .iter()
        .map(|p| (p.target.as_str(), p.reason.as_str()))
        .collect();
    assert_eq!(
        problems,
        [
            ("orders.public.audit", "export status FAILED"),
            ("orders.public.gone", "export status CANCELED"),
            (
                "orders.public.tmp_x",
                "skipped by RDS: Table orders.public.tmp_x was skipped: unsupported name"
            ),
        ]
    );
    {
        let g = g.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        let latest = &g.tables["orders_public_items"];
        let sd = latest.storage_descriptor();
        let columns: Vec<(String, String, Option<String>)> = sd
            .map(|s| {
                s.columns()
                    .iter()
                    .map(|c| {
                        (
                            c.name().to_owned(),
                            c.r#type().unwrap_or_default().to_owned(),
                            c.comment().map(str::to_owned),
                        )
                    })
                    .collect()
            })
            .unwrap_or_default();
        assert!(latest.partition_keys().is_empty());
        assert_eq!(
            sd.and_then(|s| s.location()),
            Some(
                "s3://analytics-exports/rds/rds-orders-2026-11-24-03-10-0a1b2c3d/orders/public.items/"
            )
        );
        assert_eq!(
            sd.and_then(|s| s.serde_info())
                .and_then(|s| s.serialization_library()),
            Some(glue::SERDE)
        );
        assert_eq!(sd.and_then(|s| s.input_format()), Some(glue::INPUT_FORMAT));
        assert_eq!(
            sd.and_then(|s| s.output_format()),
            Some(glue::OUTPUT_FORMAT)
        );
        let p = latest.parameters().cloned().unwrap_or_default();
        assert_eq!(p["classification"], "parquet");
        assert_eq!(p[PARAM_SNAPSHOT_TIME], "1700000000");
        assert_eq!(p["snapshot_export.verdict"], "PARTIAL");
        assert_eq!(p["snapshot_export.target"], "orders.public.items");
        assert_eq!(
            p["snapshot_export.history_table"],
            "orders_public_items_history"
        );
        assert_eq!(p["recordCount"], "0");
        assert_eq!(
            columns,
            vec![
                ("id".to_owned(), "bigint".to_owned(), None),
                (
                    "price".to_owned(),
                    "decimal(12,2)".to_owned(),
                    Some("original type: numeric".to_owned())
                ),
                ("at".to_owned(), "timestamp".to_owned(), None),
            ]
        );
        let history = &g.tables["orders_public_items_history"];
        let keys: Vec<(&str, Option<&str>)> = history
            .partition_keys()
            .iter()
            .map(|k| (k.name(), k.r#type()))
            .collect();
        assert_eq!(keys, [("snapshot_export_id", Some("string"))]);
        let parts = &g.partitions["orders_public_items_history"];
        assert_eq!(parts[0].values(), [BASE_ID.to_owned()]);
        // Failed and skipped tables are not written.
        assert_eq!(g.tables.len(), 2, "{:?}", g.tables.keys());
    }

    // Done stays done (a redrive after NotifySuccess failed): nothing is read again.
    let mut again = input();
    again.catalog = Some(state.clone());
    let nothing = mocked!(aws_sdk_glue, []);
    let s3_nothing = client_s3(&[]);
    assert_eq!(
        ok(catalog_export(&s3_nothing, &nothing, &settings(), &again, None).await),
        state
    );
}

#[tokio::test]
async fn an_unreadable_file_is_named_and_denied_reads_are_catalog_access_denied() {
    let s3 = client_s3(&s3_export(b"definitely not parquet, just bytes".to_vec()));
    let glue_client = fakes::glue(&fakes::Glue::default());
    let e = failed(catalog_export(&s3, &glue_client, &settings(), &input(), None).await);
    assert_eq!(e.name(), "ParquetUnreadable");
    assert!(e.to_string().contains(ITEMS_PART), "{e}");

    let denied = mock!(aws_sdk_s3::Client::get_object)
        .then_error(|| GetObjectError::generic(meta("AccessDenied")));
    let s3 = client_s3(&[
        list_rule(ROOT, true, vec![DB_FOLDER.into()], vec![]),
        list_rule(DB_FOLDER, true, vec![ITEMS.into()], vec![]),
        list_rule(ITEMS, false, vec![], vec![(ITEMS_PART.into(), 5_000)]),
        denied,
    ]);
    let e = failed(catalog_export(&s3, &glue_client, &settings(), &input(), None).await);
    assert_eq!(e.name(), "CatalogAccessDenied");
    assert!(e.to_string().contains("s3:GetObject"), "{e}");
}

#[tokio::test]
async fn the_input_cannot_point_at_another_folder() {
    let mut bad = input();
    bad.export.s3_prefix = "rds".into();
    let e = failed(
        catalog_export(
            &client_s3(&[]),
            &mocked!(aws_sdk_glue, []),
            &settings(),
            &bad,
            None,
        )
        .await,
    );
    assert_eq!(e.name(), "InvalidInput");
    let mut running = input();
    running.export.status = ExportStatus::InProgress;
    let e = failed(
        catalog_export(
            &client_s3(&[]),
            &mocked!(aws_sdk_glue, []),
            &settings(),
            &running,
            None,
        )
        .await,
    );
    assert_eq!(e.name(), "InvalidInput");
}

mod verification;

mod bounded;

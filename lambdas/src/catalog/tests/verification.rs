//! The verification over in-memory S3 and Glue: rows summed over every file and batch
//! folder, COMPLETE and PARTIAL verdicts, `ON_PARTIAL=fail` touching nothing in Glue, row
//! drops, disappeared tables, history generations and report parts.

use std::sync::{Arc, PoisonError};
use std::time::{Duration, Instant};

use contract::{CatalogState, CatalogTablesInput, ExportStatus, ProblemKind, Verdict};
use parquet::data_type::{ByteArray, ByteArrayType, Int32Type, Int64Type};
use parquet::file::properties::WriterProperties;
use parquet::file::writer::SerializedFileWriter;
use parquet::schema::parser::parse_message_type;
use parquet::schema::types::Type;

use crate::catalog::fakes::{self, Objects};
use crate::catalog::{CatalogSettings, OnPartial, catalog_export};
use crate::test_support::{export_state, failed, job, ok};

const DB: &str = "analytics";
const BUCKET: &str = "analytics-exports";

/// A Parquet file of `rows` rows; every column is required and of type int32, int64 or
/// binary (`UTF8`).
pub(crate) fn parquet_rows(message: &str, rows: usize) -> Vec<u8> {
    let schema = Arc::new(parse_message_type(message).unwrap_or_else(|e| panic!("{e}")));
    let fields: Vec<Arc<Type>> = schema.get_fields().to_vec();
    let mut buf = Vec::new();
    let mut writer = SerializedFileWriter::new(
        &mut buf,
        schema,
        Arc::new(WriterProperties::builder().build()),
    )
    .unwrap_or_else(|e| panic!("{e}"));
    if rows > 0 {
        let mut group = writer.next_row_group().unwrap_or_else(|e| panic!("{e}"));
        for field in &fields {
            let Some(mut column) = group.next_column().unwrap_or_else(|e| panic!("{e}")) else {
                break;
            };
            match field.get_physical_type() {
                parquet::basic::Type::INT64 => {
                    let v: Vec<i64> = (0..rows as i64).collect();
                    column.typed::<Int64Type>().write_batch(&v, None, None)
                }
                parquet::basic::Type::INT32 => {
                    let v: Vec<i32> = (0..rows as i32).collect();
                    column.typed::<Int32Type>().write_batch(&v, None, None)
                }
                _ => {
                    let v: Vec<ByteArray> = (0..rows)
                        .map(|i| ByteArray::from(i.to_string().as_str()))
                        .collect();
                    column.typed::<ByteArrayType>().write_batch(&v, None, None)
                }
            }
            .unwrap_or_else(|e| panic!("{e}"));
            column.close().unwrap_or_else(|e| panic!("{e}"));
        }
        group.close().unwrap_or_else(|e| panic!("{e}"));
    }
    writer.close().unwrap_or_else(|e| panic!("{e}"));
    buf
}

fn root(export_id: &str) -> String {
    format!("rds/{export_id}/")
}

/// An export `export_id` with the files `(relative key, bytes)` under its root.
fn export(objects: &Objects, export_id: &str, files: Vec<(String, Vec<u8>)>) {
    let mut map = objects.lock().unwrap_or_else(PoisonError::into_inner);
    for (k, v) in files {
        map.insert(format!("{}{k}", root(export_id)), v);
    }
}

fn input(export_id: &str, time: i64) -> CatalogTablesInput {
    let mut export = export_state(export_id, ExportStatus::Complete, "rds");
    export.s3_bucket = BUCKET.into();
    export.s3_prefix = format!("rds/{export_id}");
    export.snapshot_time = Some(time);
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
        concurrency: 2,
        footers_in_flight: 3,
        deadline_margin: Duration::from_secs(0),
        on_partial: OnPartial::Notify,
        row_drop_threshold: 0.5,
    }
}

const ID_ONLY: &str = "message m { required int64 id; }";

async fn run(objects: &Objects, g: &fakes::Glue, input: &CatalogTablesInput) -> CatalogState {
    ok(catalog_export(
        &fakes::s3(objects),
        &fakes::glue(g),
        &settings(),
        input,
        None,
    )
    .await)
}

fn param(g: &fakes::Glue, table: &str, name: &str) -> Option<String> {
    let g = g.lock().unwrap_or_else(PoisonError::into_inner);
    g.tables.get(table)?.parameters()?.get(name).cloned()
}

fn report(objects: &Objects, export_id: &str) -> serde_json::Value {
    let map = objects.lock().unwrap_or_else(PoisonError::into_inner);
    let bytes = map
        .get(&format!(
            "{}snapshot-export-verification.json",
            root(export_id)
        ))
        .cloned()
        .unwrap_or_default();
    serde_json::from_slice(&bytes).unwrap_or_default()
}

#[tokio::test]
async fn rows_are_summed_over_every_file_and_batch_folder() {
    let objects = Objects::default();
    let g = fakes::Glue::default();
    export(
        &objects,
        "e1",
        vec![
            (
                "shop/public.orders/1/part-00000.parquet".into(),
                parquet_rows(ID_ONLY, 5),
            ),
            (
                "shop/public.orders/1/part-00001.parquet".into(),
                parquet_rows(ID_ONLY, 7),
            ),
            ("shop/public.orders/1/_SUCCESS".into(), vec![]),
            (
                "shop/public.orders/2/part-00000.parquet".into(),
                parquet_rows(ID_ONLY, 11),
            ),
            (
                "shop/public.users/1/part-00000.parquet".into(),
                parquet_rows(ID_ONLY, 2),
            ),
        ],
    );
    let state = run(&objects, &g, &input("e1", 1_000)).await;
    assert_eq!(state.verdict, Verdict::Complete);
    assert_eq!(
        (state.tables_exported, state.files_total, state.rows_total),
        (2, 4, 25)
    );
    assert_eq!(
        param(&g, "shop_public_orders", "recordCount").as_deref(),
        Some("23")
    );
    assert_eq!(
        param(&g, "shop_public_orders", "snapshot_export.verdict").as_deref(),
        Some("COMPLETE")
    );
    assert_eq!(
        param(&g, "shop_public_orders", "snapshot_export.source").as_deref(),
        Some("orders")
    );
    {
        let g = g.lock().unwrap_or_else(PoisonError::into_inner);
        let part = &g.partitions["shop_public_orders_history"][0];
        assert_eq!(
            part.parameters()
                .and_then(|p| p.get("recordCount"))
                .map(String::as_str),
            Some("23")
        );
    }
    let r = report(&objects, "e1");
    assert_eq!(r["verdict"], "COMPLETE");
    assert_eq!(r["tables"][0]["target"], "shop.public.orders");
    assert_eq!(r["tables"][0]["rows"], 23);
    assert_eq!(r["tables"][0]["files"], 3);
    assert_eq!(r["counts"]["rows_total"], 25);
}

#[tokio::test]
async fn on_partial_fail_writes_the_report_and_nothing_in_glue() {
    let objects = Objects::default();
    let g = fakes::Glue::default();
    export(
        &objects,
        "e1",
        vec![
            (
                "shop/public.orders/1/part-00000.parquet".into(),
                parquet_rows(ID_ONLY, 5),
            ),
            (
                "export_tables_info_e1_from_1_to_2.json".into(),
                br#"{"perTableStatus":[{"target":"shop.public.audit","status":"FAILED"}]}"#
                    .to_vec(),
            ),
        ],
    );
    let mut s = settings();
    s.on_partial = OnPartial::Fail;
    let e = failed(
        catalog_export(
            &fakes::s3(&objects),
            &fakes::glue(&g),
            &s,
            &input("e1", 1_000),
            None,
        )
        .await,
    );
    assert_eq!(e.name(), "ExportPartial");
    let text = e.to_string();
    assert!(
        text.contains("shop.public.audit: export status FAILED"),
        "{text}"
    );
    assert!(text.contains("Redrive"), "{text}");
    assert_eq!(g.lock().unwrap_or_else(PoisonError::into_inner).writes, 0);
    let r = report(&objects, "e1");
    assert_eq!(r["verdict"], "PARTIAL");
    assert_eq!(r["tables"].as_array().map(Vec::len), Some(1), "{r}");
    assert_eq!(r["tables"][0]["status"], "failed");

    // notify: the same export is cataloged, the failed table named.
    let state = run(&objects, &g, &input("e1", 1_000)).await;
    assert_eq!(state.verdict, Verdict::Partial);
    assert_eq!((state.tables_failed, state.cataloged), (1, 1));
    assert_eq!(state.problems[0].kind, ProblemKind::Failed);
}

#[tokio::test]
async fn a_drop_to_zero_rows_is_flagged_and_a_vanished_table_disappeared() {
    let objects = Objects::default();
    let g = fakes::Glue::default();
    export(
        &objects,
        "e1",
        vec![
            (
                "shop/public.orders/1/part-00000.parquet".into(),
                parquet_rows(ID_ONLY, 10),
            ),
            (
                "shop/public.gone/1/part-00000.parquet".into(),
                parquet_rows(ID_ONLY, 4),
            ),
        ],
    );
    run(&objects, &g, &input("e1", 1_000)).await;
    export(
        &objects,
        "e2",
        vec![(
            "shop/public.orders/1/part-00000.parquet".into(),
            parquet_rows(ID_ONLY, 0),
        )],
    );
    let state = run(&objects, &g, &input("e2", 2_000)).await;
    assert_eq!(state.row_drops, 1);
    assert_eq!(state.tables_disappeared, 1);
    assert_eq!(state.verdict, Verdict::Partial);
    let kinds: Vec<(&str, ProblemKind)> = state
        .problems
        .iter()
        .map(|p| (p.target.as_str(), p.kind))
        .collect();
    assert!(
        kinds.contains(&("shop.public.gone", ProblemKind::Disappeared)),
        "{kinds:?}"
    );
    assert!(
        kinds.contains(&("shop.public.orders", ProblemKind::RowDrop)),
        "{kinds:?}"
    );
    // The disappeared table keeps its previous location.
    assert_eq!(
        param(&g, "shop_public_gone", "snapshot_export.export_id").as_deref(),
        Some("e1")
    );
    let r = report(&objects, "e2");
    let orders = r["tables"]
        .as_array()
        .and_then(|t| {
            t.iter()
                .find(|t| t["target"] == "shop.public.orders")
                .cloned()
        })
        .unwrap_or_default();
    assert_eq!(
        (
            orders["rows"].clone(),
            orders["previous_rows"].clone(),
            orders["row_drop"].clone()
        ),
        (0.into(), 10.into(), true.into())
    );
}

#[tokio::test]
async fn an_incompatible_change_starts_a_generation_a_widening_does_not() {
    let objects = Objects::default();
    let g = fakes::Glue::default();
    let table = "shop/public.orders/1/part-00000.parquet".to_owned();
    export(
        &objects,
        "e1",
        vec![(
            table.clone(),
            parquet_rows("message m { required int32 id; }", 1),
        )],
    );
    run(&objects, &g, &input("e1", 1_000)).await;
    // int → bigint: compatible, same history table, the latest's type change counted.
    export(
        &objects,
        "e2",
        vec![(table.clone(), parquet_rows(ID_ONLY, 1))],
    );
    let state = run(&objects, &g, &input("e2", 2_000)).await;
    assert_eq!((state.type_changes, state.schema_changes), (1, 0));
    // bigint → string: a new generation with the reserved key.
    export(
        &objects,
        "e3",
        vec![(
            table,
            parquet_rows("message m { required binary id (UTF8); }", 1),
        )],
    );
    let state = run(&objects, &g, &input("e3", 3_000)).await;
    assert_eq!(state.schema_changes, 1);
    let change = &state.schema_change_sample[0];
    assert_eq!(
        (
            change.column.as_str(),
            change.from.as_str(),
            change.to.as_str(),
            change.history_table.as_str()
        ),
        ("id", "bigint", "string", "shop_public_orders_history_v2")
    );
    assert_eq!(
        param(&g, "shop_public_orders", "snapshot_export.history_table").as_deref(),
        Some("shop_public_orders_history_v2")
    );
    let g = g.lock().unwrap_or_else(PoisonError::into_inner);
    assert_eq!(g.partitions["shop_public_orders_history"].len(), 2);
    assert_eq!(g.partitions["shop_public_orders_history_v2"].len(), 1);
    let key: Vec<&str> = g.tables["shop_public_orders_history_v2"]
        .partition_keys()
        .iter()
        .map(|k| k.name())
        .collect();
    assert_eq!(key, ["snapshot_export_id"]);
}

#[tokio::test]
async fn a_column_named_like_a_legacy_partition_key_starts_a_generation() {
    use aws_sdk_glue::types::{Column, StorageDescriptor, Table};
    let objects = Objects::default();
    let g = fakes::Glue::default();
    let legacy = Table::builder()
        .name("shop_public_orders_history")
        .version_id("1")
        .parameters("snapshot_export.snapshot_time", "500")
        .parameters("snapshot_export.export_id", "e0")
        .storage_descriptor(
            StorageDescriptor::builder()
                .columns(
                    Column::builder()
                        .name("id")
                        .r#type("bigint")
                        .build()
                        .unwrap_or_else(|e| panic!("{e}")),
                )
                .build(),
        )
        .partition_keys(
            Column::builder()
                .name("export_id")
                .r#type("string")
                .build()
                .unwrap_or_else(|e| panic!("{e}")),
        )
        .build()
        .unwrap_or_else(|e| panic!("{e}"));
    g.lock()
        .unwrap_or_else(PoisonError::into_inner)
        .tables
        .insert(legacy.name().to_owned(), legacy);
    export(
        &objects,
        "e1",
        vec![(
            "shop/public.orders/1/part-00000.parquet".into(),
            parquet_rows(
                "message m { required int64 id; required binary export_id (UTF8); }",
                2,
            ),
        )],
    );
    let state = run(&objects, &g, &input("e1", 1_000)).await;
    assert_eq!(state.schema_changes, 1);
    assert_eq!(state.schema_change_sample[0].column, "export_id");
    assert_eq!(state.schema_change_sample[0].from, "partition key");
    let g = g.lock().unwrap_or_else(PoisonError::into_inner);
    assert!(g.tables.contains_key("shop_public_orders_history_v2"));
    assert!(!g.partitions.contains_key("shop_public_orders_history"));
}

#[tokio::test]
async fn an_invocation_stopped_at_its_deadline_writes_a_part_the_last_merges_them() {
    let objects = Objects::default();
    let g = fakes::Glue::default();
    let files: Vec<(String, Vec<u8>)> = (0..12)
        .map(|i| {
            (
                format!("shop/public.t{i:02}/1/part-00000.parquet"),
                parquet_rows(ID_ONLY, i + 1),
            )
        })
        .collect();
    export(&objects, "e1", files);
    let mut s = settings();
    s.concurrency = 1;
    let mut input = input("e1", 1_000);
    let mut invocations = 0;
    let state = loop {
        invocations += 1;
        // A deadline already passed: one batch (4 tables) per invocation.
        let state = ok(catalog_export(
            &fakes::s3(&objects),
            &fakes::glue(&g),
            &s,
            &input,
            Some(Instant::now()),
        )
        .await);
        if state.done {
            break state;
        }
        input.catalog = Some(state);
    };
    assert_eq!(invocations, 3);
    assert_eq!(state.report_parts, 2);
    assert_eq!(state.rows_total, (1..=12).sum::<u64>());
    let r = report(&objects, "e1");
    let targets: Vec<String> = r["tables"]
        .as_array()
        .map(|t| {
            t.iter()
                .map(|t| t["target"].as_str().unwrap_or_default().to_owned())
                .collect()
        })
        .unwrap_or_default();
    let expected: Vec<String> = (0..12).map(|i| format!("shop.public.t{i:02}")).collect();
    assert_eq!(targets, expected);
}

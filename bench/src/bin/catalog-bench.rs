//! Catalog throughput: the real `lambdas::catalog::catalog_export` (what the catalog-tables
//! function runs) against a local S3 + Glue stand-in with an injected latency per request,
//! cataloging an export of N tables (default 500): a first export (every table created),
//! then a newer export of the same tables (every latest table updated with its VersionId,
//! a second history partition each).
//!
//! Every Parquet file's footer is read (the verification counts rows): `--files-per-table`
//! sets the files per table (100,000 files = `--tables 500 --files-per-table 200`), and the
//! process's peak memory is printed at the end (run two sizes to see it stay flat).
//!
//! `cargo build --release -p snapshot-export-bench --bin catalog-bench &&
//!  target/release/catalog-bench [--latency-ms 20 --tables 500 --concurrency 32
//!  --files-per-table 1 --footers 128]`

use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::time::{Duration, Instant};

use contract::{
    CatalogTablesInput, ExportState, ExportStatus, Job, JobAction, SourceKind, Trigger,
};
use lambdas::catalog::{CatalogSettings, catalog_export};
use parquet::file::properties::WriterProperties;
use parquet::file::writer::SerializedFileWriter;
use parquet::schema::parser::parse_message_type;
use snapshot_export_bench::args::num;
use snapshot_export_bench::catalog_stub::{CatalogStub, serve};

const BUCKET: &str = "analytics-exports";

/// A real Parquet footer of a 20-column table (decimals, timestamps, dates, strings...).
fn parquet_file() -> Result<Vec<u8>, Box<dyn std::error::Error>> {
    let mut fields = vec![
        "required int64 id;".to_owned(),
        "optional int64 amount (DECIMAL(12,2));".to_owned(),
        "optional fixed_len_byte_array(16) big (DECIMAL(38,6));".to_owned(),
        "optional int64 created_at (TIMESTAMP(MICROS,true));".to_owned(),
        "optional int32 day (DATE);".to_owned(),
        "optional boolean active;".to_owned(),
        "optional double ratio;".to_owned(),
        "optional binary payload;".to_owned(),
    ];
    fields.extend((0..12).map(|i| format!("optional binary text_{i:02} (STRING);")));
    let schema = parse_message_type(&format!("message t {{ {} }}", fields.join(" ")))?;
    let mut buf = Vec::new();
    let writer = SerializedFileWriter::new(
        &mut buf,
        Arc::new(schema),
        Arc::new(WriterProperties::builder().build()),
    )?;
    writer.close()?;
    Ok(buf)
}

fn input(root: &str, export_id: &str, snapshot_time: i64) -> CatalogTablesInput {
    CatalogTablesInput {
        job: Job {
            action: JobAction::Export,
            ignore_reason: None,
            snapshot_arn: "arn:aws:rds:us-east-1:111111111111:snapshot:rds:appdb-2026-11-24-03-10"
                .into(),
            source_kind: SourceKind::DbSnapshot,
            snapshot_id: "rds:appdb-2026-11-24-03-10".into(),
            db_identifier: Some("appdb".into()),
            snapshot_type: None,
            trigger: Trigger::Event,
            event_id: None,
            export_task_id: export_id.into(),
            export_only: vec![],
        },
        export: ExportState {
            export_task_id: export_id.into(),
            attempt: 1,
            adopted: false,
            status: ExportStatus::Complete,
            percent_progress: 100,
            total_extracted_gb: None,
            failure_cause: String::new(),
            warnings: vec![],
            warnings_total: 0,
            snapshot_time: Some(snapshot_time),
            s3_bucket: BUCKET.into(),
            s3_prefix: root.trim_end_matches('/').into(),
            started_at: snapshot_time,
            wait_started_at: snapshot_time,
            redrive_count: 0,
            checks: 1,
            next_poll_seconds: 30,
            progress: vec![],
        },
        copy: None,
        catalog: None,
    }
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().collect();
    let latency = Duration::from_millis(num(&args, "--latency-ms", 20));
    let tables = usize::try_from(num(&args, "--tables", 500))?;
    let concurrency = usize::try_from(num(&args, "--concurrency", 32))?;
    let files_per_table = usize::try_from(num(&args, "--files-per-table", 1))?;
    let footers = usize::try_from(num(&args, "--footers", 128))?;
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()?;
    runtime.block_on(async move {
        let parquet = parquet_file()?;
        println!(
            "catalog-bench: {tables} tables x {files_per_table} Parquet files, {} ms per request, concurrency {concurrency}, {footers} footer GETs in flight, footer file {} bytes",
            latency.as_millis(),
            parquet.len()
        );
        println!("| run | tables | files | wall s | files/s | S3 requests | Glue requests | conflicts/rejected |");
        println!("|---|---|---|---|---|---|---|---|");
        let mut stub_for_checks = None;
        for (run, export_id, time) in [
            ("first export (create)", "appdb-2026-11-24-03-10-0a1b2c3d", 1_795_000_000),
            ("newer export (update)", "appdb-2026-11-25-03-10-4e5f6a7b", 1_795_086_400),
        ] {
            let root = format!("exports/{export_id}/");
            let stub = match stub_for_checks.take() {
                // The same catalog, a new export root: rebuild the stub around the old tables.
                Some(old) => {
                    let old: Arc<CatalogStub> = old;
                    let mut stub = CatalogStub::new(BUCKET, &root, tables, parquet.clone(), latency);
                    stub.files_per_table = files_per_table;
                    *stub.glue_tables.lock().map_err(|_| "poisoned")? =
                        old.glue_tables.lock().map_err(|_| "poisoned")?.clone();
                    *stub.partitions.lock().map_err(|_| "poisoned")? =
                        old.partitions.lock().map_err(|_| "poisoned")?.clone();
                    Arc::new(stub)
                }
                None => {
                    let mut stub = CatalogStub::new(BUCKET, &root, tables, parquet.clone(), latency);
                    stub.files_per_table = files_per_table;
                    Arc::new(stub)
                }
            };
            let addr = serve(Arc::clone(&stub)).await?;
            let endpoint = format!("http://{addr}");
            let creds = aws_credential_types::Credentials::new("testing", "testing", None, None, "bench");
            let s3 = aws_sdk_s3::Client::from_conf(
                aws_sdk_s3::Config::builder()
                    .behavior_version(aws_sdk_s3::config::BehaviorVersion::latest())
                    .region(aws_sdk_s3::config::Region::new("us-east-1"))
                    .endpoint_url(&endpoint)
                    .force_path_style(true)
                    .credentials_provider(creds.clone())
                    .build(),
            );
            let glue = aws_sdk_glue::Client::from_conf(
                aws_sdk_glue::Config::builder()
                    .behavior_version(aws_sdk_glue::config::BehaviorVersion::latest())
                    .region(aws_sdk_glue::config::Region::new("us-east-1"))
                    .endpoint_url(&endpoint)
                    .credentials_provider(creds)
                    .build(),
            );
            let settings = CatalogSettings {
                database: "analytics".into(),
                concurrency,
                footers_in_flight: footers,
                deadline_margin: Duration::from_secs(60),
                on_partial: lambdas::OnPartial::Notify,
                row_drop_threshold: 0.5,
            };
            let started = Instant::now();
            let state = catalog_export(&s3, &glue, &settings, &input(&root, export_id, time), None).await?;
            let seconds = started.elapsed().as_secs_f64();
            let files = tables * files_per_table;
            if !state.done || state.cataloged as usize != tables || state.files_total as usize != files {
                return Err(format!("catalog incomplete: {state:?}").into());
            }
            let glue_tables = stub.glue_tables.lock().map_err(|_| "poisoned")?.len();
            let partitions = stub.partitions.lock().map_err(|_| "poisoned")?.len();
            println!(
                "| {run} | {tables} | {files} | {seconds:.2} | {:.0} | {} | {} | {} |",
                files as f64 / seconds,
                stub.s3_requests.load(Ordering::Relaxed),
                stub.glue_requests.load(Ordering::Relaxed),
                stub.rejected.load(Ordering::Relaxed),
            );
            eprintln!("  catalog now: {glue_tables} Glue tables, {partitions} partitions, {} type changes", state.type_changes);
            stub_for_checks = Some(stub);
        }
        if let Some(kib) = snapshot_export_bench::memory::peak_rss_kib() {
            println!("peak memory (VmHWM): {:.1} MiB", kib as f64 / 1024.0);
        }
        Ok(())
    })
}

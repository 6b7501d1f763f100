//! Copy throughput: the real `lambdas::copy::copy_prefix` (what the copy-objects function
//! runs: HeadObject of the destination, then CopyObject, or multipart UploadPartCopy over
//! 5 GiB) against a local S3 stand-in with an injected latency per request, next to a
//! sequential one-object-at-a-time loop over the same endpoint, for 1k, 10k and 100k
//! objects; then a second pass over the same objects (a redrive or a duplicate event: it
//! must copy nothing), and a multipart run with one 12 GiB object.
//!
//! `cargo build --release -p snapshot-export-bench --bin copy-bench &&
//! target/release/copy-bench [--latency-ms 20 --concurrency 128 --sizes 1000,10000,100000
//! --sequential-sample 1000]`
//!
//! The stub runs in this process; each measured run is a child process (this binary with
//! `--child`), so its peak memory (VmHWM) is the copy's own, fresh for every run.

use std::process::Command;
use std::sync::Arc;
use std::time::{Duration, Instant};

use aws_sdk_s3::config::{BehaviorVersion, Credentials, Region};
use aws_sdk_s3::types::{MetadataDirective, ServerSideEncryption};
use lambdas::copy::{CopyTarget, SOURCE_ETAG_METADATA, copy_prefix, copy_source};
use snapshot_export_bench::args::{arg, num};
use snapshot_export_bench::copy_stub::{CopyStub, serve};
use snapshot_export_bench::memory::peak_rss_kib;

const SOURCE: &str = "prod-staging";
const DESTINATION: &str = "analytics-exports";
const PREFIX: &str = "exports/orders-2026-11-24-a1b2c3d4/";
const KMS: &str = "arn:aws:kms:us-east-1:123456789012:key/analytics";
const GIB: u64 = 1024 * 1024 * 1024;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().collect();
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()?;
    if let Some(mode) = arg(&args, "--child") {
        return runtime.block_on(child(&mode, &args));
    }
    runtime.block_on(parent(&args))
}

/// One measured run: prints `RESULT <objects done> <seconds> <peak KiB> <copied> <already>`.
async fn child(mode: &str, args: &[String]) -> Result<(), Box<dyn std::error::Error>> {
    let endpoint = arg(args, "--endpoint").ok_or("--endpoint missing")?;
    let limit = num(args, "--objects", 1_000);
    let concurrency = num(args, "--concurrency", 128) as usize;
    let config = aws_sdk_s3::Config::builder()
        .behavior_version(BehaviorVersion::latest())
        .region(Region::new("us-east-1"))
        .endpoint_url(endpoint)
        .force_path_style(true)
        .credentials_provider(Credentials::new("testing", "testing", None, None, "bench"))
        .build();
    let s3 = aws_sdk_s3::Client::from_conf(config);
    let started = Instant::now();
    let (done, copied, already) = match mode {
        "concurrent" => {
            let target = CopyTarget {
                source_bucket: SOURCE.into(),
                destination_bucket: DESTINATION.into(),
                prefix: PREFIX.into(),
                kms_key_arn: Some(KMS.into()),
            };
            let run = copy_prefix(&s3, &target, None, concurrency, None).await?;
            if run.failed > 0 || !run.done {
                return Err(format!("copy incomplete: {run:?}").into());
            }
            (
                run.copied + run.already_copied,
                run.copied,
                run.already_copied,
            )
        }
        _ => {
            let n = sequential(&s3, limit).await?;
            (n, n, 0)
        }
    };
    let seconds = started.elapsed().as_secs_f64();
    println!(
        "RESULT {done} {seconds:.3} {} {copied} {already}",
        peak_rss_kib().unwrap_or(0)
    );
    Ok(())
}

/// The naive loop: list a page, then HeadObject + CopyObject one object at a time, up to
/// `limit` objects (small objects only).
async fn sequential(
    s3: &aws_sdk_s3::Client,
    limit: u64,
) -> Result<u64, Box<dyn std::error::Error>> {
    let mut done = 0u64;
    let mut token: Option<String> = None;
    while done < limit {
        let page = s3
            .list_objects_v2()
            .bucket(SOURCE)
            .prefix(PREFIX)
            .set_continuation_token(token.take())
            .send()
            .await?;
        for object in page.contents() {
            if done >= limit {
                break;
            }
            let key = object.key().ok_or("listed object without a key")?;
            let etag = object
                .e_tag()
                .unwrap_or_default()
                .trim_matches('"')
                .to_owned();
            let _ = s3.head_object().bucket(DESTINATION).key(key).send().await;
            s3.copy_object()
                .bucket(DESTINATION)
                .key(key)
                .copy_source(copy_source(SOURCE, key))
                .metadata_directive(MetadataDirective::Replace)
                .metadata(SOURCE_ETAG_METADATA, etag)
                .server_side_encryption(ServerSideEncryption::AwsKms)
                .ssekms_key_id(KMS)
                .send()
                .await?;
            done += 1;
        }
        match page.next_continuation_token() {
            Some(t) if page.is_truncated() == Some(true) => token = Some(t.to_owned()),
            _ => break,
        }
    }
    Ok(done)
}

/// Measured figures of one child run.
struct Figures {
    objects: u64,
    seconds: f64,
    peak_kib: u64,
    copied: u64,
    already: u64,
}

async fn run_child(
    mode: &str,
    endpoint: &str,
    objects: u64,
    concurrency: u64,
) -> Result<Figures, Box<dyn std::error::Error>> {
    let exe = std::env::current_exe()?;
    let args: Vec<String> = vec![
        "--child".into(),
        mode.into(),
        "--endpoint".into(),
        endpoint.into(),
        "--objects".into(),
        objects.to_string(),
        "--concurrency".into(),
        concurrency.to_string(),
    ];
    let output =
        tokio::task::spawn_blocking(move || Command::new(exe).args(args).output()).await??;
    let stdout = String::from_utf8_lossy(&output.stdout);
    let line = stdout
        .lines()
        .find_map(|l| l.strip_prefix("RESULT "))
        .ok_or_else(|| {
            format!(
                "{mode} run failed: {}\n{}",
                output.status,
                String::from_utf8_lossy(&output.stderr)
            )
        })?;
    let fields: Vec<f64> = line
        .split_whitespace()
        .filter_map(|f| f.parse().ok())
        .collect();
    match fields.as_slice() {
        [objects, seconds, peak, copied, already] => Ok(Figures {
            objects: *objects as u64,
            seconds: *seconds,
            peak_kib: *peak as u64,
            copied: *copied as u64,
            already: *already as u64,
        }),
        _ => Err(format!("unreadable child result {line:?}").into()),
    }
}

fn stub_notes(stub: &CopyStub) -> String {
    let [lists, heads, copies, parts, completes, duplicates, rejected] = stub.counters();
    format!(
        "{} marked copied; requests: {lists} lists, {heads} heads, {copies} CopyObject, {parts} UploadPartCopy, {completes} completes; {duplicates} copied twice, {rejected} rejected",
        stub.copied()
    )
}

async fn parent(args: &[String]) -> Result<(), Box<dyn std::error::Error>> {
    let latency = Duration::from_millis(num(args, "--latency-ms", 20));
    let concurrency = num(args, "--concurrency", 128);
    let sample = num(args, "--sequential-sample", 1_000);
    let sizes: Vec<u64> = arg(args, "--sizes")
        .unwrap_or_else(|| "1000,10000,100000".into())
        .split(',')
        .filter_map(|s| s.trim().parse().ok())
        .collect();
    let profile = if cfg!(debug_assertions) {
        "debug"
    } else {
        "release"
    };
    println!(
        "copy-bench: {profile} build, latency {} ms per request, concurrency {concurrency}, 1,000 keys per page, SSE-KMS copies, stub on 127.0.0.1",
        latency.as_millis()
    );
    println!(
        "\n| objects | code path | wall s | objects/s | peak RSS MiB (VmHWM) | speed-up | notes |"
    );
    println!("|---|---|---|---|---|---|---|");
    for n in sizes {
        let stub =
            Arc::new(CopyStub::new(SOURCE, DESTINATION, PREFIX, n, latency).with_kms_key(KMS));
        let endpoint = format!("http://{}", serve(Arc::clone(&stub)).await?);

        let fast = run_child("concurrent", &endpoint, n, concurrency).await?;
        let fast_notes = stub_notes(&stub);
        stub.reset_counters();
        // The same export again (a redrive, a duplicate event): nothing may be copied.
        let again = run_child("concurrent", &endpoint, n, concurrency).await?;
        let again_notes = stub_notes(&stub);
        stub.reset();

        let measured = n.min(sample);
        let slow = run_child("sequential", &endpoint, measured, concurrency).await?;
        let slow_rate = slow.objects as f64 / slow.seconds;
        let fast_rate = fast.objects as f64 / fast.seconds;
        let extrapolated = measured < n;
        let slow_seconds = if extrapolated {
            n as f64 / slow_rate
        } else {
            slow.seconds
        };
        println!(
            "| {n} | copy_prefix (copy-objects) | {:.2} | {fast_rate:.0} | {:.1} | {:.1}x | {} copied; {fast_notes} |",
            fast.seconds,
            fast.peak_kib as f64 / 1024.0,
            fast_rate / slow_rate,
            fast.copied,
        );
        println!(
            "| {n} | copy_prefix, second pass | {:.2} | {:.0} | {:.1} | | {} copied, {} already there; {again_notes} |",
            again.seconds,
            again.objects as f64 / again.seconds,
            again.peak_kib as f64 / 1024.0,
            again.copied,
            again.already,
        );
        println!(
            "| {n} | sequential loop | {slow_seconds:.2}{} | {slow_rate:.0} | {:.1} | 1x | {} |",
            if extrapolated { " (extrapolated)" } else { "" },
            slow.peak_kib as f64 / 1024.0,
            if extrapolated {
                format!(
                    "measured on the first {measured} objects ({:.2} s)",
                    slow.seconds
                )
            } else {
                "measured".into()
            },
        );
    }

    // Multipart: one 12 GiB object (24 parts of 512 MiB) among 9 small ones.
    let stub = Arc::new(
        CopyStub::new(SOURCE, DESTINATION, PREFIX, 10, latency)
            .with_big_objects(1, 12 * GIB)
            .with_kms_key(KMS),
    );
    let endpoint = format!("http://{}", serve(Arc::clone(&stub)).await?);
    let big = run_child("concurrent", &endpoint, 10, concurrency).await?;
    println!(
        "| 10 (one of 12 GiB) | copy_prefix, multipart | {:.2} | {:.0} | {:.1} | | {} copied; {} |",
        big.seconds,
        big.objects as f64 / big.seconds,
        big.peak_kib as f64 / 1024.0,
        big.copied,
        stub_notes(&stub)
    );
    Ok(())
}

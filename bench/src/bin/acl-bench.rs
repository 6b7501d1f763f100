//! ACL rewrite throughput: the real `lambdas::acl::rewrite_prefix` (what the rewrite-acl
//! function runs) against a local S3 stand-in with an injected latency per request, next
//! to a sequential one-object-at-a-time loop over the same endpoint, for 1k, 10k and 100k
//! objects.
//!
//! `cargo run -p snapshot-export-bench --release --bin acl-bench [-- --latency-ms 20
//! --concurrency 64 --sizes 1000,10000,100000 --sequential-sample 1000]`
//!
//! The stub runs in this process; each measured run is a child process (this binary with
//! `--child`), so its peak memory (VmHWM) is the rewrite's own, fresh for every N.

use std::process::Command;
use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::time::{Duration, Instant};

use aws_sdk_s3::config::{BehaviorVersion, Credentials, Region};
use aws_sdk_s3::types::ObjectCannedAcl;
use snapshot_export_bench::args::{arg, num};
use snapshot_export_bench::memory::peak_rss_kib;
use snapshot_export_bench::s3_stub::{Stub, serve};

const BUCKET: &str = "analytics-exports";
const PREFIX: &str = "exports/orders-2026-11-24-a1b2c3d4/";

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

/// One measured run: prints `RESULT <objects> <seconds> <peak KiB> <pages>`.
async fn child(mode: &str, args: &[String]) -> Result<(), Box<dyn std::error::Error>> {
    let endpoint = arg(args, "--endpoint").ok_or("--endpoint missing")?;
    let limit = num(args, "--objects", 1_000);
    let concurrency = num(args, "--concurrency", 64) as usize;
    let config = aws_sdk_s3::Config::builder()
        .behavior_version(BehaviorVersion::latest())
        .region(Region::new("us-east-1"))
        .endpoint_url(endpoint)
        .force_path_style(true)
        .credentials_provider(Credentials::new("testing", "testing", None, None, "bench"))
        .build();
    let s3 = aws_sdk_s3::Client::from_conf(config);
    let started = Instant::now();
    let (done, pages) = match mode {
        "concurrent" => {
            let run =
                lambdas::acl::rewrite_prefix(&s3, BUCKET, PREFIX, None, concurrency, None).await?;
            if run.failed > 0 || !run.done {
                return Err(format!("rewrite incomplete: {run:?}").into());
            }
            (run.rewritten, u64::from(run.pages))
        }
        _ => sequential(&s3, limit).await?,
    };
    let seconds = started.elapsed().as_secs_f64();
    println!(
        "RESULT {done} {seconds:.3} {} {pages}",
        peak_rss_kib().unwrap_or(0)
    );
    Ok(())
}

/// The naive loop: list a page, rewrite its objects one at a time, up to `limit` objects.
async fn sequential(
    s3: &aws_sdk_s3::Client,
    limit: u64,
) -> Result<(u64, u64), Box<dyn std::error::Error>> {
    let (mut done, mut pages) = (0u64, 0u64);
    let mut token: Option<String> = None;
    while done < limit {
        let page = s3
            .list_objects_v2()
            .bucket(BUCKET)
            .prefix(PREFIX)
            .set_continuation_token(token.take())
            .send()
            .await?;
        pages += 1;
        for object in page.contents() {
            if done >= limit {
                break;
            }
            let key = object.key().ok_or("listed object without a key")?;
            s3.put_object_acl()
                .bucket(BUCKET)
                .key(key)
                .acl(ObjectCannedAcl::BucketOwnerFullControl)
                .send()
                .await?;
            done += 1;
        }
        match page.next_continuation_token() {
            Some(t) if page.is_truncated() == Some(true) => token = Some(t.to_owned()),
            _ => break,
        }
    }
    Ok((done, pages))
}

/// Measured figures of one child run.
struct Figures {
    objects: u64,
    seconds: f64,
    peak_kib: u64,
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
        [objects, seconds, peak, _pages] => Ok(Figures {
            objects: *objects as u64,
            seconds: *seconds,
            peak_kib: *peak as u64,
        }),
        _ => Err(format!("unreadable child result {line:?}").into()),
    }
}

async fn parent(args: &[String]) -> Result<(), Box<dyn std::error::Error>> {
    let latency = Duration::from_millis(num(args, "--latency-ms", 20));
    let concurrency = num(args, "--concurrency", 64);
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
        "acl-bench: {profile} build, latency {} ms per request, concurrency {concurrency}, 1,000 keys per page, stub on 127.0.0.1",
        latency.as_millis()
    );
    println!(
        "\n| objects | code path | wall s | objects/s | peak RSS MiB (VmHWM) | speed-up | notes |"
    );
    println!("|---|---|---|---|---|---|---|");
    for n in sizes {
        let stub = Arc::new(Stub::new(BUCKET, PREFIX, n, latency));
        let endpoint = format!("http://{}", serve(Arc::clone(&stub)).await?);

        let fast = run_child("concurrent", &endpoint, n, concurrency).await?;
        let (rewritten, duplicates, rejected) = (
            stub.rewritten(),
            stub.duplicates.load(Ordering::Relaxed),
            stub.rejected.load(Ordering::Relaxed),
        );
        let lists = stub.lists.load(Ordering::Relaxed);
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
            "| {n} | rewrite_prefix (rewrite-acl) | {:.2} | {:.0} | {:.1} | {:.1}x | {rewritten} of {n} marked, {duplicates} twice, {rejected} rejected, {lists} lists |",
            fast.seconds,
            fast_rate,
            fast.peak_kib as f64 / 1024.0,
            fast_rate / slow_rate,
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
    Ok(())
}

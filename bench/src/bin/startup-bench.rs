//! Lambda start-up: for every function of `contract::functions::FUNCTIONS`, the time from
//! spawning its binary to its first `GET /2018-06-01/runtime/invocation/next` on a local
//! Runtime API (logging, configuration, SDK clients: the whole init), and the size of its
//! `bootstrap` and of the zip Lambda would receive.
//!
//! `cargo build --release -p lambdas --bins && cargo run -p snapshot-export-bench --release
//! --bin startup-bench [-- --bin-dir target/release --runs 20]`
//!
//! Std only: one blocking listener, one child at a time, so nothing else competes with the
//! binary under test.

use std::io::{BufRead, BufReader, Read};
use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use contract::functions::FUNCTIONS;
use snapshot_export_bench::args::arg;
use snapshot_export_bench::stats::{max, percentile};

/// A plausible value for a required variable, so init gets past configuration.
fn dummy_value(var: &str) -> &'static str {
    match var {
        "EXPORT_BUCKET" => "analytics-exports",
        "EXPORT_KMS_KEY_ARN" => {
            "arn:aws:kms:us-east-1:111111111111:key/1234abcd-12ab-34cd-56ef-1234567890ab"
        }
        "EXPORT_ROLE_ARN" => "arn:aws:iam::111111111111:role/rds-s3-export",
        "CRAWLER_NAME" => "snapshot-exports",
        _ => "bench",
    }
}

/// Spawns `binary` against the listener and returns (ms to the first Runtime API request,
/// its request line).
fn one_start(
    listener: &TcpListener,
    binary: &Path,
    name: &str,
    required: &[&str],
) -> Result<(f64, String), String> {
    let addr = listener.local_addr().map_err(|e| e.to_string())?;
    let mut command = Command::new(binary);
    command
        .env_clear()
        .env("AWS_LAMBDA_RUNTIME_API", addr.to_string())
        .env("AWS_LAMBDA_FUNCTION_NAME", name)
        .env("AWS_LAMBDA_FUNCTION_MEMORY_SIZE", "128")
        .env("AWS_LAMBDA_FUNCTION_VERSION", "$LATEST")
        .env("AWS_LAMBDA_LOG_STREAM_NAME", "bench")
        .env("AWS_LAMBDA_LOG_GROUP_NAME", "bench")
        .env("AWS_REGION", "us-east-1")
        .env("AWS_ACCESS_KEY_ID", "testing")
        .env("AWS_SECRET_ACCESS_KEY", "testing")
        .env("AWS_EC2_METADATA_DISABLED", "true")
        .stdout(Stdio::null())
        .stderr(Stdio::null());
    for var in required {
        command.env(var, dummy_value(var));
    }
    let spawned = Instant::now();
    let mut child = command
        .spawn()
        .map_err(|e| format!("{}: {e}", binary.display()))?;
    let outcome = (|| {
        let (stream, _) = listener.accept().map_err(|e| e.to_string())?;
        stream
            .set_read_timeout(Some(Duration::from_secs(10)))
            .map_err(|e| e.to_string())?;
        let mut line = String::new();
        BufReader::new(stream.take(8_192))
            .read_line(&mut line)
            .map_err(|e| e.to_string())?;
        Ok((
            spawned.elapsed().as_secs_f64() * 1_000.0,
            line.trim().to_owned(),
        ))
    })();
    // Only our own child, by handle.
    let _ = child.kill();
    let _ = child.wait();
    outcome
}

/// Size of the zip Lambda would receive (`bootstrap` alone, deflated), via the `zip` tool.
fn zip_size(binary: &Path) -> Option<u64> {
    let dir = std::env::temp_dir().join(format!("startup-bench-{}", std::process::id()));
    std::fs::create_dir_all(&dir).ok()?;
    let bootstrap = dir.join("bootstrap");
    std::fs::copy(binary, &bootstrap).ok()?;
    let zip = dir.join("bootstrap.zip");
    let _ = std::fs::remove_file(&zip);
    let status = Command::new("zip")
        .arg("-q")
        .arg("-9")
        .arg("-j")
        .arg(&zip)
        .arg(&bootstrap)
        .status()
        .ok()?;
    let size = status
        .success()
        .then(|| std::fs::metadata(&zip).ok().map(|m| m.len()))
        .flatten();
    let _ = std::fs::remove_dir_all(&dir);
    size
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().collect();
    let bin_dir = PathBuf::from(arg(&args, "--bin-dir").unwrap_or_else(|| "target/release".into()));
    let runs: usize = arg(&args, "--runs")
        .and_then(|v| v.parse().ok())
        .unwrap_or(20);
    let listener = TcpListener::bind("127.0.0.1:0")?;
    println!(
        "startup-bench: binaries from {}, {runs} cold starts each (fresh process every time)\n",
        bin_dir.display()
    );
    println!(
        "| function | first start ms | p50 ms | p95 ms | max ms | first request | bootstrap MiB | zip MiB |"
    );
    println!("|---|---|---|---|---|---|---|---|");
    for function in FUNCTIONS {
        let binary = bin_dir.join(function.binary);
        let size = std::fs::metadata(&binary)
            .map(|m| m.len())
            .map_err(|e| format!("{}: {e}", binary.display()))?;
        let mut times = Vec::with_capacity(runs);
        let mut first_line = String::new();
        for _ in 0..runs {
            let (ms, line) = one_start(&listener, &binary, function.binary, function.required_env)?;
            if first_line.is_empty() {
                first_line = line;
            }
            times.push(ms);
        }
        println!(
            "| {} | {:.1} | {:.1} | {:.1} | {:.1} | `{}` | {:.1} | {} |",
            function.binary,
            times.first().copied().unwrap_or(0.0),
            percentile(&times, 50.0),
            percentile(&times, 95.0),
            max(&times),
            first_line,
            size as f64 / 1_048_576.0,
            zip_size(&binary).map_or("n/a (no zip tool)".into(), |z| format!(
                "{:.1}",
                z as f64 / 1_048_576.0
            )),
        );
    }
    Ok(())
}

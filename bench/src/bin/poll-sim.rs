//! Polling-policy simulator: runs the adaptive policy of `lambdas::polling` and the fixed
//! 60 s / 300 s loops over the same seeded mix of exports and prints, per policy, polls per
//! export, state transitions, detection lag and cost.
//!
//! `cargo run -p snapshot-export-bench --bin poll-sim [-- --seed 42 --exports 10000]`
//! (pure arithmetic: the dev profile is fine).

use contract::{ExportStatus, PollPolicy, ProgressSample};
use lambdas::polling::{Tuning, next_poll_seconds, next_poll_seconds_tuned, poll_bounds};
use snapshot_export_bench::export_model::{
    Export, PollRun, Shape, draw_with, generate_mix, simulate,
};
use snapshot_export_bench::rng::Rng;
use snapshot_export_bench::stats::{max, mean, percentile};

/// Transitions per poll loop: WaitForExport, CheckExport, ExportStatus.
const TRANSITIONS_PER_POLL: f64 = 3.0;
/// Execution history events per poll loop (Wait entered/exited, Task scheduled/started/
/// succeeded + entered/exited, Choice entered/exited).
const EVENTS_PER_POLL: f64 = 9.0;
/// Standard workflow price, dollars per state transition ($0.025 per 1,000).
const DOLLARS_PER_TRANSITION: f64 = 0.025 / 1_000.0;

type Policy<'a> = Box<dyn Fn(ExportStatus, &[ProgressSample], i64) -> u32 + 'a>;

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let arg = |name: &str, default: u64| -> u64 {
        args.iter()
            .position(|a| a == name)
            .and_then(|i| args.get(i + 1))
            .and_then(|v| v.parse().ok())
            .unwrap_or(default)
    };
    let seed = arg("--seed", 42);
    let n = arg("--exports", 10_000) as usize;

    // The deployed default's policy (30 s to 30 min, 24 h, the poll budget of 2 attempts
    // plus a redrive).
    let policy: PollPolicy = state_machine::PipelineConfig::default().poll_policy();
    let max_wait = policy.max_wait_seconds as f64;
    let (floor, ceiling) = poll_bounds(&policy);
    println!(
        "poll-sim: seed {seed}, {n} exports; PollPolicy min {} s, max {} s, max_wait 24 h",
        policy.min_poll_seconds, policy.max_poll_seconds
    );
    println!(
        "effective bounds of the adaptive policy: floor {floor} s (history limit), ceiling {ceiling} s\n"
    );

    let capped = move |max_poll_seconds| PollPolicy {
        max_poll_seconds,
        ..policy
    };
    let policies: Vec<(&str, Policy)> = vec![
        (
            "adaptive (ours)",
            Box::new(move |s, p, now| next_poll_seconds(&policy, s, p, 0, now)),
        ),
        (
            "adaptive, max_poll_seconds = 600",
            Box::new(move |s, p, now| next_poll_seconds(&capped(600), s, p, 0, now)),
        ),
        (
            "adaptive, max_poll_seconds = 300",
            Box::new(move |s, p, now| next_poll_seconds(&capped(300), s, p, 0, now)),
        ),
        ("fixed 60 s", Box::new(|_, _, _| 60)),
        ("fixed 300 s", Box::new(|_, _, _| 300)),
    ];

    let mix = generate_mix(seed, n);
    let mut rng = Rng::new(seed ^ 0x2_0000);
    // Reference: exports taking 2 hours in total (STARTING 5-40 min, the rest extracting,
    // same shapes and tails), completing.
    let two_hours: Vec<Export> = (0..1_000)
        .map(|_| {
            let starting = rng.uniform(5.0, 40.0) * 60.0;
            let mut e = draw_with(&mut rng, starting, 7_200.0 - starting - 60.0);
            e.fails_at = None;
            e
        })
        .collect();

    println!("## Whole mix ({n} exports, 5 % failing)\n");
    println!(
        "| policy | polls mean | polls p95 | polls max | transitions mean | lag p50 s | lag p95 s | lag max s | lag p95 completions s | lag p95 failures s | $ per 1,000 exports | max history events | timed out |"
    );
    println!("|---|---|---|---|---|---|---|---|---|---|---|---|---|");
    for (name, p) in &policies {
        let runs: Vec<PollRun> = mix
            .iter()
            .map(|e| simulate(e, max_wait, p.as_ref()))
            .collect();
        let polls: Vec<f64> = runs.iter().map(|r| f64::from(r.polls)).collect();
        let lag: Vec<f64> = runs
            .iter()
            .filter(|r| !r.timed_out)
            .map(|r| r.lag)
            .collect();
        let lag_of = |status: ExportStatus| -> Vec<f64> {
            runs.iter()
                .filter(|r| r.status == status && !r.timed_out)
                .map(|r| r.lag)
                .collect()
        };
        let transitions = mean(&polls) * TRANSITIONS_PER_POLL;
        println!(
            "| {name} | {:.1} | {:.0} | {:.0} | {:.1} | {:.0} | {:.0} | {:.0} | {:.0} | {:.0} | {:.2} | {:.0} | {} |",
            mean(&polls),
            percentile(&polls, 95.0),
            max(&polls),
            transitions,
            percentile(&lag, 50.0),
            percentile(&lag, 95.0),
            max(&lag),
            percentile(&lag_of(ExportStatus::Complete), 95.0),
            percentile(&lag_of(ExportStatus::Failed), 95.0),
            transitions * 1_000.0 * DOLLARS_PER_TRANSITION,
            max(&polls) * EVENTS_PER_POLL,
            runs.iter().filter(|r| r.timed_out).count(),
        );
    }

    println!("\n## 2-hour exports (1,000, STARTING 5-40 min, all shapes, completing)\n");
    println!("| policy | polls mean | polls p95 | lag p50 s | lag p95 s | lag max s |");
    println!("|---|---|---|---|---|---|");
    for (name, p) in &policies {
        let runs: Vec<PollRun> = two_hours
            .iter()
            .map(|e| simulate(e, max_wait, p.as_ref()))
            .collect();
        println!("| {name} | {} |", poll_and_lag_cells(&runs));
    }

    println!("\n## Adaptive policy by extraction length (whole mix)\n");
    println!(
        "| extraction | exports | polls mean | polls p95 | lag p50 s | lag p95 s | lag max s |"
    );
    println!("|---|---|---|---|---|---|---|");
    let bands = [
        (0.0, 600.0, "< 10 min"),
        (600.0, 3_600.0, "10-60 min"),
        (3_600.0, 4.0 * 3_600.0, "1-4 h"),
        (4.0 * 3_600.0, f64::MAX, "4-12 h"),
    ];
    for (lo, hi, label) in bands {
        let runs: Vec<PollRun> = mix
            .iter()
            .filter(|e| e.extraction >= lo && e.extraction < hi)
            .map(|e| simulate(e, max_wait, policies[0].1.as_ref()))
            .collect();
        println!(
            "| {label} | {} | {} |",
            runs.len(),
            poll_and_lag_cells(&runs)
        );
    }

    println!("\n## Adaptive policy by progress shape (whole mix, completions)\n");
    println!("| shape | exports | polls mean | polls p95 | lag p50 s | lag p95 s | lag max s |");
    println!("|---|---|---|---|---|---|---|");
    let rows = [
        (Shape::Linear, 0.0, "Linear"),
        (Shape::Linear, 600.0, "Linear, extraction >= 10 min"),
        (Shape::Stalling, 0.0, "Stalling"),
        (Shape::Bursty, 0.0, "Bursty"),
    ];
    for (shape, shortest, label) in rows {
        let runs: Vec<PollRun> = mix
            .iter()
            .filter(|e| e.shape == shape && e.fails_at.is_none() && e.extraction >= shortest)
            .map(|e| simulate(e, max_wait, policies[0].1.as_ref()))
            .collect();
        println!(
            "| {label} | {} | {} |",
            runs.len(),
            poll_and_lag_cells(&runs)
        );
    }

    println!(
        "\n## Adaptive variants (why the defaults: {:?})\n",
        Tuning::DEFAULT
    );
    println!(
        "| STARTING pace s | remaining fraction | polls mean | 2-hour polls mean | lag p95 s | lag p95 completions s | 2-hour lag p95 s |"
    );
    println!("|---|---|---|---|---|---|---|");
    for pace in [180, 300, 420] {
        for fraction in [0.5, 0.8, 0.95] {
            let tuning = Tuning {
                starting_poll_seconds: pace,
                remaining_fraction: fraction,
                ..Tuning::DEFAULT
            };
            let p = |s, samples: &[ProgressSample], now| {
                next_poll_seconds_tuned(&tuning, &policy, s, samples, 0, now)
            };
            let runs: Vec<PollRun> = mix.iter().map(|e| simulate(e, max_wait, &p)).collect();
            let two: Vec<PollRun> = two_hours
                .iter()
                .map(|e| simulate(e, max_wait, &p))
                .collect();
            let polls =
                |r: &[PollRun]| mean(&r.iter().map(|r| f64::from(r.polls)).collect::<Vec<_>>());
            let lag = |r: &[PollRun], only_complete: bool| {
                let v: Vec<f64> = r
                    .iter()
                    .filter(|r| !only_complete || r.status == ExportStatus::Complete)
                    .map(|r| r.lag)
                    .collect();
                percentile(&v, 95.0)
            };
            println!(
                "| {pace} | {fraction} | {:.1} | {:.1} | {:.0} | {:.0} | {:.0} |",
                polls(&runs),
                polls(&two),
                lag(&runs, false),
                lag(&runs, true),
                lag(&two, false)
            );
        }
    }

    println!("\n## Worst case for the history limit\n");
    let stuck = PollPolicy {
        max_wait_seconds: 24 * 3_600,
        ..policy
    };
    let always_floor = poll_bounds(&stuck).0;
    let polls = stuck.max_wait_seconds / u64::from(always_floor);
    println!(
        "an export stuck at 99 % for the whole 24 h max_wait, polled at the floor ({always_floor} s): {polls} polls, about {} history events (limit 25,000)",
        polls * EVENTS_PER_POLL as u64
    );
}

/// The table cells every per-group row shares: polls mean and p95, lag p50, p95 and max.
fn poll_and_lag_cells(runs: &[PollRun]) -> String {
    let polls: Vec<f64> = runs.iter().map(|r| f64::from(r.polls)).collect();
    let lag: Vec<f64> = runs.iter().map(|r| r.lag).collect();
    format!(
        "{:.1} | {:.0} | {:.0} | {:.0} | {:.0}",
        mean(&polls),
        percentile(&polls, 95.0),
        percentile(&lag, 50.0),
        percentile(&lag, 95.0),
        max(&lag)
    )
}

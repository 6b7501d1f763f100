//! Polling-policy simulator: runs the adaptive policy of `lambdas::polling` and the fixed
//! 60 s / 300 s loops over the same seeded mix of exports and prints, per policy, polls per
//! export, state transitions, detection lag and cost.
//!
//! With RDS's export-finished events (`[export] events = true`) the wait is a callback
//! woken by the event, with the policy's fallback interval as its timeout: the last
//! sections compare it, in the same run and over the same exports, with the adaptive Wait
//! loop and the fixed 60 s / 300 s loops, under an event model (delivery delay up to
//! `--event-delay-max` seconds, `--event-loss-percent` of the events lost, the scheduled
//! sweep every `--sweep-interval` seconds, 0 for none), then set the fallback alone against
//! the fallback with the sweep (issue 20: lost events found fast) at 1 % and 5 % lost, with
//! the sweep's interval and the model's sensitivity.
//!
//! PercentProgress stays at 0 for U(0, `--zero-hold-max`) of each extraction (default 0.3;
//! 0 turns the holds off) although the export is extracting.
//!
//! `cargo run --release -p snapshot-export-bench --bin poll-sim [-- --seed 42 --exports 10000
//! --event-delay-max 60 --event-loss-percent 1 --sweep-interval 300 --zero-hold-max 0.3]`

use contract::{ExportStatus, PollPolicy, ProgressSample};
use lambdas::polling::{Tuning, next_poll_seconds, next_poll_seconds_tuned, poll_bounds};
use snapshot_export_bench::export_model::{
    EventModel, EventRun, Export, PollRun, Shape, WaitPolicy, add_zero_holds, draw_with,
    generate_mix, simulate, simulate_events,
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
/// Lambda (arm64, 256 MB, docs/cost.md): $0.20 per million requests plus an assumed 100 ms
/// billed per short call at $0.0000133334 per GB-second.
const DOLLARS_PER_INVOCATION: f64 = 0.20 / 1e6 + 0.25 * 0.1 * 0.000_013_333_4;
/// DynamoDB on demand: $0.625 per million write and $0.125 per million read request units.
const DOLLARS_PER_WRITE: f64 = 0.625 / 1e6;
const DOLLARS_PER_READ: f64 = 0.125 / 1e6;
/// The sweep's default interval (the Terraform default, `export_sweep_interval_minutes` 5).
const DEFAULT_SWEEP_SECONDS: f64 = 300.0;

type Policy<'a> = Box<WaitPolicy<'a>>;

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
    let float = |name: &str, default: f64| -> f64 {
        args.iter()
            .position(|a| a == name)
            .and_then(|i| args.get(i + 1))
            .and_then(|v| v.parse().ok())
            .unwrap_or(default)
    };
    let events = EventModel {
        delay_max: float("--event-delay-max", 60.0),
        loss: float("--event-loss-percent", 1.0) / 100.0,
        skip_fresh_entry_check: false,
        // 0 turns the sweep off.
        sweep_interval: Some(float("--sweep-interval", DEFAULT_SWEEP_SECONDS)).filter(|&i| i > 0.0),
    };
    let zero_hold_max = float("--zero-hold-max", 0.3);

    // The deployed default's policy (30 s to 30 min, 24 h, the poll budget of 2 attempts
    // plus a redrive).
    // The Wait loop's configuration (`[export] events = false`, its poll budget too): the
    // default now waits for RDS's events; the event sections set `events` themselves.
    let mut config = state_machine::PipelineConfig::default();
    config.export.events = false;
    let policy: PollPolicy = config.poll_policy();
    let max_wait = policy.max_wait_seconds as f64;
    let (floor, ceiling) = poll_bounds(&policy, 0, policy.max_wait_seconds);
    println!(
        "poll-sim: seed {seed}, {n} exports, PercentProgress at 0 for U(0, {zero_hold_max}) of each extraction; PollPolicy min {} s, max {} s, max_wait 24 h, {} polls per attempt",
        policy.min_poll_seconds, policy.max_poll_seconds, policy.max_polls
    );
    println!(
        "effective bounds of the adaptive policy: floor {floor} s (raised past half the poll budget), ceiling {ceiling} s\n"
    );

    let capped = move |max_poll_seconds| PollPolicy {
        max_poll_seconds,
        ..policy
    };
    let policies: Vec<(&str, Policy)> = vec![
        (
            "adaptive (ours)",
            Box::new(move |s, p, now, checks| next_poll_seconds(&policy, s, p, 0, now, checks)),
        ),
        (
            "adaptive, max_poll_seconds = 600",
            Box::new(move |s, p, now, checks| {
                next_poll_seconds(&capped(600), s, p, 0, now, checks)
            }),
        ),
        (
            "adaptive, max_poll_seconds = 300",
            Box::new(move |s, p, now, checks| {
                next_poll_seconds(&capped(300), s, p, 0, now, checks)
            }),
        ),
        ("fixed 60 s", Box::new(|_, _, _, _| 60)),
        ("fixed 300 s", Box::new(|_, _, _, _| 300)),
    ];

    let (mix, two_hours) = mixes(seed, n, zero_hold_max);

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
            let p = |s, samples: &[ProgressSample], now, checks| {
                next_poll_seconds_tuned(&tuning, &policy, s, samples, 0, now, checks)
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

    events_sections(seed, &policy, &mix, &two_hours, events);
    lost_event_sections(seed, n, &policy, &mix, &two_hours, events, zero_hold_max);

    println!("\n## Worst case for the history limit\n");
    let stuck = PollPolicy {
        max_wait_seconds: 24 * 3_600,
        ..policy
    };
    // Every wait as short as the bounds allow, for the whole wait.
    let (mut t, mut polls) = (0u64, 0u32);
    while t < stuck.max_wait_seconds {
        t += u64::from(poll_bounds(&stuck, polls, stuck.max_wait_seconds - t).0);
        polls += 1;
    }
    println!(
        "an export stuck at 99 % for the whole 24 h max_wait, always polled at the floor: {polls} polls per attempt (budget {}), about {} history events; with {} attempts and one redrive's: {} (limit 25,000)",
        stuck.max_polls,
        u64::from(polls) * EVENTS_PER_POLL as u64,
        config.export.max_attempts,
        u64::from(polls) * (u64::from(config.export.max_attempts) + 1) * EVENTS_PER_POLL as u64
    );
}

/// The whole mix (`n` exports) and the 2-hour reference set (1,000 exports taking 2 hours
/// in total: STARTING 5-40 min, the rest extracting, same shapes and tails, completing),
/// both with 0 % holds of U(0, `zero_hold_max`) of their extraction.
fn mixes(seed: u64, n: usize, zero_hold_max: f64) -> (Vec<Export>, Vec<Export>) {
    let mut mix = generate_mix(seed, n);
    let mut rng = Rng::new(seed ^ 0x2_0000);
    let mut two_hours: Vec<Export> = (0..1_000)
        .map(|_| {
            let starting = rng.uniform(5.0, 40.0) * 60.0;
            let mut e = draw_with(&mut rng, starting, 7_200.0 - starting - 60.0);
            e.fails_at = None;
            e
        })
        .collect();
    add_zero_holds(&mut mix, seed, zero_hold_max);
    add_zero_holds(&mut two_hours, seed ^ 1, zero_hold_max);
    (mix, two_hours)
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

/// One row of the events-vs-polling tables: per export, status checks (mean, p95, max),
/// transitions, Lambda invocations, detection lag p50/p95/max, dollars per 1,000 exports.
struct Row {
    checks: Vec<f64>,
    transitions: Vec<f64>,
    invocations: Vec<f64>,
    lag: Vec<f64>,
    dollars: Vec<f64>,
}

impl Row {
    fn from_polls(runs: &[PollRun]) -> Self {
        let polls: Vec<f64> = runs.iter().map(|r| f64::from(r.polls)).collect();
        let transitions: Vec<f64> = polls.iter().map(|p| p * TRANSITIONS_PER_POLL).collect();
        Self {
            dollars: polls
                .iter()
                .map(|p| {
                    p * (TRANSITIONS_PER_POLL * DOLLARS_PER_TRANSITION + DOLLARS_PER_INVOCATION)
                })
                .collect(),
            checks: polls.clone(),
            invocations: polls,
            transitions,
            lag: runs
                .iter()
                .filter(|r| !r.timed_out)
                .map(|r| r.lag)
                .collect(),
        }
    }

    fn from_events(runs: &[EventRun]) -> Self {
        let dollars = |r: &EventRun| {
            // PutItem per entry; per delivered event one consistent Query; per sweep tick
            // while it waited one Scan (a small table: one read unit); per token sent back
            // one DeleteItem.
            let writes = f64::from(r.entries) + f64::from(u32::from(r.woken));
            let reads = f64::from(r.events_delivered) + f64::from(r.sweep_ticks);
            f64::from(r.transitions()) * DOLLARS_PER_TRANSITION
                + f64::from(r.invocations()) * DOLLARS_PER_INVOCATION
                + writes * DOLLARS_PER_WRITE
                + reads * DOLLARS_PER_READ
        };
        Self {
            checks: runs.iter().map(|r| f64::from(r.checks)).collect(),
            transitions: runs.iter().map(|r| f64::from(r.transitions())).collect(),
            invocations: runs.iter().map(|r| f64::from(r.invocations())).collect(),
            lag: runs
                .iter()
                .filter(|r| !r.timed_out)
                .map(|r| r.lag)
                .collect(),
            dollars: runs.iter().map(dollars).collect(),
        }
    }

    fn cells(&self) -> String {
        format!(
            "{:.2} | {:.0} | {:.0} | {:.1} | {:.1} | {:.0} | {:.0} | {:.0} | {:.4}",
            mean(&self.checks),
            percentile(&self.checks, 95.0),
            max(&self.checks),
            mean(&self.transitions),
            mean(&self.invocations),
            percentile(&self.lag, 50.0),
            percentile(&self.lag, 95.0),
            max(&self.lag),
            mean(&self.dollars) * 1_000.0,
        )
    }
}

/// The callback's runs over `exports`, each export's event drawn from a generator seeded
/// with `seed` (so every table row sees the same events).
fn event_runs(
    exports: &[Export],
    max_wait: f64,
    fallback: &WaitPolicy<'_>,
    model: EventModel,
    seed: u64,
) -> Vec<EventRun> {
    let mut rng = Rng::new(seed ^ 0x3_0000);
    exports
        .iter()
        .map(|e| simulate_events(e, max_wait, fallback, model, &mut rng))
        .collect()
}

/// The callback's fallback interval of `policy` with events on: the rule wait-for-export
/// applies (`lambdas::polling`), as the events sections simulate it.
fn events_fallback(
    policy: &PollPolicy,
) -> impl Fn(ExportStatus, &[ProgressSample], i64, u32) -> u32 + Copy {
    let events_policy = PollPolicy {
        events: true,
        ..*policy
    };
    move |s, p: &[ProgressSample], now, checks| {
        next_poll_seconds(&events_policy, s, p, 0, now, checks)
    }
}

/// Events + fallback next to today's adaptive Wait loop and the fixed loops, on the whole
/// mix and on 2-hour exports; the lag of lost events against the fallback interval; the
/// loss rate's effect.
fn events_sections(
    seed: u64,
    policy: &PollPolicy,
    mix: &[Export],
    two_hours: &[Export],
    model: EventModel,
) {
    let max_wait = policy.max_wait_seconds as f64;
    let fallback = events_fallback(policy);
    let adaptive =
        move |s, p: &[ProgressSample], now, checks| next_poll_seconds(policy, s, p, 0, now, checks);
    let label = format!(
        "events + fallback{} (ours: delay U(0, {:.0}) s, {:.1} % lost)",
        model
            .sweep_interval
            .map_or(String::new(), |i| format!(" + sweep every {i:.0} s")),
        model.delay_max,
        model.loss * 100.0
    );
    let header = "| policy | status checks mean | checks p95 | checks max | transitions mean | Lambda invocations mean | lag p50 s | lag p95 s | lag max s | $ per 1,000 exports |";
    let rule = "|---|---|---|---|---|---|---|---|---|---|";
    for (title, exports) in [
        (
            format!("whole mix ({} exports, 5 % failing)", mix.len()),
            mix,
        ),
        (
            format!("2-hour exports ({}, completing)", two_hours.len()),
            two_hours,
        ),
    ] {
        println!("\n## RDS export events + fallback vs polling: {title}\n");
        println!("{header}\n{rule}");
        let ours = event_runs(exports, max_wait, &fallback, model, seed);
        println!("| {label} | {} |", Row::from_events(&ours).cells());
        let polled = |p: &WaitPolicy<'_>| -> Vec<PollRun> {
            exports.iter().map(|e| simulate(e, max_wait, p)).collect()
        };
        println!(
            "| adaptive Wait loop (today) | {} |",
            Row::from_polls(&polled(&adaptive)).cells()
        );
        println!(
            "| fixed 60 s | {} |",
            Row::from_polls(&polled(&|_, _, _, _| 60)).cells()
        );
        println!(
            "| fixed 300 s | {} |",
            Row::from_polls(&polled(&|_, _, _, _| 300)).cells()
        );
    }

    println!("\n## Lost events (whole mix): the sweep, else the fallback, bounds their lag\n");
    let ours = event_runs(mix, max_wait, &fallback, model, seed);
    let lost: Vec<&EventRun> = ours
        .iter()
        .filter(|r| r.event_lost && !r.timed_out)
        .collect();
    let lost_lag: Vec<f64> = lost.iter().map(|r| r.lag).collect();
    let over = lost.iter().filter(|r| r.lag > r.longest_fallback).count();
    println!(
        "{} exports lost their event: lag p50 {:.0} s, p95 {:.0} s, max {:.0} s; woken by the sweep: {}; longest fallback interval used {:.0} s; lag above the run's longest fallback interval: {over}",
        lost.len(),
        percentile(&lost_lag, 50.0),
        percentile(&lost_lag, 95.0),
        max(&lost_lag),
        lost.iter().filter(|r| r.swept).count(),
        max(&lost.iter().map(|r| r.longest_fallback).collect::<Vec<_>>()),
    );

    println!("\n## Event loss and delay (events + fallback, and the sweep if on)\n");
    println!(
        "| delay max s | lost % | checks mean | lag p95 s | lag max s | 2-hour checks mean | 2-hour checks max | 2-hour lag p95 s | 2-hour lag max s |"
    );
    println!("|---|---|---|---|---|---|---|---|---|");
    for (delay_max, loss) in [
        (60.0, 0.0),
        (60.0, 0.01),
        (60.0, 0.05),
        (300.0, 0.01),
        (60.0, 1.0),
    ] {
        let m = EventModel {
            delay_max,
            loss,
            ..model
        };
        let all = Row::from_events(&event_runs(mix, max_wait, &fallback, m, seed));
        let two = Row::from_events(&event_runs(two_hours, max_wait, &fallback, m, seed));
        println!(
            "| {delay_max:.0} | {:.0} | {:.2} | {:.0} | {:.0} | {:.2} | {:.0} | {:.0} | {:.0} |",
            loss * 100.0,
            mean(&all.checks),
            percentile(&all.lag, 95.0),
            max(&all.lag),
            mean(&two.checks),
            max(&two.checks),
            percentile(&two.lag, 95.0),
            max(&two.lag),
        );
    }
}

/// Lag figures (p50, p95, max) of `runs` whose event was lost, and how many there were.
fn lost_lags(runs: &[EventRun]) -> (usize, f64, f64, f64) {
    let lag: Vec<f64> = runs
        .iter()
        .filter(|r| r.event_lost && !r.timed_out)
        .map(|r| r.lag)
        .collect();
    (
        lag.len(),
        percentile(&lag, 50.0),
        percentile(&lag, 95.0),
        max(&lag),
    )
}

/// Mean status checks of `runs` with today's wait-for-export, and with the proposed one
/// that skips its check on an entry after a fallback (moments after CheckExport's).
fn checks_today_and_proposed(runs: &[EventRun]) -> (f64, f64) {
    let today: Vec<f64> = runs.iter().map(|r| f64::from(r.checks)).collect();
    let proposed: Vec<f64> = runs
        .iter()
        .map(|r| f64::from(r.checks - r.entries.saturating_sub(1)))
        .collect();
    (mean(&today), mean(&proposed))
}

/// Mean sweep ticks while each export waited: the sweep's list calls per export when no
/// other export of the account waits at the same time (an upper bound otherwise).
fn sweep_calls(runs: &[EventRun]) -> f64 {
    mean(
        &runs
            .iter()
            .map(|r| f64::from(r.sweep_ticks))
            .collect::<Vec<_>>(),
    )
}

/// Issue 20's figures: the deployed fallback alone against the fallback with the scheduled
/// sweep, at 1 % and 5 % of events lost; the sweep interval's variants; the 0 % hold's
/// effect.
fn lost_event_sections(
    seed: u64,
    n: usize,
    policy: &PollPolicy,
    mix: &[Export],
    two_hours: &[Export],
    model: EventModel,
    zero_hold_max: f64,
) {
    let max_wait = policy.max_wait_seconds as f64;
    let fallback = events_fallback(policy);
    let interval = model.sweep_interval.unwrap_or(DEFAULT_SWEEP_SECONDS);
    let with_sweep = |m: EventModel, i: f64| EventModel {
        sweep_interval: Some(i),
        ..m
    };
    let without_sweep = |m: EventModel| EventModel {
        sweep_interval: None,
        ..m
    };

    println!("\n## Lost export events: the fallback alone and with the sweep (issue 20)\n");
    println!(
        "Fallback: the deployed rule (1 h, then 1.5 x the export's age, at most 6 h). Checks: DescribeExportTasks of one export task (entries, fallback CheckExports, one confirmation by export-events), today's wait-for-export / the proposed one; sweep list calls: the sweep's per-account DescribeExportTasks while this export waited, if no other export of the account waited at the same time (shared otherwise); every event lost: the lag without sampling noise; $ include the sweep's invocations and Scans while the export waited (no sharing).\n"
    );
    println!(
        "| wait | lost % | checks mean (today / proposed) | 2-hour checks mean | lag p50 s | lag p95 s | lag max s | lost exports | lost lag p50 s | lost lag p95 s | lost lag max s | woken by the sweep % | every event lost: lag p95 s | sweep list calls per export | per 2-hour export | $ per 1,000 exports |"
    );
    println!("|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|");
    for loss in [0.01, 0.05] {
        for sweep in [None, Some(interval)] {
            let m = EventModel {
                loss,
                sweep_interval: sweep,
                ..model
            };
            let all = event_runs(mix, max_wait, &fallback, m, seed);
            let two = event_runs(two_hours, max_wait, &fallback, m, seed);
            let only = Row::from_events(&event_runs(
                mix,
                max_wait,
                &fallback,
                EventModel { loss: 1.0, ..m },
                seed,
            ));
            let row = Row::from_events(&all);
            let (today, proposed) = checks_today_and_proposed(&all);
            let (lost, p50, p95, top) = lost_lags(&all);
            let swept = all.iter().filter(|r| r.swept).count() as f64 / all.len() as f64;
            println!(
                "| {} | {:.0} | {today:.2} / {proposed:.2} | {:.2} | {:.0} | {:.0} | {:.0} | {lost} | {p50:.0} | {p95:.0} | {top:.0} | {:.1} | {:.0} | {:.1} | {:.1} | {:.4} |",
                sweep.map_or("fallback only (before)".to_owned(), |i| format!(
                    "**fallback + sweep every {i:.0} s**"
                )),
                loss * 100.0,
                mean(&Row::from_events(&two).checks),
                percentile(&row.lag, 50.0),
                percentile(&row.lag, 95.0),
                max(&row.lag),
                swept * 100.0,
                percentile(&only.lag, 95.0),
                sweep_calls(&all),
                sweep_calls(&two),
                mean(&row.dollars) * 1_000.0,
            );
        }
    }

    println!("\n## Sweep interval (5 % lost)\n");
    println!(
        "| sweep every s | sweep list calls per account-hour while anything waits | checks mean | 2-hour checks mean | lost lag p50 s | lost lag p95 s | lost lag max s | every event lost: lag p95 s | sweep list calls per export | per 2-hour export | $ per 1,000 exports |"
    );
    println!("|---|---|---|---|---|---|---|---|---|---|---|");
    let five = EventModel {
        loss: 0.05,
        ..model
    };
    for i in [60.0, 120.0, 300.0, 600.0, 900.0] {
        let m = with_sweep(five, i);
        let all = event_runs(mix, max_wait, &fallback, m, seed);
        let two = event_runs(two_hours, max_wait, &fallback, m, seed);
        let only = Row::from_events(&event_runs(
            mix,
            max_wait,
            &fallback,
            EventModel { loss: 1.0, ..m },
            seed,
        ));
        let (_, p50, p95, top) = lost_lags(&all);
        let row = Row::from_events(&all);
        println!(
            "| {i:.0}{} | {:.0} | {:.2} | {:.2} | {p50:.0} | {p95:.0} | {top:.0} | {:.0} | {:.1} | {:.1} | {:.4} |",
            if i == interval { " (this run)" } else { "" },
            3_600.0 / i,
            mean(&row.checks),
            mean(&Row::from_events(&two).checks),
            percentile(&only.lag, 95.0),
            sweep_calls(&all),
            sweep_calls(&two),
            mean(&row.dollars) * 1_000.0,
        );
    }

    println!(
        "\n## The model's 0 % hold (5 % lost, sweep every {interval:.0} s; this run: U(0, {zero_hold_max}))\n"
    );
    println!(
        "| PercentProgress at 0 for | checks mean | 2-hour checks mean | lost lag p95 s | every event lost: lag p95 s | fallback only: lost lag p95 s |"
    );
    println!("|---|---|---|---|---|---|");
    for hold in [0.0, 0.3, 0.6] {
        let (mix, two_hours) = mixes(seed, n, hold);
        let m = with_sweep(five, interval);
        let all = event_runs(&mix, max_wait, &fallback, m, seed);
        let two = Row::from_events(&event_runs(&two_hours, max_wait, &fallback, m, seed));
        let only = Row::from_events(&event_runs(
            &mix,
            max_wait,
            &fallback,
            EventModel { loss: 1.0, ..m },
            seed,
        ));
        let alone = event_runs(&mix, max_wait, &fallback, without_sweep(m), seed);
        println!(
            "| U(0, {hold}) of the extraction | {:.2} | {:.2} | {:.0} | {:.0} | {:.0} |",
            mean(&Row::from_events(&all).checks),
            mean(&two.checks),
            lost_lags(&all).2,
            percentile(&only.lag, 95.0),
            lost_lags(&alone).2,
        );
    }

    // The sweep's fixed cost: it runs every interval whatever waits; with no open wait it
    // is one invocation and one Scan of an empty table.
    let per_day = 86_400.0 / interval;
    println!(
        "\nIdle sweep, per account: {per_day:.0} invocations and Scans a day, ${:.4} a month (no RDS call).",
        per_day * 30.0 * (DOLLARS_PER_INVOCATION + DOLLARS_PER_READ)
    );
}

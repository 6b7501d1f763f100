//! Organization-scale simulation (issue 22): the export-slot scheduler (ledger, parked
//! callbacks, `lambdas::slot_policy::admit`, the sweep) against today's blind StartExport
//! retries, over the same seeded workload: `--accounts` prod accounts × `--databases`
//! databases, each snapshotted daily in a backup window starting in 02:30-03:30, for
//! `--days` days, export durations from poll-sim's mix, `--busy-extra` manual snapshots a
//! day of one database per account, `--external-per-day` exports per account started
//! outside the pipeline; RDS refuses a 6th concurrent export. Faults injected into the
//! slot scheduler: lost wakes, aborted executions, vanished executions (lease), lost
//! status-change events. Prints the report's tables (docs/performance.md, section 4).
//!
//! `cargo run -p snapshot-export-bench --bin org-sim [-- --seed 42 --accounts 50
//! --databases 20 --days 3 --busy-extra 2 --external-per-day 2 --lost-wake-percent 1
//! --abort-percent 0.5 --vanish-percent 0.2 --rule-lost-percent 1 --sweep-interval 300]`

use lambdas::slot_policy::admit;
use snapshot_export_bench::args::{float, num};
use snapshot_export_bench::org_sim::retrier::Pipeline;
use snapshot_export_bench::org_sim::summary::{Summary, summarize};
use snapshot_export_bench::org_sim::{
    Admit, Mode, Order, OrgConfig, RunResult, busiest_first, run,
};
use snapshot_export_bench::stats::{max, percentile};

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let d = OrgConfig::default();
    let config = OrgConfig {
        seed: num(&args, "--seed", d.seed),
        accounts: num(&args, "--accounts", d.accounts as u64) as usize,
        databases: num(&args, "--databases", d.databases as u64).max(1) as usize,
        days: num(&args, "--days", d.days as u64).max(1) as usize,
        busy_extra: num(&args, "--busy-extra", d.busy_extra as u64) as usize,
        external_per_day: num(&args, "--external-per-day", d.external_per_day as u64) as usize,
        lost_wake: float(&args, "--lost-wake-percent", d.lost_wake * 100.0) / 100.0,
        abort: float(&args, "--abort-percent", d.abort * 100.0) / 100.0,
        vanish: float(&args, "--vanish-percent", d.vanish * 100.0) / 100.0,
        rule_lost: float(&args, "--rule-lost-percent", d.rule_lost * 100.0) / 100.0,
        sweep_interval: Some(float(&args, "--sweep-interval", 300.0)).filter(|&i| i > 0.0),
        ..d
    };
    if let Err(e) = report(&config) {
        eprintln!("org-sim: {e}");
        std::process::exit(1);
    }
}

fn report(config: &OrgConfig) -> Result<(), String> {
    let pipeline = Pipeline::from_definition()?;
    let retry = pipeline.quota_retry;
    println!(
        "org-sim: seed {}, {} accounts × {} databases (+ {} manual snapshots a day of one database per account), {} days, backup windows starting 02:30-03:30 (snapshot event U(5, 30) min later), {} external exports per account and day; RDS quota {} per account",
        config.seed,
        config.accounts,
        config.databases,
        config.busy_extra,
        config.days,
        config.external_per_day,
        config.quota,
    );
    println!(
        "slots: sweep every {}, lease {:.0} min; faults: {} % of wakes lost, {} % of executions aborted (half cancel their export), {} % vanish after admission, {} % of status-change events lost",
        config
            .sweep_interval
            .map_or("never".to_owned(), |i| format!("{i:.0} s")),
        config.lease_seconds / 60.0,
        config.lost_wake * 100.0,
        config.abort * 100.0,
        config.vanish * 100.0,
        config.rule_lost * 100.0,
    );
    println!(
        "baseline: StartExport's retrier from the rendered definition: ExportQuotaReached after {:.0} s × {} per retry{}, {}{} retries (at most {:.1} h in all, about half that with the jitter), {} export attempts per execution\n",
        retry.interval,
        retry.backoff,
        retry
            .max_delay
            .map_or(String::new(), |m| format!(", at most {m:.0} s")),
        if retry.full_jitter {
            "full jitter, "
        } else {
            ""
        },
        retry.max_attempts,
        retry.longest() / 3_600.0,
        pipeline.max_attempts,
    );

    let slots = run(config, Mode::Slots, admit)?;
    let baseline = run(config, Mode::Baseline, admit)?;
    let rows: Vec<(String, Summary)> = vec![
        (
            "**export slots** (`slot_policy::admit`)".to_owned(),
            summarize(config, Mode::Slots, &slots),
        ),
        (
            "baseline: blind retries (today)".to_owned(),
            summarize(config, Mode::Baseline, &baseline),
        ),
    ];
    tables(&rows, &[&slots, &baseline]);
    failure_modes(&slots);
    variants(config)?;
    Ok(())
}

/// Seconds as the tables show them.
fn span(seconds: f64) -> String {
    if seconds >= 3_600.0 {
        format!("{:.1} h", seconds / 3_600.0)
    } else if seconds >= 60.0 {
        format!("{:.0} min", seconds / 60.0)
    } else {
        format!("{seconds:.0} s")
    }
}

fn tables(rows: &[(String, Summary)], runs: &[&RunResult]) {
    println!("## Outcomes and the quota\n");
    println!(
        "| scheduler | snapshots | exported | dropped (goal 0) | failed in RDS (both attempts) | ended by an injected fault | RDS quota errors | max concurrent exports per account (≤ 5) | external exports refused by RDS |"
    );
    println!("|---|---|---|---|---|---|---|---|---|");
    for ((name, s), r) in rows.iter().zip(runs) {
        println!(
            "| {name} | {} | {} | {} | {} | {} | {} | {} | {} |",
            s.snapshots,
            s.exported,
            s.dropped,
            s.failed_in_rds,
            s.faults,
            s.quota_errors,
            s.max_running,
            r.counters.external_refused,
        );
    }
    println!("\n## Queue wait, makespan, fairness\n");
    println!(
        "| scheduler | wait p50 | wait p95 | wait max | makespan / bound, median account-day | worst | account-days within 5 % | Gini of per-database mean wait, median account | worst | busy database's mean wait / the others' (median account) |"
    );
    println!("|---|---|---|---|---|---|---|---|---|---|");
    for (name, s) in rows {
        println!(
            "| {name} | {} | {} | {} | {:.3} | {:.3} | {} / {} | {:.2} | {:.2} | {:.2} |",
            span(s.wait.0),
            span(s.wait.1),
            span(s.wait.2),
            s.makespan_ratio.0,
            s.makespan_ratio.1,
            s.within_5_percent.0,
            s.within_5_percent.1,
            s.gini.0,
            s.gini.1,
            s.busy_ratio,
        );
    }
    println!("\n## Cost per 1,000 snapshots (slot states + the export loop)\n");
    println!(
        "| scheduler | transitions / snapshot | Lambda invocations / snapshot | GB-s / snapshot | DynamoDB RRU / WRU per snapshot | Step Functions $ | Lambda $ | DynamoDB $ | total $ |"
    );
    println!("|---|---|---|---|---|---|---|---|---|");
    for (name, s) in rows {
        let (sfn, lambda, dynamo) = s.dollars;
        let p = &s.per_snapshot;
        println!(
            "| {name} | {:.2} | {:.2} | {:.3} | {:.1} / {:.1} | {sfn:.4} | {lambda:.4} | {dynamo:.4} | {:.4} |",
            p.transitions,
            p.invocations,
            p.gb_seconds,
            p.reads,
            p.writes,
            sfn + lambda + dynamo,
        );
    }
}

fn failure_modes(slots: &RunResult) {
    let c = &slots.counters;
    let recovery = &c.lost_wake_recovery;
    println!("\n## Failure modes injected into the slot scheduler\n");
    println!(
        "- lost wakes: {} ({} left a waiter behind a free slot; admitted after p50 {}, max {}: the sweep's re-run of admission)",
        c.lost_wakes,
        recovery.len(),
        span(percentile(recovery, 50.0)),
        span(max(recovery)),
    );
    println!(
        "- slots freed by the status-change rule (failed or aborted executions whose export no longer ran): {}",
        c.rule_releases
    );
    println!(
        "- slots freed by the sweep (export ended, execution gone: aborted without canceling, or its rule event lost): {}",
        c.sweep_releases
    );
    println!(
        "- slots freed by an expired lease (execution vanished before StartExport): {}",
        c.lease_releases
    );
    println!(
        "- dead tokens (aborted while parked; slot handed to the next): {}",
        c.dead_tokens
    );
    println!(
        "- admissions breaking the fairness invariant (a waiting database held fewer slots): {}; most ledger holders at once: {}",
        c.unfair_admissions, c.max_held
    );
}

/// The same workload with one thing changed, to show what each part is for.
fn variants(config: &OrgConfig) -> Result<(), String> {
    println!("\n## Variants (same workload, one change each)\n");
    println!(
        "| variant | dropped | RDS quota errors | max concurrent | wait p50 | wait p95 | wait max | makespan / bound median | worst | within 5 % | unfair admissions | busy database's wait / others' |"
    );
    println!("|---|---|---|---|---|---|---|---|---|---|---|---|");
    let cases: Vec<(&str, OrgConfig, Admit)> = vec![
        ("slots, as above", config.clone(), admit),
        (
            "slots, a deliberately unfair policy (busiest database first, LIFO)",
            config.clone(),
            busiest_first,
        ),
        (
            "slots, no sweep",
            OrgConfig {
                sweep_interval: None,
                ..config.clone()
            },
            admit,
        ),
        (
            "slots, ledger ignoring `external`",
            OrgConfig {
                ledger_counts_external: false,
                ..config.clone()
            },
            admit,
        ),
        (
            "slots, `external` recounted at every admission (not only by the sweep)",
            OrgConfig {
                recount_on_admit: true,
                ..config.clone()
            },
            admit,
        ),
        (
            "slots, ordered by the database's last export length, longest first (a hint)",
            OrgConfig {
                order: Order::PreviousLength,
                ..config.clone()
            },
            admit,
        ),
        (
            "slots, ordered by the true export length, longest first (clairvoyant contrast)",
            OrgConfig {
                order: Order::Clairvoyant,
                ..config.clone()
            },
            admit,
        ),
        (
            "slots, no faults injected",
            OrgConfig {
                lost_wake: 0.0,
                abort: 0.0,
                vanish: 0.0,
                rule_lost: 0.0,
                ..config.clone()
            },
            admit,
        ),
    ];
    for (name, c, policy) in cases {
        let result = run(&c, Mode::Slots, policy)?;
        let s = summarize(&c, Mode::Slots, &result);
        println!(
            "| {name} | {} | {} | {} | {} | {} | {} | {:.3} | {:.3} | {} / {} | {} | {:.2} |",
            s.dropped,
            s.quota_errors,
            s.max_running,
            span(s.wait.0),
            span(s.wait.1),
            span(s.wait.2),
            s.makespan_ratio.0,
            s.makespan_ratio.1,
            s.within_5_percent.0,
            s.within_5_percent.1,
            result.counters.unfair_admissions,
            s.busy_ratio,
        );
    }
    Ok(())
}

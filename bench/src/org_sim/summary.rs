//! The report's figures from a run: outcomes, quota errors, concurrency, queue waits,
//! makespan per account and day against a lower bound, the spread of waits across an
//! account's databases, and the cost per 1,000 snapshots.

use super::cost::{Function, Usage};
use super::{Mode, OrgConfig, Outcome, Record, RunResult};
use crate::stats::{max, mean, percentile};
use std::collections::BTreeMap;

/// One row of the report.
#[derive(Debug, Clone, Default)]
pub struct Summary {
    /// Snapshots in the workload.
    pub snapshots: usize,
    /// Exported.
    pub exported: usize,
    /// Dropped for lack of capacity (goal 0).
    pub dropped: usize,
    /// Every attempt FAILED in RDS.
    pub failed_in_rds: usize,
    /// Ended by an injected fault (aborted, vanished).
    pub faults: usize,
    /// StartExportTask calls refused by RDS's quota.
    pub quota_errors: u64,
    /// Most exports at once in one account (pipeline and external).
    pub max_running: usize,
    /// Queue wait p50, p95, max, seconds.
    pub wait: (f64, f64, f64),
    /// Makespan / lower bound per account and day: median and worst.
    pub makespan_ratio: (f64, f64),
    /// Account-days within 5 % of their bound, and how many there were.
    pub within_5_percent: (usize, usize),
    /// Gini of the per-database mean waits of an account: median and worst account.
    pub gini: (f64, f64),
    /// The busy database's mean wait over the others' mean wait (median account).
    pub busy_ratio: f64,
    /// Cost per 1,000 snapshots: Step Functions, Lambda, DynamoDB.
    pub dollars: (f64, f64, f64),
    /// Per snapshot: transitions, invocations, read units, write units.
    pub per_snapshot: Usage,
}

/// The earliest any schedule could finish `jobs` (`(ready, duration)`) on `capacity`
/// slots, while `externals` (`(start, end)`) occupy slots too: the largest of
/// `ready + duration` and, for every ready time `t`, the least `C` with
/// `C ≥ t + (work ready at or after t + external time in [t, C]) / capacity` (a valid bound:
/// in `[t, C]` at most `capacity × (C − t) − external time` of that work can run).
pub fn lower_bound(jobs: &[(f64, f64)], externals: &[(f64, f64)], capacity: f64) -> f64 {
    let overlap = |from: f64, to: f64| -> f64 {
        externals
            .iter()
            .map(|&(s, e)| (e.min(to) - s.max(from)).max(0.0))
            .sum()
    };
    let mut bound = jobs.iter().map(|&(r, d)| r + d).fold(0.0, f64::max);
    for &(t, _) in jobs {
        let work: f64 = jobs.iter().filter(|j| j.0 >= t).map(|j| j.1).sum();
        let mut c = t + work / capacity;
        for _ in 0..100 {
            let next = t + (work + overlap(t, c)) / capacity;
            if next - c < 1e-6 {
                break;
            }
            c = next;
        }
        bound = bound.max(c);
    }
    bound
}

/// Gini coefficient of non-negative `values` (0: all equal; near 1: one has it all).
pub fn gini(values: &[f64]) -> f64 {
    let n = values.len() as f64;
    let total: f64 = values.iter().sum();
    if values.is_empty() || total <= 0.0 {
        return 0.0;
    }
    let diffs: f64 = values
        .iter()
        .flat_map(|a| values.iter().map(move |b| (a - b).abs()))
        .sum();
    diffs / (2.0 * n * total)
}

fn median(values: &[f64]) -> f64 {
    percentile(values, 50.0)
}

/// Makespan / bound of every account and day that exported anything.
pub fn makespan_ratios(result: &RunResult, quota: usize) -> Vec<f64> {
    let mut groups: BTreeMap<(usize, usize), Vec<&Record>> = BTreeMap::new();
    for r in result.records.iter().filter(|r| r.busy > 0.0) {
        groups.entry((r.account, r.day)).or_default().push(r);
    }
    groups
        .into_iter()
        .filter_map(|((account, _), records)| {
            let first = records.iter().map(|r| r.ready).fold(f64::MAX, f64::min);
            let last = records.iter().filter_map(|r| r.end).fold(0.0, f64::max);
            let jobs: Vec<(f64, f64)> = records.iter().map(|r| (r.ready, r.busy)).collect();
            let externals = result.externals.get(account).map_or(&[][..], Vec::as_slice);
            let bound = lower_bound(&jobs, externals, quota as f64) - first;
            (bound > 0.0).then(|| (last - first) / bound)
        })
        .collect()
}

/// Per account: the Gini of its databases' mean waits, and its busy database's (db 0)
/// mean wait over the others' mean.
fn spread(records: &[Record]) -> (Vec<f64>, Vec<f64>) {
    let mut per: BTreeMap<usize, BTreeMap<usize, Vec<f64>>> = BTreeMap::new();
    for r in records {
        if let Some(w) = r.wait {
            per.entry(r.account)
                .or_default()
                .entry(r.db)
                .or_default()
                .push(w);
        }
    }
    let mut ginis = Vec::new();
    let mut busy = Vec::new();
    for dbs in per.values() {
        let means: Vec<f64> = dbs.values().map(|w| mean(w)).collect();
        ginis.push(gini(&means));
        let others: Vec<f64> = dbs
            .iter()
            .filter(|(db, _)| **db != 0)
            .map(|(_, w)| mean(w))
            .collect();
        if let (Some(b), true) = (dbs.get(&0), mean(&others) > 0.0) {
            busy.push(mean(b) / mean(&others));
        }
    }
    (ginis, busy)
}

/// The report's row for `result`, a run of `mode` over `config`.
pub fn summarize(config: &OrgConfig, mode: Mode, result: &RunResult) -> Summary {
    let records = &result.records;
    let count = |o: Outcome| records.iter().filter(|r| r.outcome == o).count();
    let waits: Vec<f64> = records.iter().filter_map(|r| r.wait).collect();
    let ratios = makespan_ratios(result, config.quota);
    let (ginis, busy) = spread(records);
    let mut usage = result.counters.usage;
    if let (Mode::Slots, Some(interval)) = (mode, config.sweep_interval) {
        // One sweep invocation every interval, all day, for all accounts.
        let ticks = (config.days as f64 * 86_400.0 / interval.max(1.0)).ceil();
        for _ in 0..ticks as u64 {
            usage.invoke(Function::Sweep);
        }
    }
    let n = records.len().max(1) as f64;
    let (sfn, lambda, dynamo) = usage.dollars();
    let per = 1_000.0 / n;
    Summary {
        snapshots: records.len(),
        exported: count(Outcome::Exported),
        dropped: count(Outcome::Dropped),
        failed_in_rds: count(Outcome::FailedInRds),
        faults: count(Outcome::Fault),
        quota_errors: result.counters.quota_errors,
        max_running: result.counters.max_running,
        wait: (
            percentile(&waits, 50.0),
            percentile(&waits, 95.0),
            max(&waits),
        ),
        makespan_ratio: (median(&ratios), max(&ratios)),
        within_5_percent: (ratios.iter().filter(|&&r| r <= 1.05).count(), ratios.len()),
        gini: (median(&ginis), max(&ginis)),
        busy_ratio: median(&busy),
        dollars: (sfn * per, lambda * per, dynamo * per),
        per_snapshot: Usage {
            transitions: usage.transitions / n,
            invocations: usage.invocations / n,
            gb_seconds: usage.gb_seconds / n,
            reads: usage.reads / n,
            writes: usage.writes / n,
        },
    }
}

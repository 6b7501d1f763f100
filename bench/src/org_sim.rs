//! Organization-scale simulation of the export-slot scheduler (issue 22, `org-sim`): many
//! prod accounts, each with its databases' daily automated snapshots arriving around 03:00,
//! RDS's quota of 5 concurrent exports per account and region, and a few exports started
//! outside the pipeline.
//!
//! Two schedulers run over the same workload (same snapshots, export durations, failures
//! and injected faults, drawn per account from the seed):
//!
//! * [`Mode::Slots`]: issue 22's export slots (docs/performance.md, section 4): a ledger per account
//!   whose capacity is 5 minus the `external` exports the sweep last counted; an execution
//!   without a free slot parks its task token; a freed slot is handed by the admission
//!   policy (`lambdas::slot_policy::admit`, the lambdas' own) to the next waiter; the
//!   5-minute sweep recounts `external`, releases holders whose export ended or whose lease
//!   expired, and re-runs admission (which recovers a lost wake).
//! * [`Mode::Baseline`]: today's graph: StartExport is tried at once and
//!   `ExportQuotaReached` is retried by the graph's retrier (read from the rendered
//!   definition, [`retrier`]), blind and jittered, about 5 hours, then the execution fails
//!   and the snapshot is dropped.
//!
//! Accounts are independent (the quota and the ledger are per account), so each is
//! simulated alone by the discrete-event [`engine`]; [`summary`] turns the records into the
//! report's figures and [`cost`] prices the calls.

pub mod cost;
pub mod engine;
mod queue;
pub mod retrier;
pub mod summary;
pub mod workload;

use lambdas::slot_policy::Waiter;

/// Which scheduler runs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    /// The export-slot ledger with parked callbacks (the design).
    Slots,
    /// Blind StartExport retries (today).
    Baseline,
}

/// What the policy's `enqueued_at` holds, so its tie-break (after fairness) orders by it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Order {
    /// The enqueue time: first come, first served (the design).
    Fifo,
    /// Contrast: the export's true length, longest first (unknowable in advance).
    Clairvoyant,
    /// The database's last export length, longest first (a hint the pipeline could
    /// keep); no hint yet: after those with one, first come first served.
    PreviousLength,
}

/// An admission policy with `lambdas::slot_policy::admit`'s signature, so tests can run the
/// simulation with a deliberately bad one.
pub type Admit = fn(&[Waiter], &[&str], usize) -> Vec<usize>;

/// Everything the simulation is run with; [`OrgConfig::default`] is the documented run.
#[derive(Debug, Clone)]
pub struct OrgConfig {
    /// Seed of every random draw.
    pub seed: u64,
    /// Prod accounts (one region each).
    pub accounts: usize,
    /// Databases per account, each with one automated snapshot a day.
    pub databases: usize,
    /// Simulated days.
    pub days: usize,
    /// Earliest backup window start, seconds after midnight UTC (02:30).
    pub window_from: f64,
    /// Backup window starts are spread uniformly over this many seconds (1 h: a database's
    /// window starts in 02:30-03:30 and stays there every day); the snapshot's event
    /// arrives U(5, 30) min after its window starts.
    pub window_spread: f64,
    /// Extra (manual) snapshots a day of each account's first database, U(5, 60) min after
    /// its window starts: one busy database, to see that it does not starve the others.
    pub busy_extra: usize,
    /// Exports started outside the pipeline per account and day, at uniform times of day,
    /// durations from the same mix; refused by RDS when 5 already run.
    pub external_per_day: usize,
    /// RDS's concurrent exports per account and region.
    pub quota: usize,
    /// False: the simulated RDS accepts every start (to show the concurrency check trips).
    pub rds_enforces_quota: bool,
    /// False: the ledger ignores `external` (to show the quota-error count trips).
    pub ledger_counts_external: bool,
    /// True: every admission round recounts `external` first (one DescribeExportTasks per
    /// round) instead of relying on the sweep's count (a variant, not the design).
    pub recount_on_admit: bool,
    /// The sweep's interval, seconds; `None`: no sweep.
    pub sweep_interval: Option<f64>,
    /// Probability that a release's wake is lost (the function dies after freeing the slot,
    /// before waking anyone): the slot stays free until the sweep.
    pub lost_wake: f64,
    /// Probability that an execution is aborted by an operator during its export; half of
    /// those also cancel the export (it stops at once), half leave it running in RDS.
    pub abort: f64,
    /// Probability that an execution vanishes right after it was admitted, before
    /// StartExport, with its status-change event lost: only the lease frees its slot.
    pub vanish: f64,
    /// Probability that a status-change event (the rule's) is lost.
    pub rule_lost: f64,
    /// A holder's lease, seconds, renewed by each StartExport call; the sweep releases a
    /// holder whose export never started once it expired.
    pub lease_seconds: f64,
    /// The order key the policy sees as `enqueued_at` ([`Order::Fifo`]: the design).
    pub order: Order,
    /// RDS's export-finished event (and the status-change event) arrive U(0, this) seconds
    /// after the fact (poll-sim's event model).
    pub event_delay_max: f64,
}

impl Default for OrgConfig {
    fn default() -> Self {
        Self {
            seed: 42,
            accounts: 50,
            databases: 20,
            days: 3,
            window_from: 2.5 * 3_600.0,
            window_spread: 3_600.0,
            busy_extra: 2,
            external_per_day: 2,
            quota: 5,
            rds_enforces_quota: true,
            ledger_counts_external: true,
            recount_on_admit: false,
            sweep_interval: Some(300.0),
            lost_wake: 0.01,
            abort: 0.005,
            vanish: 0.002,
            rule_lost: 0.01,
            lease_seconds: 1_800.0,
            event_delay_max: 60.0,
            order: Order::Fifo,
        }
    }
}

/// How a snapshot's execution ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    /// Exported (the last attempt COMPLETE).
    Exported,
    /// Every export attempt FAILED in RDS (not the scheduler's doing).
    FailedInRds,
    /// Dropped for lack of capacity: the quota retries ran out (baseline), or the waiter
    /// was never admitted (slots).
    Dropped,
    /// An injected fault ended the execution (aborted, vanished).
    Fault,
}

/// One snapshot's fate in one run.
#[derive(Debug, Clone)]
pub struct Record {
    /// Account index.
    pub account: usize,
    /// Database index within the account.
    pub db: usize,
    /// Day index.
    pub day: usize,
    /// When the snapshot's event arrived, seconds from the start.
    pub ready: f64,
    /// Queue wait: from the first try for capacity (AcquireExportSlot, or the first
    /// StartExport) to admission (slots) or to the first export started (baseline).
    pub wait: Option<f64>,
    /// How it ended.
    pub outcome: Outcome,
    /// Seconds its exports ran in RDS (every attempt).
    pub busy: f64,
    /// When its last export ended in RDS.
    pub end: Option<f64>,
}

/// A simulation's output: every snapshot's record and the counters of what happened.
#[derive(Debug, Clone, Default)]
pub struct RunResult {
    /// One per snapshot, account by account.
    pub records: Vec<Record>,
    /// The external exports RDS ran, `(start, end)`, per account.
    pub externals: Vec<Vec<(f64, f64)>>,
    /// What happened, summed over the accounts.
    pub counters: engine::Counters,
}

/// A deliberately unfair admission policy for the tests and the report's contrast: the
/// database already holding the most slots first, then the latest enqueued (LIFO).
pub fn busiest_first(waiters: &[Waiter], holders: &[&str], free: usize) -> Vec<usize> {
    let held = |db: &str| holders.iter().filter(|h| **h == db).count();
    let mut order: Vec<usize> = (0..waiters.len()).collect();
    order.sort_by(|&a, &b| {
        let (wa, wb) = (&waiters[a], &waiters[b]);
        held(&wb.db)
            .cmp(&held(&wa.db))
            .then(wb.enqueued_at.cmp(&wa.enqueued_at))
    });
    order.truncate(free);
    order
}

/// Runs `mode` over every account of `config` with the admission policy `policy`.
pub fn run(config: &OrgConfig, mode: Mode, policy: Admit) -> Result<RunResult, String> {
    let pipeline = retrier::Pipeline::from_definition()?;
    let mut result = RunResult::default();
    for account in 0..config.accounts {
        let load = workload::account(config, account, pipeline.max_attempts);
        let one = engine::simulate(config, &pipeline, mode, policy, account, &load);
        result.records.extend(one.records);
        result.externals.push(one.externals);
        result.counters.add(&one.counters);
    }
    Ok(result)
}

#[cfg(test)]
mod tests;

//! The discrete-event simulation of one account: the simulated RDS (its quota, the
//! exports, the external ones), the executions, and in [`Mode::Slots`] the ledger, the
//! parked waiters, the releases, the status-change rule and the sweep.
//!
//! Timing: a decision reaches the next state in [`STEP`] (a Lambda call and a transition);
//! RDS's export-finished event and the status-change event arrive U(0,
//! `event_delay_max`) after the fact (always delivered for the export: poll-sim covers
//! their loss and the fallback); the ledger holds a slot from admission to
//! ReleaseExportSlot, RDS from StartExportTask to terminal.

use super::cost::{Function, Usage};
use super::queue::Queue;
use super::retrier::Pipeline;
use super::workload::{ABORT_WINDOW, Account, Fault};
use super::{Admit, Mode, Order, OrgConfig, Outcome, Record};
use crate::rng::Rng;
use lambdas::slot_policy::Waiter;
use std::collections::BTreeMap;

/// Seconds from a decision to the next state acting on it.
pub const STEP: f64 = 1.0;

const DAY: f64 = 86_400.0;

/// What happened, for the report and the tests.
#[derive(Debug, Clone, Default)]
pub struct Counters {
    /// StartExportTask calls RDS refused with ExportTaskLimitReachedFault (pipeline's).
    pub quota_errors: u64,
    /// Most exports running at once in one account's RDS (pipeline and external).
    pub max_running: usize,
    /// Most ledger holders at once in one account.
    pub max_held: usize,
    /// External exports RDS refused (5 already ran).
    pub external_refused: u64,
    /// Releases whose wake was lost.
    pub lost_wakes: u64,
    /// Lost wakes that left a waiter behind a free slot: seconds until a waiter was admitted.
    pub lost_wake_recovery: Vec<f64>,
    /// Holders released by the status-change rule.
    pub rule_releases: u64,
    /// Holders released by the sweep because their export ended and the execution is gone.
    pub sweep_releases: u64,
    /// Holders released by the sweep because their lease expired before any export.
    pub lease_releases: u64,
    /// Admissions of an execution that no longer ran (its token dead): released, next woken.
    pub dead_tokens: u64,
    /// Admissions that broke the fairness invariant: the admitted waiter's database held
    /// more slots than another waiting database's.
    pub unfair_admissions: u64,
    /// Billed operations (the sweep's invocations are added by the summary).
    pub usage: Usage,
}

impl Counters {
    /// Adds another account's counters (maxima are maxima).
    pub fn add(&mut self, o: &Counters) {
        self.quota_errors += o.quota_errors;
        self.max_running = self.max_running.max(o.max_running);
        self.max_held = self.max_held.max(o.max_held);
        self.external_refused += o.external_refused;
        self.lost_wakes += o.lost_wakes;
        self.lost_wake_recovery
            .extend_from_slice(&o.lost_wake_recovery);
        self.rule_releases += o.rule_releases;
        self.sweep_releases += o.sweep_releases;
        self.lease_releases += o.lease_releases;
        self.dead_tokens += o.dead_tokens;
        self.unfair_admissions += o.unfair_admissions;
        self.usage.add(&o.usage);
    }
}

/// One account's run.
#[derive(Debug, Clone, Default)]
pub struct AccountRun {
    /// One per snapshot.
    pub records: Vec<Record>,
    /// External exports RDS ran, `(start, end)`.
    pub externals: Vec<(f64, f64)>,
    /// What happened.
    pub counters: Counters,
}

#[derive(Debug, Clone, Copy)]
enum Ev {
    /// The execution reaches AcquireExportSlot (slots) or StartExport (baseline).
    Arrive(usize),
    /// StartExport (after admission, a quota retry or a FAILED attempt).
    Start(usize),
    /// The running export turns terminal in RDS.
    ExportEnd(usize),
    /// The execution sees the end (RDS's event woke it).
    Seen(usize),
    /// ReleaseExportSlot.
    Release(usize),
    /// An operator aborts the execution.
    Abort(usize),
    /// The status-change rule for a failed or aborted execution.
    Rule(usize),
    /// The sweep.
    Tick,
    ExternalStart(usize),
    ExternalEnd,
}

#[derive(Debug, Clone, Default)]
struct Exec {
    attempt: usize,
    quota_retries: u32,
    acquired_at: f64,
    wait: Option<f64>,
    exporting: bool,
    export_started: f64,
    busy: f64,
    end: Option<f64>,
    outcome: Option<Outcome>,
}

impl Exec {
    /// The execution no longer runs.
    fn gone(&self) -> bool {
        self.outcome.is_some()
    }
}

#[derive(Debug, Clone, Copy)]
struct Holder {
    lease_until: f64,
    started: bool,
}

struct Sim<'a> {
    config: &'a OrgConfig,
    pipeline: &'a Pipeline,
    mode: Mode,
    policy: Admit,
    load: &'a Account,
    rng: Rng,
    queue: Queue<Ev>,
    execs: Vec<Exec>,
    running: usize,
    external_running: usize,
    holders: BTreeMap<usize, Holder>,
    ledger_external: usize,
    waiters: Vec<usize>,
    pending_lost: Vec<f64>,
    counters: Counters,
    externals: Vec<(f64, f64)>,
    /// Per database, how long its last completed export ran (0: none yet).
    last_length: Vec<f64>,
}

/// Simulates account `account`'s workload `load` under `mode`.
pub fn simulate(
    config: &OrgConfig,
    pipeline: &Pipeline,
    mode: Mode,
    policy: Admit,
    account: usize,
    load: &Account,
) -> AccountRun {
    let mut sim = Sim {
        config,
        pipeline,
        mode,
        policy,
        load,
        rng: Rng::new(config.seed ^ 0x0_5107 ^ ((account as u64 + 1) << 20)),
        queue: Queue::new(),
        execs: vec![Exec::default(); load.snapshots.len()],
        running: 0,
        external_running: 0,
        holders: BTreeMap::new(),
        ledger_external: 0,
        waiters: Vec::new(),
        pending_lost: Vec::new(),
        counters: Counters::default(),
        externals: Vec::new(),
        last_length: vec![0.0; config.databases],
    };
    sim.run();
    let records = load
        .snapshots
        .iter()
        .zip(&sim.execs)
        .map(|(s, e)| Record {
            account,
            db: s.db,
            day: s.day,
            ready: s.ready,
            wait: e.wait,
            outcome: e.outcome.unwrap_or(Outcome::Dropped),
            busy: e.busy,
            end: e.end,
        })
        .collect();
    AccountRun {
        records,
        externals: sim.externals,
        counters: sim.counters,
    }
}

impl Sim<'_> {
    fn run(&mut self) {
        for (i, s) in self.load.snapshots.iter().enumerate() {
            self.queue.push(s.ready, Ev::Arrive(i));
            if let Fault::Abort { at, .. } = s.fault {
                self.queue.push(s.ready + at * ABORT_WINDOW, Ev::Abort(i));
            }
        }
        for (k, e) in self.load.externals.iter().enumerate() {
            self.queue.push(e.start, Ev::ExternalStart(k));
        }
        let sweep = self.sweep_interval();
        if let Some(interval) = sweep {
            let phase = self.rng.uniform(0.0, interval);
            self.queue.push(phase, Ev::Tick);
        }
        let horizon = (self.config.days as f64 + 3.0) * DAY;
        while let Some((t, ev)) = self.queue.pop() {
            match ev {
                Ev::Arrive(i) => self.arrive(i, t),
                Ev::Start(i) => self.start(i, t),
                Ev::ExportEnd(i) => self.export_end(i, t),
                Ev::Seen(i) => self.seen(i, t),
                Ev::Release(i) => self.release(i, t),
                Ev::Abort(i) => self.abort(i, t),
                Ev::Rule(i) => self.rule(i, t),
                Ev::Tick => {
                    self.tick(t);
                    let busy = self.queue.len() > 0
                        || !self.holders.is_empty()
                        || !self.waiters.is_empty();
                    if let Some(interval) = sweep.filter(|_| busy && t < horizon) {
                        self.queue.push(t + interval, Ev::Tick);
                    }
                }
                Ev::ExternalStart(k) => self.external_start(k, t),
                Ev::ExternalEnd => {
                    self.running -= 1;
                    self.external_running -= 1;
                }
            }
        }
        // Waiters never admitted are dropped (their outcome stays unset).
    }

    fn sweep_interval(&self) -> Option<f64> {
        match self.mode {
            Mode::Slots => self.config.sweep_interval.map(|i| i.max(1.0)),
            Mode::Baseline => None,
        }
    }

    fn usage(&mut self) -> &mut Usage {
        &mut self.counters.usage
    }

    fn db(&self, i: usize) -> usize {
        self.load.snapshots[i].db
    }

    /// The waiter's order key (ms; smaller first): see [`Order`].
    fn enqueued_at(&self, i: usize) -> i64 {
        let key = match self.config.order {
            Order::Fifo => self.execs[i].acquired_at,
            Order::Clairvoyant => -self.execs_length(i),
            Order::PreviousLength => -self.last_length[self.db(i)],
        };
        (key * 1_000.0) as i64
    }

    /// Seconds snapshot `i`'s exports will run in RDS (every attempt).
    fn execs_length(&self, i: usize) -> f64 {
        self.load.snapshots[i]
            .attempts
            .iter()
            .map(|a| a.duration)
            .sum()
    }

    fn capacity(&self) -> usize {
        let external = if self.config.ledger_counts_external {
            self.ledger_external
        } else {
            0
        };
        self.config.quota.saturating_sub(external)
    }

    fn arrive(&mut self, i: usize, t: f64) {
        self.execs[i].acquired_at = t;
        if self.mode == Mode::Baseline {
            self.start(i, t);
            return;
        }
        // AcquireExportSlot: read the ledger and the queue, write the snapshot lock.
        let u = self.usage();
        u.transitions += 1.0;
        u.invoke(Function::Slots);
        u.reads += 2.0;
        u.writes += 1.0;
        if self.execs[i].gone() {
            return;
        }
        if self.config.recount_on_admit {
            self.ledger_external = self.external_running;
        }
        let free = self.capacity().saturating_sub(self.holders.len());
        if free > 0 && self.waiters.is_empty() {
            self.usage().writes += 2.0;
            self.admitted(i, t);
        } else {
            self.usage().writes += 1.0;
            self.waiters.push(i);
        }
    }

    /// `i` became a holder and its token was sent.
    fn admitted(&mut self, i: usize, t: f64) {
        let lease_until = t + self.config.lease_seconds;
        self.holders.insert(
            i,
            Holder {
                lease_until,
                started: false,
            },
        );
        self.counters.max_held = self.counters.max_held.max(self.holders.len());
        let exec = &mut self.execs[i];
        exec.wait = Some(t - exec.acquired_at);
        // The Choice after AcquireExportSlot (joined or go on).
        self.usage().transitions += 1.0;
        if self.load.snapshots[i].fault == Fault::Vanish {
            // Gone, and its status-change event lost: only the lease frees the slot.
            self.execs[i].outcome = Some(Outcome::Fault);
            return;
        }
        self.queue.push(t + STEP, Ev::Start(i));
    }

    fn start(&mut self, i: usize, t: f64) {
        if self.execs[i].gone() {
            return;
        }
        let u = self.usage();
        u.transitions += 1.0;
        u.invoke(Function::Short);
        if self.mode == Mode::Slots {
            // StartExport renews the holder's lease (and records the export id).
            self.usage().writes += 2.0;
            let lease = self.config.lease_seconds;
            if let Some(h) = self.holders.get_mut(&i) {
                h.lease_until = t + lease;
            }
        }
        if self.config.rds_enforces_quota && self.running >= self.config.quota {
            self.counters.quota_errors += 1;
            let retry = self.pipeline.quota_retry;
            let exec = &mut self.execs[i];
            exec.quota_retries += 1;
            if exec.quota_retries > retry.max_attempts {
                // ExportQuotaReached fails the execution: the snapshot is dropped.
                exec.outcome = Some(Outcome::Dropped);
                self.status_change(i, t);
            } else {
                let n = exec.quota_retries;
                let delay = retry.delay(n, &mut self.rng);
                self.queue.push(t + delay, Ev::Start(i));
            }
            return;
        }
        self.running += 1;
        self.counters.max_running = self.counters.max_running.max(self.running);
        let exec = &mut self.execs[i];
        exec.exporting = true;
        exec.export_started = t;
        if exec.wait.is_none() {
            exec.wait = Some(t - exec.acquired_at);
        }
        let duration = self.load.snapshots[i].attempts[exec.attempt].duration;
        if let Some(h) = self.holders.get_mut(&i) {
            h.started = true;
        }
        self.queue.push(t + duration, Ev::ExportEnd(i));
    }

    fn stop_export(&mut self, i: usize, t: f64) {
        self.running -= 1;
        let exec = &mut self.execs[i];
        exec.exporting = false;
        exec.busy += t - exec.export_started;
        exec.end = Some(t);
    }

    fn export_end(&mut self, i: usize, t: f64) {
        if !self.execs[i].exporting {
            return;
        }
        self.stop_export(i, t);
        if self.execs[i].gone() {
            // Aborted, export left running: no one sees its end but the sweep.
            return;
        }
        let delay = self.rng.uniform(0.0, self.config.event_delay_max);
        self.queue.push(t + delay, Ev::Seen(i));
    }

    fn seen(&mut self, i: usize, t: f64) {
        if self.execs[i].gone() {
            return;
        }
        // The export loop, woken by the event: WaitForExportEvent and ExportStatus;
        // wait-for-export and export-events; the export-waits item (put, query, delete).
        let u = self.usage();
        u.transitions += 2.0;
        u.invoke(Function::Short);
        u.invoke(Function::Short);
        u.writes += 2.0;
        u.reads += 1.0;
        let attempts = &self.load.snapshots[i].attempts;
        let exec = &mut self.execs[i];
        if attempts[exec.attempt].fails {
            if exec.attempt + 1 < attempts.len() {
                exec.attempt += 1;
                exec.quota_retries = 0;
                self.queue.push(t + STEP, Ev::Start(i));
            } else {
                exec.outcome = Some(Outcome::FailedInRds);
                self.status_change(i, t);
            }
            return;
        }
        exec.outcome = Some(Outcome::Exported);
        let db = self.load.snapshots[i].db;
        self.last_length[db] = t - self.execs[i].export_started;
        if self.mode == Mode::Slots {
            self.queue.push(t + STEP, Ev::Release(i));
        }
    }

    /// The execution ended FAILED or ABORTED: the status-change rule will run (unless its
    /// event is lost).
    fn status_change(&mut self, i: usize, t: f64) {
        if self.mode != Mode::Slots || self.rng.chance(self.config.rule_lost) {
            return;
        }
        let delay = self.rng.uniform(0.0, self.config.event_delay_max);
        self.queue.push(t + delay, Ev::Rule(i));
    }

    fn release(&mut self, i: usize, t: f64) {
        let u = self.usage();
        u.transitions += 1.0;
        u.invoke(Function::Slots);
        u.reads += 1.0;
        self.release_holder(i, t);
    }

    /// Removes `i`'s holder and wakes the next waiters, unless the wake is lost.
    fn release_holder(&mut self, i: usize, t: f64) {
        if self.holders.remove(&i).is_none() {
            return;
        }
        self.usage().writes += 2.0;
        if self.rng.chance(self.config.lost_wake) {
            self.counters.lost_wakes += 1;
            if !self.waiters.is_empty() {
                self.pending_lost.push(t);
            }
            return;
        }
        self.admit_round(t);
    }

    fn abort(&mut self, i: usize, t: f64) {
        if self.execs[i].gone() {
            return;
        }
        self.execs[i].outcome = Some(Outcome::Fault);
        let cancel = matches!(
            self.load.snapshots[i].fault,
            Fault::Abort { cancel: true, .. }
        );
        if cancel && self.execs[i].exporting {
            self.stop_export(i, t);
        }
        self.status_change(i, t);
    }

    /// The status-change rule: releases the execution's holder unless its export still
    /// runs in RDS (it still counts against the quota).
    fn rule(&mut self, i: usize, t: f64) {
        let u = self.usage();
        u.invoke(Function::Slots);
        u.reads += 1.0;
        if self.holders.contains_key(&i) && !self.execs[i].exporting {
            self.counters.rule_releases += 1;
            self.release_holder(i, t);
        }
    }

    fn tick(&mut self, t: f64) {
        // Per account: the ledger, the queue, DescribeExportTasks (not billed).
        self.usage().reads += 2.0;
        if self.ledger_external != self.external_running {
            self.ledger_external = self.external_running;
            self.usage().writes += 2.0;
        }
        let stale: Vec<(usize, bool)> = self
            .holders
            .iter()
            .filter_map(|(&i, h)| {
                let exec = &self.execs[i];
                if h.started && !exec.exporting && exec.gone() {
                    Some((i, false))
                } else if !h.started && t >= h.lease_until {
                    Some((i, true))
                } else {
                    None
                }
            })
            .collect();
        for (i, lease) in stale {
            if lease {
                self.counters.lease_releases += 1;
            } else {
                self.counters.sweep_releases += 1;
            }
            self.holders.remove(&i);
            self.usage().writes += 2.0;
        }
        // Re-running admission finds free slots a lost wake left behind.
        self.admit_round(t);
    }

    fn external_start(&mut self, k: usize, t: f64) {
        if self.config.rds_enforces_quota && self.running >= self.config.quota {
            self.counters.external_refused += 1;
            return;
        }
        let duration = self.load.externals[k].duration;
        self.running += 1;
        self.external_running += 1;
        self.counters.max_running = self.counters.max_running.max(self.running);
        self.externals.push((t, t + duration));
        self.queue.push(t + duration, Ev::ExternalEnd);
    }

    /// Hands free slots to waiters, as the policy says; a dead token's slot is handed on.
    fn admit_round(&mut self, t: f64) {
        // Reading the queue.
        self.usage().reads += 1.0;
        if self.config.recount_on_admit && !self.waiters.is_empty() {
            self.ledger_external = self.external_running;
        }
        loop {
            let free = self.capacity().saturating_sub(self.holders.len());
            if free == 0 || self.waiters.is_empty() {
                // A slot a lost wake left free is gone (the sweep counted an external
                // export into it) or no one waits for it: it delays no one any more.
                self.pending_lost.clear();
                return;
            }
            let waiters: Vec<Waiter> = self
                .waiters
                .iter()
                .map(|&i| Waiter {
                    key: format!("{i:06}"),
                    db: format!("db{:02}", self.db(i)),
                    enqueued_at: self.enqueued_at(i),
                })
                .collect();
            let held_names: Vec<String> = self
                .holders
                .keys()
                .map(|&i| format!("db{:02}", self.db(i)))
                .collect();
            let held: Vec<&str> = held_names.iter().map(String::as_str).collect();
            let mut taken = vec![false; waiters.len()];
            let chosen: Vec<usize> = (self.policy)(&waiters, &held, free)
                .into_iter()
                .filter(|&c| c < waiters.len() && !std::mem::replace(&mut taken[c], true))
                .collect();
            if chosen.is_empty() {
                return;
            }
            self.check_fairness(&chosen);
            let admitted: Vec<usize> = chosen.iter().map(|&c| self.waiters[c]).collect();
            self.waiters.retain(|i| !admitted.contains(i));
            for lost in std::mem::take(&mut self.pending_lost) {
                self.counters.lost_wake_recovery.push(t - lost);
            }
            let mut dead = false;
            for i in admitted {
                // The ledger's conditional write and the waiter item's delete.
                self.usage().writes += 3.0;
                if self.execs[i].gone() {
                    // SendTaskSuccess fails (the execution was aborted while parked).
                    self.counters.dead_tokens += 1;
                    self.usage().writes += 2.0;
                    dead = true;
                    continue;
                }
                self.admitted(i, t);
            }
            if !dead {
                return;
            }
        }
    }

    /// Counts admissions where another waiting database held fewer slots than the
    /// admitted one's (the invariant of the fair policy, checked independently of it).
    fn check_fairness(&mut self, chosen: &[usize]) {
        let mut load: BTreeMap<usize, usize> = BTreeMap::new();
        for &h in self.holders.keys() {
            *load.entry(self.db(h)).or_default() += 1;
        }
        let mut left: Vec<usize> = (0..self.waiters.len()).collect();
        for &c in chosen {
            left.retain(|&x| x != c);
            let db = self.db(self.waiters[c]);
            let mine = load.get(&db).copied().unwrap_or(0);
            let least_other = left
                .iter()
                .map(|&x| self.db(self.waiters[x]))
                .filter(|&d| d != db)
                .map(|d| load.get(&d).copied().unwrap_or(0))
                .min();
            if least_other.is_some_and(|other| other < mine) {
                self.counters.unfair_admissions += 1;
            }
            *load.entry(db).or_default() += 1;
        }
    }
}

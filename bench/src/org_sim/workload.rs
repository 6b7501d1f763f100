//! One account's workload: its snapshots (when each arrives, its export attempts drawn
//! from poll-sim's mix, its injected fault) and the exports started outside the pipeline.
//! Drawn from a generator of the account's own, so both schedulers see the same workload
//! and an account's draws do not depend on how many accounts run.

use super::OrgConfig;
use crate::export_model::{draw_export, draw_with};
use crate::rng::Rng;
use contract::ExportStatus;

/// One export attempt in RDS.
#[derive(Debug, Clone, Copy)]
pub struct Attempt {
    /// Seconds from StartExportTask to terminal (STARTING, extraction, tail; or the fail).
    pub duration: f64,
    /// True when it ends FAILED.
    pub fails: bool,
}

/// A fault injected into the snapshot's execution.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Fault {
    /// None.
    None,
    /// Aborted by an operator `at` × [`ABORT_WINDOW`] after the snapshot arrived (parked,
    /// holding a slot or exporting; nothing if it already ended); `cancel`: its running
    /// export is canceled too (it stops at once), else RDS runs it to its end.
    Abort {
        /// Fraction of [`ABORT_WINDOW`].
        at: f64,
        /// Whether the operator also canceled the export.
        cancel: bool,
    },
    /// The execution vanishes right after admission, its status-change event lost.
    Vanish,
}

/// One snapshot to export.
#[derive(Debug, Clone)]
pub struct Snapshot {
    /// Database index.
    pub db: usize,
    /// Day index.
    pub day: usize,
    /// When its event arrives (the execution starts), seconds from the start.
    pub ready: f64,
    /// Export attempts, the last the one that counts (at most `max_attempts`).
    pub attempts: Vec<Attempt>,
    /// Its injected fault.
    pub fault: Fault,
}

/// An export started outside the pipeline.
#[derive(Debug, Clone, Copy)]
pub struct External {
    /// When it is started, seconds from the start.
    pub start: f64,
    /// How long it runs.
    pub duration: f64,
}

/// An account's workload.
#[derive(Debug, Clone)]
pub struct Account {
    /// Snapshots, by arrival time.
    pub snapshots: Vec<Snapshot>,
    /// External exports, by start time.
    pub externals: Vec<External>,
}

const DAY: f64 = 86_400.0;

/// Aborts fall within this many seconds of the snapshot's arrival (6 h: while it waits or
/// exports, mostly).
pub const ABORT_WINDOW: f64 = 6.0 * 3_600.0;

/// A database's export attempts of one day: its extraction is its own length ×
/// U(0.9, 1.1) (a database's size changes little from day to day), STARTING, shape, tail
/// and failure drawn afresh from poll-sim's mix.
fn attempts(rng: &mut Rng, extraction: f64, max_attempts: usize) -> Vec<Attempt> {
    let mut out = Vec::new();
    loop {
        let starting = rng.uniform(5.0, 40.0) * 60.0;
        let today = extraction * rng.uniform(0.9, 1.1);
        let (duration, status) = draw_with(rng, starting, today).terminal();
        let fails = status == ExportStatus::Failed;
        out.push(Attempt { duration, fails });
        if !fails || out.len() >= max_attempts {
            return out;
        }
    }
}

/// The workload of account `index`.
pub fn account(config: &OrgConfig, index: usize, max_attempts: usize) -> Account {
    let mut rng = Rng::new(config.seed ^ ((index as u64 + 1).wrapping_mul(0x9E37_79B9)));
    // A database's backup window is fixed: the same time every day.
    let windows: Vec<f64> = (0..config.databases)
        .map(|_| config.window_from + rng.uniform(0.0, config.window_spread))
        .collect();
    // Each database's extraction length, drawn once from poll-sim's mix.
    let lengths: Vec<f64> = (0..config.databases)
        .map(|_| draw_export(&mut rng).extraction)
        .collect();
    let mut snapshots = Vec::new();
    let mut externals = Vec::new();
    for day in 0..config.days {
        let base = day as f64 * DAY;
        for (db, window) in windows.iter().enumerate() {
            let extra = if db == 0 { config.busy_extra } else { 0 };
            for k in 0..=extra {
                let delay = if k == 0 {
                    rng.uniform(5.0, 30.0)
                } else {
                    rng.uniform(5.0, 60.0)
                };
                let attempts = attempts(&mut rng, lengths[db], max_attempts);
                let roll = rng.unit();
                let fault = if roll < config.abort {
                    Fault::Abort {
                        at: rng.unit(),
                        cancel: rng.chance(0.5),
                    }
                } else if roll < config.abort + config.vanish {
                    Fault::Vanish
                } else {
                    Fault::None
                };
                snapshots.push(Snapshot {
                    db,
                    day,
                    ready: base + window + delay * 60.0,
                    attempts,
                    fault,
                });
            }
        }
        for _ in 0..config.external_per_day {
            let start = base + rng.uniform(0.0, DAY);
            let (duration, _) = draw_export(&mut rng).terminal();
            externals.push(External { start, duration });
        }
    }
    snapshots.sort_by(|a, b| a.ready.total_cmp(&b.ready));
    externals.sort_by(|a, b| a.start.total_cmp(&b.start));
    Account {
        snapshots,
        externals,
    }
}

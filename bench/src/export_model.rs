//! A model of how RDS snapshot exports look through DescribeExportTasks, and a simulator
//! that runs a polling policy against it.
//!
//! The mix (seeded, see [`generate_mix`]) is an assumption, documented in
//! docs/performance.md:
//!
//! * STARTING lasts U(5, 40) min (restore and scale-up, no progress);
//! * extraction lasts log-uniform(2 min, 12 h), every decade equally likely;
//! * progress is linear (50 %), linear with 1-2 stalls of 5-25 % of the extraction each
//!   (25 %), or bursty: 3-12 tables, each finishing in a short burst of progress (25 %);
//! * PercentProgress is reported as an integer (floor) and may stay at 0 for a while after
//!   extraction began ([`Export::zero_hold`], drawn by [`add_zero_holds`]); after 100 % the
//!   export stays IN_PROGRESS for U(0, 2) min (metadata files) before COMPLETE;
//! * 5 % of exports FAIL at a time uniform over their whole life.

use crate::rng::Rng;
use contract::{ExportStatus, MAX_PROGRESS_SAMPLES, ProgressSample};

/// The progress shape of an extraction.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Shape {
    /// Constant rate.
    Linear,
    /// Constant rate with plateaus.
    Stalling,
    /// Flat between table-sized bursts.
    Bursty,
}

/// One simulated export, times in seconds from StartExport.
#[derive(Debug, Clone)]
pub struct Export {
    /// End of STARTING.
    pub starting: f64,
    /// Length of the extraction (0 to 100 %).
    pub extraction: f64,
    /// Time spent at 100 % before COMPLETE.
    pub tail: f64,
    /// Progress shape.
    pub shape: Shape,
    /// Knots `(time fraction, progress fraction)` of a monotone piecewise-linear curve
    /// from (0, 0) to (1, 1).
    pub knots: Vec<(f64, f64)>,
    /// When the export fails, if it does before completing.
    pub fails_at: Option<f64>,
    /// Seconds after STARTING during which PercentProgress still shows 0 although the
    /// extraction runs (then it shows the real progress at once): RDS's percent is coarse
    /// and is reported to stay at 0 for a long time early on.
    pub zero_hold: f64,
}

impl Export {
    /// When the export becomes terminal, and whether it fails.
    pub fn terminal(&self) -> (f64, ExportStatus) {
        let complete = self.starting + self.extraction + self.tail;
        match self.fails_at {
            Some(at) if at < complete => (at, ExportStatus::Failed),
            _ => (complete, ExportStatus::Complete),
        }
    }

    /// What DescribeExportTasks shows at `t`: status and PercentProgress.
    pub fn observe(&self, t: f64) -> (ExportStatus, u8) {
        let (end, terminal) = self.terminal();
        if t >= end {
            let percent = if terminal == ExportStatus::Complete {
                100
            } else {
                self.percent(t)
            };
            return (terminal, percent);
        }
        if t < self.starting {
            return (ExportStatus::Starting, 0);
        }
        if t < self.starting + self.zero_hold {
            return (ExportStatus::InProgress, 0);
        }
        (ExportStatus::InProgress, self.percent(t))
    }

    fn percent(&self, t: f64) -> u8 {
        let x = ((t - self.starting) / self.extraction).clamp(0.0, 1.0);
        if x >= 1.0 {
            // Exactly 100 at the end, whatever the interpolation's rounding.
            return 100;
        }
        let progress = self
            .knots
            .windows(2)
            .find(|w| x <= w[1].0)
            .map_or(1.0, |w| {
                let (t0, p0) = w[0];
                let (t1, p1) = w[1];
                if t1 <= t0 {
                    p1
                } else {
                    p0 + (p1 - p0) * (x - t0) / (t1 - t0)
                }
            });
        (progress * 100.0).floor().clamp(0.0, 100.0) as u8
    }
}

/// Knots of a curve with `plateaus` stalls, each lasting a fraction of the extraction.
fn stalling_knots(rng: &mut Rng) -> Vec<(f64, f64)> {
    let count = rng.range(1, 2) as usize;
    let mut stalls: Vec<(f64, f64)> = (0..count)
        .map(|_| (rng.uniform(0.05, 0.95), rng.uniform(0.05, 0.25)))
        .collect();
    stalls.sort_by(|a, b| a.0.total_cmp(&b.0));
    let moving = 1.0 - stalls.iter().map(|s| s.1).sum::<f64>();
    let mut knots = vec![(0.0, 0.0)];
    let mut time = 0.0;
    let mut level = 0.0;
    for (at, length) in stalls {
        time += (at - level) * moving;
        knots.push((time, at));
        time += length;
        knots.push((time, at));
        level = at;
    }
    knots.push((1.0, 1.0));
    knots
}

/// Knots of a curve made of `tables` bursts at random times with random sizes.
fn bursty_knots(rng: &mut Rng) -> Vec<(f64, f64)> {
    let tables = rng.range(3, 12) as usize;
    let mut ends: Vec<f64> = (0..tables - 1).map(|_| rng.unit()).collect();
    ends.push(1.0);
    ends.sort_by(f64::total_cmp);
    let weights: Vec<f64> = (0..tables).map(|_| rng.uniform(0.2, 1.0)).collect();
    let total: f64 = weights.iter().sum();
    let mut knots = vec![(0.0, 0.0)];
    let mut level = 0.0;
    for (end, weight) in ends.into_iter().zip(weights) {
        // Each table's percent shows up in a burst taking 2 % of the extraction.
        let start = (end - 0.02).max(knots.last().map_or(0.0, |k| k.0));
        knots.push((start, level));
        level += weight / total;
        knots.push((end, level.min(1.0)));
    }
    if let Some(last) = knots.last_mut() {
        *last = (1.0, 1.0);
    }
    knots
}

/// One export drawn from the documented mix.
pub fn draw_export(rng: &mut Rng) -> Export {
    let starting = rng.uniform(5.0, 40.0) * 60.0;
    let extraction = rng.log_uniform(2.0 * 60.0, 12.0 * 3_600.0);
    draw_with(rng, starting, extraction)
}

/// An export with the given STARTING and extraction lengths and a random shape,
/// tail and failure.
pub fn draw_with(rng: &mut Rng, starting: f64, extraction: f64) -> Export {
    let tail = rng.uniform(0.0, 120.0);
    let roll = rng.unit();
    let (shape, knots) = if roll < 0.5 {
        (Shape::Linear, vec![(0.0, 0.0), (1.0, 1.0)])
    } else if roll < 0.75 {
        (Shape::Stalling, stalling_knots(rng))
    } else {
        (Shape::Bursty, bursty_knots(rng))
    };
    let fails = rng.chance(0.05);
    let fail_time = rng.uniform(0.0, starting + extraction + tail);
    Export {
        starting,
        extraction,
        tail,
        shape,
        knots,
        fails_at: fails.then_some(fail_time),
        zero_hold: 0.0,
    }
}

/// Gives every export a 0 % hold of U(0, `max_fraction`) of its extraction, drawn from a
/// generator of its own (seeded by `seed`) so the rest of the mix stays the same as
/// without holds. `max_fraction` 0 turns the holds off.
pub fn add_zero_holds(exports: &mut [Export], seed: u64, max_fraction: f64) {
    let mut rng = Rng::new(seed ^ 0x4_0000);
    for e in exports {
        e.zero_hold = rng.uniform(0.0, max_fraction) * e.extraction;
    }
}

/// `n` exports from the documented mix, fixed by `seed`.
pub fn generate_mix(seed: u64, n: usize) -> Vec<Export> {
    let mut rng = Rng::new(seed);
    (0..n).map(|_| draw_export(&mut rng)).collect()
}

/// Outcome of polling one export.
#[derive(Debug, Clone, Copy)]
pub struct PollRun {
    /// CheckExport calls made (StartExport not counted).
    pub polls: u32,
    /// Seconds between the export turning terminal and a poll seeing it.
    pub lag: f64,
    /// The terminal status seen (or the last status if the wait timed out).
    pub status: ExportStatus,
    /// True when `max_wait` passed before the export ended.
    pub timed_out: bool,
}

/// A waiting policy as the simulator calls it: `(status, samples, now, checks so far)` →
/// seconds to wait.
pub type WaitPolicy<'a> = dyn Fn(ExportStatus, &[ProgressSample], i64, u32) -> u32 + 'a;

/// Polls `export` with `policy` (status, samples, seconds since start) → next wait, the way
/// the state machine does: StartExport, then Wait / CheckExport until terminal or
/// `max_wait` seconds. Samples are recorded at every non-terminal look, STARTING as 0 %,
/// keeping the last [`MAX_PROGRESS_SAMPLES`], as CheckExport does.
pub fn simulate(export: &Export, max_wait: f64, policy: &WaitPolicy) -> PollRun {
    let (end, _) = export.terminal();
    let mut samples: Vec<ProgressSample> = Vec::new();
    let mut t = 0.0;
    let mut polls = 0;
    let mut wait = policy(ExportStatus::Starting, &samples, 0, 0);
    loop {
        t += f64::from(wait.max(1));
        polls += 1;
        let (status, percent) = export.observe(t);
        if status.is_terminal() {
            return PollRun {
                polls,
                lag: t - end,
                status,
                timed_out: false,
            };
        }
        if t >= max_wait {
            return PollRun {
                polls,
                lag: t - end,
                status,
                timed_out: true,
            };
        }
        samples.push(ProgressSample {
            at: t as i64,
            percent,
        });
        if samples.len() > MAX_PROGRESS_SAMPLES {
            samples.remove(0);
        }
        wait = policy(status, &samples, t as i64, polls);
    }
}

/// How RDS's export-finished event reaches the pipeline (`[export] events = true`): each
/// export's event is lost with probability `loss`, else delivered `U(0, delay_max)` seconds
/// after the export turned terminal. An assumption (RDS documents best-effort delivery, no
/// figures), stated in docs/performance.md with the command that used it.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct EventModel {
    /// Longest delivery delay, seconds.
    pub delay_max: f64,
    /// Probability that an export's event never arrives.
    pub loss: f64,
    /// A proposed wait-for-export (not today's): an entry after a fallback skips
    /// DescribeExportTasks, the fallback CheckExport having observed the export moments
    /// before, so a fallback costs one status check instead of two. The first entry keeps
    /// its check (an export that ends right after StartExport, or its event, is still seen).
    pub skip_fresh_entry_check: bool,
    /// The scheduled sweep's interval, seconds (`None`: no sweep). Every interval the
    /// sweep lists the exports RDS still runs (one DescribeExportTasks per account while a
    /// wait is open) and confirms and wakes each waiting execution whose export is not in
    /// that list ([`SWEEP_CONFIRM_SECONDS`] later). The schedule runs independently of the
    /// exports: its phase is drawn per export.
    pub sweep_interval: Option<f64>,
}

/// Time from a sweep's tick to its SendTaskSuccess: the Lambda invocation, the Scan, the
/// list call and the confirming DescribeExportTasks (an assumption: a few calls of tens of
/// milliseconds each, plus a cold start at 5-minute spacing).
pub const SWEEP_CONFIRM_SECONDS: f64 = 5.0;

/// Outcome of waiting for one export with events and the fallback poll.
#[derive(Debug, Clone, Copy)]
pub struct EventRun {
    /// DescribeExportTasks calls: one per callback entry (wait-for-export; only the first
    /// with [`EventModel::skip_fresh_entry_check`]), one per fallback CheckExport, one per
    /// confirmation by export-events (StartExport's not counted, as in [`PollRun::polls`]).
    pub checks: u32,
    /// Entries of the callback state (WaitForExportEvent).
    pub entries: u32,
    /// Callback timeouts, each followed by a CheckExport (the fallback poll).
    pub timeouts: u32,
    /// export-events invocations (the event, when delivered).
    pub events_delivered: u32,
    /// True when the wait ended by a token sent back (by the event, or at once because the
    /// export had already ended), false when a fallback CheckExport saw the end.
    pub woken: bool,
    /// True when this export's event was lost.
    pub event_lost: bool,
    /// Seconds between the export turning terminal and the execution going on.
    pub lag: f64,
    /// The longest fallback interval used, seconds.
    pub longest_fallback: f64,
    /// The terminal status seen (or the last status if the wait timed out).
    pub status: ExportStatus,
    /// True when `max_wait` passed before the export ended.
    pub timed_out: bool,
    /// True when the sweep (not the event, an entry or a fallback) ended the wait.
    pub swept: bool,
    /// Sweep ticks while this export's wait was open: the sweep's list calls (and its
    /// invocations doing more than an empty Scan) this export causes when no other export
    /// of the account waits at the same time; an upper bound otherwise (shared).
    pub sweep_ticks: u32,
}

impl EventRun {
    /// State transitions of the wait (StartExport's not counted, as for the Wait loop):
    /// each entry of WaitForExportEvent, CheckExport and ExportStatus per timeout, and
    /// ExportStatus once after a token came back.
    pub fn transitions(&self) -> u32 {
        self.entries + 2 * self.timeouts + u32::from(self.woken)
    }

    /// Lambda invocations: wait-for-export per entry, CheckExport per timeout, export-events
    /// per delivered event and per sweep tick while the wait was open (see
    /// [`EventRun::sweep_ticks`]).
    pub fn invocations(&self) -> u32 {
        self.entries + self.timeouts + self.events_delivered + self.sweep_ticks
    }
}

/// Waits for `export` the way the callback graph does: StartExport, then WaitForExportEvent
/// (store the token, check once, wake at once if the export has ended), woken by the
/// export's event (delivered per `model`, drawn from `rng`) unless the fallback interval
/// `fallback(status, samples, now)` passes first, which runs CheckExport and enters the
/// callback again, or the sweep (per `model`) finds the export ended first. Samples are
/// recorded at StartExport (0 %) and at each fallback CheckExport, as they do.
pub fn simulate_events(
    export: &Export,
    max_wait: f64,
    fallback: &WaitPolicy<'_>,
    model: EventModel,
    rng: &mut Rng,
) -> EventRun {
    let (end, _) = export.terminal();
    let event_lost = rng.chance(model.loss);
    let delay = rng.uniform(0.0, model.delay_max);
    let event_at = (!event_lost).then_some(end + delay);
    // Drawn with or without a sweep, so every variant sees the same events.
    let phase = rng.uniform(0.0, 1.0);
    let sweep = model
        .sweep_interval
        .map(|i| (i.max(1.0), phase * i.max(1.0)));
    // The first sweep tick at or after `from`.
    let tick_from =
        |from: f64| sweep.map(|(i, first)| first + ((from - first) / i).ceil().max(0.0) * i);
    // Sweep ticks before `until` (while the wait was open).
    let ticks_before = |until: f64| {
        sweep.map_or(0, |(i, first)| {
            if until <= first {
                0
            } else {
                ((until - first) / i).ceil() as u32
            }
        })
    };
    let mut run = EventRun {
        checks: 0,
        entries: 0,
        timeouts: 0,
        events_delivered: u32::from(!event_lost),
        woken: false,
        event_lost,
        lag: 0.0,
        longest_fallback: 0.0,
        status: ExportStatus::Starting,
        timed_out: false,
        swept: false,
        sweep_ticks: 0,
    };
    // StartExport's observation (STARTING, recorded as 0 %) and its first fallback interval.
    let mut samples = vec![ProgressSample { at: 0, percent: 0 }];
    let mut t = 0.0;
    let mut wait = fallback(ExportStatus::Starting, &samples, 0, 0);
    loop {
        // WaitForExportEvent: the token is stored, then the export checked once (after a
        // fallback, the proposed entry skips the check CheckExport made just before).
        run.entries += 1;
        run.checks += u32::from(!model.skip_fresh_entry_check || run.entries == 1);
        let (status, _) = export.observe(t);
        run.status = status;
        if status.is_terminal() {
            run.woken = true;
            run.lag = t - end;
            run.sweep_ticks = ticks_before(t);
            return run;
        }
        let interval = f64::from(wait.max(1));
        run.longest_fallback = run.longest_fallback.max(interval);
        // The sweep wakes the execution at its first tick after the end, unless the event
        // came first (then the sweep finds no open wait) or the fallback does.
        let swept_at = tick_from(t.max(end))
            .map(|tick| tick + SWEEP_CONFIRM_SECONDS)
            .filter(|&at| at < t + interval);
        let woken_at = match (event_at.filter(|&at| at < t + interval), swept_at) {
            (Some(e), Some(s)) if s < e => Some((s, true)),
            (Some(e), _) => Some((e, false)),
            (None, s) => s.map(|s| (s, true)),
        };
        if let Some((at, swept)) = woken_at {
            // export-events (the event's rule or the sweep) confirms with one
            // DescribeExportTasks of the task and sends the token.
            run.checks += 1;
            run.woken = true;
            run.swept = swept;
            run.status = export.observe(at).0;
            run.lag = at - end;
            run.sweep_ticks = ticks_before(at);
            return run;
        }
        // The fallback: States.Timeout -> CheckExport.
        t += interval;
        run.timeouts += 1;
        run.checks += 1;
        let (status, percent) = export.observe(t);
        run.status = status;
        if status.is_terminal() {
            run.lag = t - end;
            run.sweep_ticks = ticks_before(t);
            return run;
        }
        if t >= max_wait {
            run.lag = t - end;
            run.timed_out = true;
            run.sweep_ticks = ticks_before(t);
            return run;
        }
        samples.push(ProgressSample {
            at: t as i64,
            percent,
        });
        if samples.len() > MAX_PROGRESS_SAMPLES {
            samples.remove(0);
        }
        wait = fallback(status, &samples, t as i64, run.checks);
    }
}

#[cfg(test)]
mod tests;

//! The polling policy: how long WaitForExport waits before the next CheckExport.
//!
//! Pure and deterministic (no clock, no I/O) so it can be unit-tested and simulated
//! (`cargo run -p snapshot-export-bench --bin poll-sim`, figures in docs/performance.md).
//!
//! A Wait state costs one transition however long it lasts, so the bill and the execution
//! history grow with the number of polls, not with the export's duration. The policy spends
//! polls where they buy detection speed:
//!
//! * STARTING (restore and scale-up, 5-40 min, no progress): nothing to learn, so the first
//!   look is at [`FIRST_POLL_SECONDS`] and then every [`STARTING_POLL_SECONDS`].
//! * IN_PROGRESS: PercentProgress is an integer, so two samples bound the rate from above:
//!   `(p_now - p_ref + 1) / (t_now - t_ref)`. With that fastest plausible rate, the time
//!   left until 99 % is a *lower* bound on the time left for steady progress, and waiting a
//!   fraction ([`REMAINING_FRACTION`]) of it never overshoots a steady export. Each poll
//!   sharpens the estimate, so waits shrink geometrically towards the end and become dense
//!   (the floor) only there. A stall lowers the measured rate and so backs the policy off;
//!   a burst raises it and makes the next waits short.
//! * Always within the bounds: `min_poll_seconds` (raised, when needed, so that even a
//!   policy stuck at the floor for `max_wait_seconds` stays under the policy's `max_polls`,
//!   the execution's poll budget split between its attempts and a redrive, so the
//!   execution stays under the 25,000-event history limit and redrivable), `max_poll_seconds`, and never
//!   past the wait deadline (CheckExport then reports `ExportWaitTimedOut` on time).
//!
//! With `policy.events` (`[export] events = true`) RDS's export-finished event wakes the
//! execution, and the wait is the callback's *fallback* interval: the bound on how late an
//! export is noticed when its event is lost (EventBridge delivery of RDS events is best
//! effort). The fallback is timed from what RDS reports rather than by a fixed backoff:
//!
//! * no progress yet (STARTING, or IN_PROGRESS still at 0 %): the export may end
//!   [`SHORTEST_EXTRACTION_SECONDS`] after it leaves STARTING, so the looks are
//!   [`EVENT_LAG_TARGET_SECONDS`] (+ that minimum while STARTING) apart, the first after
//!   [`EVENT_FIRST_FALLBACK_SECONDS`];
//! * moving: two samples bound the remaining time from both sides (integer percents:
//!   fastest rate `(dp + 1) / dt`, slowest `(dp - 1) / dt`; one sample after a 0 % look:
//!   the slowest rate assumes extraction began at that look). The next look is at the
//!   *latest* plausible end plus [`EVENT_END_MARGIN_SECONDS`] when that is sure to be
//!   within [`EVENT_LAG_TARGET_SECONDS`] of the *earliest* plausible end, else at the
//!   earliest plausible end + the lag target: a steady export's lost event is noticed
//!   within the target, and an uncertain estimate costs one more look, never a late one;
//! * always at most [`EVENT_FALLBACK_MAX_SECONDS`] apart: progress that is not steady
//!   (stalls, tables landing in bursts, a failure at any moment) cannot be foreseen from
//!   the samples, and this cap is what bounds its lag;
//! * within the same floor and deadline as the Wait loop.
//!
//! TotalExtractedDataInGB is not used: without the export's total size its growth gives a
//! rate, not an end, and at fallback spacing (tens of minutes) the integer percent already
//! moves by several points. RDS's per-table progress events are not used either (they
//! cannot shorten a callback's timeout once the state is entered); docs/performance.md,
//! section 1c, says more and shows the figures.

use contract::{ExportStatus, PollPolicy, ProgressSample};

/// First look after StartExport: RDS spends at least about 5 minutes in STARTING.
pub const FIRST_POLL_SECONDS: u32 = 300;

/// Wait between looks while the export shows no progress (STARTING, or IN_PROGRESS at 0 %
/// or with a single moving sample): short enough that a small export finishing right after
/// STARTING is seen within 5 minutes (as a fixed 300 s loop would), long enough that
/// STARTING costs a handful of polls. The simulator's variant table shows the trade-off.
pub const STARTING_POLL_SECONDS: u32 = 300;

/// Fraction of the remaining-time lower bound to wait: below 1 to absorb a burst of
/// progress ahead (a fast table after a slow one) that the past rate cannot foresee.
pub const REMAINING_FRACTION: f64 = 0.8;

/// Shortest STARTING RDS is assumed to take (restore and scale-up; the simulated mix's
/// shortest, 5 min).
pub const SHORTEST_STARTING_SECONDS: u32 = 300;

/// Shortest extraction RDS is assumed to take (the simulated mix's shortest, 2 min): an
/// export seen STARTING cannot end sooner after that look (a shorter one is noticed up to
/// the difference later than the lag target).
pub const SHORTEST_EXTRACTION_SECONDS: u32 = 120;

/// The lag target for a lost export-finished event (issue 20: 15 min): the policy's looks
/// are at most this long after the earliest plausible end of a steady export.
pub const EVENT_LAG_TARGET_SECONDS: u32 = 900;

/// First fallback after StartExport: RDS spends at least about 5 minutes in STARTING and the
/// extraction at least [`SHORTEST_EXTRACTION_SECONDS`], so a look this late is still within
/// the lag target of the earliest possible end.
pub const EVENT_FIRST_FALLBACK_SECONDS: u32 =
    SHORTEST_STARTING_SECONDS + SHORTEST_EXTRACTION_SECONDS + EVENT_LAG_TARGET_SECONDS;

/// Time RDS may stay IN_PROGRESS at 100 % before COMPLETE (metadata files; up to about
/// 2 min in the simulation): waited on top of the latest plausible end.
pub const EVENT_END_MARGIN_SECONDS: u32 = 120;

/// Longest fallback interval with events on: the lag of what the samples cannot foresee
/// (a burst of tables, the end of a stall, a failure) is at most this. The variant table
/// of docs/performance.md shows what each value costs in checks and buys in lag.
pub const EVENT_FALLBACK_MAX_SECONDS: u32 = 1_200;

/// Longest fallback interval while the progress looks steady (the last two intervals
/// between three moving samples each moved at least 2 points, at rates within
/// [`STEADY_RATE_RATIO`] of each other). Off (equal to [`EVENT_FALLBACK_MAX_SECONDS`]): in
/// the simulation 1,000 s / 3,600 s while steady saves 17 % of the checks but lets a stall
/// or a failure after a steady stretch go unnoticed for up to an hour (lost-event lag max
/// 2,740 s instead of 1,259 s at 5 % lost); kept as a knob for that trade.
pub const EVENT_STEADY_FALLBACK_MAX_SECONDS: u32 = EVENT_FALLBACK_MAX_SECONDS;

/// Largest ratio between two interval rates that still counts as steady progress.
pub const STEADY_RATE_RATIO: f64 = 1.3;

/// The policy's knobs, so the simulator can compare variants; production uses
/// [`Tuning::DEFAULT`].
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Tuning {
    /// See [`FIRST_POLL_SECONDS`].
    pub first_poll_seconds: u32,
    /// See [`STARTING_POLL_SECONDS`].
    pub starting_poll_seconds: u32,
    /// See [`REMAINING_FRACTION`].
    pub remaining_fraction: f64,
    /// See [`EVENT_LAG_TARGET_SECONDS`].
    pub event_lag_target_seconds: u32,
    /// See [`EVENT_FALLBACK_MAX_SECONDS`].
    pub event_fallback_max_seconds: u32,
    /// See [`EVENT_STEADY_FALLBACK_MAX_SECONDS`].
    pub event_steady_fallback_max_seconds: u32,
}

impl Tuning {
    /// The tuning `next_poll_seconds` uses.
    pub const DEFAULT: Self = Self {
        first_poll_seconds: FIRST_POLL_SECONDS,
        starting_poll_seconds: STARTING_POLL_SECONDS,
        remaining_fraction: REMAINING_FRACTION,
        event_lag_target_seconds: EVENT_LAG_TARGET_SECONDS,
        event_fallback_max_seconds: EVENT_FALLBACK_MAX_SECONDS,
        event_steady_fallback_max_seconds: EVENT_STEADY_FALLBACK_MAX_SECONDS,
    };
}

/// The effective `(floor, ceiling)` of the next wait under `policy`, after `checks` polls
/// of this wait, with `wait_left` seconds to its deadline.
///
/// The floor is `min_poll_seconds` for the first half of the poll budget (`max_polls`);
/// past it, the polls left are spread over the time left (`ceil(wait_left / polls left)`),
/// so even a policy stuck at the floor makes at most `max_polls` polls (+1 at the deadline)
/// and the history limit holds whatever the export does, while the usual export (tens of
/// polls) keeps the configured floor. The ceiling is `max_poll_seconds`, never below the
/// floor (a Wait needs at least 1 s as well).
pub fn poll_bounds(policy: &PollPolicy, checks: u32, wait_left: u64) -> (u32, u32) {
    let budget = policy.max_polls.max(1);
    let history_floor = if checks < budget / 2 {
        0
    } else {
        wait_left.div_ceil(u64::from(budget.saturating_sub(checks).max(1)))
    };
    let floor = u64::from(policy.min_poll_seconds).max(history_floor).max(1);
    let floor = u32::try_from(floor).unwrap_or(u32::MAX);
    (floor, policy.max_poll_seconds.max(floor))
}

/// Seconds to wait before the next DescribeExportTasks, given what the last one showed.
///
/// `progress` holds the recent samples, oldest first, the last one being the observation
/// just made at `now` (STARTING observations may be recorded as 0 %); `started_at` is when
/// the wait began (the export's start, or the redrive that restarted it); `checks` counts
/// the polls of this wait so far.
pub fn next_poll_seconds(
    policy: &PollPolicy,
    status: ExportStatus,
    progress: &[ProgressSample],
    started_at: i64,
    now: i64,
    checks: u32,
) -> u32 {
    next_poll_seconds_tuned(
        &Tuning::DEFAULT,
        policy,
        status,
        progress,
        started_at,
        now,
        checks,
    )
}

/// [`next_poll_seconds`] with explicit knobs (for the simulator's comparisons).
pub fn next_poll_seconds_tuned(
    tuning: &Tuning,
    policy: &PollPolicy,
    status: ExportStatus,
    progress: &[ProgressSample],
    started_at: i64,
    now: i64,
    checks: u32,
) -> u32 {
    let deadline =
        started_at.saturating_add(i64::try_from(policy.max_wait_seconds).unwrap_or(i64::MAX));
    let until_deadline = u64::try_from(deadline.saturating_sub(now)).unwrap_or(0);
    let (floor, ceiling) = poll_bounds(policy, checks, until_deadline);
    if policy.events {
        return event_fallback_seconds(
            tuning,
            floor,
            status,
            progress,
            started_at,
            now,
            until_deadline,
        );
    }
    let wanted: u64 = match status {
        ExportStatus::Starting => starting_wait(tuning, started_at, now),
        ExportStatus::InProgress => match remaining_lower_bound(progress, now) {
            // Truncation is fine: the fraction already leaves slack.
            Some(remaining) => (remaining * tuning.remaining_fraction) as u64,
            None => u64::from(tuning.starting_poll_seconds),
        },
        // CANCELING ends soon; terminal states are not polled again (the graph leaves the
        // loop), but answer something sane.
        ExportStatus::Canceling
        | ExportStatus::Complete
        | ExportStatus::Failed
        | ExportStatus::Canceled => u64::from(floor),
    };
    let wait = wanted
        .min(until_deadline)
        .clamp(u64::from(floor), u64::from(ceiling));
    u32::try_from(wait).unwrap_or(ceiling)
}

/// The callback's fallback interval (`policy.events`): see the module doc.
fn event_fallback_seconds(
    tuning: &Tuning,
    floor: u32,
    status: ExportStatus,
    progress: &[ProgressSample],
    started_at: i64,
    now: i64,
    until_deadline: u64,
) -> u32 {
    let lag = f64::from(tuning.event_lag_target_seconds);
    let wanted: f64 = match status {
        // CANCELING ends soon (and RDS sends no event for it): look again at the floor.
        ExportStatus::Canceling => f64::from(floor),
        ExportStatus::Starting => {
            let elapsed = now.saturating_sub(started_at).max(0) as f64;
            let first = f64::from(first_fallback(tuning));
            (first - elapsed).max(f64::from(SHORTEST_EXTRACTION_SECONDS) + lag)
        }
        ExportStatus::InProgress => {
            let at_100 = progress
                .iter()
                .rfind(|s| s.at <= now)
                .is_some_and(|s| s.percent >= 100);
            if at_100 {
                f64::from(EVENT_END_MARGIN_SECONDS)
            } else {
                // Without a rate the export may end at any moment: the earliest end is now.
                let earliest = remaining_lower_bound(progress, now).unwrap_or(0.0);
                let latest = remaining_upper_bound(progress, started_at, now).unwrap_or(f64::MAX);
                (latest + f64::from(EVENT_END_MARGIN_SECONDS)).min(earliest + lag)
            }
        }
        ExportStatus::Complete | ExportStatus::Failed | ExportStatus::Canceled => f64::from(floor),
    };
    // STARTING ends unforeseeably only by failing: its first look is not held to the cap.
    let cap = match status {
        ExportStatus::Starting => tuning
            .event_fallback_max_seconds
            .max(first_fallback(tuning)),
        _ if looks_steady(progress, now) => tuning
            .event_fallback_max_seconds
            .max(tuning.event_steady_fallback_max_seconds),
        _ => tuning.event_fallback_max_seconds,
    };
    let ceiling = cap.max(floor);
    // Truncation is fine: a second less is a look a second earlier.
    let wait = (wanted.max(0.0).min(u32::MAX as f64) as u64)
        .min(until_deadline)
        .clamp(u64::from(floor), u64::from(ceiling));
    u32::try_from(wait).unwrap_or(ceiling)
}

/// True when the last three moving samples show two intervals of at least 2 points each,
/// at rates within [`STEADY_RATE_RATIO`] of each other.
fn looks_steady(progress: &[ProgressSample], now: i64) -> bool {
    let moving: Vec<&ProgressSample> = progress
        .iter()
        .filter(|s| s.at <= now && s.percent > 0)
        .collect();
    let [a, b, c] = match moving.len().checked_sub(3).map(|from| &moving[from..]) {
        Some(&[a, b, c]) => [a, b, c],
        _ => return false,
    };
    let rate = |x: &ProgressSample, y: &ProgressSample| {
        let points = i64::from(y.percent) - i64::from(x.percent);
        let seconds = y.at - x.at;
        (points >= 2 && seconds > 0).then(|| points as f64 / seconds as f64)
    };
    match (rate(a, b), rate(b, c)) {
        (Some(r1), Some(r2)) => r1.max(r2) / r1.min(r2) <= STEADY_RATE_RATIO,
        _ => false,
    }
}

/// The first fallback after StartExport under `tuning`: see [`EVENT_FIRST_FALLBACK_SECONDS`].
fn first_fallback(tuning: &Tuning) -> u32 {
    SHORTEST_STARTING_SECONDS + SHORTEST_EXTRACTION_SECONDS + tuning.event_lag_target_seconds
}

/// STARTING: the first look `first_poll_seconds` after the start, then a steady pace.
fn starting_wait(tuning: &Tuning, started_at: i64, now: i64) -> u64 {
    let elapsed = u64::try_from(now.saturating_sub(started_at)).unwrap_or(0);
    let first = u64::from(tuning.first_poll_seconds);
    let pace = u64::from(tuning.starting_poll_seconds);
    if elapsed < first {
        (first - elapsed).max(pace)
    } else {
        pace
    }
}

/// A lower bound, in seconds, on the time left until the export shows 99 %, assuming it
/// keeps its fastest plausible past rate; `None` when the samples say nothing about the
/// rate (no progress yet, a single sample, or samples that contradict each other).
///
/// Only samples above 0 % anchor a rate: extraction starts at an unknown moment after the
/// last STARTING look, so a rate measured from a 0 % sample could be far too slow. The
/// reference is the latest sample still at the oldest moving percent in the window, so a
/// stall before it does not dilute the rate; a stall over the whole window does.
pub fn remaining_lower_bound(progress: &[ProgressSample], now: i64) -> Option<f64> {
    // Samples from the future (clock skew, bad input) cannot be rates: ignore them.
    let window: Vec<&ProgressSample> = progress.iter().filter(|s| s.at <= now).collect();
    let last = window.last()?;
    let percent = f64::from(last.percent.min(100));
    if last.percent >= 99 {
        return Some(0.0);
    }
    if last.percent == 0 || window.len() < 2 {
        return None;
    }
    // 0 % samples are STARTING (or not yet moving): extraction began at an unknown time
    // after them, so they cannot anchor a rate.
    let moving: Vec<&ProgressSample> = window.iter().copied().filter(|s| s.percent > 0).collect();
    if moving.len() < 2 {
        return None;
    }
    let oldest_percent = moving.first()?.percent;
    let reference = moving[..moving.len() - 1]
        .iter()
        .rev()
        .find(|s| s.percent == oldest_percent)
        .copied()?;
    if reference.percent > last.percent {
        return None;
    }
    let seconds = (last.at - reference.at) as f64;
    if seconds <= 0.0 {
        return None;
    }
    // The true percents lie in [p, p + 1): at most p_now + 1 - p_ref points were done in
    // `seconds`, and at least 99 - p_now are left.
    let fastest_rate = (percent - f64::from(reference.percent) + 1.0) / seconds;
    Some((99.0 - percent) / fastest_rate)
}

/// An upper bound, in seconds, on the time left until the export shows 100 %, assuming its
/// slowest plausible steady rate; `None` when the samples do not bound the rate from below
/// (no progress yet, or at most one point of progress between the reference and the last
/// sample: the rate could be almost nil).
///
/// With two moving samples (the same reference as [`remaining_lower_bound`]) the slowest
/// rate is `(p_now - p_ref - 1) / (t_now - t_ref)`. With one, the extraction is assumed to
/// have begun at the last 0 % look before it (or `started_at`): RDS may show 0 % for a
/// while after extraction began, so this bound can be short, which costs one more look,
/// never a late one (the policy also waits no longer than the lower bound + the lag target).
pub fn remaining_upper_bound(
    progress: &[ProgressSample],
    started_at: i64,
    now: i64,
) -> Option<f64> {
    let window: Vec<&ProgressSample> = progress.iter().filter(|s| s.at <= now).collect();
    let last = window.last()?;
    if last.percent >= 100 {
        return Some(0.0);
    }
    if last.percent == 0 {
        return None;
    }
    let percent = f64::from(last.percent);
    let moving: Vec<&ProgressSample> = window.iter().copied().filter(|s| s.percent > 0).collect();
    if moving.len() < 2 {
        let zero_at = window
            .iter()
            .rev()
            .find(|s| s.percent == 0 && s.at < last.at)
            .map_or(started_at, |s| s.at);
        let seconds = (last.at - zero_at) as f64;
        if seconds <= 0.0 {
            return None;
        }
        return Some((100.0 - percent) * seconds / percent);
    }
    let oldest_percent = moving.first()?.percent;
    let reference = moving[..moving.len() - 1]
        .iter()
        .rev()
        .find(|s| s.percent == oldest_percent)
        .copied()?;
    let seconds = (last.at - reference.at) as f64;
    let points = f64::from(last.percent) - f64::from(reference.percent) - 1.0;
    if seconds <= 0.0 || points <= 0.0 {
        return None;
    }
    Some((100.0 - percent) * seconds / points)
}

#[cfg(test)]
mod tests;

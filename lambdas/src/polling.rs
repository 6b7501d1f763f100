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
//! execution, and the wait is the callback's *fallback* interval, the bound on how late a
//! lost event is noticed: at least [`EVENT_FALLBACK_MIN_SECONDS`], growing with the time
//! the export has run ([`EVENT_FALLBACK_ELAPSED_FACTOR`]) so a long export costs a few
//! fallback checks, at most [`EVENT_FALLBACK_MAX_SECONDS`], within the same floor and
//! deadline.

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

/// Shortest fallback interval with events on: an event normally ends the wait, so a
/// fallback check only matters when RDS's event is lost (about 1 % in the simulation).
pub const EVENT_FALLBACK_MIN_SECONDS: u32 = 3_600;

/// Fallback interval as a multiple of the time the export has run so far: the export's
/// length is unknown, so the checks back off geometrically (a 2-hour export gets one
/// fallback check, a 12-hour one four) and a lost event is noticed within about 1.5 times
/// the export's age.
pub const EVENT_FALLBACK_ELAPSED_FACTOR: f64 = 1.5;

/// Longest fallback interval with events on.
pub const EVENT_FALLBACK_MAX_SECONDS: u32 = 6 * 3_600;

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
}

impl Tuning {
    /// The tuning `next_poll_seconds` uses.
    pub const DEFAULT: Self = Self {
        first_poll_seconds: FIRST_POLL_SECONDS,
        starting_poll_seconds: STARTING_POLL_SECONDS,
        remaining_fraction: REMAINING_FRACTION,
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
        return event_fallback_seconds(policy, floor, status, started_at, now);
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
    policy: &PollPolicy,
    floor: u32,
    status: ExportStatus,
    started_at: i64,
    now: i64,
) -> u32 {
    let elapsed = u64::try_from(now.saturating_sub(started_at)).unwrap_or(0);
    let wanted = match status {
        // CANCELING ends soon (and RDS sends no event for it): look again at the floor.
        ExportStatus::Canceling => u64::from(floor),
        _ => ((elapsed as f64 * EVENT_FALLBACK_ELAPSED_FACTOR) as u64)
            .max(u64::from(EVENT_FALLBACK_MIN_SECONDS)),
    };
    let deadline =
        started_at.saturating_add(i64::try_from(policy.max_wait_seconds).unwrap_or(i64::MAX));
    let until_deadline = u64::try_from(deadline.saturating_sub(now)).unwrap_or(0);
    let ceiling = u64::from(EVENT_FALLBACK_MAX_SECONDS.max(floor));
    let wait = wanted.min(until_deadline).clamp(u64::from(floor), ceiling);
    u32::try_from(wait).unwrap_or(EVENT_FALLBACK_MAX_SECONDS)
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

#[cfg(test)]
mod tests;

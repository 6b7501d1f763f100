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

/// The effective `(floor, ceiling)` of a wait under `policy`.
///
/// The floor is `min_poll_seconds`, raised to `ceil(max_wait_seconds / max_polls)` so
/// that the history limit holds whatever the export does; the ceiling is
/// `max_poll_seconds`, never below the floor (a Wait needs at least 1 s as well).
pub fn poll_bounds(policy: &PollPolicy) -> (u32, u32) {
    let history_floor = policy
        .max_wait_seconds
        .div_ceil(u64::from(policy.max_polls.max(1)));
    let floor = u64::from(policy.min_poll_seconds).max(history_floor).max(1);
    let floor = u32::try_from(floor).unwrap_or(u32::MAX);
    (floor, policy.max_poll_seconds.max(floor))
}

/// Seconds to wait before the next DescribeExportTasks, given what the last one showed.
///
/// `progress` holds the recent samples, oldest first, the last one being the observation
/// just made at `now` (STARTING observations may be recorded as 0 %); `started_at` is when
/// the pipeline started or adopted the export.
pub fn next_poll_seconds(
    policy: &PollPolicy,
    status: ExportStatus,
    progress: &[ProgressSample],
    started_at: i64,
    now: i64,
) -> u32 {
    next_poll_seconds_tuned(&Tuning::DEFAULT, policy, status, progress, started_at, now)
}

/// [`next_poll_seconds`] with explicit knobs (for the simulator's comparisons).
pub fn next_poll_seconds_tuned(
    tuning: &Tuning,
    policy: &PollPolicy,
    status: ExportStatus,
    progress: &[ProgressSample],
    started_at: i64,
    now: i64,
) -> u32 {
    let (floor, ceiling) = poll_bounds(policy);
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
    let deadline =
        started_at.saturating_add(i64::try_from(policy.max_wait_seconds).unwrap_or(i64::MAX));
    let until_deadline = u64::try_from(deadline.saturating_sub(now)).unwrap_or(0);
    let wait = wanted
        .min(until_deadline)
        .clamp(u64::from(floor), u64::from(ceiling));
    u32::try_from(wait).unwrap_or(ceiling)
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
mod tests {
    use super::*;

    const HOUR: i64 = 3_600;

    fn policy() -> PollPolicy {
        PollPolicy {
            min_poll_seconds: 30,
            max_poll_seconds: 1_800,
            max_wait_seconds: 24 * HOUR as u64,
            max_polls: 2_400,
        }
    }

    fn samples(points: &[(i64, u8)]) -> Vec<ProgressSample> {
        points
            .iter()
            .map(|&(at, percent)| ProgressSample { at, percent })
            .collect()
    }

    /// Linear extraction of `duration` seconds starting at `start`, observed at `at`.
    fn linear(start: i64, duration: i64, at: &[i64]) -> Vec<ProgressSample> {
        at.iter()
            .map(|&t| ProgressSample {
                at: t,
                percent: (((t - start).max(0) * 100) / duration).min(100) as u8,
            })
            .collect()
    }

    #[test]
    fn history_floor_raises_the_minimum_for_long_waits() {
        let (floor, ceiling) = poll_bounds(&policy());
        // 24 h / 2,400 polls = 36 s > 30 s.
        assert_eq!((floor, ceiling), (36, 1_800));
        let short = PollPolicy {
            max_wait_seconds: 3_600,
            ..policy()
        };
        assert_eq!(poll_bounds(&short), (30, 1_800));
        let odd = PollPolicy {
            min_poll_seconds: 0,
            max_poll_seconds: 0,
            max_wait_seconds: 0,
            max_polls: 0,
        };
        assert_eq!(poll_bounds(&odd), (1, 1));
    }

    #[test]
    fn waits_always_stay_within_the_bounds() {
        let tight = PollPolicy {
            min_poll_seconds: 45,
            max_poll_seconds: 90,
            ..policy()
        };
        let cases = [
            (ExportStatus::Starting, samples(&[])),
            (ExportStatus::InProgress, samples(&[(0, 1), (10, 98)])),
            (ExportStatus::InProgress, samples(&[(0, 1), (86_000, 2)])),
            (ExportStatus::Canceling, samples(&[(0, 50)])),
        ];
        for (status, progress) in cases {
            let now = progress.last().map_or(0, |s| s.at);
            let wait = next_poll_seconds(&tight, status, &progress, 0, now);
            assert!((45..=90).contains(&wait), "{status:?} {progress:?}: {wait}");
        }
    }

    #[test]
    fn never_waits_past_the_deadline_but_respects_the_floor() {
        let p = policy();
        let now = 24 * HOUR - 100;
        assert_eq!(
            next_poll_seconds(&p, ExportStatus::Starting, &[], 0, now),
            100
        );
        let past = 24 * HOUR + 500;
        assert_eq!(
            next_poll_seconds(&p, ExportStatus::Starting, &[], 0, past),
            36
        );
    }

    #[test]
    fn starting_looks_first_after_five_minutes_then_at_a_steady_pace() {
        let p = policy();
        let start = 1_700_000_000;
        assert_eq!(
            next_poll_seconds(&p, ExportStatus::Starting, &[], start, start),
            300
        );
        let later = start + 20 * 60;
        let zero = samples(&[(later, 0)]);
        let wait = next_poll_seconds(&p, ExportStatus::Starting, &zero, start, later);
        assert_eq!(wait, STARTING_POLL_SECONDS);
    }

    #[test]
    fn steady_progress_waits_close_to_the_end_without_overshooting() {
        let p = policy();
        // Extraction of 100 min starting at t = 20 min, last STARTING look at 18 min.
        let (start, duration) = (20 * 60, 100 * 60);
        let mut at = vec![18 * 60];
        at.extend([25 * 60, 60 * 60]);
        let progress = linear(start, duration, &at);
        let now = 60 * 60;
        let wait = next_poll_seconds(&p, ExportStatus::InProgress, &progress, 0, now);
        let end = start + duration;
        assert!(i64::from(wait) < end - now, "overshoots: {wait}");
        // But it waits a large part of the 60 min left, not a fixed minute.
        assert!(wait >= 1_500, "too cautious: {wait}");
    }

    #[test]
    fn steady_progress_never_overshoots_the_end() {
        let p = policy();
        for duration in [600, 3_600, 6 * HOUR, 12 * HOUR] {
            let start = 600;
            let mut at = vec![0, start - 1];
            let end = start + duration;
            while let Some(&now) = at.last() {
                if now >= end {
                    break;
                }
                let progress = linear(start, duration, &at);
                let status = if now < start {
                    ExportStatus::Starting
                } else {
                    ExportStatus::InProgress
                };
                let wait = next_poll_seconds(&p, status, &progress, 0, now);
                let next = now + i64::from(wait);
                // Overshoot is only allowed by the floor itself.
                assert!(next <= end + 36, "{duration}: poll at {next} > end {end}");
                at.push(next);
                assert!(at.len() < 100, "{duration}: too many polls");
            }
        }
    }

    #[test]
    fn a_stall_backs_off_instead_of_polling_at_the_floor() {
        let p = policy();
        let short = samples(&[(0, 80), (600, 90), (900, 90)]);
        let long = samples(&[(0, 80), (600, 90), (900, 90), (2_000, 90)]);
        let w_short = next_poll_seconds(&p, ExportStatus::InProgress, &short, 0, 900);
        let w_long = next_poll_seconds(&p, ExportStatus::InProgress, &long, 0, 2_000);
        assert!(w_long > w_short, "stall: {w_short} then {w_long}");
        // A stall over the whole window still yields a finite, growing wait.
        let flat = samples(&[(0, 50), (300, 50), (600, 50)]);
        let w_flat = next_poll_seconds(&p, ExportStatus::InProgress, &flat, 0, 600);
        assert!(w_flat > 300, "flat window: {w_flat}");
    }

    #[test]
    fn near_the_end_polls_are_dense() {
        let p = policy();
        let at_99 = samples(&[(0, 10), (3_000, 99)]);
        assert_eq!(
            next_poll_seconds(&p, ExportStatus::InProgress, &at_99, 0, 3_000),
            36
        );
        let at_97 = samples(&[(0, 10), (3_000, 97)]);
        let wait = next_poll_seconds(&p, ExportStatus::InProgress, &at_97, 0, 3_000);
        assert!(wait <= 60, "97 %: {wait}");
        let at_50 = samples(&[(0, 10), (3_000, 50)]);
        let far = next_poll_seconds(&p, ExportStatus::InProgress, &at_50, 0, 3_000);
        assert!(far > 10 * wait, "50 % waits {far}, 97 % waits {wait}");
    }

    #[test]
    fn integer_percents_and_stale_zeros_do_not_dilute_the_rate() {
        // 20 min of STARTING zeros, then 1 % per minute: the rate must come from the moving
        // samples, not from a zero (which would make the estimate far too long).
        let progress = samples(&[(0, 0), (600, 0), (1_200, 0), (1_500, 5), (1_800, 10)]);
        let remaining = remaining_lower_bound(&progress, 1_800).unwrap_or(f64::NAN);
        // True rate 1 %/min from t = 1,200 would leave 89 min; bound must not exceed it.
        assert!(remaining <= 89.0 * 60.0, "{remaining}");
        assert!(remaining >= 60.0 * 60.0, "{remaining}");
    }

    #[test]
    fn no_rate_information_falls_back_to_the_steady_pace() {
        for progress in [
            samples(&[(100, 0), (400, 0)]),
            samples(&[(400, 30)]),
            // Extraction began somewhere after the last zero: no rate yet.
            samples(&[(0, 0), (400, 30)]),
            samples(&[(0, 60), (400, 20)]),
        ] {
            assert_eq!(remaining_lower_bound(&progress, 400), None, "{progress:?}");
            let wait = next_poll_seconds(&policy(), ExportStatus::InProgress, &progress, 0, 400);
            assert_eq!(wait, STARTING_POLL_SECONDS);
        }
        // Samples from the future are ignored rather than producing negative rates.
        let future = samples(&[(0, 10), (400, 20), (900, 90)]);
        assert!(remaining_lower_bound(&future, 400).is_some_and(|r| r > 0.0));
    }
}

//! Unit tests of `polling`.

use super::*;
use crate::test_support::policy;

const HOUR: i64 = 3_600;

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
fn the_history_floor_holds_only_past_half_the_budget() {
    // 2,400 polls of budget: the configured 30 s floor for the first 1,200 polls ...
    assert_eq!(poll_bounds(&policy(), 0, 86_400), (30, 1_800));
    assert_eq!(poll_bounds(&policy(), 1_199, 86_400), (30, 1_800));
    // ... then the polls left spread over the time left: 1,000 polls for 80,000 s.
    assert_eq!(poll_bounds(&policy(), 1_400, 80_000), (80, 1_800));
    // Budget spent: one wait to the deadline.
    assert_eq!(poll_bounds(&policy(), 2_400, 5_000), (5_000, 5_000));
    let odd = PollPolicy {
        min_poll_seconds: 0,
        max_poll_seconds: 0,
        max_wait_seconds: 0,
        max_polls: 0,
        events: false,
    };
    assert_eq!(poll_bounds(&odd, 0, 0), (1, 1));
}

#[test]
fn a_policy_stuck_at_the_floor_stays_within_the_poll_budget() {
    // The worst case for the history: every wait as short as the bounds allow, for the
    // whole max_wait_seconds (an export stuck at 99 % that always looks about to end).
    for max_polls in [666, 1_000, 2_400] {
        let p = PollPolicy {
            max_polls,
            ..policy()
        };
        let (mut t, mut checks) = (0u64, 0u32);
        while t < p.max_wait_seconds {
            let (floor, _) = poll_bounds(&p, checks, p.max_wait_seconds - t);
            t += u64::from(floor);
            checks += 1;
        }
        assert!(checks <= max_polls + 1, "{max_polls}: {checks} polls");
    }
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
        let wait = next_poll_seconds(&tight, status, &progress, 0, now, 0);
        assert!((45..=90).contains(&wait), "{status:?} {progress:?}: {wait}");
    }
}

#[test]
fn never_waits_past_the_deadline_but_respects_the_floor() {
    let p = policy();
    let now = 24 * HOUR - 100;
    assert_eq!(
        next_poll_seconds(&p, ExportStatus::Starting, &[], 0, now, 0),
        100
    );
    let past = 24 * HOUR + 500;
    assert_eq!(
        next_poll_seconds(&p, ExportStatus::Starting, &[], 0, past, 0),
        30
    );
}

#[test]
fn starting_looks_first_after_five_minutes_then_at_a_steady_pace() {
    let p = policy();
    let start = 1_700_000_000;
    assert_eq!(
        next_poll_seconds(&p, ExportStatus::Starting, &[], start, start, 0),
        300
    );
    let later = start + 20 * 60;
    let zero = samples(&[(later, 0)]);
    let wait = next_poll_seconds(&p, ExportStatus::Starting, &zero, start, later, 0);
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
    let wait = next_poll_seconds(&p, ExportStatus::InProgress, &progress, 0, now, 0);
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
            let wait = next_poll_seconds(&p, status, &progress, 0, now, 0);
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
    let w_short = next_poll_seconds(&p, ExportStatus::InProgress, &short, 0, 900, 0);
    let w_long = next_poll_seconds(&p, ExportStatus::InProgress, &long, 0, 2_000, 0);
    assert!(w_long > w_short, "stall: {w_short} then {w_long}");
    // A stall over the whole window still yields a finite, growing wait.
    let flat = samples(&[(0, 50), (300, 50), (600, 50)]);
    let w_flat = next_poll_seconds(&p, ExportStatus::InProgress, &flat, 0, 600, 0);
    assert!(w_flat > 300, "flat window: {w_flat}");
}

#[test]
fn near_the_end_polls_are_dense() {
    let p = policy();
    let at_99 = samples(&[(0, 10), (3_000, 99)]);
    assert_eq!(
        next_poll_seconds(&p, ExportStatus::InProgress, &at_99, 0, 3_000, 0),
        30
    );
    let at_97 = samples(&[(0, 10), (3_000, 97)]);
    let wait = next_poll_seconds(&p, ExportStatus::InProgress, &at_97, 0, 3_000, 0);
    assert!(wait <= 60, "97 %: {wait}");
    let at_50 = samples(&[(0, 10), (3_000, 50)]);
    let far = next_poll_seconds(&p, ExportStatus::InProgress, &at_50, 0, 3_000, 0);
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
        let wait = next_poll_seconds(&policy(), ExportStatus::InProgress, &progress, 0, 400, 0);
        assert_eq!(wait, STARTING_POLL_SECONDS);
    }
    // Samples from the future are ignored rather than producing negative rates.
    let future = samples(&[(0, 10), (400, 20), (900, 90)]);
    assert!(remaining_lower_bound(&future, 400).is_some_and(|r| r > 0.0));
}

#[test]
fn events_fallback_grows_with_the_exports_age_within_its_bounds() {
    let events = PollPolicy {
        events: true,
        ..policy()
    };
    let at = |status, now| next_poll_seconds(&events, status, &samples(&[]), 0, now, 0);
    // The first fallback is an hour, whatever the status.
    assert_eq!(at(ExportStatus::Starting, 0), EVENT_FALLBACK_MIN_SECONDS);
    assert_eq!(
        at(ExportStatus::InProgress, 600),
        EVENT_FALLBACK_MIN_SECONDS
    );
    // Then 1.5 times the age: a 2-hour export is checked at 1 h and 2.5 h at most.
    assert_eq!(at(ExportStatus::InProgress, 3_600), 5_400);
    // Capped at 6 h, and never past the 24 h deadline.
    assert_eq!(
        at(ExportStatus::InProgress, 6 * HOUR),
        EVENT_FALLBACK_MAX_SECONDS
    );
    assert_eq!(at(ExportStatus::InProgress, 23 * HOUR), 3_600);
    // CANCELING sends no event: look again soon (the floor).
    assert_eq!(
        at(ExportStatus::Canceling, 3_600),
        poll_bounds(&events, 0, 86_400 - 3_600).0
    );
    // Off: the adaptive poll, bounded by max_poll_seconds.
    assert!(
        next_poll_seconds(
            &policy(),
            ExportStatus::InProgress,
            &samples(&[]),
            0,
            3_600,
            0
        ) <= 1_800
    );
}

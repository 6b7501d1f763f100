//! Unit tests of `polling`.

use super::*;

const HOUR: i64 = 3_600;

fn policy() -> PollPolicy {
    PollPolicy {
        min_poll_seconds: 30,
        max_poll_seconds: 1_800,
        max_wait_seconds: 24 * HOUR as u64,
        max_polls: 2_400,
        events: false,
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

/// Waits for a linear export (STARTING for `starting` s, then `extraction` s at a steady
/// rate, 60 s at 100 % before COMPLETE) whose export-finished event is lost, the way the
/// callback graph does: the fallback interval from StartExport's observation, then one
/// CheckExport per timeout, each sample kept as CheckExport keeps it. Returns the detection
/// lag (seconds from COMPLETE to the check that sees it) and the checks made before it.
fn lost_event_lag(starting: i64, extraction: i64) -> (i64, u32) {
    let events = PollPolicy {
        events: true,
        ..policy()
    };
    let end = starting + extraction + 60;
    let mut samples = samples(&[(0, 0)]);
    let (mut t, mut checks, mut status) = (0, 0, ExportStatus::Starting);
    loop {
        t += i64::from(next_poll_seconds(&events, status, &samples, 0, t, checks));
        checks += 1;
        if t >= end {
            return (t - end, checks - 1);
        }
        status = if t < starting {
            ExportStatus::Starting
        } else {
            ExportStatus::InProgress
        };
        let percent = ((t - starting).max(0) * 100 / extraction).min(100) as u8;
        samples.push(ProgressSample { at: t, percent });
        if samples.len() > contract::MAX_PROGRESS_SAMPLES {
            samples.remove(0);
        }
    }
}

#[test]
fn a_lost_event_of_a_steady_export_is_noticed_within_15_minutes() {
    // The target for a lost export-finished event: 15 minutes, whatever the
    // export's length (STARTING 5-40 min, extraction 2 min to 12 h).
    for starting in [300, 1_200, 2_400] {
        for extraction in [120, 600, 1_800, 2 * HOUR, 5 * HOUR, 12 * HOUR] {
            let (lag, checks) = lost_event_lag(starting, extraction);
            assert!(
                (0..=900).contains(&lag),
                "STARTING {starting} s, extraction {extraction} s: lost event noticed {lag} s late (after {checks} checks)"
            );
        }
    }
}

fn events() -> PollPolicy {
    PollPolicy {
        events: true,
        ..policy()
    }
}

#[test]
fn events_fallback_without_progress_looks_within_the_lag_target_of_the_earliest_end() {
    let at = |status, progress: &[(i64, u8)], now| {
        next_poll_seconds(&events(), status, &samples(progress), 0, now, 0)
    };
    // STARTING lasts at least 5 min and the extraction at least 2: the first look is 15 min
    // after the earliest possible end, then 15 min + 2 min after each STARTING look.
    assert_eq!(
        at(ExportStatus::Starting, &[(0, 0)], 0),
        EVENT_FIRST_FALLBACK_SECONDS
    );
    assert_eq!(EVENT_FIRST_FALLBACK_SECONDS, 1_320);
    assert_eq!(
        at(ExportStatus::Starting, &[(0, 0), (1_320, 0)], 1_320),
        SHORTEST_EXTRACTION_SECONDS + EVENT_LAG_TARGET_SECONDS
    );
    // Extracting without a percent yet (RDS may show 0 % for a long time): it may end at
    // any moment, so the lag target itself.
    assert_eq!(
        at(
            ExportStatus::InProgress,
            &[(0, 0), (1_320, 0), (2_340, 0)],
            2_340
        ),
        EVENT_LAG_TARGET_SECONDS
    );
    // One moving sample: the extraction may have begun just before it (any rate is
    // plausible), so the same, unless even the slowest rate ends sooner.
    assert_eq!(
        at(
            ExportStatus::InProgress,
            &[(0, 0), (1_320, 0), (2_340, 10)],
            2_340
        ),
        EVENT_LAG_TARGET_SECONDS
    );
    // 96 % reached in the 1,020 s since the 0 % look: at most 43 s left, + the margin.
    assert_eq!(
        at(
            ExportStatus::InProgress,
            &[(0, 0), (1_320, 0), (2_340, 96)],
            2_340
        ),
        42 + EVENT_END_MARGIN_SECONDS
    );
    // At 100 % but not COMPLETE yet (metadata files): the margin.
    assert_eq!(
        at(ExportStatus::InProgress, &[(0, 0), (2_340, 100)], 2_340),
        EVENT_END_MARGIN_SECONDS
    );
    // CANCELING sends no event: look again soon (the floor).
    assert_eq!(
        at(ExportStatus::Canceling, &[(0, 0)], 3_600),
        poll_bounds(&events(), 0, 86_400 - 3_600).0
    );
}

#[test]
fn events_fallback_aims_just_after_the_latest_end_of_a_steady_export() {
    // 20 points in 900 s: 21/900 at the fastest, 19/900 at the slowest; 60 points left.
    let progress = samples(&[(0, 0), (1_320, 0), (2_340, 20), (3_240, 40)]);
    let earliest = remaining_lower_bound(&progress, 3_240).unwrap_or_default();
    let latest = remaining_upper_bound(&progress, 0, 3_240).unwrap_or_default();
    assert_eq!((earliest as u32, latest as u32), (2_528, 2_842));
    let uncapped = Tuning {
        event_fallback_max_seconds: 86_400,
        ..Tuning::DEFAULT
    };
    let wait = |tuning: &Tuning, progress: &[ProgressSample]| {
        next_poll_seconds_tuned(
            tuning,
            &events(),
            ExportStatus::InProgress,
            progress,
            0,
            3_240,
            0,
        )
    };
    // Uncapped: the latest end + the margin, as it is within the lag target of the
    // earliest end.
    assert_eq!(wait(&uncapped, &progress), 2_842 + EVENT_END_MARGIN_SECONDS);
    // A rougher estimate (5 points in 900 s): the earliest end + the lag target instead.
    let rough = samples(&[(0, 0), (1_320, 0), (2_340, 5), (3_240, 10)]);
    let earliest = remaining_lower_bound(&rough, 3_240).unwrap_or_default();
    assert_eq!(
        wait(&uncapped, &rough),
        earliest as u32 + EVENT_LAG_TARGET_SECONDS
    );
    // The default caps both at EVENT_FALLBACK_MAX_SECONDS: what the samples cannot foresee
    // (a burst, a stall's end, a failure) is noticed within it.
    assert_eq!(
        wait(&Tuning::DEFAULT, &progress),
        EVENT_FALLBACK_MAX_SECONDS
    );
    // Never past the deadline.
    assert_eq!(
        next_poll_seconds(
            &events(),
            ExportStatus::InProgress,
            &progress,
            0,
            86_400 - 100,
            0
        ),
        100
    );
}

#[test]
fn remaining_bounds_enclose_a_steady_export() {
    for duration in [600, 2 * HOUR, 12 * HOUR] {
        for (a, b) in [(0.2, 0.3), (0.1, 0.6), (0.45, 0.5)] {
            let (t1, t2) = ((duration as f64 * a) as i64, (duration as f64 * b) as i64);
            let progress = linear(0, duration, &[t1, t2]);
            let truth = (duration - t2) as f64;
            let lower = remaining_lower_bound(&progress, t2).unwrap_or(f64::MAX);
            let upper = remaining_upper_bound(&progress, 0, t2).unwrap_or(f64::MAX);
            assert!(
                lower <= truth && truth <= upper,
                "{duration} s, samples at {t1} and {t2}: {lower} <= {truth} <= {upper}"
            );
        }
    }
    // At most one point between the samples: the rate could be almost nil.
    assert_eq!(
        remaining_upper_bound(&samples(&[(0, 10), (900, 11)]), 0, 900),
        None
    );
    assert_eq!(
        remaining_upper_bound(&samples(&[(0, 0), (900, 0)]), 0, 900),
        None
    );
    // One moving sample: extraction began at the last 0 % look at the latest.
    assert_eq!(
        remaining_upper_bound(&samples(&[(0, 0), (600, 0), (1_600, 10)]), 0, 1_600),
        Some(9_000.0)
    );
    assert_eq!(
        remaining_upper_bound(&samples(&[(1_000, 10)]), 0, 1_000),
        Some(9_000.0)
    );
}

#[test]
fn a_longer_cap_while_steady_applies_only_to_steady_progress() {
    let steady = samples(&[(0, 0), (1_000, 10), (2_000, 20), (3_000, 31)]);
    let bursty = samples(&[(0, 0), (1_000, 10), (2_000, 10), (3_000, 31)]);
    let slowing = samples(&[(0, 0), (1_000, 10), (2_000, 30), (3_000, 40)]);
    assert!(looks_steady(&steady, 3_000));
    assert!(!looks_steady(&bursty, 3_000));
    assert!(!looks_steady(&slowing, 3_000));
    assert!(
        !looks_steady(&steady[..3], 3_000),
        "two moving samples are one interval"
    );
    let tuning = Tuning {
        event_fallback_max_seconds: 1_000,
        event_steady_fallback_max_seconds: 3_600,
        ..Tuning::DEFAULT
    };
    let wait = |progress: &[ProgressSample]| {
        next_poll_seconds_tuned(
            &tuning,
            &events(),
            ExportStatus::InProgress,
            progress,
            0,
            3_000,
            0,
        )
    };
    // Steady, 69 points left at about 1 point per 100 s (the end in 6,000-7,000 s): the
    // steady cap, not the 1,000 s one.
    assert_eq!(wait(&steady), 3_600);
    assert_eq!(wait(&bursty), 1_000);
    assert_eq!(wait(&slowing), 1_000);
    // Off by default: the one cap.
    assert_eq!(
        EVENT_STEADY_FALLBACK_MAX_SECONDS,
        EVENT_FALLBACK_MAX_SECONDS
    );
}

//! Unit tests of `export_model`.

use super::*;

#[test]
fn curves_are_monotone_and_complete() {
    let mut rng = Rng::new(7);
    for _ in 0..500 {
        let e = draw_with(&mut rng, 600.0, 3_600.0);
        let mut last = 0;
        for step in 0..=200 {
            let t = 600.0 + 3_600.0 * f64::from(step) / 200.0;
            let p = e.percent(t);
            assert!(p >= last, "{:?}: {p} < {last} at {t}", e.shape);
            last = p;
        }
        assert_eq!(last, 100, "{:?} {:?}", e.shape, e.knots);
    }
}

#[test]
fn fixed_policy_lag_is_below_its_interval() {
    let mut rng = Rng::new(1);
    for _ in 0..200 {
        let e = draw_export(&mut rng);
        let run = simulate(&e, 48.0 * 3_600.0, &|_, _, _, _| 300);
        assert!(run.lag >= 0.0 && run.lag < 300.0, "{run:?}");
    }
}

#[test]
fn events_wake_within_their_delay_and_a_lost_event_within_the_fallback() {
    let mut rng = Rng::new(3);
    let model = EventModel {
        delay_max: 60.0,
        loss: 0.5,
        skip_fresh_entry_check: false,
        sweep_interval: None,
    };
    for _ in 0..500 {
        let e = draw_export(&mut rng);
        let run = simulate_events(&e, 48.0 * 3_600.0, &|_, _, _, _| 3_600, model, &mut rng);
        assert!(run.lag >= 0.0, "{run:?}");
        if run.event_lost {
            assert!(run.lag <= 3_600.0, "{run:?}");
        } else {
            // The event, or a fallback that came first.
            assert!(run.lag <= 60.0, "{run:?}");
        }
        // At most one confirmation by export-events on top of the entries and fallbacks.
        assert!(run.checks >= run.entries + run.timeouts);
        assert!(run.checks <= run.entries + run.timeouts + 1);
    }
}

#[test]
fn skipping_the_fresh_entry_check_saves_one_check_per_entry_after_the_first_and_nothing_else() {
    let today = EventModel {
        delay_max: 60.0,
        loss: 0.3,
        skip_fresh_entry_check: false,
        sweep_interval: None,
    };
    let proposed = EventModel {
        skip_fresh_entry_check: true,
        ..today
    };
    let mut rng = Rng::new(5);
    for _ in 0..300 {
        let e = draw_export(&mut rng);
        let seed = rng.next_u64();
        let a = simulate_events(
            &e,
            48.0 * 3_600.0,
            &|_, _, _, _| 1_500,
            today,
            &mut Rng::new(seed),
        );
        let b = simulate_events(
            &e,
            48.0 * 3_600.0,
            &|_, _, _, _| 1_500,
            proposed,
            &mut Rng::new(seed),
        );
        assert_eq!(
            (a.lag, a.entries, a.timeouts),
            (b.lag, b.entries, b.timeouts)
        );
        assert_eq!(a.checks, b.checks + a.entries - 1);
    }
}

#[test]
fn a_zero_hold_shows_0_percent_while_extracting_then_the_real_progress() {
    let mut rng = Rng::new(9);
    let mut e = draw_with(&mut rng, 600.0, 3_600.0);
    e.shape = Shape::Linear;
    e.knots = vec![(0.0, 0.0), (1.0, 1.0)];
    e.fails_at = None;
    e.zero_hold = 1_800.0;
    assert_eq!(e.observe(1_000.0), (ExportStatus::InProgress, 0));
    assert_eq!(e.observe(2_399.0), (ExportStatus::InProgress, 0));
    assert_eq!(e.observe(2_400.0), (ExportStatus::InProgress, 50));
    let mut mix = generate_mix(1, 200);
    let before: Vec<f64> = mix.iter().map(|e| e.extraction).collect();
    add_zero_holds(&mut mix, 1, 0.3);
    for (e, extraction) in mix.iter().zip(before) {
        assert_eq!(e.extraction, extraction, "the rest of the mix is unchanged");
        assert!((0.0..=0.3 * e.extraction).contains(&e.zero_hold));
    }
}

#[test]
fn a_sweep_wakes_a_lost_event_within_its_interval_and_never_before_the_end() {
    let model = EventModel {
        delay_max: 60.0,
        loss: 0.5,
        skip_fresh_entry_check: false,
        sweep_interval: Some(300.0),
    };
    let without = EventModel {
        sweep_interval: None,
        ..model
    };
    let mut rng = Rng::new(11);
    let mut swept = 0;
    for _ in 0..500 {
        let e = draw_export(&mut rng);
        let seed = rng.next_u64();
        // A fallback far longer than the sweep interval: the sweep must find lost events.
        let run = simulate_events(
            &e,
            48.0 * 3_600.0,
            &|_, _, _, _| 21_600,
            model,
            &mut Rng::new(seed),
        );
        let alone = simulate_events(
            &e,
            48.0 * 3_600.0,
            &|_, _, _, _| 21_600,
            without,
            &mut Rng::new(seed),
        );
        assert_eq!(run.event_lost, alone.event_lost, "the same events");
        assert!(run.lag >= 0.0, "{run:?}");
        assert!(run.lag <= 300.0 + SWEEP_CONFIRM_SECONDS, "{run:?}");
        assert!(run.lag <= alone.lag, "{run:?} {alone:?}");
        if run.swept {
            swept += 1;
            assert!(
                run.lag >= SWEEP_CONFIRM_SECONDS,
                "woken before the end: {run:?}"
            );
            assert!(run.sweep_ticks >= 1);
        }
        // The sweep's confirmation replaces the event's: one per export at most.
        assert!(run.checks <= run.entries + run.timeouts + 1);
        // One tick per 300 s of wait.
        let waited = e.terminal().0 + run.lag;
        assert!(
            f64::from(run.sweep_ticks) <= waited / 300.0 + 1.0,
            "{run:?}"
        );
    }
    assert!(swept > 200, "{swept} of 500 swept");
}

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

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
        let run = simulate(&e, 48.0 * 3_600.0, &|_, _, _| 300);
        assert!(run.lag >= 0.0 && run.lag < 300.0, "{run:?}");
    }
}

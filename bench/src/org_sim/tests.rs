//! The organization simulation: goals met on a small organization, and every check able to
//! trip (a quota the ledger ignores, an RDS without its quota, an unfair policy, lost wakes
//! without the sweep, vanished holders without a lease).

use super::queue::Queue;
use super::summary::{gini, lower_bound, makespan_ratios, summarize};
use super::*;
use lambdas::slot_policy::admit;

/// 6 accounts, 2 days: fast in debug, the default mix otherwise.
fn small() -> OrgConfig {
    OrgConfig {
        accounts: 6,
        days: 2,
        ..OrgConfig::default()
    }
}

fn no_faults(config: OrgConfig) -> OrgConfig {
    OrgConfig {
        lost_wake: 0.0,
        abort: 0.0,
        vanish: 0.0,
        rule_lost: 0.0,
        ..config
    }
}

fn slots(config: &OrgConfig) -> RunResult {
    run(config, Mode::Slots, admit).unwrap_or_default()
}

#[test]
fn the_retrier_is_read_from_the_rendered_definition() {
    let p = retrier::Pipeline::from_definition().unwrap_or_else(|e| panic!("{e}"));
    let r = p.quota_retry;
    assert_eq!(
        (
            r.interval,
            r.max_attempts,
            r.backoff,
            r.max_delay,
            r.full_jitter
        ),
        (60.0, 40, 1.5, Some(900.0), true)
    );
    assert_eq!(p.max_attempts, 2);
    // "about 5 hours": the un-jittered total is twice the expected one.
    let hours = r.longest() / 3_600.0;
    assert!((8.0..10.0).contains(&hours), "{hours}");
}

#[test]
fn slots_meet_the_goals_without_external_exports() {
    let config = OrgConfig {
        external_per_day: 0,
        ..small()
    };
    let result = slots(&config);
    let s = summarize(&config, Mode::Slots, &result);
    assert_eq!(s.snapshots, 6 * 2 * 22);
    assert_eq!(s.dropped, 0);
    assert_eq!(s.quota_errors, 0);
    assert!(s.max_running <= 5 && result.counters.max_held <= 5);
    assert_eq!(result.counters.unfair_admissions, 0);
    assert_eq!(
        s.exported + s.failed_in_rds + s.faults + s.dropped,
        s.snapshots
    );
}

#[test]
fn the_baseline_drops_snapshots_on_a_long_day_and_slots_do_not() {
    let config = no_faults(OrgConfig {
        databases: 40,
        ..small()
    });
    let base = summarize(
        &config,
        Mode::Baseline,
        &run(&config, Mode::Baseline, admit).unwrap_or_default(),
    );
    assert!(base.dropped > 0, "{base:?}");
    assert!(base.quota_errors > 0);
    let ours = summarize(&config, Mode::Slots, &slots(&config));
    assert_eq!(ours.dropped, 0, "{ours:?}");
}

#[test]
fn a_ledger_ignoring_external_exports_trips_the_quota_error_count() {
    let config = no_faults(OrgConfig {
        external_per_day: 6,
        ..small()
    });
    let counted = slots(&config).counters.quota_errors;
    let ignored = slots(&OrgConfig {
        ledger_counts_external: false,
        ..config
    })
    .counters
    .quota_errors;
    assert!(ignored > 10 * counted.max(1), "{ignored} vs {counted}");
}

#[test]
fn an_rds_without_its_quota_trips_the_concurrency_check() {
    let config = no_faults(OrgConfig {
        external_per_day: 6,
        rds_enforces_quota: false,
        ledger_counts_external: false,
        ..small()
    });
    assert!(slots(&config).counters.max_running > 5);
}

#[test]
fn an_unfair_policy_trips_the_fairness_check() {
    let config = no_faults(small());
    let fair = slots(&config);
    let unfair = run(&config, Mode::Slots, busiest_first).unwrap_or_default();
    assert_eq!(fair.counters.unfair_admissions, 0);
    assert!(unfair.counters.unfair_admissions > 0);
    let ratio = |r: &RunResult| summarize(&config, Mode::Slots, r).busy_ratio;
    // The busy database jumps the queue under the unfair policy.
    assert!(ratio(&unfair) < ratio(&fair) / 2.0);
}

#[test]
fn lost_wakes_strand_waiters_without_the_sweep_and_not_with_it() {
    let config = OrgConfig {
        lost_wake: 0.3,
        ..no_faults(small())
    };
    let with = slots(&config);
    assert_eq!(summarize(&config, Mode::Slots, &with).dropped, 0);
    assert!(!with.counters.lost_wake_recovery.is_empty());
    assert!(crate::stats::max(&with.counters.lost_wake_recovery) <= 300.0 + 1.0);
    // A later release's admission also hands on a slot a lost wake left free; with every
    // wake lost, nothing but the sweep does.
    let without = OrgConfig {
        sweep_interval: None,
        lost_wake: 1.0,
        ..config
    };
    assert!(summarize(&without, Mode::Slots, &slots(&without)).dropped > 0);
}

#[test]
fn vanished_holders_are_freed_by_their_lease_only() {
    let config = OrgConfig {
        vanish: 0.05,
        ..no_faults(small())
    };
    let result = slots(&config);
    assert!(result.counters.lease_releases > 0);
    assert_eq!(summarize(&config, Mode::Slots, &result).dropped, 0);
    // Without the sweep, vanished holders keep their slots for ever: enough of them and
    // the account wedges.
    let without = OrgConfig {
        sweep_interval: None,
        vanish: 0.3,
        ..config
    };
    assert!(summarize(&without, Mode::Slots, &slots(&without)).dropped > 0);
}

#[test]
fn aborted_executions_free_their_slots_by_the_rule_or_the_sweep() {
    let config = OrgConfig {
        abort: 0.2,
        external_per_day: 0,
        ..no_faults(small())
    };
    let result = slots(&config);
    let c = &result.counters;
    assert!(c.rule_releases > 0 && c.sweep_releases > 0 && c.dead_tokens > 0);
    // A slot freed while its export still ran in RDS would be handed on too early.
    assert_eq!(c.quota_errors, 0);
    assert_eq!(summarize(&config, Mode::Slots, &result).dropped, 0);
}

#[test]
fn the_same_seed_gives_the_same_run() {
    let a = summarize(&small(), Mode::Slots, &slots(&small()));
    let b = summarize(&small(), Mode::Slots, &slots(&small()));
    assert_eq!(format!("{a:?}"), format!("{b:?}"));
    let other = OrgConfig { seed: 7, ..small() };
    let c = summarize(&other, Mode::Slots, &slots(&other));
    assert_ne!(format!("{a:?}"), format!("{c:?}"));
}

#[test]
fn no_schedule_beats_the_lower_bound() {
    let config = small();
    for mode in [Mode::Slots, Mode::Baseline] {
        let result = run(&config, mode, admit).unwrap_or_default();
        let ratios = makespan_ratios(&result, config.quota);
        assert!(!ratios.is_empty());
        assert!(ratios.iter().all(|&r| r >= 0.999), "{mode:?}: {ratios:?}");
    }
}

#[test]
fn the_lower_bound_counts_work_longest_job_and_external_slots() {
    // Two 10 s jobs on one slot: 20 s; one 30 s job: 30 s.
    assert_eq!(lower_bound(&[(0.0, 10.0), (0.0, 10.0)], &[], 1.0), 20.0);
    assert_eq!(lower_bound(&[(0.0, 30.0), (0.0, 1.0)], &[], 5.0), 30.0);
    // 40 s of work on 2 slots, one taken by an external export for the first 10 s:
    // C = (40 + 10) / 2 = 25.
    let c = lower_bound(&[(0.0, 20.0), (0.0, 20.0)], &[(0.0, 10.0)], 2.0);
    assert!((c - 25.0).abs() < 1e-3, "{c}");
    // Work arriving later counts from its arrival.
    assert_eq!(lower_bound(&[(0.0, 1.0), (100.0, 10.0)], &[], 5.0), 110.0);
}

#[test]
fn gini_is_zero_when_equal_and_high_when_one_has_all() {
    assert_eq!(gini(&[2.0, 2.0, 2.0]), 0.0);
    assert!((gini(&[0.0, 0.0, 0.0, 4.0]) - 0.75).abs() < 1e-9);
    assert_eq!(gini(&[]), 0.0);
}

#[test]
fn the_queue_pops_in_time_then_scheduling_order() {
    let mut q = Queue::new();
    q.push(2.0, "late");
    q.push(1.0, "first");
    q.push(1.0, "second");
    let order: Vec<&str> = std::iter::from_fn(|| q.pop().map(|(_, e)| e)).collect();
    assert_eq!(order, ["first", "second", "late"]);
}

#[test]
fn ordering_by_export_length_shortens_the_makespan() {
    let config = no_faults(small());
    let median = |order| {
        let c = OrgConfig {
            order,
            ..config.clone()
        };
        summarize(&c, Mode::Slots, &slots(&c)).makespan_ratio.0
    };
    assert!(median(Order::Clairvoyant) < median(Order::Fifo));
}

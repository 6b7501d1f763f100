//! The admission policy: fairness across databases, then first come first served.

use super::{Waiter, admit};

fn w(key: &str, db: &str, at: i64) -> Waiter {
    Waiter {
        key: key.to_owned(),
        db: db.to_owned(),
        enqueued_at: at,
    }
}

#[test]
fn first_come_first_served_within_one_database() {
    let waiters = [w("c", "a", 3), w("a", "a", 1), w("b", "a", 2)];
    assert_eq!(admit(&waiters, &[], 2), vec![1, 2]);
}

#[test]
fn a_busy_database_does_not_starve_the_others() {
    // db "big" queued 4 snapshots first; "small" one later. With "big" holding 2 slots,
    // the next free slot goes to "small".
    let waiters = [
        w("b1", "big", 1),
        w("b2", "big", 2),
        w("b3", "big", 3),
        w("s1", "small", 9),
    ];
    assert_eq!(admit(&waiters, &["big", "big"], 1), vec![3]);
    // Two free slots: "small" first (0 held), then the earliest of "big".
    assert_eq!(admit(&waiters, &["big", "big"], 2), vec![3, 0]);
}

#[test]
fn admitted_in_the_same_round_count_as_held() {
    let waiters = [
        w("a1", "a", 1),
        w("a2", "a", 2),
        w("b1", "b", 3),
        w("b2", "b", 4),
    ];
    assert_eq!(admit(&waiters, &[], 4), vec![0, 2, 1, 3]);
}

#[test]
fn never_more_than_free_or_waiting() {
    let waiters = [w("a", "x", 1)];
    assert_eq!(admit(&waiters, &[], 5), vec![0]);
    assert!(admit(&waiters, &[], 0).is_empty());
    assert!(admit(&[], &["x"], 3).is_empty());
}

#[test]
fn ties_are_broken_by_key() {
    let waiters = [w("z", "a", 1), w("m", "b", 1)];
    assert_eq!(admit(&waiters, &[], 1), vec![1]);
}

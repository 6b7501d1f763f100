//! The pure decisions of the slot scheduler: who is admitted (fair across databases, never
//! two of one snapshot, never past 5 − external), queue positions, the sweep's rule.

use super::*;
use crate::slot_ledger::{Holder, Ledger, LedgerKey, WaiterItem};

fn key() -> LedgerKey {
    LedgerKey {
        account: "210987654321".into(),
        region: "us-east-1".into(),
    }
}

fn holder(db: &str, exec: &str) -> Holder {
    Holder {
        execution_id: exec.into(),
        db: db.into(),
        export_id: format!("{db}-x"),
        since: 0,
        lease_until: 100,
    }
}

fn ledger(held: &[(&str, &str, &str)], external: u32) -> Ledger {
    Ledger {
        key: key(),
        holders: held
            .iter()
            .map(|(snap, db, exec)| ((*snap).to_owned(), holder(db, exec)))
            .collect(),
        external,
        version: 1,
    }
}

fn waiter(snap: &str, db: &str, exec: &str, at: i64) -> WaiterItem {
    WaiterItem {
        sk: WaiterItem::sort_key(at, exec),
        execution_id: exec.into(),
        task_token: format!("token-{exec}"),
        snapshot_arn: snap.into(),
        db: db.into(),
        export_id: format!("{snap}-x"),
        enqueued_at: at,
    }
}

#[test]
fn free_slots_go_to_the_least_served_database_first() {
    // 3 held by "a", capacity 5: two free slots; "a" queued first but "b" and "c" hold none.
    let l = ledger(
        &[("s1", "a", "e1"), ("s2", "a", "e2"), ("s3", "a", "e3")],
        0,
    );
    let w = [
        waiter("s4", "a", "e4", 1),
        waiter("s5", "b", "e5", 2),
        waiter("s6", "c", "e6", 3),
    ];
    let granted: Vec<&str> = admissible(&l, &w)
        .iter()
        .map(|w| w.execution_id.as_str())
        .collect();
    assert_eq!(granted, ["e5", "e6"]);
    assert_eq!(position(&l, &w, "e4"), Some(3));
    assert_eq!(position(&l, &w, "e5"), Some(1));
}

#[test]
fn external_exports_shrink_the_capacity() {
    let l = ledger(&[("s1", "a", "e1"), ("s2", "b", "e2")], 3);
    assert_eq!(l.capacity(), 2);
    assert_eq!(l.free(), 0);
    assert!(admissible(&l, &[waiter("s3", "c", "e3", 1)]).is_empty());
    let over = ledger(&[("s1", "a", "e1")], 9);
    assert_eq!((over.capacity(), over.free()), (0, 0));
}

#[test]
fn never_two_exports_of_one_snapshot() {
    // s1 is held by e1: e9 (a duplicate of s1) waits; of two waiters of s2, one only.
    let l = ledger(&[("s1", "a", "e1")], 0);
    let w = [
        waiter("s1", "a", "e9", 1),
        waiter("s2", "b", "e2", 2),
        waiter("s2", "b", "e3", 3),
    ];
    let granted: Vec<&str> = admissible(&l, &w)
        .iter()
        .map(|w| w.execution_id.as_str())
        .collect();
    assert_eq!(granted, ["e2"]);
}

#[test]
fn external_count_ignores_our_holders() {
    let l = ledger(&[("s1", "a", "e1")], 0);
    let running = vec!["s1".to_owned(), "other".to_owned(), "other2".to_owned()];
    assert_eq!(external_count(&l, &running), 2);
}

#[test]
fn the_sweep_frees_expired_leases_and_dead_executions_without_export() {
    let h = holder("a", "e1");
    assert!(sweep_frees(&h, 100, true, true), "lease expired");
    assert!(!sweep_frees(&h, 50, true, false), "export still runs");
    assert!(!sweep_frees(&h, 50, false, true), "execution still runs");
    assert!(sweep_frees(&h, 50, false, false), "ended, no export");
}

#[test]
fn ledger_key_comes_from_the_snapshot_arn() {
    let k = LedgerKey::of_snapshot("arn:aws:rds:eu-west-1:123456789012:snapshot:rds:orders-1");
    assert_eq!(
        k.ok(),
        Some(LedgerKey {
            account: "123456789012".into(),
            region: "eu-west-1".into()
        })
    );
    for bad in [
        "",
        "arn:aws:s3:::b",
        "arn:aws:rds::1:snapshot:x",
        "arn:aws:rds:us-east-1:12:snapshot:x",
    ] {
        assert!(LedgerKey::of_snapshot(bad).is_err(), "{bad}");
    }
}

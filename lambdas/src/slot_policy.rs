//! Who gets a free export slot: the one admission policy of the export-slot ledger, shared
//! by the `export-slots` function and the organization-scale simulation (`bench`'s
//! `org-sim`), so the simulation measures the policy that runs.
//!
//! RDS runs at most 5 exports per account and region. When slots are free and executions
//! wait, the slot goes to the waiter whose database holds the fewest slots, counting those
//! admitted in the same round, so one database with many snapshots cannot starve the others;
//! ties go to the earliest enqueued, then the smallest key, so the order is total and every
//! caller (a retried wake, the sweep) makes the same choice.

/// A waiting execution.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Waiter {
    /// A unique key (the execution ARN; the simulation's snapshot number).
    pub key: String,
    /// The database (DB instance or cluster identifier) whose snapshot it exports.
    pub db: String,
    /// When it started waiting, milliseconds since the epoch.
    pub enqueued_at: i64,
}

/// The indices into `waiters` of those admitted to `free` slots, in admission order.
/// `holders` names the database of every slot held now (one entry per slot).
pub fn admit(waiters: &[Waiter], holders: &[&str], free: usize) -> Vec<usize> {
    let mut held: std::collections::HashMap<&str, usize> = std::collections::HashMap::new();
    for db in holders {
        *held.entry(db).or_default() += 1;
    }
    let mut left: Vec<usize> = (0..waiters.len()).collect();
    let mut admitted = Vec::with_capacity(free.min(waiters.len()));
    while admitted.len() < free && !left.is_empty() {
        let Some((pos, _)) = left.iter().enumerate().min_by(|&(_, &a), &(_, &b)| {
            let (wa, wb) = (&waiters[a], &waiters[b]);
            let load = |w: &Waiter| held.get(w.db.as_str()).copied().unwrap_or(0);
            load(wa)
                .cmp(&load(wb))
                .then(wa.enqueued_at.cmp(&wb.enqueued_at))
                .then(wa.key.cmp(&wb.key))
        }) else {
            break;
        };
        let chosen = left.swap_remove(pos);
        *held.entry(waiters[chosen].db.as_str()).or_default() += 1;
        admitted.push(chosen);
    }
    admitted
}

#[cfg(test)]
mod tests;

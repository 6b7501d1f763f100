//! Export slots: who may run one of the account's 5 exports, over the ledger of
//! [`crate::slot_ledger`] and the policy of [`crate::slot_policy::admit`].
//!
//! Everything goes through [`wake`]: read the ledger and the queue, grant the free slots
//! to the waiters the policy picks (one conditional write of the ledger: a concurrent
//! writer makes it fail, and the round is decided again on fresh data), *then* hand each
//! its task token (SendTaskSuccess), *then* remove its waiter item. A crash between the
//! write and the send leaves a waiter whose execution already holds the slot: the next
//! [`wake`] (any release, acquire or the sweep) sends its token again ("lost wake"). A
//! token Step Functions no longer knows (the execution failed, timed out or was aborted
//! while parked) releases that holder and the round goes on to the next waiter.
//!
//! Acquire parks first and wakes second, so there is one path for "a free slot now" and
//! "a free slot later". docs/scheduling.md describes the failure modes.

use std::collections::HashSet;

use aws_sdk_sfn::types::ExecutionStatus as SfnStatus;
use contract::{AcquireExportSlotInput, Job, ReleaseExportSlotInput, SlotEventOutcome, SlotState};

use crate::aws::Aws;
use crate::error::TaskError;
use crate::export_task::running_export_tasks;
use crate::export_waits::{Sent, send_success};
use crate::sdk_error::{classify, code};
use crate::slot_ledger::{Holder, Ledger, LedgerKey, SlotStore, WaiterItem};
use crate::slot_policy::{Waiter, admit};

/// How long a holder may keep its slot without being released: longer than an export may
/// run (`[export] max_wait_hours`, 24 by default) plus the delivery to ReleaseExportSlot.
/// The sweep frees an expired lease; the external recount then counts its export if RDS
/// still runs it.
pub(crate) const LEASE_SECONDS: i64 = 26 * 3_600;

/// Rounds of [`wake`] before it gives up for this invocation (each round either grants
/// slots, or finds a concurrent writer, or ends): the sweep picks up what is left.
const MAX_ROUNDS: usize = 20;

/// Conditional-write attempts of a single-item change before the invocation is retried.
const MAX_WRITES: usize = 8;

/// The RDS client of the ledger's account and Region: the ONE place the export-slot code
/// picks prod credentials: the source resolved for `key` (its role, in its Region), or the
/// function's `PROD_ROLE_ARN` / own credentials in single-account mode.
pub(crate) async fn prod_rds(
    aws: &Aws,
    key: &LedgerKey,
    session: &str,
) -> Result<aws_sdk_rds::Client, TaskError> {
    let source = aws.sources().resolve(&key.account, &key.region).await?;
    Ok(aws.prod_for(&source, session).await.rds.clone())
}

/// The source ARNs of the exports RDS runs now in the client's account and Region (one
/// DescribeExportTasks; at most 5 run, so one page). Statuses are checked here too, so a
/// service that ignores the filter is not taken at its word.
pub(crate) async fn running_exports(rds: &aws_sdk_rds::Client) -> Result<Vec<String>, TaskError> {
    Ok(running_export_tasks(rds)
        .await?
        .iter()
        .filter_map(|t| t.source_arn().map(str::to_owned))
        .collect())
}

/// Exports running that no holder accounts for: someone else's (or ours started without a
/// slot), and they count against the same quota.
pub(crate) fn external_count(ledger: &Ledger, running: &[String]) -> u32 {
    let n = running
        .iter()
        .filter(|arn| !ledger.holders.contains_key(arn.as_str()))
        .count();
    u32::try_from(n).unwrap_or(u32::MAX)
}

/// Whether `execution_arn` is still RUNNING (an execution Step Functions does not know is
/// not).
pub(crate) async fn execution_running(
    sfn: &aws_sdk_sfn::Client,
    execution_arn: &str,
) -> Result<bool, TaskError> {
    match sfn
        .describe_execution()
        .execution_arn(execution_arn)
        .send()
        .await
    {
        Ok(out) => Ok(out.status() == &SfnStatus::Running),
        Err(e) if code(&e) == Some("ExecutionDoesNotExist") => Ok(false),
        Err(e) => Err(classify("states:DescribeExecution", &e)),
    }
}

/// The waiters the policy grants the ledger's free slots to, in grant order. A waiter
/// whose snapshot is held already (by another execution) is not a candidate: never two
/// exports of one snapshot; of two waiters of one snapshot only the first is.
pub(crate) fn admissible<'w>(ledger: &Ledger, waiters: &'w [WaiterItem]) -> Vec<&'w WaiterItem> {
    let candidates = candidates(ledger, waiters);
    let holders: Vec<&str> = ledger.holders.values().map(|h| h.db.as_str()).collect();
    admit(&as_policy(&candidates), &holders, ledger.free())
        .into_iter()
        .filter_map(|i| candidates.get(i).copied())
        .collect()
}

/// 1-based place of `execution_id` in the order the policy would grant slots, if parked.
pub(crate) fn position(ledger: &Ledger, waiters: &[WaiterItem], execution_id: &str) -> Option<u32> {
    let candidates = candidates(ledger, waiters);
    let holders: Vec<&str> = ledger.holders.values().map(|h| h.db.as_str()).collect();
    let order = admit(&as_policy(&candidates), &holders, candidates.len());
    order
        .iter()
        .position(|&i| {
            candidates
                .get(i)
                .is_some_and(|w| w.execution_id == execution_id)
        })
        .and_then(|p| u32::try_from(p + 1).ok())
}

fn candidates<'w>(ledger: &Ledger, waiters: &'w [WaiterItem]) -> Vec<&'w WaiterItem> {
    let mut seen = HashSet::new();
    waiters
        .iter()
        .filter(|w| !ledger.holders.contains_key(&w.snapshot_arn))
        .filter(|w| seen.insert(w.snapshot_arn.as_str()))
        .collect()
}

fn as_policy(candidates: &[&WaiterItem]) -> Vec<Waiter> {
    candidates
        .iter()
        .map(|w| Waiter {
            key: w.execution_id.clone(),
            db: w.db.clone(),
            enqueued_at: w.enqueued_at,
        })
        .collect()
}

/// True when `waiter`'s execution already holds its snapshot's slot (a wake whose token
/// was not delivered, or a re-entry of AcquireExportSlot).
fn holds(ledger: &Ledger, waiter: &WaiterItem) -> bool {
    ledger
        .holders
        .get(&waiter.snapshot_arn)
        .is_some_and(|h| h.execution_id == waiter.execution_id)
}

/// The database a job's slot is counted for (the fairness unit): the DB identifier, else
/// the snapshot id.
pub(crate) fn db_of(job: &Job) -> String {
    job.db_identifier
        .clone()
        .unwrap_or_else(|| job.snapshot_id.clone())
}

/// Grants free slots to waiters and hands them their tokens, until nothing more can be
/// granted. Counts into `outcome`.
pub(crate) async fn wake(
    store: &SlotStore,
    sfn: &aws_sdk_sfn::Client,
    key: &LedgerKey,
    now: i64,
    outcome: &mut SlotEventOutcome,
) -> Result<(), TaskError> {
    for _ in 0..MAX_ROUNDS {
        let mut ledger = store.load(key).await?;
        let waiters = store.waiters(key).await?;
        for waiter in waiters.iter().filter(|w| holds(&ledger, w)) {
            deliver(store, sfn, key, waiter, now, outcome).await?;
        }
        let granted: Vec<WaiterItem> = admissible(&ledger, &waiters).into_iter().cloned().collect();
        if granted.is_empty() {
            outcome.waiting = u32::try_from(waiters.iter().filter(|w| !holds(&ledger, w)).count())
                .unwrap_or(u32::MAX);
            return Ok(());
        }
        for w in &granted {
            ledger.holders.insert(
                w.snapshot_arn.clone(),
                Holder {
                    execution_id: w.execution_id.clone(),
                    db: w.db.clone(),
                    export_id: w.export_id.clone(),
                    since: now,
                    lease_until: now.saturating_add(LEASE_SECONDS),
                },
            );
        }
        if !store.save(&ledger, now).await? {
            tracing::info!(account = %key.account, region = %key.region, "ledger written concurrently: deciding again");
            continue;
        }
        for w in &granted {
            tracing::info!(execution_id = %w.execution_id, snapshot_arn = %w.snapshot_arn, db = %w.db, "export slot granted");
            deliver(store, sfn, key, w, now, outcome).await?;
        }
    }
    tracing::warn!(account = %key.account, region = %key.region, "wake stopped after {MAX_ROUNDS} rounds: the sweep goes on");
    Ok(())
}

/// Hands a holder's waiter its token, then removes the waiter. A dead token: the waiter is
/// removed (if it still holds that token) and, when its execution is no longer RUNNING,
/// its holder is released (the slot goes to the next waiter in the caller's next round).
async fn deliver(
    store: &SlotStore,
    sfn: &aws_sdk_sfn::Client,
    key: &LedgerKey,
    waiter: &WaiterItem,
    now: i64,
    outcome: &mut SlotEventOutcome,
) -> Result<(), TaskError> {
    let state = SlotState {
        account: key.account.clone(),
        region: key.region.clone(),
        acquired_at: now,
        waited_seconds: now.saturating_sub(waiter.enqueued_at / 1_000).max(0),
        ..SlotState::default()
    };
    match send_success(sfn, &waiter.task_token, &state).await? {
        Sent::Delivered => {
            outcome.woken += 1;
            store.remove_waiter(key, waiter).await?;
        }
        Sent::Stale => {
            outcome.stale += 1;
            // A newer token replaced it: that entry is handled on its own.
            if !store.remove_waiter(key, waiter).await? {
                return Ok(());
            }
            // Still running: it went on past AcquireExportSlot (a wake sent twice) and
            // keeps its slot until ReleaseExportSlot, the status change or the sweep.
            if execution_running(sfn, &waiter.execution_id).await? {
                return Ok(());
            }
            if release_holder(store, key, &waiter.snapshot_arn, &waiter.execution_id, now)
                .await?
                .is_some()
            {
                outcome.released += 1;
            }
        }
    }
    Ok(())
}

/// Removes the holder of `snapshot_arn` if `execution_id` holds it; the removed holder.
pub(crate) async fn release_holder(
    store: &SlotStore,
    key: &LedgerKey,
    snapshot_arn: &str,
    execution_id: &str,
    now: i64,
) -> Result<Option<Holder>, TaskError> {
    for _ in 0..MAX_WRITES {
        let mut ledger = store.load(key).await?;
        match ledger.holders.get(snapshot_arn) {
            Some(h) if h.execution_id == execution_id => {}
            _ => return Ok(None),
        }
        let removed = ledger.holders.remove(snapshot_arn);
        if store.save(&ledger, now).await? {
            tracing::info!(%snapshot_arn, %execution_id, "export slot released");
            return Ok(removed);
        }
    }
    Err(contended(key))
}

/// Stores the external count seen now (no write when unchanged).
async fn record_external(
    store: &SlotStore,
    key: &LedgerKey,
    running: &[String],
    now: i64,
) -> Result<(), TaskError> {
    for _ in 0..MAX_WRITES {
        let mut ledger = store.load(key).await?;
        let external = external_count(&ledger, running);
        if external == ledger.external && ledger.version > 0 {
            return Ok(());
        }
        ledger.external = external;
        if store.save(&ledger, now).await? {
            return Ok(());
        }
    }
    Err(contended(key))
}

fn contended(key: &LedgerKey) -> TaskError {
    TaskError::TransientAws {
        operation: "dynamodb:PutItem".into(),
        detail: format!(
            "the export-slot ledger of {} {} kept changing under {MAX_WRITES} conditional writes",
            key.account, key.region
        ),
    }
}

/// One execution per snapshot: `None` when `execution_id` owns the snapshot's lock (taken
/// now, or before), `Some(owner)` when another execution that is still RUNNING owns it. An
/// owner that is no longer running is taken over (a lost status-change event cannot wedge
/// the snapshot).
pub(crate) async fn claim_snapshot(
    store: &SlotStore,
    sfn: &aws_sdk_sfn::Client,
    snapshot_arn: &str,
    execution_id: &str,
    now: i64,
) -> Result<Option<String>, TaskError> {
    for _ in 0..MAX_WRITES {
        let owner = store.lock_owner(snapshot_arn).await?;
        match owner.as_deref() {
            Some(o) if o == execution_id => return Ok(None),
            Some(o) if execution_running(sfn, o).await? => return Ok(Some(o.to_owned())),
            previous => {
                if store
                    .claim_lock(snapshot_arn, execution_id, previous, now)
                    .await?
                {
                    return Ok(None);
                }
            }
        }
    }
    Err(TaskError::TransientAws {
        operation: "dynamodb:PutItem".into(),
        detail: format!("the lock of {snapshot_arn} kept changing"),
    })
}

/// AcquireExportSlot: join a running execution of the same snapshot, or park and wake
/// (which grants the slot at once when the policy picks this execution). Returns the state
/// as the invocation saw it (the token carries the output Step Functions keeps).
pub(crate) async fn acquire(
    store: &SlotStore,
    sfn: &aws_sdk_sfn::Client,
    rds: &aws_sdk_rds::Client,
    input: &AcquireExportSlotInput,
    now: i64,
) -> Result<SlotState, TaskError> {
    let job = &input.job;
    let key = LedgerKey::of_snapshot(&job.snapshot_arn)?;
    if let Some(owner) =
        claim_snapshot(store, sfn, &job.snapshot_arn, &input.execution_id, now).await?
    {
        tracing::info!(%owner, snapshot_arn = %job.snapshot_arn, "another execution exports this snapshot: joined");
        let state = SlotState {
            joined: Some(owner),
            ..SlotState::default()
        };
        send_success(sfn, &input.task_token, &state).await?;
        return Ok(state);
    }
    let running = running_exports(rds).await?;
    record_external(store, &key, &running, now).await?;
    let parked = store.waiters(&key).await?;
    let mine: Vec<&WaiterItem> = parked
        .iter()
        .filter(|w| w.execution_id == input.execution_id)
        .collect();
    // A re-entry (redrive, retried invocation) keeps its place in the queue.
    let enqueued_at = mine
        .iter()
        .map(|w| w.enqueued_at)
        .min()
        .unwrap_or_else(|| now.saturating_mul(1_000));
    let me = WaiterItem {
        sk: WaiterItem::sort_key(enqueued_at, &input.execution_id),
        execution_id: input.execution_id.clone(),
        task_token: input.task_token.clone(),
        snapshot_arn: job.snapshot_arn.clone(),
        db: db_of(job),
        export_id: job.export_task_id.clone(),
        enqueued_at,
    };
    store.put_waiter(&key, &me, now).await?;
    for old in mine.into_iter().filter(|w| w.sk != me.sk) {
        store.remove_waiter(&key, old).await?;
    }
    let mut outcome = SlotEventOutcome::default();
    wake(store, sfn, &key, now, &mut outcome).await?;
    let ledger = store.load(&key).await?;
    let waiters = store.waiters(&key).await?;
    let granted = ledger
        .holders
        .get(&job.snapshot_arn)
        .is_some_and(|h| h.execution_id == input.execution_id);
    let state = SlotState {
        account: key.account.clone(),
        region: key.region.clone(),
        acquired_at: if granted { now } else { 0 },
        waited_seconds: 0,
        position: if granted {
            None
        } else {
            position(&ledger, &waiters, &input.execution_id)
        },
        ..SlotState::default()
    };
    tracing::info!(granted, position = ?state.position, in_use = ledger.holders.len(), capacity = ledger.capacity(), "acquire done");
    Ok(state)
}

/// ReleaseExportSlot: give the execution's slot back and wake the next waiter.
pub(crate) async fn release(
    store: &SlotStore,
    sfn: &aws_sdk_sfn::Client,
    input: &ReleaseExportSlotInput,
    now: i64,
) -> Result<SlotState, TaskError> {
    let key = LedgerKey::of_snapshot(&input.job.snapshot_arn)?;
    let held = release_holder(
        store,
        &key,
        &input.job.snapshot_arn,
        &input.execution_id,
        now,
    )
    .await?;
    let mut outcome = SlotEventOutcome::default();
    wake(store, sfn, &key, now, &mut outcome).await?;
    tracing::info!(
        released = held.is_some(),
        woken = outcome.woken,
        "release done"
    );
    Ok(SlotState {
        account: key.account,
        region: key.region,
        acquired_at: held.as_ref().map_or(0, |h| h.since),
        released_at: Some(now),
        ..SlotState::default()
    })
}

/// A status change to FAILED, TIMED_OUT or ABORTED: the execution's holder is released
/// unless its export still runs in RDS (then the sweep frees it when the export ends, and
/// the external recount keeps the count right meanwhile), its parked entries are dropped,
/// and the next waiters are woken.
pub(crate) async fn execution_ended(
    store: &SlotStore,
    sfn: &aws_sdk_sfn::Client,
    rds: &aws_sdk_rds::Client,
    execution_arn: &str,
    snapshot_arn: &str,
    now: i64,
) -> Result<SlotEventOutcome, TaskError> {
    let key = LedgerKey::of_snapshot(snapshot_arn)?;
    let mut outcome = SlotEventOutcome {
        ledgers: 1,
        ..SlotEventOutcome::default()
    };
    let ledger = store.load(&key).await?;
    if ledger
        .holders
        .get(snapshot_arn)
        .is_some_and(|h| h.execution_id == execution_arn)
    {
        let running = running_exports(rds).await?;
        if running.iter().any(|a| a == snapshot_arn) {
            tracing::info!(%execution_arn, "its export still runs: the slot stays held until it ends");
        } else if release_holder(store, &key, snapshot_arn, execution_arn, now)
            .await?
            .is_some()
        {
            outcome.released += 1;
        }
    }
    for w in store
        .waiters(&key)
        .await?
        .iter()
        .filter(|w| w.execution_id == execution_arn)
    {
        store.remove_waiter(&key, w).await?;
    }
    wake(store, sfn, &key, now, &mut outcome).await?;
    Ok(outcome)
}

/// Whether the sweep frees `holder`: its lease expired, or its execution ended and its
/// export does not run.
pub(crate) fn sweep_frees(
    holder: &Holder,
    now: i64,
    export_running: bool,
    execution_running: bool,
) -> bool {
    now >= holder.lease_until || (!export_running && !execution_running)
}

/// The sweep of one ledger: frees holders per [`sweep_frees`], recounts the external
/// exports, and wakes (which re-sends lost wakes).
pub(crate) async fn sweep_ledger(
    store: &SlotStore,
    sfn: &aws_sdk_sfn::Client,
    rds: &aws_sdk_rds::Client,
    key: &LedgerKey,
    now: i64,
    outcome: &mut SlotEventOutcome,
) -> Result<(), TaskError> {
    outcome.ledgers += 1;
    let running = running_exports(rds).await?;
    let ledger = store.load(key).await?;
    for (snapshot_arn, holder) in &ledger.holders {
        let export_running = running.iter().any(|a| a == snapshot_arn);
        // DescribeExecution only when its answer decides.
        let exec_running = if now >= holder.lease_until || export_running {
            true
        } else {
            execution_running(sfn, &holder.execution_id).await?
        };
        let frees = sweep_frees(holder, now, export_running, exec_running);
        if frees
            && release_holder(store, key, snapshot_arn, &holder.execution_id, now)
                .await?
                .is_some()
        {
            outcome.released += 1;
        }
    }
    record_external(store, key, &running, now).await?;
    wake(store, sfn, key, now, outcome).await
}

/// StartExport entered by a redrive (the slot may have been released while the execution
/// was failed): hold the snapshot's slot already, or take a free one now, never waiting;
/// else `ExportQuotaReached`, which the graph retries with long waits.
pub(crate) async fn take_now(
    store: &SlotStore,
    job: &Job,
    execution_id: &str,
    now: i64,
) -> Result<(), TaskError> {
    let key = LedgerKey::of_snapshot(&job.snapshot_arn)?;
    for _ in 0..MAX_WRITES {
        let mut ledger = store.load(&key).await?;
        match ledger.holders.get(&job.snapshot_arn) {
            Some(h) if h.execution_id == execution_id => return Ok(()),
            Some(h) => {
                return Err(TaskError::ExportQuotaReached(format!(
                    "the export slot of {} is held by execution {}: retried later",
                    job.snapshot_arn, h.execution_id
                )));
            }
            None if ledger.free() == 0 => {
                return Err(TaskError::ExportQuotaReached(format!(
                    "no free export slot in {} {} ({} held, capacity {}) for this redriven execution: retried later",
                    key.account,
                    key.region,
                    ledger.holders.len(),
                    ledger.capacity()
                )));
            }
            None => {}
        }
        ledger.holders.insert(
            job.snapshot_arn.clone(),
            Holder {
                execution_id: execution_id.to_owned(),
                db: db_of(job),
                export_id: job.export_task_id.clone(),
                since: now,
                lease_until: now.saturating_add(LEASE_SECONDS),
            },
        );
        if store.save(&ledger, now).await? {
            tracing::info!(snapshot_arn = %job.snapshot_arn, "redrive took a free export slot");
            return Ok(());
        }
    }
    Err(contended(&key))
}

#[cfg(test)]
mod tests;

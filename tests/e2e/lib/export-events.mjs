// RDS's export-finished events for the callback scenarios (`[export] events = true`), as
// the analytics rule delivers them: the export-events function invoked with the event.
//
// While an execution waits in its callback state nobody polls, so the scripted export moves
// on the harness's clock: after wait-for-export has stored its token (and found the export
// still running), the runner calls `afterInvoke`, which steps the export along its
// timeline (`POST /export/advance`, no DescribeExportTasks) until it is terminal, then
// emits the event RDS would send for it. A scenario's `"export_events"` says how RDS
// behaves (all optional):
//
//   {"lost": true}              no event at all: only the fallback (the callback's
//                               timeout into CheckExport) can see the end
//   {"before_token": true}      the export ends, and its event is handled, before
//                               wait-for-export stores the token (so the event wakes nobody)
//   {"duplicates": N}           the event N more times, after the first
//   {"other_snapshot": true}    first an export event of another snapshot (harmless)
//   {"late": true}              the event only once the wait has ended without it (the
//                               fallback timed out): its token is closed (stale)
//   {"sweep": true}             then export-events is invoked as its schedule invokes it
//                               (a Scheduled Event: the sweep for lost events), once
//
// Every emission and sweep is logged (`log`: snapshot, event id, export-events' answer or
// error), and an execution's `expect.export_events` checks it (`checkExportEvents`).

/** Export-finished event ids by source kind and terminal status (aws-facts.md). */
export const EXPORT_EVENT_IDS = {
  snapshot: { FAILED: 'RDS-EVENT-0159', CANCELED: 'RDS-EVENT-0160', COMPLETE: 'RDS-EVENT-0161' },
  cluster: { FAILED: 'RDS-EVENT-0162', CANCELED: 'RDS-EVENT-0163', COMPLETE: 'RDS-EVENT-0164' },
};

const MESSAGES = { FAILED: 'Snapshot export task failed.', CANCELED: 'Snapshot export task canceled.', COMPLETE: 'Snapshot export task completed.' };
const MAX_STEPS = 100;

/** The sweep's schedule rule fires (default bus; contract rules::EXPORT_SWEEP). */
export function scheduledEvent({ account = '123456789012', region = 'us-east-1' } = {}) {
  return {
    version: '0',
    id: `e2e-${Math.random().toString(16).slice(2, 10)}`,
    'detail-type': 'Scheduled Event',
    source: 'aws.events',
    account,
    time: new Date().toISOString(),
    region,
    resources: [`arn:aws:events:${region}:${account}:rule/snapshot-export-export-sweep`],
    detail: {},
  };
}

/** The event RDS puts on the default bus (forwarded unchanged to the analytics bus). */
export function exportEvent(snapshotArn, status, { account = '210987654321', region = 'us-east-1' } = {}) {
  const cluster = snapshotArn.includes(':cluster-snapshot:');
  const id = (cluster ? EXPORT_EVENT_IDS.cluster : EXPORT_EVENT_IDS.snapshot)[status];
  if (!id) throw new Error(`no export-finished event for status ${status}`);
  const identifier = snapshotArn.split(':').slice(6).join(':');
  return {
    version: '0',
    id: `e2e-${Math.random().toString(16).slice(2, 10)}`,
    'detail-type': cluster ? 'RDS DB Cluster Snapshot Event' : 'RDS DB Snapshot Event',
    source: 'aws.rds',
    account,
    time: new Date().toISOString(),
    region,
    resources: [snapshotArn],
    detail: {
      EventCategories: ['notification'],
      SourceType: cluster ? 'CLUSTER_SNAPSHOT' : 'SNAPSHOT',
      SourceArn: snapshotArn,
      Date: new Date().toISOString(),
      Message: MESSAGES[status],
      SourceIdentifier: identifier,
      EventID: id,
    },
  };
}

export class ExportEvents {
  constructor({ launcher, pool, spec = {}, vars = {} }) {
    for (const key of Object.keys(spec)) {
      if (!['lost', 'before_token', 'duplicates', 'other_snapshot', 'late', 'sweep'].includes(key)) throw new Error(`export_events.${key} is not a known setting`);
    }
    this.launcher = launcher;
    this.pool = pool;
    this.spec = spec;
    this.account = vars.prod_account ?? '210987654321';
    this.analyticsAccount = vars.analytics_account ?? '123456789012';
    this.log = [];
  }

  /** The runner's hooks (execute.mjs runCallback). */
  hooks(stub) {
    // Only the export wait moves an export; the other callback state (AcquireExportSlot,
    // whose payload has no export) is answered by export-slots alone.
    const exportWait = (ctx) => Boolean(ctx.payload?.export);
    return {
      stub,
      beforeInvoke: (ctx) => (exportWait(ctx) && this.spec.before_token ? this.#finishAndEmit(ctx, 'before token') : undefined),
      afterInvoke: (ctx) => (exportWait(ctx) && !this.spec.before_token ? this.#finishAndEmit(ctx, 'after token') : undefined),
    };
  }

  async #finishAndEmit(ctx, when) {
    const id = ctx.payload.export.export_task_id;
    const snapshot = ctx.payload.job.snapshot_arn;
    try {
      let status = null;
      for (let step = 0; step < MAX_STEPS; step += 1) {
        ({ status } = await this.launcher.call('POST', '/export/advance', { export_task_id: id }));
        if (!status || ['COMPLETE', 'FAILED', 'CANCELED'].includes(status)) break;
      }
      if (!['COMPLETE', 'FAILED', 'CANCELED'].includes(status)) {
        this.log.push({ when, export_task_id: id, problem: `export ${id} is ${status} after ${MAX_STEPS} steps: no event` });
        return;
      }
      if (this.spec.other_snapshot) {
        const other = snapshot.replace(/([^:]+)$/, 'someone-elses-snapshot');
        await this.#emit(exportEvent(other, 'COMPLETE', { account: this.account }), when, id, 'other snapshot');
      }
      if (this.spec.lost) {
        this.log.push({ when, export_task_id: id, status, lost: true });
        if (this.spec.sweep) await this.#sweep(when, id);
        return;
      }
      if (this.spec.late) {
        // After the callback has ended (the runner closes the token on its timeout).
        const until = Date.now() + ctx.timeoutSeconds * 10 + 60_000;
        while (!ctx.settled() && Date.now() < until) await new Promise((r) => setTimeout(r, 20));
      }
      const event = exportEvent(snapshot, status, { account: this.account });
      for (let n = 0; n <= (this.spec.duplicates ?? 0); n += 1) {
        await this.#emit(event, when, id, n === 0 ? 'event' : 'duplicate');
      }
    } catch (err) {
      this.log.push({ when, export_task_id: id, problem: `harness: ${err.message}` });
    }
  }

  async #sweep(when, exportTaskId) {
    const entry = { when, kind: 'sweep', export_task_id: exportTaskId };
    try {
      entry.outcome = await this.pool.invoke('export-events', scheduledEvent({ account: this.analyticsAccount }));
    } catch (err) {
      entry.error = err.errorType ?? err.name;
      entry.message = err.errorMessage ?? err.message;
    }
    this.log.push(entry);
  }

  async #emit(event, when, exportTaskId, kind) {
    const entry = { when, kind, export_task_id: exportTaskId, snapshot_arn: event.detail.SourceArn, event_id: event.detail.EventID };
    try {
      entry.outcome = await this.pool.invoke('export-events', event);
    } catch (err) {
      entry.error = err.errorType ?? err.name;
      entry.message = err.errorMessage ?? err.message;
    }
    this.log.push(entry);
  }
}

/**
 * Problems with the events of one execution's window (`log` entries since it started).
 * `expect`: {emitted (RDS events), sweeps, woken, stale_min, errors (default 0),
 * describe_export_calls_max}; woken, stale and errors count the sweeps' answers too.
 */
export function checkExportEvents(expect, log, window) {
  const problems = [];
  if (!expect) return problems;
  for (const e of log) if (e.problem) problems.push(`export events: ${e.problem}`);
  const invoked = log.filter((e) => e.kind);
  const emitted = invoked.filter((e) => e.kind !== 'sweep');
  const sum = (key) => invoked.reduce((n, e) => n + (e.outcome?.[key] ?? 0), 0);
  const errors = invoked.filter((e) => e.error);
  const eq = (what, actual, expected) => {
    if (expected !== undefined && actual !== expected) problems.push(`export events: ${what}: expected ${JSON.stringify(expected)}, got ${JSON.stringify(actual)}`);
  };
  eq('events emitted', emitted.length, expect.emitted);
  eq('sweeps', invoked.length - emitted.length, expect.sweeps);
  eq('executions woken', sum('woken'), expect.woken);
  eq('export-events errors', errors.length, expect.errors ?? 0);
  for (const e of errors) problems.push(`export events: export-events failed with ${e.error}: ${e.message}`);
  if (expect.stale_min !== undefined && sum('stale') < expect.stale_min) problems.push(`export events: stale tokens ${sum('stale')}, expected at least ${expect.stale_min}`);
  if (expect.describe_export_calls_max !== undefined && window?.describe_export_calls > expect.describe_export_calls_max) {
    problems.push(`DescribeExportTasks calls: ${window.describe_export_calls}, expected at most ${expect.describe_export_calls_max}`);
  }
  return problems;
}

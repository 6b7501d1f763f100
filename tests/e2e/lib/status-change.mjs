// What the failure-notification rule does in AWS: an EventBridge rule on the default bus
// matches "Step Functions Execution Status Change" events (source aws.states) with status
// FAILED, TIMED_OUT or ABORTED and invokes the notify function with the event. The
// interpreter emits no such event, so the runner builds it from the execution record and
// invokes the function itself, through the same FunctionPool. EventBridge's delivery is
// best effort: a failed invocation is recorded, never a reason to stop the run.
//
// The same rule also targets the other functions the function table lists with the
// `status-change` trigger (export-slots: the ended execution's export slot is released and
// the next parked execution woken); their outcomes are kept as `record.statusChangeOthers`
// ({binary: {ok, output} | {ok: false, error, message}}), notify's stays `statusChange`.

import { randomUUID } from 'node:crypto';
import { ACCOUNT, REGION } from './execute.mjs';
import { FUNCTIONS } from './functions.mjs';
import { LambdaError } from './runtime-api.mjs';

export const DETAIL_TYPE = 'Step Functions Execution Status Change';
/** The statuses the rule matches (and that RedriveExecution accepts). */
export const NOTIFIED = ['FAILED', 'TIMED_OUT', 'ABORTED'];
/** The function the rule targets. */
export const TARGET = 'notify';
/** The other functions the function table has the rule invoke (export-slots). */
export const OTHER_TARGETS = Object.entries(FUNCTIONS)
  .filter(([binary, f]) => binary !== TARGET && (f.triggers ?? []).includes('status-change'))
  .map(([binary]) => binary);

/** The event Step Functions sends for `record` (an execution that just ended). */
export function statusChangeEvent(record) {
  const redrivable = NOTIFIED.includes(record.status);
  return {
    version: '0',
    id: randomUUID(),
    'detail-type': DETAIL_TYPE,
    source: 'aws.states',
    account: ACCOUNT,
    time: new Date(record.stopDate ?? Date.now()).toISOString().replace(/\.\d{3}Z$/, 'Z'),
    region: REGION,
    resources: [record.arn],
    detail: {
      executionArn: record.arn,
      stateMachineArn: record.stateMachineArn,
      name: record.name,
      status: record.status,
      startDate: record.startDate,
      stopDate: record.stopDate ?? null,
      input: JSON.stringify(record.input ?? {}),
      inputDetails: { included: true },
      output: null,
      outputDetails: null,
      error: record.status === 'ABORTED' ? null : record.error ?? null,
      cause: record.status === 'ABORTED' ? null : typeof record.cause === 'string' ? record.cause : record.cause == null ? null : JSON.stringify(record.cause),
      redriveCount: record.redriveCount,
      redriveDate: record.redriveDate ?? null,
      redriveStatus: redrivable ? 'REDRIVABLE' : 'NOT_REDRIVABLE',
      redriveStatusReason: redrivable ? null : `Execution is ${record.status} and cannot be redriven`,
    },
  };
}

/**
 * When `record` ended FAILED, TIMED_OUT or ABORTED: invokes the rule's target with the
 * status-change event; returns {event, ok, output} or {event, ok: false, error, message}
 * (also kept on the record as `statusChange`). Otherwise nothing (null).
 *
 * `route(event)` (the applied stack, applied.mjs): the binaries the APPLIED rules deliver the
 * event to (any status: a SUCCEEDED one must reach nobody); none is a failed delivery,
 * `NotRouted`, as no notification would be sent in AWS.
 */
export async function emitStatusChange(record, pool, { route } = {}) {
  const event = statusChangeEvent(record);
  const targets = route ? await route(event) : null;
  if (!NOTIFIED.includes(record.status)) {
    if (targets?.length) throw new Error(`the applied rules deliver the ${record.status} status change of ${record.name} to ${targets.join(', ')}`);
    return null;
  }
  record.statusChangeOthers = {};
  for (const binary of OTHER_TARGETS) {
    if (targets && !targets.includes(binary)) continue;
    try {
      record.statusChangeOthers[binary] = { ok: true, output: await pool.invoke(binary, event) };
    } catch (err) {
      record.statusChangeOthers[binary] = err instanceof LambdaError
        ? { ok: false, error: err.errorType, message: err.errorMessage }
        : { ok: false, error: err.name ?? 'Error', message: String(err.message ?? err) };
    }
  }
  let outcome;
  try {
    if (targets && !targets.includes(TARGET)) {
      outcome = { event, ok: false, error: 'NotRouted', message: `no applied rule delivers the ${record.status} status change to ${TARGET} (targets: ${targets.join(', ') || 'none'})` };
      record.statusChange = outcome;
      return outcome;
    }
    outcome = { event, ok: true, output: await pool.invoke(TARGET, event) };
  } catch (err) {
    outcome = err instanceof LambdaError
      ? { event, ok: false, error: err.errorType, message: err.errorMessage }
      : { event, ok: false, error: err.name ?? 'Error', message: String(err.message ?? err) };
  }
  record.statusChange = outcome;
  return outcome;
}

// A scenario's expectations, checked against what the emulator saw and holds.
//
// Expected values are never listed by hand where the emulator can tell: "the ACL was
// rewritten on every exported object" compares the keys of the ACL requests moto received
// with the keys moto holds under the export's prefix; counts come from the harness counters
// (requests the Lambdas actually made) over the window of one execution or of the scenario.

import { causeText, statesEntered } from './execute.mjs';

const CANNED = 'bucket-owner-full-control';

/** The counters' difference between two snapshots (arrays: the new entries). */
export function counterWindow(before, after) {
  const window = {};
  for (const [key, value] of Object.entries(after)) {
    window[key] = Array.isArray(value) ? value.slice(before[key]?.length ?? 0) : value - (before[key] ?? 0);
  }
  return window;
}

/** Problems with one execution's result (empty list: as expected). */
export function checkExecution(expect, result, window, facts, vars) {
  const problems = [];
  const states = statesEntered(result.events);
  const eq = (what, actual, expected) => {
    if (actual !== expected) problems.push(`${what}: expected ${JSON.stringify(expected)}, got ${JSON.stringify(actual)}`);
  };
  if (expect.status) eq('status', result.status, expect.status);
  if (expect.end_state) eq('end state', states.at(-1), expect.end_state);
  if (expect.error) eq('error', result.error, expect.error);
  if (expect.cause_contains) {
    const text = causeText(result.cause);
    if (!text.includes(expect.cause_contains)) {
      problems.push(`cause: expected it to contain ${JSON.stringify(expect.cause_contains)}, got ${JSON.stringify(text)}`);
    }
  }
  for (const state of expect.states_entered ?? []) {
    if (!states.includes(state)) problems.push(`state ${state} was never entered (entered: ${states.join(' → ')})`);
  }
  if (expect.states_exact) eq('states entered', states.join(' → '), expect.states_exact.join(' → '));
  for (const [state, n] of Object.entries(expect.state_count_min ?? {})) {
    const seen = states.filter((s) => s === state).length;
    if (seen < n) problems.push(`state ${state} entered ${seen} times, expected at least ${n}`);
  }
  if (expect.cause_from_export) {
    // The export's own FailureCause, as RDS (moto) holds it, must reach the execution's cause.
    const causes = facts.export_tasks.map((t) => t.failure_cause).filter(Boolean);
    const text = causeText(result.cause);
    if (causes.length === 0) problems.push('no export task has a failure cause to compare with');
    else if (!causes.some((c) => text.includes(c))) problems.push(`cause ${JSON.stringify(text)} does not carry the export's failure cause ${JSON.stringify(causes)}`);
  }
  for (const state of expect.states_not_entered ?? []) {
    if (states.includes(state)) problems.push(`state ${state} was entered, it should not have been`);
  }
  const retries = result.events.filter((e) => e.type === 'StateRetried');
  if (expect.retries !== undefined) eq('retries', retries.length, expect.retries);
  for (const [error, min] of Object.entries(expect.retried_min ?? {})) {
    const n = retries.filter((e) => e.retry.retrier.ErrorEquals.includes(error)).length;
    if (n < min) problems.push(`retries on ${error}: expected at least ${min}, got ${n}`);
  }
  for (const [path, expected] of Object.entries(expect.output ?? {})) {
    eq(`output.${path}`, lookup(result.output, path), expected);
  }
  if (window) problems.push(...checkEffects(expect, window, facts, vars, result));
  return problems;
}

/** Problems with the requests made (`window`) and the emulator's state (`facts`). */
export function checkEffects(expect, window, facts, vars, result = null) {
  const problems = [];
  const count = (list, pred) => list.filter(pred).length;
  const eq = (what, actual, expected) => {
    if (actual !== expected) problems.push(`${what}: expected ${JSON.stringify(expected)}, got ${JSON.stringify(actual)}`);
  };
  const min = (what, actual, expected) => {
    if (actual < expected) problems.push(`${what}: expected at least ${expected}, got ${actual}`);
  };

  const starts = window.start_export_calls;
  if (expect.export_tasks_created !== undefined) {
    eq('export tasks created', count(starts, (c) => c.outcome === 'created'), expect.export_tasks_created);
  }
  if (expect.start_export_calls !== undefined) eq('StartExportTask calls', starts.length, expect.start_export_calls);
  if (expect.start_export_calls_min !== undefined) min('StartExportTask calls', starts.length, expect.start_export_calls_min);
  if (expect.export_tasks_total !== undefined) eq('export tasks in RDS', facts.export_tasks.length, expect.export_tasks_total);
  for (const call of starts) {
    if (call.account !== vars.prod_account) problems.push(`StartExportTask ${call.export_task_id} ran in account ${call.account}, not prod`);
  }

  if (expect.acl !== undefined) problems.push(...checkAcl(expect, window, facts, vars, result));
  if (expect.acl_denied_min !== undefined) min('denied ACL requests', count(window.acl_requests, (r) => r.denied), expect.acl_denied_min);

  const lists = window.list_requests.filter((r) => r.bucket === vars.bucket);
  if (expect.list_pages_min !== undefined) min('ListObjectsV2 pages', lists.length, expect.list_pages_min);
  for (const r of lists) {
    if (!(r.prefix ?? '').startsWith(`${vars.export_prefix}/`)) problems.push(`ListObjectsV2 outside the export prefix: ${JSON.stringify(r.prefix)}`);
  }

  const crawls = window.start_crawler_calls;
  if (expect.crawls_started !== undefined) eq('crawls started', count(crawls, (c) => c.outcome === 'started'), expect.crawls_started);
  if (expect.crawl_busy_min !== undefined) {
    min('StartCrawler refused while running', count(crawls, (c) => c.outcome === 'CrawlerRunningException'), expect.crawl_busy_min);
  }
  if (expect.notifications !== undefined) {
    eq('notifications (detail-types)', JSON.stringify(window.put_events.map((e) => e.detail_type)), JSON.stringify(expect.notifications));
  }
  return problems;
}

function checkAcl(expect, window, facts, vars, result) {
  const problems = [];
  const requests = window.acl_requests;
  const decoys = new Set(vars.decoy_keys);
  for (const r of requests) {
    if (decoys.has(r.key)) problems.push(`ACL request on ${r.key}, outside every export`);
  }
  if (expect.acl === 'none') {
    if (requests.length > 0) problems.push(`expected no ACL request, got ${requests.length} (first: ${requests[0].key})`);
    if (result?.output?.acl && result.output.acl.skipped !== true) problems.push('output.acl.skipped is not true');
    return problems;
  }
  if (expect.acl !== 'all-export-objects') return [`unknown acl expectation ${JSON.stringify(expect.acl)}`];
  const roots = facts.export_tasks.filter((t) => t.status === 'COMPLETE').map((t) => exportRoot(t));
  const exported = facts.objects.filter((o) => roots.some((root) => o.key.startsWith(root)));
  const written = facts.export_tasks.reduce((n, t) => n + t.objects_written.length, 0);
  if (exported.length === 0) problems.push('no exported object in the bucket: nothing to compare with');
  if (exported.length !== written) problems.push(`bucket holds ${exported.length} exported objects, the export wrote ${written}`);
  if (expect.exported_objects !== undefined && exported.length !== expect.exported_objects) {
    problems.push(`exported objects: expected ${expect.exported_objects}, bucket holds ${exported.length}`);
  }
  for (const o of exported) {
    if (o.writer !== vars.prod_account) problems.push(`${o.key} written by ${o.writer}, not prod`);
  }
  const granted = requests.filter((r) => !r.denied);
  const grantedKeys = new Set(granted.map((r) => r.key));
  const exportedKeys = new Set(exported.map((o) => o.key));
  const missing = [...exportedKeys].filter((k) => !grantedKeys.has(k));
  const extra = [...grantedKeys].filter((k) => !exportedKeys.has(k));
  if (missing.length) problems.push(`${missing.length} exported objects got no ACL request, e.g. ${missing.slice(0, 3).join(', ')}`);
  if (extra.length) problems.push(`${extra.length} ACL requests on keys outside the export, e.g. ${extra.slice(0, 3).join(', ')}`);
  if (granted.length !== grantedKeys.size) problems.push(`${granted.length - grantedKeys.size} duplicate ACL requests`);
  for (const r of granted) {
    if (r.acl !== CANNED || r.grants.length) {
      problems.push(`${r.key}: ACL ${JSON.stringify(r.acl)} grants ${JSON.stringify(r.grants)}, expected canned ${CANNED}`);
      break;
    }
    if (r.account !== vars.prod_account) {
      problems.push(`${r.key}: ACL sent from account ${r.account}, expected prod (the objects' writer)`);
      break;
    }
  }
  const rewritten = result?.output?.acl?.rewritten;
  if (result?.status === 'SUCCEEDED' && rewritten !== undefined && rewritten !== grantedKeys.size) {
    problems.push(`output.acl.rewritten says ${rewritten}, moto received ${grantedKeys.size} ACL requests`);
  }
  return problems;
}

function exportRoot(task) {
  const prefix = (task.s3_prefix ?? '').replace(/^\/+|\/+$/g, '');
  return prefix ? `${prefix}/${task.export_task_id}/` : `${task.export_task_id}/`;
}

export function lookup(value, path) {
  return path.split('.').reduce((v, k) => (v == null ? undefined : v[k]), value);
}

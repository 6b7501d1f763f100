// A scenario's expectations, checked against what the emulator saw and holds.
//
// Expected values are never listed by hand where the emulator can tell: "the ACL was
// rewritten on every exported object" compares the keys of the ACL requests moto received
// with the keys moto holds under the export's prefix; counts come from the harness counters
// (requests the Lambdas actually made) over the window of one execution or of the scenario.

import { causeText, failedState, statesEntered } from './execute.mjs';

const CANNED = 'bucket-owner-full-control';
const CRAWL_SUCCEEDED = new Set(['COMPLETED', 'SUCCEEDED']); // moto's name, AWS's name

/** The counters' difference between two snapshots (arrays: the new entries). */
export function counterWindow(before, after) {
  const window = {};
  for (const [key, value] of Object.entries(after)) {
    if (Array.isArray(value)) window[key] = value.slice(before[key]?.length ?? 0);
    // A high-water mark (max_running_exports: account → most exports at once): as is.
    else if (value && typeof value === 'object') window[key] = value;
    else window[key] = value - (before[key] ?? 0);
  }
  return window;
}

/**
 * Problems with one execution's result (empty list: as expected). For a redrive, the state
 * and retry checks look at the redrive's own events (`runEvents`); `failed_state` and
 * `end_state` at the last state entered.
 */
export function checkExecution(expect, result, window, facts, vars) {
  const problems = [];
  const events = result.runEvents ?? result.events;
  const states = statesEntered(events);
  const eq = (what, actual, expected) => {
    if (actual !== expected) problems.push(`${what}: expected ${JSON.stringify(expected)}, got ${shortJson(actual)}`);
  };
  if (expect.status) eq('status', result.status, expect.status);
  if (expect.end_state) eq('end state', failedState(result.events), expect.end_state);
  if (expect.failed_state) {
    if (result.status === 'SUCCEEDED') problems.push(`failed_state: expected the execution to fail at ${expect.failed_state}, it SUCCEEDED`);
    else eq('failed state (last state entered)', failedState(result.events), expect.failed_state);
  }
  if (expect.redrive_count !== undefined) eq('redrive count', result.redriveCount, expect.redrive_count);
  if (expect.redriven_at !== undefined) eq('state the redrive re-entered', result.redrivenFrom?.name, expect.redriven_at);
  if (expect.status_change !== undefined) {
    // The failure-notification rule's invocation of notify: "none", "ok" or the error it failed with.
    const sc = result.statusChange;
    eq('status-change notification', sc ? (sc.ok ? 'ok' : sc.error) : 'none', expect.status_change);
  }
  if (expect.error) eq('error', result.error, expect.error);
  if (expect.cause_contains) {
    // One text or a list of texts, each of which the cause must contain.
    const text = causeText(result.cause);
    for (const part of [expect.cause_contains].flat()) {
      if (!text.includes(part)) problems.push(`cause: expected it to contain ${JSON.stringify(part)}, got ${JSON.stringify(text)}`);
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
  const retries = events.filter((e) => e.type === 'StateRetried');
  if (expect.retries !== undefined) eq('retries', retries.length, expect.retries);
  for (const [error, min] of Object.entries(expect.retried_min ?? {})) {
    const n = retries.filter((e) => e.retry.retrier.ErrorEquals.includes(error)).length;
    if (n < min) problems.push(`retries on ${error}: expected at least ${min}, got ${n}`);
  }
  for (const [path, expected] of Object.entries(expect.output ?? {})) {
    if (isMatcher(expected)) problems.push(...matchProblems(`output.${path}`, lookup(result.output, path), expected));
    else eq(`output.${path}`, lookup(result.output, path), expected);
  }
  problems.push(...checkPayloads(expect, result, window));
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
  // RDS's quota (the harness refuses a 6th running export per account): the most exports
  // running at once in any account, and the StartExportTask calls the quota refused.
  if (expect.max_running_exports_at_most !== undefined) {
    for (const [account, n] of Object.entries(window.max_running_exports ?? {})) {
      if (n > expect.max_running_exports_at_most) problems.push(`account ${account} ran ${n} exports at once, expected at most ${expect.max_running_exports_at_most}`);
    }
  }
  if (expect.max_running_exports !== undefined) {
    eq('most exports running at once (any account)', Math.max(0, ...Object.values(window.max_running_exports ?? {})), expect.max_running_exports);
  }
  if (expect.export_quota_refusals !== undefined) eq('StartExportTask calls refused by the quota', window.export_quota_refusals, expect.export_quota_refusals);
  if (expect.export_tasks_created !== undefined) {
    eq('export tasks created', count(starts, (c) => c.outcome === 'created'), expect.export_tasks_created);
  }
  if (expect.start_export_calls !== undefined) eq('StartExportTask calls', starts.length, expect.start_export_calls);
  if (expect.start_export_calls_min !== undefined) min('StartExportTask calls', starts.length, expect.start_export_calls_min);
  if (expect.export_tasks_total !== undefined) eq('export tasks in RDS', facts.export_tasks.length, expect.export_tasks_total);
  for (const call of starts) {
    if (![vars.prod_account, vars.prod_b_account].includes(call.account)) problems.push(`StartExportTask ${call.export_task_id} ran in account ${call.account}, not prod`);
  }
  if (expect.export_starts_per_attempt !== undefined) {
    // Every attempt id was started exactly that many times, and never again once it existed.
    const created = new Map();
    for (const c of starts.filter((c) => c.outcome === 'created')) created.set(c.export_task_id, (created.get(c.export_task_id) ?? 0) + 1);
    if (created.size === 0) problems.push('export_starts_per_attempt: no export task was created');
    for (const [id, n] of created) {
      if (n !== expect.export_starts_per_attempt) problems.push(`export attempt ${id} created ${n} times, expected ${expect.export_starts_per_attempt}`);
    }
    for (const c of starts.filter((c) => /AlreadyExists/.test(c.outcome ?? ''))) {
      problems.push(`StartExportTask for ${c.export_task_id} although it existed (${c.outcome})`);
    }
  }
  if (expect.export_attempts !== undefined) {
    // Attempts are <base>, <base>-r2, <base>-r3, ... in that order.
    const ids = [...new Set(starts.filter((c) => c.outcome === 'created').map((c) => c.export_task_id))];
    const base = ids[0];
    if (base === undefined && expect.export_attempts > 0) {
      problems.push(`export attempts created: expected ${expect.export_attempts}, none was created`);
    } else {
      const expected = Array.from({ length: expect.export_attempts }, (_, i) => (i === 0 ? base : `${base}-r${i + 1}`));
      eq('export attempts created', JSON.stringify(ids), JSON.stringify(expected));
    }
  }

  if (expect.acl !== undefined) problems.push(...checkAcl(expect, window, facts, vars, result));
  if (expect.acl_denied_min !== undefined) min('denied ACL requests', count(window.acl_requests, (r) => r.denied), expect.acl_denied_min);

  // Copy delivery: CopyObject requests moto accepted (`copy_requests`) or refused.
  const copies = window.copy_requests ?? [];
  if (expect.copy_requests !== undefined) eq('accepted CopyObject requests', count(copies, (r) => !r.denied), expect.copy_requests);
  if (expect.copy_denied_min !== undefined) min('denied CopyObject requests', count(copies, (r) => r.denied), expect.copy_denied_min);
  if (expect.copy !== undefined) problems.push(...checkCopy(expect, window, facts, vars, result));

  const lists = window.list_requests.filter((r) => r.bucket === vars.bucket);
  if (expect.list_pages_min !== undefined) min('ListObjectsV2 pages', lists.length, expect.list_pages_min);
  for (const r of lists) {
    if (!(r.prefix ?? '').startsWith(`${vars.export_prefix}/`)) problems.push(`ListObjectsV2 outside the export prefix: ${JSON.stringify(r.prefix)}`);
  }

  const crawls = window.start_crawler_calls;
  if (expect.crawls_started !== undefined) eq('crawls started', count(crawls, (c) => c.outcome === 'started'), expect.crawls_started);
  if (expect.successful_crawls !== undefined) {
    // Crawls started in this window that ended successfully (moto: COMPLETED).
    const ok = crawls.filter((c) => c.outcome === 'started' && CRAWL_SUCCEEDED.has(facts.crawls[c.crawl_index]?.status));
    eq('successful crawls started', ok.length, expect.successful_crawls);
  }
  if (expect.crawl_busy_min !== undefined) {
    min('StartCrawler refused while running', count(crawls, (c) => c.outcome === 'CrawlerRunningException'), expect.crawl_busy_min);
  }
  // Notifications: the PutEvents entries EventBridge accepted (a refused one is not sent).
  const sent = window.put_events.filter((e) => e.accepted !== false);
  if (expect.notifications !== undefined) {
    eq('notifications (detail-types)', JSON.stringify(sent.map((e) => e.detail_type)), JSON.stringify(expect.notifications));
  }
  if (expect.notifications_detail !== undefined) problems.push(...checkNotifications(expect.notifications_detail, sent));
  if (expect.notify_attempts_refused_min !== undefined) {
    min('PutEvents entries refused', count(window.put_events, (e) => e.accepted === false), expect.notify_attempts_refused_min);
  }
  for (const [operation, n] of Object.entries(expect.faults_injected_min ?? {})) {
    min(`injected ${operation} errors`, count(window.faults_injected ?? [], (f) => f.operation === operation), n);
  }
  problems.push(...checkCatalog(expect, window, facts));
  if (expect.glue_writes !== undefined) {
    // Glue CreateTable / UpdateTable / BatchCreatePartition calls in the window ("nothing moved": 0).
    const writes = window.glue_writes ?? [];
    if (writes.length !== expect.glue_writes) problems.push(`Glue writes: expected ${expect.glue_writes}, got ${writes.length} (${writes.slice(0, 3).map((w) => `${w.operation} ${w.table}`).join(', ')})`);
  }
  if (expect.report !== undefined) problems.push(...checkReport(expect.report, facts));
  problems.push(...checkCallers(expect, window));
  for (const [operation, n] of Object.entries(expect.sfn_calls_min ?? {})) {
    min(`Step Functions ${operation} calls`, count(window.sfn_calls ?? [], (c) => c.operation === operation && c.status === 200), n);
  }
  return problems;
}

/**
 * Who made the calls (many prod accounts; `window.aws_calls`, every call the harness saw):
 * - `callers`: {service: {account: [role ARNs]}}: the exact set of roles that signed that
 *   service's calls in each account named (an account's own keys count as "own"), and
 *   each named account made at least one such call;
 * - `export_prefixes`: {account: prefix}: every StartExportTask in that account (at least
 *   one) wrote under exactly that S3 prefix;
 * - `calls_max`: {service: n}: at most n calls of that service (0: none at all).
 */
function checkCallers(expect, window) {
  const problems = [];
  const calls = window.aws_calls ?? [];
  for (const [service, byAccount] of Object.entries(expect.callers ?? {})) {
    for (const [account, roles] of Object.entries(byAccount)) {
      const used = [...new Set(calls.filter((c) => c.service === service && c.account === account).map((c) => c.role_arn ?? 'own'))].sort();
      if (JSON.stringify(used) !== JSON.stringify([...roles].sort())) {
        problems.push(`${service} calls in account ${account}: signed by ${JSON.stringify(used)}, expected ${JSON.stringify([...roles].sort())}`);
      }
    }
  }
  for (const [account, prefix] of Object.entries(expect.export_prefixes ?? {})) {
    const starts = (window.start_export_calls ?? []).filter((c) => c.account === account);
    if (starts.length === 0) problems.push(`no StartExportTask in account ${account}`);
    for (const c of starts) {
      if (c.s3_prefix !== prefix) problems.push(`StartExportTask ${c.export_task_id} in ${account}: S3 prefix ${JSON.stringify(c.s3_prefix)}, expected ${JSON.stringify(prefix)}`);
    }
  }
  for (const [service, max] of Object.entries(expect.calls_max ?? {})) {
    const n = calls.filter((c) => c.service === service).length;
    if (n > max) problems.push(`${service} calls: expected at most ${max}, got ${n}`);
  }
  return problems;
}

const SERDE = 'org.apache.hadoop.hive.ql.io.parquet.serde.ParquetHiveSerDe';
const INPUT_FORMAT = 'org.apache.hadoop.hive.ql.io.parquet.MapredParquetInputFormat';
const OUTPUT_FORMAT = 'org.apache.hadoop.hive.ql.io.parquet.MapredParquetOutputFormat';

/**
 * The Glue catalog CatalogTables wrote (`facts.glue_catalog`, read from moto) against:
 * - `catalog_tables`: the exact list of table names;
 * - `catalog`: per table, `columns` ([[name, type]...], in order), `location_export` (the
 *   index of the export, in creation order, whose folder it points at), `partitions`
 *   ("all-exports": one per completed export, valued by its id, at that export's folder; or
 *   a count), `partition_keys`, `parameters` (a subset), `comments` (a subset);
 * - `catalog_agrees_with_reader`: every table is an Athena Parquet table (EXTERNAL_TABLE,
 *   ParquetHiveSerDe, Mapred formats, classification=parquet) and, at every location (the
 *   latest table's, each partition's), DuckDB reads the files with exactly the Glue
 *   columns' names and types, in order;
 * - `glue_version_conflicts_min`: UpdateTable calls refused for a stale VersionId; and
 *   every UpdateTable passes a VersionId.
 */
function checkCatalog(expect, window, facts) {
  const problems = [];
  const catalog = facts.glue_catalog ?? {};
  const same = (a, b) => JSON.stringify(a) === JSON.stringify(b);
  const exports = facts.export_tasks.filter((t) => t.status === 'COMPLETE');
  const folderOf = (task, location) => location?.includes(`/${task.export_task_id}/`);
  if (expect.catalog_tables !== undefined) {
    const names = Object.keys(catalog).sort();
    if (!same(names, [...expect.catalog_tables].sort())) problems.push(`Glue tables: expected ${JSON.stringify([...expect.catalog_tables].sort())}, got ${JSON.stringify(names)}`);
  }
  for (const [name, want] of Object.entries(expect.catalog ?? {})) {
    const table = catalog[name];
    if (!table) {
      problems.push(`Glue table ${name} does not exist (tables: ${Object.keys(catalog).join(', ')})`);
      continue;
    }
    if (want.columns && !same(table.columns, want.columns)) problems.push(`${name} columns: expected ${JSON.stringify(want.columns)}, got ${JSON.stringify(table.columns)}`);
    if (want.partition_keys && !same(table.partition_keys, want.partition_keys)) problems.push(`${name} partition keys: expected ${JSON.stringify(want.partition_keys)}, got ${JSON.stringify(table.partition_keys)}`);
    if (want.location_export !== undefined) {
      const task = exports[want.location_export];
      if (!task) problems.push(`${name}: no completed export #${want.location_export}`);
      else if (!folderOf(task, table.location)) problems.push(`${name} location ${table.location} is not in export ${task.export_task_id}`);
    }
    for (const [key, value] of Object.entries(want.parameters ?? {})) {
      if (table.parameters[key] !== value) problems.push(`${name} parameter ${key}: expected ${JSON.stringify(value)}, got ${JSON.stringify(table.parameters[key])}`);
    }
    for (const [column, comment] of Object.entries(want.comments ?? {})) {
      if (table.comments[column] !== comment) problems.push(`${name} comment of ${column}: expected ${JSON.stringify(comment)}, got ${JSON.stringify(table.comments[column])}`);
    }
    if (want.partitions === 'all-exports') {
      const values = table.partitions.map((p) => p.values.join('/')).sort();
      const ids = exports.map((t) => t.export_task_id).sort();
      if (!same(values, ids)) problems.push(`${name} partitions: expected one per export ${JSON.stringify(ids)}, got ${JSON.stringify(values)}`);
      for (const p of table.partitions) {
        const task = exports.find((t) => t.export_task_id === p.values[0]);
        if (task && !folderOf(task, p.location)) problems.push(`${name} partition ${p.values[0]} points at ${p.location}, not its export's folder`);
      }
    } else if (typeof want.partitions === 'number' && table.partitions.length !== want.partitions) {
      problems.push(`${name}: expected ${want.partitions} partitions, got ${table.partitions.length}`);
    }
    // Per partition (keyed by the index of the completed export it is valued by): its
    // parameters (a subset, e.g. recordCount).
    for (const [index, params] of Object.entries(want.partition_parameters ?? {})) {
      const task = exports[Number(index)];
      const p = task && table.partitions.find((x) => x.values[0] === task.export_task_id);
      if (!p) {
        problems.push(`${name}: no partition for completed export #${index} (${task?.export_task_id ?? 'none'}); partitions ${JSON.stringify(table.partitions.map((x) => x.values))}`);
        continue;
      }
      for (const [key, value] of Object.entries(params)) {
        if (p.parameters?.[key] !== value) problems.push(`${name} partition ${p.values[0]} parameter ${key}: expected ${JSON.stringify(value)}, got ${JSON.stringify(p.parameters?.[key])}`);
      }
    }
    if (want.partitions_of !== undefined) {
      // The completed exports (by index) this table (one history generation) has partitions for.
      const values = table.partitions.map((p) => p.values.join('/')).sort();
      const ids = want.partitions_of.map((i) => exports[i]?.export_task_id ?? `#${i}?`).sort();
      if (!same(values, ids)) problems.push(`${name} partitions: expected those of exports ${JSON.stringify(want.partitions_of)} ${JSON.stringify(ids)}, got ${JSON.stringify(values)}`);
    }
    if (want.reader_rows !== undefined) {
      // DuckDB's count of the rows at the latest table's location, or of each partition's files.
      const got = table.partition_keys.length ? table.partitions.map((p) => p.reader?.rows ?? null) : [table.reader?.rows ?? null];
      if (!same(got, [want.reader_rows].flat())) problems.push(`${name}: DuckDB reads ${JSON.stringify(got)} rows, expected ${JSON.stringify(want.reader_rows)}`);
    }
  }
  if (expect.catalog_agrees_with_reader) {
    if (Object.keys(catalog).length === 0) problems.push('catalog_agrees_with_reader: the Glue database has no table');
    for (const [name, table] of Object.entries(catalog)) {
      const athena = [
        ['table type', table.table_type, 'EXTERNAL_TABLE'],
        ['SerDe', table.serde, SERDE],
        ['input format', table.input_format, INPUT_FORMAT],
        ['output format', table.output_format, OUTPUT_FORMAT],
        ['classification', table.parameters.classification, 'parquet'],
      ];
      for (const [what, got, want] of athena) {
        if (got !== want) problems.push(`${name} ${what}: expected ${want}, got ${got}`);
      }
      const places = table.partition_keys.length
        ? table.partitions.map((p) => [`${name} partition ${p.values.join('/')}`, p.columns, p.reader, p.parameters])
        : [[name, table.columns, table.reader, table.parameters]];
      if (table.partition_keys.length && table.partitions.length === 0) problems.push(`${name} is partitioned but has no partition`);
      for (const [where, columns, reader, parameters] of places) {
        if (!reader) {
          problems.push(`${where}: no Parquet file at its location for DuckDB to read`);
          continue;
        }
        const read = reader.columns.map(([n, hive]) => [n, hive]);
        if (!same(read, columns)) {
          problems.push(`${where}: DuckDB reads ${JSON.stringify(reader.columns.map(([n, , raw]) => [n, raw]))} = ${JSON.stringify(read)}, Glue says ${JSON.stringify(columns)}`);
        }
        // The row count Glue says (recordCount, from the footers) is what the reader counts.
        const counted = parameters?.recordCount;
        if (counted !== undefined) {
          if (String(reader.rows) !== counted) problems.push(`${where}: recordCount ${counted}, DuckDB counts ${reader.rows} rows`);
        } else if (!(reader.rows > 0)) problems.push(`${where}: DuckDB read no row`);
        // A partition is read as Athena reads it: through its table's (generation's) columns.
        const tr = reader.table_read;
        if (tr) {
          if (tr.mismatches.length) problems.push(`${where}: HIVE_PARTITION_SCHEMA_MISMATCH, the files' types differ from the table's: ${JSON.stringify(tr.mismatches)}`);
          if (tr.error) problems.push(`${where}: DuckDB cannot read the files through the table's columns: ${tr.error}`);
          else if (tr.rows !== reader.rows) problems.push(`${where}: ${tr.rows} rows through the table's columns, ${reader.rows} in the files`);
        }
      }
    }
  }
  const writes = window.glue_writes ?? [];
  if (expect.glue_version_conflicts_min !== undefined) {
    const n = writes.filter((w) => w.outcome === 'ConcurrentModificationException').length;
    if (n < expect.glue_version_conflicts_min) problems.push(`UpdateTable version conflicts: expected at least ${expect.glue_version_conflicts_min}, got ${n}`);
  }
  if (expect.catalog_agrees_with_reader || expect.catalog) {
    const blind = writes.filter((w) => w.operation === 'UpdateTable' && !w.version_id);
    if (blind.length) problems.push(`${blind.length} UpdateTable calls without a VersionId (e.g. ${blind[0].table})`);
  }
  return problems;
}

/**
 * `expected`: one entry per notification sent, in order: `detail_type` plus fields of the
 * event's detail (dotted paths) and their values; a field expected `null` must be null or
 * absent.
 */
function checkNotifications(expected, sent) {
  const problems = [];
  if (sent.length !== expected.length) {
    problems.push(`notifications: expected ${expected.length}, sent ${sent.length}: ${JSON.stringify(sent.map((e) => e.detail_type))}`);
  }
  expected.forEach((want, i) => {
    const got = sent[i];
    if (!got) return;
    let detail;
    try {
      detail = JSON.parse(got.detail);
    } catch {
      problems.push(`notification ${i + 1}: detail is not JSON: ${String(got.detail).slice(0, 200)}`);
      return;
    }
    for (const [field, value] of Object.entries(want)) {
      const actual = field === 'detail_type' ? got.detail_type : lookup(detail, field);
      if (isMatcher(value)) {
        problems.push(...matchProblems(`notification ${i + 1} (${got.detail_type}) ${field}`, actual, value));
        return;
      }
      const same = value === null ? actual === null || actual === undefined : JSON.stringify(actual) === JSON.stringify(value);
      if (!same) problems.push(`notification ${i + 1} (${got.detail_type}) ${field}: expected ${JSON.stringify(value)}, got ${shortJson(actual)}`);
    }
  });
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
  // The pipeline's own files at an export's root (CatalogTables's verification report and its
  // parts, written by analytics after the ACL step) are not the export's objects.
  const own = facts.objects.filter((o) => roots.some((root) => o.key.startsWith(root)) && isVerificationReport(o.key));
  for (const o of own) {
    if (o.writer !== vars.analytics_account) problems.push(`${o.key} written by ${o.writer}, not analytics (the pipeline's own report)`);
  }
  const exported = facts.objects.filter((o) => roots.some((root) => o.key.startsWith(root)) && !isVerificationReport(o.key));
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
  problems.push(...checkRedone(expect, granted, window.list_requests.filter((r) => r.bucket === vars.bucket)));
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

/**
 * Accepted ACL requests per key: at most `acl_requests_max_per_key` (1 unless some work may
 * be redone), and the keys sent more than once must all lie within `acl_redone_pages_max`
 * list pages (0: none redone): a redrive of a failed RewriteAcl resumes after the last page
 * its state recorded, so it redoes at most the page that failed.
 */
function checkRedone(expect, granted, lists) {
  const problems = [];
  const pagesMax = expect.acl_redone_pages_max ?? 0;
  const perKeyMax = expect.acl_requests_max_per_key ?? (pagesMax > 0 ? 2 : 1);
  const perKey = new Map();
  for (const r of granted) perKey.set(r.key, (perKey.get(r.key) ?? 0) + 1);
  const over = [...perKey].filter(([, n]) => n > perKeyMax);
  if (over.length) problems.push(`${over.length} keys got more than ${perKeyMax} accepted ACL requests, e.g. ${over.slice(0, 3).map(([k, n]) => `${k} ×${n}`).join(', ')}`);
  const redone = new Set([...perKey].filter(([, n]) => n > 1).map(([k]) => k));
  if (redone.size === 0) return problems;
  if (pagesMax === 0) {
    if (over.length === 0) problems.push(`${redone.size} duplicate ACL requests, e.g. ${[...redone].slice(0, 3).join(', ')}`);
    return problems;
  }
  // Greedy cover of the redone keys by listed pages (exact for one page).
  const left = new Set(redone);
  let pages = 0;
  while (left.size > 0 && pages <= pagesMax) {
    let best = null;
    let bestCount = 0;
    for (const page of lists) {
      const n = (page.keys ?? []).filter((k) => left.has(k)).length;
      if (n > bestCount) [best, bestCount] = [page, n];
    }
    if (!best) break;
    for (const k of best.keys) left.delete(k);
    pages += 1;
  }
  if (left.size > 0 || pages > pagesMax) {
    problems.push(`${redone.size} keys got their ACL rewritten twice, more than ${pagesMax} list page(s) of them (e.g. ${[...redone].slice(0, 3).join(', ')})`);
  }
  return problems;
}

/**
 * `"copy": "all-export-objects"`: the staging bucket holds exactly what the export wrote
 * (untouched), the analytics bucket holds a copy of each of those objects under the same key,
 * encrypted with the analytics key (SSE-S3 without one) and carrying the staging object's
 * ETag; every CopyObject went from staging to the analytics bucket as the prod copier, inside
 * the export, each key at most `copy_requests_max_per_key` (1) times accepted.
 */
function checkCopy(expect, window, facts, vars, result) {
  const problems = [];
  const requests = window.copy_requests ?? [];
  if (expect.copy === 'none') {
    if (requests.length) problems.push(`expected no CopyObject request, got ${requests.length} (first: ${requests[0].key})`);
    return problems;
  }
  if (expect.copy !== 'all-export-objects') return [`unknown copy expectation ${JSON.stringify(expect.copy)}`];
  const buckets = facts.copy_buckets;
  if (!buckets?.staging || !buckets?.analytics) return ['"copy" needs a copy-delivery set-up (setup.copy): no staging or analytics bucket in the facts'];
  const roots = facts.export_tasks.filter((t) => t.status === 'COMPLETE').map((t) => exportRoot(t));
  const under = (o) => roots.some((root) => o.key.startsWith(root));
  const staged = buckets.staging.filter(under);
  const written = new Set(facts.export_tasks.flatMap((t) => t.objects_written));
  if (staged.length === 0) problems.push('no exported object in the staging bucket: nothing to compare with');
  if (buckets.staging.length !== written.size || staged.some((o) => !written.has(o.key))) {
    problems.push(`staging bucket holds ${buckets.staging.length} objects, the export wrote ${written.size}: it was changed`);
  }
  for (const o of staged) {
    if (o.writer !== vars.prod_account) problems.push(`staging ${o.key} written by ${o.writer}, not prod`);
  }
  if (expect.exported_objects !== undefined && staged.length !== expect.exported_objects) {
    problems.push(`exported objects: expected ${expect.exported_objects}, staging holds ${staged.length}`);
  }
  const copied = new Map(buckets.analytics.filter((o) => under(o) && !isVerificationReport(o.key)).map((o) => [o.key, o]));
  const missing = staged.filter((o) => !copied.has(o.key));
  if (missing.length) problems.push(`${missing.length} exported objects have no copy in ${vars.bucket}, e.g. ${missing.slice(0, 3).map((o) => o.key).join(', ')}`);
  const extra = [...copied.keys()].filter((k) => !staged.some((o) => o.key === k));
  if (extra.length) problems.push(`${extra.length} objects in ${vars.bucket} under the export that staging does not have, e.g. ${extra.slice(0, 3).join(', ')}`);
  const sse = vars.destination_kms_key_arn ? ['aws:kms', vars.destination_kms_key_arn] : ['AES256', null];
  let reported = 0;
  for (const o of staged) {
    const c = copied.get(o.key);
    if (!c || reported >= 3) continue;
    const wrong = [];
    if (c.encryption !== sse[0]) wrong.push(`encryption ${c.encryption}, expected ${sse[0]}`);
    if ((c.kms_key_id ?? null) !== sse[1]) wrong.push(`KMS key ${c.kms_key_id}, expected ${sse[1]}`);
    if (c.metadata?.['source-etag'] !== o.etag) wrong.push(`source-etag ${c.metadata?.['source-etag']}, staging ETag ${o.etag}`);
    if (wrong.length) {
      problems.push(`copy of ${o.key}: ${wrong.join('; ')}`);
      reported += 1;
    }
  }
  const decoys = new Set(vars.decoy_keys);
  const perKey = new Map();
  for (const r of requests) {
    const where = `CopyObject s3://${r.source_bucket}/${r.source_key} → s3://${r.bucket}/${r.key}`;
    if (r.source_bucket !== vars.staging_bucket || r.bucket !== vars.bucket) problems.push(`${where}: not from the staging bucket to ${vars.bucket}`);
    if (r.source_key !== r.key) problems.push(`${where}: the key changed`);
    if (decoys.has(r.key) || !roots.some((root) => r.key.startsWith(root))) problems.push(`${where}: outside every export`);
    if (r.account !== vars.prod_account) problems.push(`${where}: sent from account ${r.account}, expected prod (the copier role)`);
    if (!r.denied) perKey.set(r.key, (perKey.get(r.key) ?? 0) + 1);
  }
  const perKeyMax = expect.copy_requests_max_per_key ?? 1;
  const over = [...perKey].filter(([, n]) => n > perKeyMax);
  if (over.length) problems.push(`${over.length} objects copied more than ${perKeyMax} time(s), e.g. ${over.slice(0, 3).map(([k, n]) => `${k} ×${n}`).join(', ')}`);
  for (const r of window.list_requests.filter((l) => l.bucket === vars.staging_bucket)) {
    if (!(r.prefix ?? '').startsWith(`${vars.export_prefix}/`)) problems.push(`ListObjectsV2 of the staging bucket outside the export prefix: ${JSON.stringify(r.prefix)}`);
  }
  const out = result?.output?.copy;
  if (result?.status === 'SUCCEEDED' && out && out.copied + out.already_copied !== staged.length) {
    problems.push(`output.copy says ${out.copied} copied + ${out.already_copied} already there, staging holds ${staged.length}`);
  }
  return problems;
}

/** CatalogTables's report (`snapshot-export-verification.json`) or one of its parts, at an export's root. */
function isVerificationReport(key) {
  return /(^|\/)snapshot-export-verification(\.part-\d+)?\.json$/.test(key);
}

function exportRoot(task) {
  const prefix = (task.s3_prefix ?? '').replace(/^\/+|\/+$/g, '');
  return prefix ? `${prefix}/${task.export_task_id}/` : `${task.export_task_id}/`;
}

/** JSON of a value, cut for a problem line (a 10,000-entry list is not worth printing). */
function shortJson(value, max = 400) {
  const text = JSON.stringify(value);
  return text !== undefined && text.length > max ? `${text.slice(0, max)}… (${text.length} chars)` : text;
}

export function lookup(value, path) {
  return path.split('.').reduce((v, k) => (v == null ? undefined : v[k]), value);
}

/** True for an expectation object of operators ({$includes, $excludes, $len, $contains, $lte, $gte}). */
function isMatcher(value) {
  return value !== null && typeof value === 'object' && !Array.isArray(value) && Object.keys(value).length > 0 && Object.keys(value).every((k) => k.startsWith('$'));
}

/** `partial` is a subset of `actual` (objects: each key's value the same, recursively). */
function subset(actual, partial) {
  if (partial === null || typeof partial !== 'object') return actual === partial;
  if (Array.isArray(partial)) return JSON.stringify(actual) === JSON.stringify(partial);
  if (actual === null || typeof actual !== 'object') return false;
  return Object.entries(partial).every(([k, v]) => subset(actual[k], v));
}

/**
 * `$includes` [partial objects]: each matches some element of the array; `$excludes`: none
 * does; `$len`: the array's (or string's) length; `$contains`: a text the value (a string,
 * or the JSON of anything else) contains; `$lte` / `$gte`: number bounds.
 */
function matchProblems(what, actual, matcher) {
  const problems = [];
  for (const [op, want] of Object.entries(matcher)) {
    if (op === '$includes' || op === '$excludes') {
      if (!Array.isArray(actual)) {
        problems.push(`${what}: expected an array, got ${JSON.stringify(actual)?.slice(0, 300)}`);
        continue;
      }
      for (const item of want) {
        const found = actual.some((a) => subset(a, item));
        if (op === '$includes' && !found) problems.push(`${what}: no element matches ${JSON.stringify(item)} (got ${JSON.stringify(actual).slice(0, 600)})`);
        if (op === '$excludes' && found) problems.push(`${what}: an element matches ${JSON.stringify(item)}, none should`);
      }
    } else if (op === '$len') {
      if (actual?.length !== want) problems.push(`${what}: expected length ${want}, got ${actual?.length} (${JSON.stringify(actual)?.slice(0, 300)})`);
    } else if (op === '$contains') {
      const text = typeof actual === 'string' ? actual : JSON.stringify(actual) ?? '';
      for (const part of [want].flat()) if (!text.includes(part)) problems.push(`${what}: expected it to contain ${JSON.stringify(part)}, got ${text.slice(0, 400)}`);
    } else if (op === '$lte' || op === '$gte') {
      const ok = typeof actual === 'number' && (op === '$lte' ? actual <= want : actual >= want);
      if (!ok) problems.push(`${what}: expected ${op === '$lte' ? '≤' : '≥'} ${want}, got ${JSON.stringify(actual)}`);
    } else {
      problems.push(`${what}: unknown matcher ${op}`);
    }
  }
  return problems;
}

/** Step Functions' payload limit (state input/output) and EventBridge's (PutEvents entry). */
export const PAYLOAD_LIMIT = 256 * 1024;

/**
 * The largest payloads of one execution run, in UTF-8 bytes of their JSON: every state's
 * input (StateEntered) and output (StateExited) in its history, and every notification's
 * detail sent in its window. {state: {bytes, where}, notification: {bytes, where}}.
 */
export function payloadSizes(result, window) {
  const size = (v) => Buffer.byteLength(typeof v === 'string' ? v : JSON.stringify(v ?? null), 'utf8');
  const state = { bytes: 0, where: null };
  for (const e of result.runEvents ?? result.events ?? []) {
    const value = e.type === 'StateEntered' ? e.state?.input : e.type === 'StateExited' ? e.state?.output : undefined;
    if (value === undefined) continue;
    const n = size(value);
    if (n > state.bytes) Object.assign(state, { bytes: n, where: `${e.type} ${e.state.name}` });
  }
  const notification = { bytes: 0, where: null };
  for (const p of window?.put_events ?? []) {
    const n = size(p.detail ?? '');
    if (n > notification.bytes) Object.assign(notification, { bytes: n, where: p.detail_type });
  }
  return { state, notification };
}

/**
 * Every state input/output and notification detail stays under 256 KiB (AWS fails the
 * execution with States.DataLimitExceeded, and PutEvents refuses the entry, above it; the
 * interpreter has no limit, so the runner checks it for every execution), and under
 * `payload_max_bytes` when the scenario asks for a tighter bound.
 */
function checkPayloads(expect, result, window) {
  const problems = [];
  const sizes = payloadSizes(result, window);
  const bound = Math.min(PAYLOAD_LIMIT, expect.payload_max_bytes ?? PAYLOAD_LIMIT);
  for (const [what, s] of Object.entries(sizes)) {
    if (s.bytes > bound) problems.push(`largest ${what} payload ${s.bytes} bytes (${s.where}) exceeds ${bound}`);
  }
  return problems;
}

/**
 * The verification report CatalogTables wrote at an export's root
 * (`facts.verification_reports`): `export` (index of the completed export; default the last),
 * `verdict`, `counts` (a subset), `tables_count`, `tables` ({target: fields of its line, a
 * subset; `reason_contains`}), `tables_absent` (targets with no line), `schema_changes`
 * ($includes-style list of partial entries), `warnings_total`, `parts` (part files left),
 * `max_bytes`. Always: the report is JSON, its lines sorted by target, one per target.
 */
function checkReport(want, facts) {
  const problems = [];
  const exports = facts.export_tasks.filter((t) => t.status === 'COMPLETE');
  const task = exports[want.export ?? exports.length - 1];
  if (!task) return [`report: no completed export #${want.export ?? 'last'}`];
  const entry = facts.verification_reports?.[task.export_task_id];
  if (!entry?.report) return [`report: no verification report at ${entry?.key ?? task.export_task_id} (${entry?.error ?? 'absent'})`];
  const report = entry.report;
  const where = `report of ${task.export_task_id}`;
  if (report.export_id !== undefined && report.export_id !== task.export_task_id) problems.push(`${where}: export_id ${report.export_id}`);
  if (want.verdict !== undefined && report.verdict !== want.verdict) problems.push(`${where}: verdict ${JSON.stringify(report.verdict)}, expected ${JSON.stringify(want.verdict)}`);
  for (const [k, v] of Object.entries(want.counts ?? {})) {
    if (report.counts?.[k] !== v) problems.push(`${where}: counts.${k} ${JSON.stringify(report.counts?.[k])}, expected ${JSON.stringify(v)}`);
  }
  const lines = report.tables ?? [];
  const targets = lines.map((l) => l.target);
  if (JSON.stringify(targets) !== JSON.stringify([...targets].sort())) problems.push(`${where}: tables not sorted by target`);
  if (new Set(targets).size !== targets.length) problems.push(`${where}: a target has more than one line`);
  if (want.tables_count !== undefined && lines.length !== want.tables_count) problems.push(`${where}: ${lines.length} table lines, expected ${want.tables_count}`);
  for (const [target, fields] of Object.entries(want.tables ?? {})) {
    const line = lines.find((l) => l.target === target);
    if (!line) {
      problems.push(`${where}: no line for ${target}`);
      continue;
    }
    for (const [k, v] of Object.entries(fields)) {
      if (k === 'reason_contains') {
        if (!String(line.reason ?? '').includes(v)) problems.push(`${where}: ${target} reason ${JSON.stringify(line.reason)} does not contain ${JSON.stringify(v)}`);
      } else if (JSON.stringify(line[k] ?? null) !== JSON.stringify(v)) {
        problems.push(`${where}: ${target} ${k} ${JSON.stringify(line[k])}, expected ${JSON.stringify(v)}`);
      }
    }
  }
  for (const target of want.tables_absent ?? []) {
    if (targets.includes(target)) problems.push(`${where}: has a line for ${target}, expected none`);
  }
  if (want.schema_changes !== undefined) problems.push(...matchProblems(`${where} schema_changes`, report.schema_changes, want.schema_changes));
  if (want.warnings_total !== undefined && report.warnings_total !== want.warnings_total) problems.push(`${where}: warnings_total ${report.warnings_total}, expected ${want.warnings_total}`);
  if (want.parts !== undefined && entry.parts.length !== want.parts) problems.push(`${where}: ${entry.parts.length} part files, expected ${want.parts}`);
  if (want.max_bytes !== undefined && entry.bytes > want.max_bytes) problems.push(`${where}: ${entry.bytes} bytes, expected at most ${want.max_bytes}`);
  return problems;
}

// The runner's own checks, without the product: the Runtime API server against a stand-in
// runtime client (fixtures/dummy-lambda.mjs), the interpreter glue (error names, retry
// and wait overrides, Fail state paths, history) on a hand-made minimal graph, and the
// binding of functions, variables and placeholders to the function table (functions.json).
// Then the real binaries of the build (`${CARGO_TARGET_DIR:-target}/debug`, BIN_DIR of
// lib/functions.mjs) under the same Runtime API server, each alone with Lambda's variables
// (nothing of this environment): a start-up error reaches /init/error as InvalidConfig,
// notify answers and logs JSON lines carrying the export id, and a handler error carries
// the contract's error name.
//
//   node --test tests/e2e/harness.test.mjs

import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { after, test } from 'node:test';
import { loadDefinition } from './lib/definition.mjs';
import { causeText, runExecution, statesEntered } from './lib/execute.mjs';
import { formatHistory } from './lib/history.mjs';
import { BIN_DIR } from './lib/functions.mjs';
import { spawnTracked, stopAll, stopChild } from './lib/processes.mjs';
import { LambdaError, RuntimeApi } from './lib/runtime-api.mjs';
import { substitute } from './lib/scenario.mjs';
import { checkEffects, checkExecution, counterWindow, PAYLOAD_LIMIT, payloadSizes } from './lib/expect.mjs';

const DUMMY = path.join(import.meta.dirname, 'fixtures', 'dummy-lambda.mjs');
const MINIMAL = path.join(import.meta.dirname, 'fixtures', 'minimal.asl.json');

after(stopAll);

async function dummy(env = {}) {
  const api = new RuntimeApi({ functionArn: 'arn:aws:lambda:us-east-1:123456789012:function:dummy' });
  const address = await api.start();
  const child = spawnTracked(process.execPath, [DUMMY], {
    env: { ...process.env, ...env, AWS_LAMBDA_RUNTIME_API: address },
    stdio: 'inherit',
  });
  child.once('exit', (code) => api.failPending(api.initError?.errorType ?? 'Runtime.ExitError', `exit ${code}`));
  return { api, child };
}

test('runtime API: responses, errors by errorType, warm process, headers', async () => {
  const { api } = await dummy();
  const one = await api.invoke({ a: 1 });
  const two = await api.invoke({ b: 2 });
  assert.deepEqual(one.echo, { a: 1 });
  assert.equal(two.count, 2, 'the same process answers the second invocation');
  assert.equal(two.pid, one.pid);
  assert.equal(one.arn, 'arn:aws:lambda:us-east-1:123456789012:function:dummy');
  assert.equal(one.deadlineInFuture, true);
  await assert.rejects(api.invoke({ fail: 'ExportQuotaReached' }), (err) => {
    assert.ok(err instanceof LambdaError);
    assert.equal(err.errorType, 'ExportQuotaReached');
    return true;
  });
  const parallel = await Promise.all([api.invoke({ n: 1 }), api.invoke({ n: 2 })]);
  assert.deepEqual(parallel.map((r) => r.echo.n), [1, 2]);
  await assert.rejects(api.invoke({ exit: 3 }), (err) => err.errorType === 'Runtime.ExitError');
  await api.stop();
});

test('runtime API: init error fails the invocation with its errorType', async () => {
  const { api, child } = await dummy({ DUMMY_INIT_ERROR: 'InvalidConfig' });
  await new Promise((resolve) => child.once('exit', resolve));
  assert.equal(api.initError.errorType, 'InvalidConfig');
  await api.stop();
});

test('interpreter glue: retry and catch by error name, waits skipped, Fail paths', async (t) => {
  const loaded = loadDefinition(MINIMAL);
  assert.deepEqual(loaded.tasks, { First: 'normalize' });
  assert.deepEqual(loaded.waits, ['Pause']);
  const { api } = await dummy();
  // Also when an assertion fails: a listening Runtime API would keep this file's process,
  // and so scripts/e2e.sh, waiting forever.
  t.after(() => api.stop());
  let calls = 0;
  const pool = {
    invoke: (binary, payload) => {
      calls += 1;
      // Two throttles first: the Retry (2 s, x2) must be overridden to 0 and match by name.
      return api.invoke(calls <= 2 ? { fail: 'Throttled' } : payload);
    },
  };
  const started = Date.now();
  const ok = await runExecution(loaded, { x: 1 }, pool);
  assert.equal(ok.status, 'SUCCEEDED', formatHistory(ok.events));
  assert.ok(Date.now() - started < 3000, 'the one-hour Wait and the retry intervals were skipped');
  assert.deepEqual(statesEntered(ok.events), ['First', 'Pause', 'Decide', 'Done']);
  assert.equal(ok.events.filter((e) => e.type === 'StateRetried').length, 2);
  assert.equal(ok.output.first.echo.x, 1);

  const failing = { invoke: () => api.invoke({ fail: 'InvalidInput' }) };
  const bad = await runExecution(loaded, { x: 2 }, failing);
  assert.equal(bad.status, 'FAILED');
  assert.equal(bad.error, 'InvalidInput');
  assert.equal(causeText(bad.cause), 'failed as asked (InvalidInput)');
  assert.deepEqual(statesEntered(bad.events), ['First', 'Failed']);
  assert.match(formatHistory(bad.events), /caught by States.ALL → Failed/);
  await api.stop();
});

test('scenario helpers: placeholders and counter windows', () => {
  const vars = { prod_account: '210987654321', snapshot: { orders: { arn: 'arn:x', id: 'rds:o' } } };
  assert.deepEqual(substitute({ a: '{{snapshot.orders.arn}}', b: ['acct {{prod_account}}'] }, vars), {
    a: 'arn:x',
    b: ['acct 210987654321'],
  });
  assert.throws(() => substitute('{{nope}}', vars), /unknown/);
  assert.deepEqual(counterWindow({ list: [1], n: 2 }, { list: [1, 2, 3], n: 5 }), { list: [2, 3], n: 3 });
});

test('every function of functions.json gets the variables it requires, and only its own', async () => {
  const { BINARIES, FUNCTIONS, environmentFor } = await import('./lib/functions.mjs');
  assert.ok(BINARIES.length > 0, 'functions.json lists functions');
  const vars = new Proxy({}, { get: (_, key) => (key === 'region' ? 'us-east-1' : `value-of-${String(key)}`) });
  for (const binary of BINARIES) {
    const { required_env: required, optional_env: optional } = FUNCTIONS[binary];
    const env = environmentFor(binary, vars, 'http://127.0.0.1:1');
    for (const name of required) assert.ok(env[name], `${binary} needs ${name}`);
    // The function's variables are the table's: no other function's leaks in.
    const others = BINARIES.flatMap((b) => [...FUNCTIONS[b].required_env, ...FUNCTIONS[b].optional_env]);
    for (const name of others.filter((n) => !required.includes(n) && !optional.includes(n))) {
      assert.equal(env[name], undefined, `${binary} gets ${name}, which it does not read`);
    }
  }
  // Unset today as in the module's defaults: the handlers' own defaults apply.
  assert.equal(environmentFor('rewrite-acl', vars, 'http://127.0.0.1:1').ACL_CONCURRENCY, undefined);
});

test('definition: placeholders and task states are the function table\'s', async () => {
  const fs = await import('node:fs');
  const os = await import('node:os');
  const { BINARIES, FUNCTIONS, REPO, functionArn } = await import('./lib/functions.mjs');
  const { scenarioDefinition } = await import('./lib/scenario.mjs');
  const loaded = loadDefinition();
  // Every state of the table is bound to its function in the default definition or in a
  // variant's (state-machine/configs/*.toml, rendered by the build's CLI).
  const configs = fs.readdirSync(path.join(REPO, 'state-machine', 'configs')).filter((f) => f.endsWith('.toml'));
  const variants = configs.map((f) => loadDefinition(scenarioDefinition({ pipeline_config: `state-machine/configs/${f}`, file: f })));
  const bound = Object.assign({}, ...variants.map((v) => v.tasks), loaded.tasks);
  for (const binary of BINARIES) {
    for (const state of FUNCTIONS[binary].states) assert.equal(bound[state], binary, state);
  }
  // The callback state (the default definition: [export] events = true) is bound by
  // Parameters.FunctionName and rewritten for the interpreter: no $$.Task.Token, no
  // TimeoutSecondsPath, the timeout path recorded.
  assert.deepEqual(loaded.callbacks.WaitForExportEvent, { timeoutPath: '$.export.next_poll_seconds', binary: 'wait-for-export' });
  const callback = loaded.definition.States.WaitForExportEvent;
  assert.ok(!JSON.stringify(callback).includes('$$.Task.Token'));
  assert.equal(callback.TimeoutSecondsPath, undefined);
  assert.equal(callback.Parameters['e2e_timeout_seconds.$'], '$.export.next_poll_seconds');
  const waitLoop = variants[configs.indexOf('wait-loop.toml')];
  assert.ok(waitLoop, 'state-machine/configs/wait-loop.toml renders');
  // Its one callback is the export slot ([export] slots = true): the export itself is polled.
  assert.deepEqual(Object.keys(waitLoop.callbacks), ['AcquireExportSlot'], 'the wait-loop variant polls with its Wait loop');
  assert.equal(waitLoop.callbacks.WaitForExportEvent, undefined);
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'definition-'));
  const write = (states) => {
    const file = path.join(dir, 'd.asl.json');
    fs.writeFileSync(file, JSON.stringify({ StartAt: Object.keys(states)[0], States: states }));
    return file;
  };
  const task = (resource) => ({ Type: 'Task', Resource: resource, End: true });
  assert.throws(() => loadDefinition(write({ A: task('${retired_function_arn}') })), /retired_function_arn.*no function's placeholder/);
  assert.throws(() => loadDefinition(write({ StartExport: task('${notify_function_arn}') })), /StartExport calls notify, but functions.json has it call start-export/);
  assert.throws(() => loadDefinition(write({ A: task('arn:aws:lambda:us-east-1:1:function:other') })), /not one of our functions/);
  const escaped = loadDefinition(write({ A: { ...task('${normalize_function_arn}'), Comment: '$${literal}' } }));
  assert.equal(escaped.definition.States.A.Comment, '${literal}');
  assert.equal(escaped.definition.States.A.Resource, functionArn('normalize'));
  fs.rmSync(dir, { recursive: true, force: true });
});

// --- the real binaries under the Runtime API ------------------------------------------

/** What Lambda gives every function, and all a binary gets here besides its own variables. */
const LAMBDA_ENV = {
  AWS_LAMBDA_FUNCTION_NAME: 'test-function',
  AWS_LAMBDA_FUNCTION_MEMORY_SIZE: '256',
  AWS_LAMBDA_FUNCTION_VERSION: '$LATEST',
  AWS_REGION: 'us-east-1',
  AWS_ACCESS_KEY_ID: 'testing',
  AWS_SECRET_ACCESS_KEY: 'testing',
  AWS_EC2_METADATA_DISABLED: 'true',
};

/**
 * Starts `binary` from the build under its own Runtime API with `env` and LAMBDA_ENV only
 * (a clean environment, as under Lambda). `output()` resolves with its stdout and stderr
 * once it has exited (stop it first with `stop()` when it would wait for more work).
 */
async function realBinary(binary, env = {}) {
  const file = path.join(BIN_DIR, binary);
  assert.ok(fs.existsSync(file), `${file} is missing: build the workspace first (scripts/setup.sh, or cargo build -p lambdas)`);
  const api = new RuntimeApi({ functionArn: `arn:aws:lambda:us-east-1:123456789012:function:${binary}` });
  const address = await api.start();
  const child = spawnTracked(file, [], {
    env: { ...LAMBDA_ENV, AWS_LAMBDA_RUNTIME_API: address, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const out = { stdout: '', stderr: '' };
  child.stdout.on('data', (d) => (out.stdout += d));
  child.stderr.on('data', (d) => (out.stderr += d));
  const closed = new Promise((resolve) => child.once('close', (code) => resolve(code)));
  child.once('exit', (code) => api.failPending(api.initError?.errorType ?? 'Runtime.ExitError', `exit ${code}`));
  return {
    api,
    child,
    output: async () => ({ code: await closed, ...out }),
    stop: async () => {
      await stopChild(child);
      await api.stop();
    },
  };
}

/** Rejects after `ms` (a binary that neither answers nor exits must not hang the checks). */
function within(ms, promise, what) {
  let timer;
  const late = new Promise((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what}: nothing after ${ms / 1000} s`)), ms);
  });
  return Promise.race([promise, late]).finally(() => clearTimeout(timer));
}

/** The job (contract::Job) the binary checks send; its export id is `s1-0a1b2c3d`. */
function job() {
  return {
    action: 'export',
    snapshot_arn: 'arn:aws:rds:us-east-1:1:snapshot:s1',
    source_kind: 'db-snapshot',
    snapshot_id: 's1',
    trigger: 'manual',
    export_task_id: 's1-0a1b2c3d',
  };
}

test('real binary: a configuration error is an InvalidConfig init error naming the variable', async () => {
  // start-export without EXPORT_BUCKET (and its role): it must report /init/error and exit.
  const run = await realBinary('start-export', { EXPORT_KMS_KEY_ARN: 'arn:aws:kms:us-east-1:1:key/k' });
  const { stdout, stderr } = await within(30_000, run.output(), 'start-export did not exit');
  await run.stop();
  const detail = `stdout:\n${stdout}\nstderr:\n${stderr}`;
  assert.ok(run.api.initError, `no POST to /init/error\n${detail}`);
  assert.equal(run.api.initError.errorType, 'InvalidConfig', detail);
  assert.match(run.api.initError.errorMessage, /EXPORT_BUCKET/, detail);
});

test('real binary: notify answers and logs JSON lines carrying the export id', async () => {
  const run = await realBinary('notify');
  // NotifySuccess's input (failures reach notify as status-change events since the graph
  // lost its failure path); no bus configured, so nothing is sent.
  const input = {
    execution_id: 'arn:aws:states:us-east-1:1:execution:p:e',
    execution_started_at: '2027-01-15T08:00:00Z',
    redrive_count: 0,
    state: { job: job() },
  };
  let answer;
  try {
    answer = await run.api.invoke(input, { timeoutMs: 30_000 });
  } finally {
    await run.stop();
  }
  const { stdout } = await run.output();
  assert.deepEqual(answer, { sent: false, detail_type: 'Snapshot Export Succeeded' });
  const lines = stdout.split('\n').flatMap((line) => {
    try {
      return [JSON.parse(line)];
    } catch {
      return [];
    }
  });
  assert.ok(
    lines.some((l) => l.span?.export_id === 's1-0a1b2c3d'),
    `no JSON log line with the export id:\n${stdout}`,
  );
});

test('real binary: a handler error carries the contract name (InvalidInput)', async () => {
  const run = await realBinary('start-export', {
    EXPORT_BUCKET: 'exports-bucket',
    EXPORT_KMS_KEY_ARN: 'arn:aws:kms:us-east-1:1:key/k',
    EXPORT_ROLE_ARN: 'arn:aws:iam::1:role/export',
  });
  const input = {
    job: { ...job(), action: 'ignore' },
    policy: { min_poll_seconds: 30, max_poll_seconds: 1800, max_wait_seconds: 86400 },
  };
  try {
    await assert.rejects(run.api.invoke(input, { timeoutMs: 30_000 }), (err) => {
      assert.ok(err instanceof LambdaError, `not an error response: ${err}`);
      assert.equal(err.errorType, 'InvalidInput', err.errorMessage);
      return true;
    });
  } finally {
    await run.stop();
  }
});

// Verified exports (#21): the checks the scenarios 50-55 rely on, on hand-made facts, so a
// check that cannot fail is found here.
const NO_WINDOW = { start_export_calls: [], acl_requests: [], list_requests: [], start_crawler_calls: [], put_events: [], glue_writes: [] };

test('payload bounds: the largest state input/output and notification detail, 256 KiB always', () => {
  const big = 'x'.repeat(PAYLOAD_LIMIT);
  const result = {
    status: 'SUCCEEDED',
    events: [
      { type: 'StateEntered', state: { name: 'CatalogTables', input: { a: 1 } } },
      { type: 'StateExited', state: { name: 'CatalogTables', output: { skipped: big } } },
    ],
  };
  const window = { ...NO_WINDOW, put_events: [{ detail_type: 'Snapshot Export Succeeded', detail: JSON.stringify({ n: 1 }) }] };
  const sizes = payloadSizes(result, window);
  assert.equal(sizes.state.where, 'StateExited CatalogTables');
  assert.ok(sizes.state.bytes > PAYLOAD_LIMIT);
  assert.equal(sizes.notification.bytes, 7);
  const problems = checkExecution({}, result, window, { export_tasks: [] }, {});
  assert.ok(problems.some((p) => p.includes('largest state payload') && p.includes('exceeds 262144')), problems.join('\n'));
  const tight = checkExecution({ payload_max_bytes: 4 }, { status: 'SUCCEEDED', events: [] }, window, { export_tasks: [] }, {});
  assert.ok(tight.some((p) => p.includes('notification payload 7 bytes')), tight.join('\n'));
});

test('matchers and the verification report check', () => {
  const output = { catalog: { problems: [{ target: 'shop.public.a', kind: 'failed', reason: 'export status FAILED' }], report_uri: 's3://b/x/snapshot-export-verification.json' } };
  const ok = checkExecution(
    { output: { 'catalog.problems': { $len: 1, $includes: [{ kind: 'failed' }], $excludes: [{ kind: 'skipped' }] }, 'catalog.report_uri': { $contains: ['s3://b/', '.json'] } } },
    { status: 'SUCCEEDED', events: [], output }, null, { export_tasks: [] }, {},
  );
  assert.deepEqual(ok, []);
  const bad = checkExecution({ output: { 'catalog.problems': { $includes: [{ kind: 'skipped' }], $len: 2 } } }, { status: 'SUCCEEDED', events: [], output }, null, { export_tasks: [] }, {});
  assert.equal(bad.length, 2, bad.join('\n'));
  const facts = {
    export_tasks: [{ export_task_id: 'e1', status: 'COMPLETE', objects_written: [] }],
    objects: [],
    glue_catalog: {},
    verification_reports: {
      e1: { key: 'x/e1/snapshot-export-verification.json', parts: [], bytes: 10, report: {
        export_id: 'e1', verdict: 'PARTIAL', counts: { rows_total: 5 },
        tables: [{ target: 'db.s.b', status: 'skipped', reason: 'skipped by RDS: space' }, { target: 'db.s.a', status: 'exported', rows: 5 }],
      } },
    },
  };
  const problems = checkEffects({ report: { verdict: 'COMPLETE', counts: { rows_total: 6 }, tables: { 'db.s.a': { rows: 4 }, 'db.s.b': { reason_contains: 'failed' }, 'db.s.c': {} } } }, NO_WINDOW, facts, {});
  const want = ['verdict "PARTIAL"', 'counts.rows_total 5', 'not sorted', 'db.s.a rows 5', 'db.s.b reason', 'no line for db.s.c'];
  for (const w of want) assert.ok(problems.some((p) => p.includes(w)), `${w} not in:\n${problems.join('\n')}`);
});

test('catalog: recordCount against DuckDB, partitions read through their generation, Glue writes', () => {
  const reader = (rows, mismatches = []) => ({ rows, columns: [['a', 'bigint', 'BIGINT']], table_read: { rows, mismatches, error: null } });
  const table = (extra) => ({ table_type: 'EXTERNAL_TABLE', serde: 'org.apache.hadoop.hive.ql.io.parquet.serde.ParquetHiveSerDe',
    input_format: 'org.apache.hadoop.hive.ql.io.parquet.MapredParquetInputFormat', output_format: 'org.apache.hadoop.hive.ql.io.parquet.MapredParquetOutputFormat',
    columns: [['a', 'bigint']], partition_keys: [], partitions: [], ...extra });
  const facts = {
    export_tasks: [{ export_task_id: 'e1', status: 'COMPLETE' }],
    glue_catalog: {
      t: table({ parameters: { classification: 'parquet', recordCount: '7' }, reader: reader(6) }),
      t_history: table({ parameters: { classification: 'parquet' }, partition_keys: [['snapshot_export_id', 'string']],
        partitions: [{ values: ['e1'], columns: [['a', 'bigint']], parameters: { recordCount: '3' }, reader: reader(3, [['a', 'string', 'bigint']]) }] }),
    },
  };
  const problems = checkEffects({ catalog_agrees_with_reader: true, glue_writes: 0, catalog: { t_history: { partition_parameters: { 0: { recordCount: '4' } }, partitions_of: [0] } } },
    { ...NO_WINDOW, glue_writes: [{ operation: 'UpdateTable', table: 't', version_id: '1' }] }, facts, {});
  const want = ['t: recordCount 7, DuckDB counts 6 rows', 'HIVE_PARTITION_SCHEMA_MISMATCH', 'parameter recordCount: expected "4", got "3"', 'Glue writes: expected 0, got 1'];
  for (const w of want) assert.ok(problems.some((p) => p.includes(w)), `${w} not in:\n${problems.join('\n')}`);
  assert.ok(!problems.some((p) => p.includes('partitions: expected those')), problems.join('\n'));
});

// The runner's own checks, without the product: the Runtime API server against a stand-in
// runtime client (fixtures/dummy-lambda.mjs), and the interpreter glue (error names, retry
// and wait overrides, Fail state paths, history) on a hand-made minimal graph.
//
//   node --test tests/e2e/harness.test.mjs

import assert from 'node:assert/strict';
import path from 'node:path';
import { after, test } from 'node:test';
import { loadDefinition } from './lib/definition.mjs';
import { causeText, runExecution, statesEntered } from './lib/execute.mjs';
import { formatHistory } from './lib/history.mjs';
import { spawnTracked, stopAll } from './lib/processes.mjs';
import { LambdaError, RuntimeApi } from './lib/runtime-api.mjs';
import { substitute } from './lib/scenario.mjs';
import { counterWindow } from './lib/expect.mjs';

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

test('interpreter glue: retry and catch by error name, waits skipped, Fail paths', async () => {
  const loaded = loadDefinition(MINIMAL);
  assert.deepEqual(loaded.tasks, { First: 'normalize' });
  assert.deepEqual(loaded.waits, ['Pause']);
  const { api } = await dummy();
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

test('every function gets the variables lambdas/src/functions.rs requires', async () => {
  const fs = await import('node:fs');
  const { BINARIES, REPO, environmentFor } = await import('./lib/functions.mjs');
  const source = fs.readFileSync(path.join(REPO, 'lambdas', 'src', 'functions.rs'), 'utf8');
  const specs = [...source.matchAll(/binary:\s*"([^"]+)",\s*required_env:\s*&\[([^\]]*)\]/g)].map((m) => ({
    binary: m[1],
    required: [...m[2].matchAll(/"([A-Z_]+)"/g)].map((r) => r[1]),
  }));
  assert.deepEqual(specs.map((s) => s.binary).sort(), [...BINARIES].sort(), 'the runner knows every function');
  const vars = new Proxy({}, { get: (_, key) => (key === 'region' ? 'us-east-1' : `value-of-${String(key)}`) });
  for (const { binary, required } of specs) {
    const env = environmentFor(binary, vars, 'http://127.0.0.1:1');
    for (const name of required) assert.ok(env[name], `${binary} needs ${name}`);
  }
});

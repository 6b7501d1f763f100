// The runner's emulation of what aws-local-stepfunctions does not have, checked without the
// product: Redrive (re-enter the last state without an Exited event, with its recorded
// input, RedriveCount + 1, same execution, history kept), the "Execution Status Change"
// event the failure rule sends to notify, and the Step Functions stub's GetExecutionHistory
// (AWS JSON 1.0, AWS history event names, order and paging). Hand-made graphs; stand-in
// functions (no binary, no moto).
//
//   node --test tests/e2e/emulation.test.mjs      (e2e.test.mjs imports it too)

import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import { loadDefinition } from './lib/definition.mjs';
import { executionArn, redriveExecution, redriveTarget, runExecution, statesEntered } from './lib/execute.mjs';
import { functionArn } from './lib/functions.mjs';
import { LambdaError } from './lib/runtime-api.mjs';
import { SfnStub, toAwsHistory } from './lib/sfn-stub.mjs';
import { emitStatusChange, statusChangeEvent } from './lib/status-change.mjs';

const MINIMAL = path.join(import.meta.dirname, 'fixtures', 'minimal.asl.json');

/** A graph like the product's: a Task with no Catch, a Wait, a second Task, a Choice. */
function redrivableGraph() {
  const task = (next, extra = {}) => ({
    Type: 'Task',
    Resource: '${normalize_function_arn}',
    Parameters: { 'x.$': '$.x', 'redrive_count.$': '$$.Execution.RedriveCount', 'state.$': '$' },
    Retry: [{ ErrorEquals: ['Throttled'], IntervalSeconds: 5, MaxAttempts: 2 }],
    Next: next,
    ...extra,
  });
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'redrive-'));
  const file = path.join(dir, 'graph.asl.json');
  fs.writeFileSync(
    file,
    JSON.stringify({
      StartAt: 'First',
      States: {
        First: task('Pause', { ResultPath: '$.seen' }),
        Pause: { Type: 'Wait', Seconds: 3600, Next: 'Second' },
        Second: task('Decide', { ResultPath: '$.second' }),
        Decide: { Type: 'Choice', Choices: [{ Variable: '$.second.ok', BooleanEquals: true, Next: 'Done' }], Default: 'Second' },
        Done: { Type: 'Succeed' },
      },
    }),
  );
  const loaded = loadDefinition(file);
  fs.rmSync(dir, { recursive: true, force: true });
  return loaded;
}

/** A stand-in function: `behaviour(state, payload, n)` answers or throws a LambdaError. */
function standIn(behaviour) {
  const calls = [];
  return {
    calls,
    invoke: async (binary, payload) => {
      calls.push({ binary, payload });
      return behaviour(payload, calls.length);
    },
  };
}

test('redrive: re-enters the failed task with its recorded input and RedriveCount + 1, history kept', async () => {
  const loaded = redrivableGraph();
  let broken = true;
  const pool = standIn((payload) => {
    if (payload.state.seen === undefined) return { first: true };
    if (broken) throw new LambdaError('AwsError', 'denied');
    return { ok: true, redrive_count: payload.redrive_count };
  });
  const registry = new SfnStub();
  const failed = await runExecution(loaded, { x: 7 }, pool, { name: 'r1', registry });
  assert.equal(failed.status, 'FAILED');
  assert.equal(failed.error, 'AwsError');
  assert.equal(failed.redriveCount, 0);
  assert.deepEqual(statesEntered(failed.events), ['First', 'Pause', 'Second']);
  assert.equal(pool.calls[0].payload.redrive_count, 0, 'a first run has RedriveCount 0 in its context');
  const target = redriveTarget(failed.events);
  assert.equal(target.name, 'Second');
  assert.deepEqual(target.input, { x: 7, seen: { first: true } });

  broken = false;
  const callsBefore = pool.calls.length;
  const redriven = await redriveExecution(loaded, failed, pool, { registry });
  assert.equal(redriven.status, 'SUCCEEDED');
  assert.equal(redriven.name, 'r1');
  assert.equal(redriven.arn, executionArn('r1'));
  assert.equal(redriven.startDate, failed.startDate, 'the same execution');
  assert.equal(redriven.redriveCount, 1);
  assert.equal(redriven.redrivenFrom.name, 'Second');
  assert.equal(redriven.output.second.redrive_count, 1, '$$.Execution.RedriveCount is raised');
  assert.deepEqual(pool.calls.slice(callsBefore).map((c) => c.payload.state.seen), [{ first: true }], 'First is not run again');
  assert.deepEqual(statesEntered(redriven.runEvents), ['Second', 'Decide', 'Done']);
  assert.equal(redriven.runEvents[0].type, 'ExecutionRedriven');
  assert.deepEqual(statesEntered(redriven.events), ['First', 'Pause', 'Second', 'Second', 'Decide', 'Done'], 'whole history');
  assert.equal(failed.status, 'FAILED', 'the first record is left as it was');
  assert.equal(registry.executions.get(executionArn('r1')), redriven, 'the stub serves the redriven record');
  await assert.rejects(redriveExecution(loaded, redriven, pool), /SUCCEEDED: only FAILED/);
});

test('redrive twice: the second redrive continues the history of the first', async () => {
  const loaded = redrivableGraph();
  let failures = 2;
  const pool = standIn((payload) => {
    if (payload.state.seen === undefined) return { first: true };
    if (failures > 0) {
      failures -= 1;
      throw new LambdaError('AwsError', `still denied (redrive ${payload.redrive_count})`);
    }
    return { ok: true, redrive_count: payload.redrive_count };
  });
  const first = await runExecution(loaded, { x: 1 }, pool, { name: 'r2' });
  const again = await redriveExecution(loaded, first, pool);
  assert.equal(again.status, 'FAILED');
  assert.equal(again.redriveCount, 1);
  const done = await redriveExecution(loaded, again, pool);
  assert.equal(done.status, 'SUCCEEDED');
  assert.equal(done.redriveCount, 2);
  assert.equal(done.output.second.redrive_count, 2);
  assert.equal(done.events.filter((e) => e.type === 'ExecutionRedriven').length, 2);
});

test('redrive of a graph that catches into a Fail state re-enters the Fail state and fails again', async () => {
  // As AWS documents: the error was caught, the unsuccessful state is the Fail state.
  const loaded = loadDefinition(MINIMAL);
  let broken = true;
  const pool = standIn(() => {
    if (broken) throw new LambdaError('AclAccessDenied', 'denied');
    return { count: 1 };
  });
  const failed = await runExecution(loaded, { x: 1 }, pool, { name: 'r3' });
  assert.equal(failed.status, 'FAILED');
  assert.equal(redriveTarget(failed.events).name, 'Failed');
  broken = false;
  const redriven = await redriveExecution(loaded, failed, pool);
  assert.equal(redriven.status, 'FAILED');
  assert.equal(redriven.error, 'AclAccessDenied');
  assert.deepEqual(statesEntered(redriven.runEvents), ['Failed']);
  assert.equal(pool.calls.length, 1, 'the fixed task is never run again');
});

test('status change: the event the failure rule delivers, and a failed delivery is recorded', async () => {
  const loaded = redrivableGraph();
  const pool = standIn((payload) => {
    if (payload.state.seen === undefined) return { first: true };
    throw new LambdaError('AwsError', 'denied');
  });
  const failed = await runExecution(loaded, { x: 3 }, pool, { name: 'r4' });
  const event = statusChangeEvent(failed);
  assert.equal(event.source, 'aws.states');
  assert.equal(event['detail-type'], 'Step Functions Execution Status Change');
  assert.deepEqual(event.resources, [executionArn('r4')]);
  const d = event.detail;
  assert.equal(d.executionArn, executionArn('r4'));
  assert.equal(d.status, 'FAILED');
  assert.equal(d.error, 'AwsError');
  assert.deepEqual(JSON.parse(d.cause), { errorType: 'AwsError', errorMessage: 'denied' });
  assert.equal(d.input, JSON.stringify({ x: 3 }));
  assert.equal(d.output, null);
  assert.equal(d.redriveCount, 0);
  assert.equal(d.redriveStatus, 'REDRIVABLE');
  assert.ok(Number.isInteger(d.startDate) && d.stopDate >= d.startDate, 'epoch milliseconds');

  const sent = [];
  const notify = { invoke: async (binary, payload) => (sent.push([binary, payload]), { sent: true }) };
  assert.deepEqual((await emitStatusChange(failed, notify)).output, { sent: true });
  // The rule's targets are the functions whose table entry has the status-change trigger.
  assert.deepEqual(sent.map(([binary]) => binary).sort(), ['export-slots', 'notify']);
  const refusing = { invoke: async () => { throw new LambdaError('NotifyFailed', 'no bus'); } };
  const outcome = await emitStatusChange(failed, refusing);
  assert.deepEqual([outcome.ok, outcome.error], [false, 'NotifyFailed']);
  assert.equal(failed.statusChange, outcome);
  assert.equal(await emitStatusChange({ ...failed, status: 'SUCCEEDED' }, notify), null, 'the rule matches failures only');
});

async function sfnCall(url, operation, body, target = `AWSStepFunctions.${operation}`) {
  const res = await fetch(url, {
    method: 'POST',
    headers: { 'Content-Type': 'application/x-amz-json-1.0', 'X-Amz-Target': target },
    body: JSON.stringify(body),
  });
  return { status: res.status, type: res.headers.get('content-type'), body: await res.json() };
}

test('SFN stub: GetExecutionHistory in AWS event names, order, pages; errors as __type', async () => {
  const loaded = redrivableGraph();
  let throttles = 1;
  const pool = standIn((payload) => {
    if (payload.state.seen === undefined) return { first: true };
    if (throttles-- > 0) throw new LambdaError('Throttled', 'slow down');
    throw new LambdaError('AwsError', 'denied');
  });
  const stub = new SfnStub();
  const url = await stub.start();
  try {
    const failed = await runExecution(loaded, { x: 1 }, pool, { name: 'h1', registry: stub });
    const all = await sfnCall(url, 'GetExecutionHistory', { executionArn: failed.arn });
    assert.equal(all.status, 200);
    assert.equal(all.type, 'application/x-amz-json-1.0');
    const types = all.body.events.map((e) => e.type);
    assert.deepEqual(types, [
      'ExecutionStarted',
      'TaskStateEntered', 'LambdaFunctionScheduled', 'LambdaFunctionStarted', 'LambdaFunctionSucceeded', 'TaskStateExited',
      'WaitStateEntered', 'WaitStateExited',
      'TaskStateEntered', 'LambdaFunctionScheduled', 'LambdaFunctionStarted', 'LambdaFunctionFailed',
      'LambdaFunctionScheduled', 'LambdaFunctionStarted', 'LambdaFunctionFailed',
      'ExecutionFailed',
    ]);
    assert.deepEqual(all.body.events.map((e) => e.id), types.map((_, i) => i + 1));
    const entered = all.body.events.filter((e) => e.type === 'TaskStateEntered').at(-1);
    assert.equal(entered.stateEnteredEventDetails.name, 'Second');
    assert.deepEqual(JSON.parse(entered.stateEnteredEventDetails.input), { x: 1, seen: { first: true } });
    assert.ok(entered.timestamp > 1e9 && entered.timestamp < 1e11, 'epoch seconds');
    assert.equal(all.body.events.at(-1).executionFailedEventDetails.error, 'AwsError');
    assert.equal(all.body.nextToken, undefined);

    // Newest first, two per page, following nextToken, as notify reads it.
    const pages = [];
    let token;
    do {
      const page = await sfnCall(url, 'GetExecutionHistory', { executionArn: failed.arn, reverseOrder: true, maxResults: 2, nextToken: token });
      pages.push(page.body.events.map((e) => e.id));
      token = page.body.nextToken;
    } while (token);
    assert.deepEqual(pages.flat(), types.map((_, i) => types.length - i));
    assert.equal(pages[0].length, 2);

    const missing = await sfnCall(url, 'GetExecutionHistory', { executionArn: executionArn('nope') });
    assert.equal(missing.status, 400);
    assert.equal(missing.body.__type, 'ExecutionDoesNotExist');
    const badToken = await sfnCall(url, 'GetExecutionHistory', { executionArn: failed.arn, nextToken: 'x' });
    assert.equal(badToken.body.__type, 'InvalidToken');
    // Callback tokens: an unknown one is InvalidToken; a minted one settles once, with the
    // output parsed, and is TaskTimedOut afterwards (as is a closed one).
    assert.equal((await sfnCall(url, 'SendTaskSuccess', { taskToken: 't', output: '{}' })).body.__type, 'InvalidToken');
    const minted = stub.mintToken({ state: 'Wait', execution: failed.arn });
    assert.equal((await sfnCall(url, 'SendTaskSuccess', { taskToken: minted.token, output: 'not json' })).body.__type, 'InvalidOutput');
    assert.equal((await sfnCall(url, 'SendTaskSuccess', { taskToken: minted.token, output: '{"status":"COMPLETE"}' })).status, 200);
    assert.deepEqual(await minted.promise, { status: 'COMPLETE' });
    assert.equal((await sfnCall(url, 'SendTaskFailure', { taskToken: minted.token, error: 'X' })).body.__type, 'TaskTimedOut');
    const failing = stub.mintToken({ state: 'Wait', execution: failed.arn });
    await sfnCall(url, 'SendTaskFailure', { taskToken: failing.token, error: 'ExportFailed', cause: 'why' });
    await assert.rejects(failing.promise, (err) => err.name === 'ExportFailed' && err.message === 'why');
    const closed = stub.mintToken({ state: 'Wait', execution: failed.arn });
    stub.closeToken(closed.token);
    assert.equal((await sfnCall(url, 'SendTaskSuccess', { taskToken: closed.token, output: '{}' })).body.__type, 'TaskTimedOut');
    const unknown = await sfnCall(url, 'SendTaskHeartbeat', { taskToken: 't' });
    assert.equal(unknown.body.__type, 'UnknownOperationException');
    stub.handle('SendTaskHeartbeat', (body) => ({ echoed: body.taskToken }));
    assert.deepEqual((await sfnCall(url, 'SendTaskHeartbeat', { taskToken: 't' })).body, { echoed: 't' }, 'operations can be added');
    assert.deepEqual(stub.calls.map((c) => c.operation).slice(-2), ['SendTaskHeartbeat', 'SendTaskHeartbeat']);

    // After a redrive: ExecutionRedriven, then the re-entered state.
    throttles = 0;
    const redriven = await redriveExecution(loaded, failed, standIn(() => ({ ok: true })), { registry: stub });
    const after = toAwsHistory(redriven).map((e) => e.type);
    assert.deepEqual(after.slice(types.length, types.length + 3), ['ExecutionRedriven', 'TaskStateEntered', 'LambdaFunctionScheduled']);
    assert.equal(after.at(-1), 'ExecutionSucceeded');
    assert.equal(after.at(-2), 'SucceedStateExited');
  } finally {
    await stub.stop();
  }
});

test('SFN stub: a Resource that is not a Lambda function ARN gets Task* events', () => {
  const record = {
    definition: { States: { T: { Type: 'Task', Resource: 'arn:aws:states:::sqs:sendMessage' } } },
    events: [
      { type: 'StateEntered', timestamp: 1000, state: { name: 'T', type: 'Task', input: {} } },
      { type: 'StateFailed', timestamp: 2000, state: { name: 'T', type: 'Task', input: {} }, Error: 'E', Cause: 'c' },
    ],
  };
  assert.deepEqual(toAwsHistory(record).map((e) => e.type), ['TaskStateEntered', 'TaskScheduled', 'TaskStarted', 'TaskFailed']);
  assert.notEqual(functionArn('notify'), record.definition.States.T.Resource);
});

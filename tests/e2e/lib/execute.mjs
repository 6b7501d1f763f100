// Runs one execution of the definition with aws-local-stepfunctions (an ASL interpreter we
// did not write), every Lambda task answered by its real binary, waits and retry intervals
// set to 0 so a multi-hour pipeline takes seconds; and redrives a failed one as Step
// Functions' RedriveExecution does (the interpreter has no redrive).

import { ExecutionError, ExecutionTimeoutError, StateMachine } from 'aws-local-stepfunctions';
import { LambdaError } from './runtime-api.mjs';
import { CALLBACK_TIMEOUT_FIELD, TASK_TOKEN_LITERAL } from './definition.mjs';

/** Guards against a scenario that loops forever (an export that never completes, ...). */
const MAX_STATES = Number(process.env.E2E_MAX_STATES ?? 400);
const MAX_SECONDS = Number(process.env.E2E_MAX_SECONDS ?? 120);

export const ACCOUNT = '123456789012';
export const REGION = 'us-east-1';
export const STATE_MACHINE_NAME = 'snapshot-export';
export const STATE_MACHINE_ARN = `arn:aws:states:${REGION}:${ACCOUNT}:stateMachine:${STATE_MACHINE_NAME}`;
export const ROLE_ARN = `arn:aws:iam::${ACCOUNT}:role/snapshot-export-sfn`;

export function executionArn(name) {
  return `arn:aws:states:${REGION}:${ACCOUNT}:execution:${STATE_MACHINE_NAME}:${name}`;
}

/**
 * Runs `input` through `loaded` (from loadDefinition) as a new execution, with
 * `$$.Execution.RedriveCount` 0. Returns the execution record:
 * {status: SUCCEEDED|FAILED|TIMED_OUT|ABORTED, output, error, cause, name, arn, input,
 *  redriveCount, startDate, redriveDate, stopDate (epoch ms), events (the whole history),
 *  runEvents (this run's events), seconds (this run)}.
 * `registry.register(record)` (the SFN stub) is told of it before it starts.
 */
export async function runExecution(loaded, input, pool, { name, onEvent = () => {}, registry, callback, abortAt } = {}) {
  const executionName = name ?? `e2e-${Date.now()}`;
  const record = {
    name: executionName,
    arn: executionArn(executionName),
    // The applied stack's state machine, or the name the Terraform gives it.
    stateMachineArn: loaded.stateMachineArn ?? STATE_MACHINE_ARN,
    roleArn: ROLE_ARN,
    definition: loaded.definition,
    input,
    redriveCount: 0,
    startDate: Date.now(),
    redriveDate: null,
    events: [],
  };
  registry?.register(record);
  return run(loaded, pool, record, { definition: loaded.definition, input, onEvent, callback, abortAt });
}

/**
 * The state a redrive re-enters, as Step Functions picks it: the last state with a
 * StateEntered event and no StateExited event after it, with the input recorded there.
 * Returns {name, input, index} or null (nothing to redrive).
 */
export function redriveTarget(events) {
  for (let i = events.length - 1; i >= 0; i -= 1) {
    const e = events[i];
    if (e.type !== 'StateEntered' || e.index !== undefined) continue; // top-level states only
    const exited = events.slice(i + 1).some((x) => x.type === 'StateExited' && x.index === undefined && x.state.name === e.state.name);
    if (!exited) return { name: e.state.name, input: e.state.input, index: i };
  }
  return null;
}

/**
 * Redrives `previous` (a record from runExecution or redriveExecution that ended FAILED,
 * TIMED_OUT or ABORTED): the same execution (name, ARN, start date), re-entering the
 * unsuccessful state with the input it had, `$$.Execution.RedriveCount` one more; the
 * states that succeeded are not run again. Its events are appended to the same history
 * (after an `ExecutionRedriven` event), so a further redrive and the history printout see
 * everything. Returns a new record (the previous one is left as it was, for its checks).
 */
export async function redriveExecution(loaded, previous, pool, { onEvent = () => {}, registry, callback } = {}) {
  if (!['FAILED', 'TIMED_OUT', 'ABORTED'].includes(previous.status)) {
    throw new Error(`execution ${previous.name} is ${previous.status}: only FAILED, TIMED_OUT or ABORTED executions can be redriven`);
  }
  const target = redriveTarget(previous.events);
  if (!target) throw new Error(`execution ${previous.name}: no state without a StateExited event, nothing to redrive`);
  if (!loaded.definition.States[target.name]) {
    throw new Error(`execution ${previous.name} failed at ${target.name}, which this definition has no state for`);
  }
  // Same definition, entered at the failed state: the other states are unreachable from
  // there, which the interpreter's validation would refuse.
  const definition = { ...loaded.definition, StartAt: target.name };
  const redriveCount = previous.redriveCount + 1;
  const record = {
    ...previous,
    redriveCount,
    redriveDate: Date.now(),
    redrivenFrom: target,
    events: [...previous.events, { type: 'ExecutionRedriven', timestamp: Date.now(), redriveCount, state: undefined }],
    output: undefined,
    error: undefined,
    cause: undefined,
    statusChange: undefined,
    status: 'RUNNING',
  };
  onEvent(record.events.at(-1));
  registry?.register(record);
  return run(loaded, pool, record, { definition, input: target.input, onEvent, redrive: true, callback });
}

/**
 * `abortAt`: the name of a Lambda Task state; the execution is aborted (StopExecution, as an
 * operator does) when it reaches that state, before its function is invoked.
 */
async function run(loaded, pool, record, { definition, input, onEvent, redrive = false, callback, abortAt }) {
  const validationOptions = redrive ? { checkArn: false, noValidate: true } : { checkArn: false };
  const machine = new StateMachine(definition, { validationOptions });
  const taskResourceLocalHandlers = {};
  let abortReason = null;
  let execution;
  for (const [state, binary] of Object.entries(loaded.tasks)) {
    if (state === abortAt) {
      taskResourceLocalHandlers[state] = () => {
        abortReason = `aborted by the scenario on reaching ${abortAt}`;
        execution.abort();
        return new Promise(() => {}); // never answers: the execution is stopped
      };
      continue;
    }
    taskResourceLocalHandlers[state] = async (payload) => {
      try {
        return await pool.invoke(binary, payload);
      } catch (err) {
        if (!(err instanceof LambdaError)) throw err;
        // Step Functions names the error by errorType; the Cause is Lambda's JSON error body.
        const error = new Error(JSON.stringify({ errorType: err.errorType, errorMessage: err.errorMessage }));
        error.name = err.errorType;
        throw error;
      }
    };
  }
  // Callback states (see definition.mjs and runCallback): a new token per entry.
  for (const [state, binding] of Object.entries(loaded.callbacks ?? {})) {
    taskResourceLocalHandlers[state] = (params) => runCallback({ state, binding, params, pool, record, callback });
  }
  const waitTimeOverrides = Object.fromEntries(loaded.waits.map((s) => [s, 0]));
  const retryIntervalOverrides = Object.fromEntries(loaded.retrying.map((s) => [s, 0]));
  const started = Date.now();
  execution = machine.run(input, {
    overrides: { taskResourceLocalHandlers, waitTimeOverrides, retryIntervalOverrides },
    noThrowOnAbort: true,
    context: {
      Execution: {
        Id: record.arn,
        Name: record.name,
        RoleArn: record.roleArn,
        RedriveCount: record.redriveCount,
        ...(record.redriveDate ? { RedriveTime: new Date(record.redriveDate).toISOString() } : {}),
        // The interpreter sets StartTime to the start of this run (a redrive's, not the
        // execution's); the other fields are ours.
      },
      StateMachine: { Id: record.stateMachineArn, Name: STATE_MACHINE_NAME },
    },
  });

  // A redrive's own events start with the ExecutionRedriven marker added by redriveExecution.
  const runEvents = redrive ? [record.events.at(-1)] : [];
  const collecting = (async () => {
    for await (const event of execution.eventLogs) {
      // A redrive is not a new start: AWS writes ExecutionRedriven (added above) instead.
      if (redrive && event.type === 'ExecutionStarted') continue;
      runEvents.push(event);
      record.events.push(event);
      onEvent(event);
      const entered = runEvents.filter((e) => e.type === 'StateEntered').length;
      if (!abortReason && entered > MAX_STATES) {
        abortReason = `more than ${MAX_STATES} states entered: aborted (a loop that never ends?)`;
        execution.abort();
      }
    }
  })();
  const timer = setTimeout(() => {
    abortReason = `still running after ${MAX_SECONDS} s: aborted`;
    execution.abort();
  }, MAX_SECONDS * 1000);

  let result;
  try {
    const output = await execution.result;
    result = abortReason ? { status: 'ABORTED', error: 'Aborted', cause: abortReason } : { status: 'SUCCEEDED', output };
  } catch (err) {
    if (err instanceof ExecutionTimeoutError) {
      result = { status: 'TIMED_OUT', error: 'States.Timeout', cause: err.message };
    } else if (err instanceof ExecutionError) {
      const caught = err.cause ?? {};
      result = { status: 'FAILED', error: caught.name, cause: caught.message };
    } else {
      result = { status: 'FAILED', error: err.name ?? 'Error', cause: `interpreter error: ${err.message}` };
    }
  } finally {
    clearTimeout(timer);
  }
  await Promise.race([collecting, new Promise((r) => setTimeout(r, 1000))]);
  if (result.status === 'ABORTED' && !runEvents.some((e) => e.type === 'ExecutionAborted')) {
    const aborted = { type: 'ExecutionAborted', timestamp: Date.now() };
    runEvents.push(aborted);
    record.events.push(aborted);
  }
  Object.assign(record, result, { stopDate: Date.now(), runEvents, seconds: (Date.now() - started) / 1000 });
  return record;
}

/** Milliseconds of the runner's clock per second of a callback state's timeout. */
const CALLBACK_MS_PER_SECOND = Number(process.env.E2E_CALLBACK_MS_PER_SECOND ?? 1);

/** A Lambda error as Step Functions names it (errorType), other errors as they are. */
function asTaskError(err) {
  if (!(err instanceof LambdaError)) return err;
  const error = new Error(JSON.stringify({ errorType: err.errorType, errorMessage: err.errorMessage }));
  error.name = err.errorType;
  return error;
}

/**
 * One entry of a callback state (`lambda:invoke.waitForTaskToken`), as Step Functions runs
 * it: a new token (minted by the SFN stub, `callback.stub`) in place of the definition's
 * literal, the real function invoked with the payload (its error fails the state, as an
 * invocation error does), then the state waits until the stub gets SendTaskSuccess (the
 * output) or SendTaskFailure (the error) for that token, or the state's timeout passes
 * (scaled: `E2E_CALLBACK_MS_PER_SECOND` ms per second, default 1), which throws
 * `States.Timeout` and closes the token. `callback.beforeInvoke(ctx)` and
 * `callback.afterInvoke(ctx)` let the scenario move the export and emit RDS's events
 * (export-events.mjs); ctx: {state, token, payload, record, timeoutSeconds, settled()}.
 */
async function runCallback({ state, binding, params, pool, record, callback }) {
  if (!callback?.stub) throw new Error(`callback state ${state}: the runner was given no SFN stub to receive its token`);
  const { [CALLBACK_TIMEOUT_FIELD]: fromPath, Payload } = params;
  const timeoutSeconds = binding.timeoutPath ? Number(fromPath) : binding.timeoutSeconds;
  if (!Number.isFinite(timeoutSeconds) || timeoutSeconds < 1) {
    throw new Error(`callback state ${state}: TimeoutSecondsPath ${binding.timeoutPath} gave ${fromPath}, not a number of seconds >= 1`);
  }
  const { token, promise } = callback.stub.mintToken({ state, execution: record.arn });
  const payload = JSON.parse(JSON.stringify(Payload).replaceAll(JSON.stringify(TASK_TOKEN_LITERAL), JSON.stringify(token)));
  const settled = () => callback.stub.tokens.get(token)?.settled ?? null;
  const ctx = { state, token, payload, record, timeoutSeconds, settled };
  await callback.beforeInvoke?.(ctx);
  try {
    await pool.invoke(binding.binary, payload);
  } catch (err) {
    callback.stub.closeToken(token);
    throw asTaskError(err);
  }
  const driving = settled() ? null : callback.afterInvoke?.(ctx);
  const timeoutMs = timeoutSeconds * CALLBACK_MS_PER_SECOND;
  let timer;
  const timeout = new Promise((_, reject) => {
    timer = setTimeout(() => {
      const error = new Error(`no SendTaskSuccess/Failure within TimeoutSeconds ${timeoutSeconds} (scaled to ${timeoutMs} ms)`);
      error.name = 'States.Timeout';
      reject(error);
    }, timeoutMs);
  });
  try {
    return await Promise.race([promise, timeout]);
  } finally {
    clearTimeout(timer);
    callback.stub.closeToken(token);
    await driving;
  }
}

/** Cause text: Lambda's errorMessage when the cause is its JSON error body. */
export function causeText(cause) {
  if (typeof cause !== 'string') return String(cause ?? '');
  try {
    const parsed = JSON.parse(cause);
    if (parsed && typeof parsed.errorMessage === 'string') return parsed.errorMessage;
  } catch {
    // Not JSON: a state's own cause.
  }
  return cause;
}

/** The names of states entered, in order. */
export function statesEntered(events) {
  return events.filter((e) => e.type === 'StateEntered').map((e) => e.state.name);
}

/** The state an unsuccessful execution stopped in: the last one entered. */
export function failedState(events) {
  return statesEntered(events).at(-1);
}

// Runs one execution of the definition with aws-local-stepfunctions (an ASL interpreter we
// did not write), every Lambda task answered by its real binary, waits and retry intervals
// set to 0 so a multi-hour pipeline takes seconds.

import { ExecutionError, StateMachine } from 'aws-local-stepfunctions';
import { LambdaError } from './runtime-api.mjs';

/** Guards against a scenario that loops forever (an export that never completes, ...). */
const MAX_STATES = Number(process.env.E2E_MAX_STATES ?? 400);
const MAX_SECONDS = Number(process.env.E2E_MAX_SECONDS ?? 120);

/**
 * Runs `input` through `loaded` (from loadDefinition). Returns
 * {status: SUCCEEDED|FAILED|ABORTED, output, error, cause, events, seconds}.
 */
export async function runExecution(loaded, input, pool, { name, onEvent = () => {} } = {}) {
  const machine = new StateMachine(loaded.definition, { validationOptions: { checkArn: false } });
  const taskResourceLocalHandlers = {};
  for (const [state, binary] of Object.entries(loaded.tasks)) {
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
  const waitTimeOverrides = Object.fromEntries(loaded.waits.map((s) => [s, 0]));
  const retryIntervalOverrides = Object.fromEntries(loaded.retrying.map((s) => [s, 0]));
  const executionName = name ?? `e2e-${Date.now()}`;
  const started = Date.now();
  const run = machine.run(input, {
    overrides: { taskResourceLocalHandlers, waitTimeOverrides, retryIntervalOverrides },
    noThrowOnAbort: true,
    context: {
      Execution: {
        Id: `arn:aws:states:us-east-1:123456789012:execution:snapshot-export:${executionName}`,
        Name: executionName,
        RoleArn: 'arn:aws:iam::123456789012:role/snapshot-export-sfn',
      },
      StateMachine: {
        Id: 'arn:aws:states:us-east-1:123456789012:stateMachine:snapshot-export',
        Name: 'snapshot-export',
      },
    },
  });

  const events = [];
  let abortReason = null;
  const collecting = (async () => {
    for await (const event of run.eventLogs) {
      events.push(event);
      onEvent(event);
      const entered = events.filter((e) => e.type === 'StateEntered').length;
      if (!abortReason && entered > MAX_STATES) {
        abortReason = `more than ${MAX_STATES} states entered: aborted (a loop that never ends?)`;
        run.abort();
      }
    }
  })();
  const timer = setTimeout(() => {
    abortReason = `still running after ${MAX_SECONDS} s: aborted`;
    run.abort();
  }, MAX_SECONDS * 1000);

  let result;
  try {
    const output = await run.result;
    result = abortReason
      ? { status: 'ABORTED', error: 'Aborted', cause: abortReason }
      : { status: 'SUCCEEDED', output };
  } catch (err) {
    if (err instanceof ExecutionError) {
      const caught = err.cause ?? {};
      result = { status: 'FAILED', error: caught.name, cause: caught.message };
    } else {
      result = { status: 'FAILED', error: err.name ?? 'Error', cause: `interpreter error: ${err.message}` };
    }
  } finally {
    clearTimeout(timer);
  }
  await Promise.race([collecting, new Promise((r) => setTimeout(r, 1000))]);
  return { ...result, events, seconds: (Date.now() - started) / 1000, name: executionName };
}

/** Cause text: Lambda's errorMessage when the cause is its JSON error body. */
export function causeText(cause) {
  if (typeof cause !== 'string') return String(cause ?? '');
  try {
    const parsed = JSON.parse(cause);
    if (parsed && typeof parsed.errorMessage === 'string') return parsed.errorMessage;
  } catch {
    // Not JSON: a Pass state's own cause (ExportFailed carries RDS's FailureCause).
  }
  return cause;
}

/** The names of states entered, in order. */
export function statesEntered(events) {
  return events.filter((e) => e.type === 'StateEntered').map((e) => e.state.name);
}

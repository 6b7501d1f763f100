// Loads the generated state machine definition and binds its Lambda tasks to binaries.
//
// The committed definition names each function by a Terraform placeholder
// (`${start_export_function_arn}`); here each becomes a fake function ARN, and every Task
// state whose Resource is such an ARN is bound to the binary of that function. Which
// placeholder is which function, and which states call it, is the function table's
// (functions.json), as for the Terraform's templatefile.
//
// A callback Task (`arn:aws:states:::lambda:invoke.waitForTaskToken`, the function in
// Parameters.FunctionName) is bound the same way, and rewritten for the interpreter, which
// has no `.waitForTaskToken` and no `$$.Task.Token`: the token reference becomes the literal
// TASK_TOKEN_LITERAL (the runner mints a token per entry and puts it there), the
// TimeoutSecondsPath becomes a Parameters field the runner reads (the interpreter would
// evaluate it against the Parameters' result, not the state input) and the interpreter's
// own timeout is set out of reach: the runner throws `States.Timeout` itself, scaled.

import fs from 'node:fs';
import path from 'node:path';
import { FUNCTIONS, FUNCTIONS_JSON, REPO, functionArn } from './functions.mjs';

export const CALLBACK_RESOURCE = 'arn:aws:states:::lambda:invoke.waitForTaskToken';
/** What `$$.Task.Token` becomes in a callback state's Parameters (the runner replaces it). */
export const TASK_TOKEN_LITERAL = '<e2e-task-token>';
/** The Parameters field carrying the value of the callback state's TimeoutSecondsPath. */
export const CALLBACK_TIMEOUT_FIELD = 'e2e_timeout_seconds';

export const DEFAULT_DEFINITION = path.join(REPO, 'state-machine', 'definition.asl.json');

// `$${x}` is templatefile's escape for a literal `${x}`.
const PLACEHOLDER = /(\$?)\$\{([A-Za-z0-9_]+)\}/g;
const BY_PLACEHOLDER = Object.fromEntries(Object.entries(FUNCTIONS).map(([binary, f]) => [f.placeholder, binary]));
const BY_STATE = Object.fromEntries(
  Object.entries(FUNCTIONS).flatMap(([binary, f]) => f.states.map((state) => [state, binary])),
);

/**
 * Reads and substitutes the definition; returns it with `tasks` (state → binary), `waits`,
 * `retrying` and `callbacks` (state → {binary, timeoutSeconds or timeoutPath}).
 */
export function loadDefinition(file = DEFAULT_DEFINITION) {
  if (!fs.existsSync(file)) {
    throw new Error(`no state machine definition at ${file} (generate it, or pass --definition FILE)`);
  }
  const text = fs.readFileSync(file, 'utf8').replace(PLACEHOLDER, (_, escaped, name) => {
    if (escaped) return `\${${name}}`;
    const binary = BY_PLACEHOLDER[name];
    if (!binary) throw new Error(`${file}: placeholder \${${name}} is no function's placeholder in ${FUNCTIONS_JSON}`);
    return functionArn(binary);
  });
  const byArn = Object.fromEntries(Object.keys(FUNCTIONS).map((b) => [functionArn(b), b]));
  return bindDefinition(file, JSON.parse(text), byArn);
}

/**
 * The definition of an applied state machine (the applied stack, applied.mjs): as
 * DescribeStateMachine returned it, every function ARN in it bound to the binary of the
 * applied function with that ARN (`functions`: binary → {arn}; the binary is the applied
 * function's name without the stack's prefix). Nothing is substituted: Terraform did that.
 */
export function loadAppliedDefinition({ arn, definition, functions }) {
  const byArn = Object.fromEntries(Object.entries(functions).map(([binary, f]) => [f.arn, binary]));
  return { ...bindDefinition(`applied state machine ${arn}`, JSON.parse(definition), byArn), stateMachineArn: arn };
}

/** Binds every Task state of `definition` to the binary its function ARN names. */
function bindDefinition(file, definition, byArn) {
  const tasks = {};
  const waits = [];
  const retrying = [];
  const callbacks = {};
  walk(definition, (name, state) => {
    if (state.Type === 'Task' && state.Resource === CALLBACK_RESOURCE) {
      callbacks[name] = rewriteCallback(file, name, state);
    }
    if (state.Type === 'Task') {
      const resource = state.Resource === CALLBACK_RESOURCE ? state.Parameters?.FunctionName : state.Resource;
      const binary = byArn[resource];
      if (!binary) throw new Error(`${file}: task state ${name} has Resource ${state.Resource}, not one of our functions`);
      // A state the table lists must call the table's function (other definitions, such
      // as the harness's fixture, may have states of their own).
      if (BY_STATE[name] && BY_STATE[name] !== binary) {
        throw new Error(`${file}: task state ${name} calls ${binary}, but functions.json has it call ${BY_STATE[name]}`);
      }
      tasks[name] = binary;
      if (callbacks[name]) callbacks[name].binary = binary;
    }
    if (state.Type === 'Wait') waits.push(name);
    if (state.Retry) retrying.push(name);
  });
  return { file, definition, tasks, waits, retrying, callbacks };
}

/** Rewrites a callback state in place for the interpreter (see the header); returns its binding. */
function rewriteCallback(file, name, state) {
  if (!state.Parameters?.Payload) throw new Error(`${file}: callback state ${name} has no Parameters.Payload`);
  let tokens = 0;
  const replaceToken = (value) => {
    if (Array.isArray(value)) return value.map(replaceToken);
    if (!value || typeof value !== 'object') return value;
    return Object.fromEntries(
      Object.entries(value).map(([k, v]) => {
        if (k.endsWith('.$') && v === '$$.Task.Token') {
          tokens += 1;
          return [k.slice(0, -2), TASK_TOKEN_LITERAL];
        }
        return [k, replaceToken(v)];
      }),
    );
  };
  state.Parameters = replaceToken(state.Parameters);
  if (tokens !== 1) throw new Error(`${file}: callback state ${name} passes $$.Task.Token ${tokens} times (expected once)`);
  const binding = {};
  if (state.TimeoutSecondsPath) {
    binding.timeoutPath = state.TimeoutSecondsPath;
    state.Parameters[`${CALLBACK_TIMEOUT_FIELD}.$`] = state.TimeoutSecondsPath;
    delete state.TimeoutSecondsPath;
  } else {
    binding.timeoutSeconds = state.TimeoutSeconds ?? 60;
  }
  // The runner times the callback out; the interpreter's own timer must never fire first.
  // (At most 2^31 ms: Node's timer limit.)
  state.TimeoutSeconds = 2_000_000;
  return binding;
}

function walk(machine, visit) {
  for (const [name, state] of Object.entries(machine.States ?? {})) {
    visit(name, state);
    for (const branch of state.Branches ?? []) walk(branch, visit);
    if (state.Iterator) walk(state.Iterator, visit);
    if (state.ItemProcessor) walk(state.ItemProcessor, visit);
  }
}

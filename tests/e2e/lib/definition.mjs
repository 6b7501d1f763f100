// Loads the generated state machine definition and binds its Lambda tasks to binaries.
//
// The committed definition names each function by a Terraform placeholder
// (`${start_export_function_arn}`); here each becomes a fake function ARN, and every Task
// state whose Resource is such an ARN is bound to the binary of that function. Which
// placeholder is which function, and which states call it, is the function table's
// (functions.json), as for the Terraform's templatefile.

import fs from 'node:fs';
import path from 'node:path';
import { FUNCTIONS, FUNCTIONS_JSON, REPO, functionArn } from './functions.mjs';

export const DEFAULT_DEFINITION = path.join(REPO, 'state-machine', 'definition.asl.json');

// `$${x}` is templatefile's escape for a literal `${x}`.
const PLACEHOLDER = /(\$?)\$\{([A-Za-z0-9_]+)\}/g;
const BY_PLACEHOLDER = Object.fromEntries(Object.entries(FUNCTIONS).map(([binary, f]) => [f.placeholder, binary]));
const BY_STATE = Object.fromEntries(
  Object.entries(FUNCTIONS).flatMap(([binary, f]) => f.states.map((state) => [state, binary])),
);

/** Reads and substitutes the definition; returns it with `tasks` (state → binary), `waits`. */
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
  const definition = JSON.parse(text);
  const tasks = {};
  const waits = [];
  const retrying = [];
  walk(definition, (name, state) => {
    if (state.Type === 'Task') {
      const binary = Object.keys(FUNCTIONS).find((b) => state.Resource === functionArn(b));
      if (!binary) throw new Error(`${file}: task state ${name} has Resource ${state.Resource}, not one of our functions`);
      // A state the table lists must call the table's function (other definitions, such
      // as the harness's fixture, may have states of their own).
      if (BY_STATE[name] && BY_STATE[name] !== binary) {
        throw new Error(`${file}: task state ${name} calls ${binary}, but functions.json has it call ${BY_STATE[name]}`);
      }
      tasks[name] = binary;
    }
    if (state.Type === 'Wait') waits.push(name);
    if (state.Retry) retrying.push(name);
  });
  return { file, definition, tasks, waits, retrying };
}

function walk(machine, visit) {
  for (const [name, state] of Object.entries(machine.States ?? {})) {
    visit(name, state);
    for (const branch of state.Branches ?? []) walk(branch, visit);
    if (state.Iterator) walk(state.Iterator, visit);
    if (state.ItemProcessor) walk(state.ItemProcessor, visit);
  }
}

// Loads the generated state machine definition and binds its Lambda tasks to binaries.
//
// The committed definition names each function by a Terraform placeholder
// (`${start_export_function_arn}`); here each becomes a fake function ARN, and every Task
// state whose Resource is such an ARN is bound to the binary of that function.

import fs from 'node:fs';
import path from 'node:path';
import { BINARIES, REPO, functionArn } from './functions.mjs';

export const DEFAULT_DEFINITION = path.join(REPO, 'state-machine', 'definition.asl.json');

const PLACEHOLDER = /\$\{([a-z0-9_]+)_function_arn\}/g;

/** Reads and substitutes the definition; returns it with `tasks` (state → binary), `waits`. */
export function loadDefinition(file = DEFAULT_DEFINITION) {
  if (!fs.existsSync(file)) {
    throw new Error(`no state machine definition at ${file} (generate it, or pass --definition FILE)`);
  }
  const text = fs.readFileSync(file, 'utf8').replace(PLACEHOLDER, (_, stem) => {
    const binary = stem.replaceAll('_', '-');
    if (!BINARIES.includes(binary)) throw new Error(`${file}: placeholder \${${stem}_function_arn} names no known function`);
    return functionArn(binary);
  });
  const definition = JSON.parse(text);
  const tasks = {};
  const waits = [];
  const retrying = [];
  walk(definition, (name, state) => {
    if (state.Type === 'Task') {
      const binary = BINARIES.find((b) => state.Resource === functionArn(b));
      if (!binary) throw new Error(`${file}: task state ${name} has Resource ${state.Resource}, not one of our functions`);
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

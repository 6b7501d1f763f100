// Runs one scenario file: a fresh moto with the scenario's two accounts, the real Lambda
// binaries, each execution through the interpreter, then the expectations.

import fs from 'node:fs';
import path from 'node:path';
import { counterWindow, checkEffects, checkExecution, lookup } from './expect.mjs';
import { runExecution } from './execute.mjs';
import { loadDefinition } from './definition.mjs';
import { FunctionPool, REPO, missingBinaries, BIN_DIR } from './functions.mjs';
import { formatHistory } from './history.mjs';
import { Launcher } from './launcher.mjs';

/** Replaces `{{path.in.vars}}` in every string of `value` (whole-string refs keep their type). */
export function substitute(value, vars) {
  if (typeof value === 'string') {
    const whole = value.match(/^\{\{([^}]+)\}\}$/);
    if (whole) return resolve(whole[1], vars);
    return value.replace(/\{\{([^}]+)\}\}/g, (_, p) => String(resolve(p, vars)));
  }
  if (Array.isArray(value)) return value.map((v) => substitute(v, vars));
  if (value && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, substitute(v, vars)]));
  }
  return value;
}

function resolve(p, vars) {
  const v = lookup(vars, p.trim());
  if (v === undefined) throw new Error(`scenario refers to {{${p}}}, unknown (known: ${Object.keys(vars).join(', ')})`);
  return v;
}

export function readScenario(file) {
  const scenario = JSON.parse(fs.readFileSync(file, 'utf8'));
  if (!Array.isArray(scenario.executions) || scenario.executions.length === 0) {
    throw new Error(`${file}: "executions" must list at least one execution`);
  }
  return { name: path.basename(file, '.json'), ...scenario, file };
}

/**
 * Runs `file`; returns {name, ok, problems, executions, seconds}. `onEvent(event, ctx)` sees
 * every history event live (the demo prints progress from it).
 */
export async function runScenario(file, { definition, onEvent, log = () => {}, onReady } = {}) {
  const started = Date.now();
  const scenario = readScenario(file);
  const loaded = loadDefinition(definition);
  const missing = missingBinaries();
  if (missing.length) {
    throw new Error(`Lambda binaries missing in ${BIN_DIR}: ${missing.join(', ')}. Run scripts/setup.sh first.`);
  }
  const launcher = await Launcher.start({ log });
  let pool;
  const report = { name: scenario.name, file, problems: [], executions: [] };
  try {
    const vars = await launcher.setup({ ...scenario.setup, controls: scenario.controls ?? {} });
    pool = new FunctionPool({
      vars,
      motoUrl: launcher.moto,
      envOverrides: scenario.setup?.lambda_env ?? {},
      logDir: path.join(REPO, 'target', 'e2e', scenario.name),
    });
    onReady?.({ vars, launcher, scenario });
    const first = await launcher.counters();
    for (const [index, execution] of scenario.executions.entries()) {
      if (execution.controls_before) await launcher.controls(execution.controls_before);
      const before = await launcher.counters();
      const input = substitute(execution.input, vars);
      // `copies` > 1: the same input started that many times at once (a duplicated event).
      const copies = execution.copies ?? 1;
      const names = Array.from({ length: copies }, (_, c) => `${scenario.name}-${index + 1}${copies > 1 ? String.fromCharCode(97 + c) : ''}`);
      log(`execution ${names.join(', ')}: ${execution.description ?? ''}`);
      const results = await Promise.all(
        names.map((name) =>
          runExecution(loaded, input, pool, {
            name,
            onEvent: (event) => onEvent?.(event, { launcher, vars, execution: name }),
          }),
        ),
      );
      const after = await launcher.counters();
      const facts = await launcher.facts();
      const window = counterWindow(before, after);
      results.forEach((result, c) => {
        const problems = checkExecution(execution.expect ?? {}, result, c === 0 ? window : null, facts, vars);
        report.executions.push({ name: names[c], description: execution.description, result, problems, facts });
        report.problems.push(...problems.map((p) => `${names[c]}: ${p}`));
      });
    }
    const facts = await launcher.facts();
    const total = counterWindow(first, await launcher.counters());
    report.problems.push(...checkEffects(scenario.expect ?? {}, total, facts, vars).map((p) => `scenario: ${p}`));
    report.facts = facts;
    report.counters = total;
    report.functions = pool.stats();
    report.logTails = Object.fromEntries(Object.keys(pool.functions).map((b) => [b, pool.logTail(b)]));
  } catch (err) {
    report.problems.push(`harness error: ${err.stack ?? err}`);
    if (pool) report.logTails = Object.fromEntries(Object.keys(pool.functions).map((b) => [b, pool.logTail(b)]));
    report.launcherLog = launcher.stderr.join('').split('\n').slice(-40).join('\n');
  } finally {
    await pool?.stop();
    await launcher.stop();
  }
  report.ok = report.problems.length === 0;
  report.seconds = (Date.now() - started) / 1000;
  return report;
}

/** A failure report: the problems, each execution's history, the functions' log tails. */
export function formatReport(report) {
  const lines = [`scenario ${report.name} (${report.file}): ${report.ok ? 'ok' : 'FAILED'} in ${report.seconds.toFixed(1)} s`];
  for (const p of report.problems) lines.push(`  ✗ ${p}`);
  if (report.ok) return lines.join('\n');
  for (const e of report.executions) {
    lines.push('', `--- history of ${e.name} (${e.result.status}${e.result.error ? ` ${e.result.error}` : ''}) ---`);
    lines.push(formatHistory(e.result.events));
  }
  for (const [binary, tail] of Object.entries(report.logTails ?? {})) {
    if (tail) lines.push('', `--- ${binary} log (last lines) ---`, tail);
  }
  if (report.launcherLog) lines.push('', '--- launcher stderr ---', report.launcherLog);
  return lines.join('\n');
}

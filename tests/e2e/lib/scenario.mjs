// Runs one scenario file: a fresh moto with the scenario's two accounts, the real Lambda
// binaries, a Step Functions stub for the functions' own Step Functions calls, each
// execution (or redrive) through the interpreter, the status-change event of every
// execution that ends FAILED/TIMED_OUT/ABORTED, then the expectations.

import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { counterWindow, checkEffects, checkExecution, lookup, payloadSizes } from './expect.mjs';
import { redriveExecution, runExecution } from './execute.mjs';
import { loadAppliedDefinition, loadDefinition } from './definition.mjs';
import { BINARIES, FunctionPool, REPO, missingBinaries, BIN_DIR } from './functions.mjs';
import { formatHistory } from './history.mjs';
import { Launcher } from './launcher.mjs';
import { SfnStub } from './sfn-stub.mjs';
import { emitStatusChange } from './status-change.mjs';
import { ExportEvents, checkExportEvents } from './export-events.mjs';

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

/**
 * Reads a scenario file. An execution entry is either a new execution (`input`, optional
 * `copies`) or `{"redrive": true}`: a redrive of the execution the entry before it ran
 * (the same execution, re-entering the state it failed at, RedriveCount one more), or
 * `{"parallel": [{input, label?, abort_at?, expect?}, ...]}`: several executions of different
 * inputs started at once (12 snapshots of one account at 03:00); each one's status-change
 * event is emitted as soon as it ends, while the others still run (an aborted slot holder
 * frees its slot for a parked one); `abort_at` aborts that execution when it reaches the
 * named Lambda Task state; `expect` overrides the entry's own for that execution.
 */
export function readScenario(file) {
  const scenario = JSON.parse(fs.readFileSync(file, 'utf8'));
  if (!Array.isArray(scenario.executions) || scenario.executions.length === 0) {
    throw new Error(`${file}: "executions" must list at least one execution`);
  }
  scenario.executions.forEach((execution, index) => {
    const where = `${file}: executions[${index}]`;
    if (execution.parallel !== undefined) {
      if (!Array.isArray(execution.parallel) || execution.parallel.length === 0) throw new Error(`${where}: "parallel" must list executions`);
      if ('input' in execution || 'copies' in execution) throw new Error(`${where}: a "parallel" entry has its inputs in its list`);
      execution.parallel.forEach((p, j) => {
        if (!('input' in p)) throw new Error(`${where}.parallel[${j}]: needs an "input"`);
      });
    } else if (execution.redrive !== undefined) {
      if (execution.redrive !== true) throw new Error(`${where}: "redrive" must be true`);
      if (index === 0) throw new Error(`${where}: a redrive needs an execution before it`);
      if ('input' in execution || 'copies' in execution) throw new Error(`${where}: a redrive has no "input" or "copies" (it reuses the execution's)`);
      if ((scenario.executions[index - 1].copies ?? 1) !== 1) throw new Error(`${where}: the execution before a redrive must be a single one (no "copies")`);
    } else if (!('input' in execution)) {
      throw new Error(`${where}: needs an "input" (or "redrive": true)`);
    }
  });
  return { name: path.basename(file, '.json'), ...scenario, file };
}

/**
 * The definition a scenario runs: the one given (--definition, E2E_DEFINITION), else the
 * scenario's `pipeline_config` (a PipelineConfig TOML, relative to the repository) rendered
 * by the CLI of the build (`${CARGO_TARGET_DIR:-target}/debug/snapshot-export render
 * --config FILE`), else the committed default.
 */
export function scenarioDefinition(scenario, given) {
  if (given || !scenario.pipeline_config) return given;
  const config = path.resolve(REPO, scenario.pipeline_config);
  if (!fs.existsSync(config)) throw new Error(`${scenario.file}: pipeline_config ${scenario.pipeline_config} does not exist`);
  const cli = path.join(BIN_DIR, 'snapshot-export');
  if (!fs.existsSync(cli)) throw new Error(`${cli} is missing (cargo build -p snapshot-export-cli): needed to render ${scenario.pipeline_config}`);
  const out = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'e2e-definition-')), `${path.basename(config, '.toml')}.asl.json`);
  execFileSync(cli, ['render', '--config', config, '--out', out], { stdio: ['ignore', 'ignore', 'pipe'] });
  return out;
}

/** Each function's environment overrides: the SFN stub's endpoint, then the scenario's own. */
function envOverrides(scenario, sfnUrl) {
  const own = scenario.setup?.lambda_env ?? {};
  for (const binary of Object.keys(own)) {
    if (!BINARIES.includes(binary)) throw new Error(`setup.lambda_env names ${binary}, which is no function of functions.json`);
  }
  return Object.fromEntries(BINARIES.map((b) => [b, { AWS_ENDPOINT_URL_SFN: sfnUrl, ...(own[b] ?? {}) }]));
}

/** The vars an expectation may refer to: the set-up's, plus `execution.arn` / `.name`. */
function expectVars(vars, record) {
  return record ? { ...vars, execution: { arn: record.arn, name: record.name, redrive_count: record.redriveCount } } : vars;
}

/**
 * The applied stack's EventBridge (applied.py's route): the binaries the applied rules
 * deliver `event` to from `account`'s default bus, with every delivery on the way.
 */
async function appliedRoute(applied, event, account) {
  const routed = await applied.launcher.call('POST', '/applied/route', { event, account });
  const byArn = Object.fromEntries(Object.entries(applied.stack.functions).map(([b, f]) => [f.arn, b]));
  return { ...routed, binaries: routed.final.map((arn) => byArn[arn] ?? arn) };
}

/**
 * Runs `file`; returns {name, ok, problems, executions, seconds}. `onEvent(event, ctx)` sees
 * every history event live (the demo prints progress from it).
 *
 * `applied` ({launcher, stack, pipelineConfig}: the applied stack, applied.mjs): the scenario
 * runs on what Terraform applied into that launcher's moto instead of a harness-built
 * world: the definition read back from the applied state machine, each function with its
 * applied configuration and role (IAM enforced), an execution started only when the applied
 * rules route its event from prod's default bus to the state machine, the status change
 * delivered where the applied rules deliver it. The launcher is the caller's (kept).
 */
export async function runScenario(file, { definition, onEvent, log = () => {}, onReady, applied } = {}) {
  const started = Date.now();
  const scenario = readScenario(file);
  let definitionFile;
  let loaded;
  if (applied) {
    if ((scenario.pipeline_config ?? null) !== (applied.pipelineConfig ?? null)) {
      throw new Error(`${file}: pipeline_config ${scenario.pipeline_config ?? '(default)'}, but the stack was applied for ${applied.pipelineConfig ?? '(default)'}`);
    }
    if (scenario.setup?.lambda_env) throw new Error(`${file}: setup.lambda_env cannot apply to the applied stack (the functions get the applied environment)`);
    loaded = loadAppliedDefinition({ ...applied.stack.state_machine, functions: applied.stack.functions });
  } else {
    definitionFile = scenarioDefinition(scenario, definition);
    loaded = loadDefinition(definitionFile);
  }
  const missing = missingBinaries();
  if (missing.length) {
    throw new Error(`Lambda binaries missing in ${BIN_DIR}: ${missing.join(', ')}. Run scripts/setup.sh first.`);
  }
  const launcher = applied ? applied.launcher : await Launcher.start({ log });
  const sfn = new SfnStub({ historyPageSize: scenario.sfn?.history_page_size ?? null });
  let pool;
  const report = { name: scenario.name, file, problems: [], executions: [] };
  try {
    const sfnUrl = await sfn.start();
    log(`Step Functions stub at ${sfnUrl}`);
    // definition_file: the enforced IAM mode evaluates the Terraform for this graph (iam_enforce.py).
    const vars = applied
      ? await launcher.call('POST', '/applied/setup', { ...scenario.setup, controls: scenario.controls ?? {} })
      : await launcher.setup({ ...scenario.setup, controls: scenario.controls ?? {}, definition_file: definitionFile ?? null });
    pool = new FunctionPool({
      vars,
      motoUrl: launcher.moto,
      envOverrides: envOverrides(scenario, sfnUrl),
      logDir: path.join(REPO, 'target', 'e2e', applied ? `applied-${scenario.name}` : scenario.name),
      applied: applied?.stack.functions,
    });
    report.routes = [];
    // Callback states (`[export] events = true`): tokens through the stub, RDS's export
    // events emitted as the scenario's `export_events` says (export-events.mjs).
    const exportEvents = new ExportEvents({ launcher, pool, spec: scenario.export_events ?? {}, vars });
    const callback = exportEvents.hooks(sfn);
    onReady?.({ vars, launcher, scenario, sfn });
    const first = await launcher.counters();
    let last = null; // the record the next redrive continues
    // `facts.reader: false`: no DuckDB reading of every Glue location (hundreds of tables).
    const factsOptions = { reader: scenario.facts?.reader !== false };
    for (const [index, execution] of scenario.executions.entries()) {
      if (execution.controls_before) await launcher.controls(execution.controls_before);
      // The operator changes a function's configuration (e.g. ON_PARTIAL) before this run.
      if (execution.lambda_env_before) {
        if (applied) throw new Error(`${file}: lambda_env_before cannot apply to the applied stack`);
        for (const [binary, changes] of Object.entries(execution.lambda_env_before)) await pool.setEnv(binary, changes);
      }
      const before = await launcher.counters();
      const sfnCallsBefore = sfn.calls.length;
      const eventsBefore = exportEvents.log.length;
      let records;
      let labels;
      const emitted = new Set();
      let perRecordExpect = null;
      if (execution.parallel) {
        const items = execution.parallel;
        labels = items.map((p, j) => `${scenario.name}-${index + 1}-${p.label ?? String.fromCharCode(97 + j)}`);
        log(`executions ${labels.join(', ')} at once: ${execution.description ?? ''}`);
        perRecordExpect = items.map((p) => p.expect ?? execution.expect ?? {});
        records = await Promise.all(
          items.map(async (p, j) => {
            const record = await runExecution(loaded, substitute(p.input, vars), pool, {
              name: labels[j],
              registry: sfn,
              callback,
              abortAt: p.abort_at,
              onEvent: (event) => onEvent?.(event, { launcher, vars, execution: labels[j] }),
            });
            // At once, as EventBridge would: the others may be waiting for its slot.
            const outcome = await emitStatusChange(record, pool);
            emitted.add(record);
            if (outcome) log(`status change ${record.status} of ${record.name} → notify: ${outcome.ok ? 'ok' : `${outcome.error}: ${outcome.message}`}`);
            return record;
          }),
        );
      } else if (execution.redrive) {
        log(`redrive of ${last.name} (redrive ${last.redriveCount + 1}): ${execution.description ?? ''}`);
        const record = await redriveExecution(loaded, last, pool, {
          registry: sfn,
          callback,
          onEvent: (event) => onEvent?.(event, { launcher, vars, execution: last.name, redrive: true }),
        });
        records = [record];
        labels = [`${record.name} (redrive ${record.redriveCount})`];
      } else {
        const input = substitute(execution.input, vars);
        // The applied stack: an event starts an execution only if the applied rules take it
        // from prod's default bus to the applied state machine (a manual input is started
        // directly, as the CLI does).
        if (applied && input['detail-type'] !== undefined) {
          const routed = await appliedRoute(applied, input, input.account ?? vars.prod_account);
          report.routes.push({ execution: index + 1, ...routed });
          if (!routed.final.includes(loaded.stateMachineArn)) {
            const why = routed.deliveries.length ? JSON.stringify(routed.deliveries) : "no applied rule of prod's default bus matches it";
            throw new Error(`the applied rules do not start ${loaded.stateMachineArn} on executions[${index}]'s event: ${why}`);
          }
        }
        // `copies` > 1: the same input started that many times at once (a duplicated event).
        const copies = execution.copies ?? 1;
        const names = Array.from({ length: copies }, (_, c) => `${scenario.name}-${index + 1}${copies > 1 ? String.fromCharCode(97 + c) : ''}`);
        log(`execution ${names.join(', ')}: ${execution.description ?? ''}`);
        records = await Promise.all(
          names.map((name) =>
            runExecution(loaded, input, pool, {
              name,
              registry: sfn,
              callback,
              onEvent: (event) => onEvent?.(event, { launcher, vars, execution: name }),
            }),
          ),
        );
        labels = names;
      }
      // The failure-notification rule (best effort): inside this execution's window.
      for (const record of records) {
        if (emitted.has(record)) continue;
        const route = applied
          ? async (event) => {
              const routed = await appliedRoute(applied, event, vars.analytics_account);
              report.routes.push({ status_change: record.status, ...routed });
              return routed.binaries;
            }
          : undefined;
        const outcome = await emitStatusChange(record, pool, { route });
        if (outcome) log(`status change ${record.status} of ${record.name} → notify: ${outcome.ok ? 'ok' : `${outcome.error}: ${outcome.message}`}`);
      }
      last = records.at(-1);
      const after = await launcher.counters();
      const facts = await launcher.facts(factsOptions);
      const window = { ...counterWindow(before, after), sfn_calls: sfn.calls.slice(sfnCallsBefore) };
      records.forEach((record, c) => {
        const expect = substitute(perRecordExpect?.[c] ?? execution.expect ?? {}, expectVars(vars, record));
        const problems = checkExecution(expect, record, c === 0 ? window : null, facts, vars);
        if (c === 0) problems.push(...checkExportEvents(expect.export_events, exportEvents.log.slice(eventsBefore), window));
        // A snapshot: a later redrive continues the same execution in a new record.
        report.executions.push({ name: labels[c], description: execution.description, result: record, problems, facts, payloads: payloadSizes(record, c === 0 ? window : null) });
        report.problems.push(...problems.map((p) => `${labels[c]}: ${p}`));
      });
    }
    const facts = await launcher.facts(factsOptions);
    const total = { ...counterWindow(first, await launcher.counters()), sfn_calls: sfn.calls };
    const expect = substitute(scenario.expect ?? {}, expectVars(vars, last));
    report.problems.push(...checkEffects(expect, total, facts, vars).map((p) => `scenario: ${p}`));
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
    if (!applied) await launcher.stop();
    await sfn.stop();
  }
  report.ok = report.problems.length === 0;
  report.seconds = (Date.now() - started) / 1000;
  return report;
}

/** A failure report: the problems, each execution's history, the functions' log tails. */
export function formatReport(report) {
  // The largest state input/output and notification detail of any run (bounded: ≤ 256 KiB).
  const most = (k) => Math.max(0, ...report.executions.map((e) => e.payloads?.[k]?.bytes ?? 0));
  const lines = [`scenario ${report.name} (${report.file}): ${report.ok ? 'ok' : 'FAILED'} in ${report.seconds.toFixed(1)} s (largest state payload ${most('state')} B, notification detail ${most('notification')} B)`];
  for (const p of report.problems) lines.push(`  ✗ ${p}`);
  if (report.ok) return lines.join('\n');
  for (const e of report.executions) {
    // Each run's own events (a redrive's start with its ExecutionRedriven event).
    lines.push('', `--- history of ${e.name} (${e.result.status}${e.result.error ? ` ${e.result.error}` : ''}) ---`);
    lines.push(formatHistory(e.result.runEvents ?? e.result.events));
    const sc = e.result.statusChange;
    if (sc) lines.push(`  status change ${sc.event.detail.status} → notify: ${sc.ok ? `ok ${JSON.stringify(sc.output)}` : `${sc.error}: ${sc.message}`}`);
  }
  for (const [binary, tail] of Object.entries(report.logTails ?? {})) {
    if (tail) lines.push('', `--- ${binary} log (last lines) ---`, tail);
  }
  if (report.launcherLog) lines.push('', '--- launcher stderr ---', report.launcherLog);
  return lines.join('\n');
}

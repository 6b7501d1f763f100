// The applied stack: the cross-account example applied by real Terraform into a
// launcher's moto (tests/harness/applied.py), and scenarios run on what was applied.
//
// One stack per pipeline config (the graph decides the example's `catalog` and `delivery`),
// applied once and reused by every scenario of that config: each scenario's set-up empties
// what the previous one left, never the infrastructure (applied.py's clean()).

import { execFileSync } from 'node:child_process';
import path from 'node:path';
import { REPO } from './functions.mjs';
import { Launcher } from './launcher.mjs';
import { readScenario, runScenario, scenarioDefinition } from './scenario.mjs';

const PYTHON = process.env.E2E_PYTHON ?? path.join(REPO, '.venv', 'bin', 'python');
const HARNESS = path.join(REPO, 'tests', 'harness');

/**
 * The scenarios run on the applied stack, grouped by their pipeline config (one apply
 * each): the default graph (share-key delivery, catalog tables) and copy delivery, each to
 * SUCCEEDED, and a fault fixed then redriven on each (an IAM permission removed from an
 * applied role; staging reads denied). E2E_APPLIED_SCENARIOS=a.json,b.json for others.
 */
export const APPLIED_SCENARIOS = process.env.E2E_APPLIED_SCENARIOS
  ? process.env.E2E_APPLIED_SCENARIOS.split(',').map((f) => path.resolve(f))
  : [
  'scenarios/11-export-quota.json',
  'applied/01-iam-permission-removed.json',
  'scenarios/31-copy-delivery-duplicate-event.json',
  'scenarios/32-copy-redrive-staging-read-denied.json',
    ].map((f) => path.join(REPO, 'tests', 'e2e', f));

/** Why the applied stack cannot run here (terraform or the provider mirror missing), or null. */
export function appliedUnavailable() {
  const out = execFileSync(PYTHON, ['-B', '-c', 'import terraform_tool; print(terraform_tool.unavailable() or "")'], {
    cwd: HARNESS,
    encoding: 'utf8',
  });
  return out.trim() || null;
}

/** Scenario files by pipeline config (null: the committed default graph). */
export function byPipelineConfig(files = APPLIED_SCENARIOS) {
  const groups = new Map();
  for (const file of files) {
    const config = readScenario(file).pipeline_config ?? null;
    if (!groups.has(config)) groups.set(config, []);
    groups.get(config).push(file);
  }
  return groups;
}

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

export class AppliedStack {
  /** Starts a launcher and applies the example for `pipelineConfig` into its moto. */
  static async apply(pipelineConfig, { log = () => {} } = {}) {
    const definition = scenarioDefinition({ pipeline_config: pipelineConfig, file: pipelineConfig ?? 'default' }) ?? null;
    const launcher = await Launcher.start({ log });
    const stack = new AppliedStack(launcher, pipelineConfig);
    try {
      await launcher.call('POST', '/applied/apply', { definition_file: definition });
      stack.stack = await stack.#wait('apply');
    } catch (err) {
      await launcher.stop();
      throw err;
    }
    log(`applied (${pipelineConfig ?? 'default'}): ${JSON.stringify(stack.stack.timings)}`);
    return stack;
  }

  constructor(launcher, pipelineConfig) {
    this.launcher = launcher;
    this.pipelineConfig = pipelineConfig;
    this.stack = null;
  }

  async #wait(name) {
    for (;;) {
      const job = await this.launcher.call('GET', '/applied/job');
      if (job.name !== name) throw new Error(`the launcher runs ${job.name}, not ${name}`);
      if (job.state === 'done') return job.result;
      if (job.state === 'failed') throw new Error(`${name} failed: ${job.error}\n${job.trace ?? ''}`);
      await sleep(1000);
    }
  }

  /** Where the applied rules deliver `event` put on `account`'s default bus. */
  route(event, account) {
    return this.launcher.call('POST', '/applied/route', { event, account });
  }

  /** Runs one scenario file on this stack (runScenario's report). */
  run(file, options = {}) {
    return runScenario(file, { ...options, applied: this });
  }

  /** terraform destroy; {ok, left, timings}. The launcher stops afterwards. */
  async destroy() {
    try {
      await this.launcher.call('POST', '/applied/destroy');
      return await this.#wait('destroy');
    } finally {
      await this.launcher.stop();
    }
  }
}

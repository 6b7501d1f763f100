// The end-to-end suite: every scenario in tests/e2e/scenarios, and the README's demo
// (tests/e2e/demo/demo.json, so the main job cannot break unnoticed), as one subtest each,
// run one after the other, each on its own fresh moto, after the emulation's self-checks
// (emulation.test.mjs). node:test prints `# pass N` / `# fail M`.
//
//   node --test tests/e2e/e2e.test.mjs            (E2E_DEFINITION=FILE to try another graph,
//                                                  E2E_SCENARIOS=a.json,b.json for a subset)

import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { after, test } from 'node:test';
import { stopAll } from './lib/processes.mjs';
import { formatReport, runScenario } from './lib/scenario.mjs';
// The emulation's own checks (redrive, status-change event, SFN stub) run first: a broken
// emulation is found there rather than as a puzzling scenario failure.
import './emulation.test.mjs';

const DIR = path.join(import.meta.dirname, 'scenarios');
const files = process.env.E2E_SCENARIOS
  ? process.env.E2E_SCENARIOS.split(',').map((f) => path.resolve(f))
  : [
      ...fs.readdirSync(DIR).filter((f) => f.endsWith('.json')).sort().map((f) => path.join(DIR, f)),
      path.join(import.meta.dirname, 'demo', 'demo.json'),
    ];

after(stopAll);

for (const file of files) {
  test(path.basename(file, '.json'), { concurrency: false }, async () => {
    const report = await runScenario(file, { definition: process.env.E2E_DEFINITION || undefined });
    assert.ok(report.ok, formatReport(report));
  });
}

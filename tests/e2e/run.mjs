// Runs one or more scenario files and prints a report; exit status 1 when one fails.
//
//   node tests/e2e/run.mjs [--definition FILE] [--verbose] SCENARIO.json...

import { parseArgs } from 'node:util';
import { formatReport, runScenario } from './lib/scenario.mjs';
import { formatHistory } from './lib/history.mjs';
import { stopAll } from './lib/processes.mjs';

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: { definition: { type: 'string' }, verbose: { type: 'boolean', short: 'v' } },
});
if (positionals.length === 0) {
  console.error('usage: run.mjs [--definition FILE] [--verbose] SCENARIO.json...');
  process.exit(2);
}

let failed = 0;
try {
  for (const file of positionals) {
    const report = await runScenario(file, {
      definition: values.definition,
      log: values.verbose ? (m) => console.log(`  ${m}`) : undefined,
    });
    console.log(formatReport(report));
    if (values.verbose && report.ok) {
      for (const e of report.executions) console.log(`--- ${e.name} ---\n${formatHistory(e.result.events)}`);
    }
    if (!report.ok) failed += 1;
  }
} catch (err) {
  console.error(err.message);
  failed += 1;
} finally {
  await stopAll();
}
process.exit(failed ? 1 : 0);

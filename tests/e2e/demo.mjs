// The README's demo: one realistic pipeline run in the local two-account emulator, with
// readable progress lines and a closing summary. It is a scenario like the others
// (tests/e2e/demo/demo.json), so its expectations are checked too: the demo cannot show a
// success that did not happen.
//
//   node tests/e2e/demo.mjs [--definition FILE] [--history]

import path from 'node:path';
import { parseArgs } from 'node:util';
import { formatHistory } from './lib/history.mjs';
import { stopAll } from './lib/processes.mjs';
import { formatReport, runScenario } from './lib/scenario.mjs';

const { values } = parseArgs({ options: { definition: { type: 'string' }, history: { type: 'boolean' } } });
const SCENARIO = path.join(import.meta.dirname, 'demo', 'demo.json');
const t0 = Date.now();
const clock = () => `[${((Date.now() - t0) / 1000).toFixed(1).padStart(5)}s]`;
const say = (line) => console.log(`${clock()} ${line}`);
// exportSeconds: what the Wait loop's waits add up to (wait-loop.toml); woken: the default
// graph's wake-ups by RDS's export-finished events (WaitForExportEvent).
const waits = { exportSeconds: 0, crawlerSeconds: 0, woken: 0 };

function progress(event) {
  const out = event.state?.output;
  const name = event.state?.name;
  if (event.type === 'StateRetried') {
    say(`  ↻ ${name}: retrying (${event.retry.retrier.ErrorEquals.join(', ')})`);
    return;
  }
  if (event.type === 'StateFailed') {
    say(`  ✗ ${name}: ${event.Error}`);
    return;
  }
  if (event.type === 'StateEntered' && event.state.type === 'Wait') {
    const input = event.state.input;
    if (name === 'WaitForExport') waits.exportSeconds += input?.export?.next_poll_seconds ?? 0;
    return;
  }
  if (event.type === 'StateEntered' && name === 'WaitForExportEvent') {
    const e = event.state.input?.export;
    say(`WaitForExportEvent: task token stored, export ${e?.status ?? '?'}; waiting for RDS's export-finished event (fallback check in ${fmt(e?.next_poll_seconds)})`);
    return;
  }
  if (event.type !== 'StateExited') return;
  switch (name) {
    case 'Normalize': {
      const j = out.job;
      if (j.action === 'ignore') say(`Normalize: ignored (${j.ignore_reason})`);
      else say(`Normalize: ${j.event_id ?? 'manual input'} for ${j.snapshot_id} (db ${j.db_identifier}, ${j.snapshot_type ?? 'unknown type'}) → export id ${j.export_task_id}`);
      break;
    }
    case 'StartExport': {
      const e = out.export;
      say(`StartExport: export ${e.export_task_id} ${e.adopted ? 'adopted' : 'started'} (attempt ${e.attempt}) → s3://${e.s3_bucket}/${e.s3_prefix}/; next check in ${fmt(e.next_poll_seconds)}`);
      break;
    }
    case 'WaitForExportEvent': {
      const e = out.export;
      waits.woken += 1;
      say(`WaitForExportEvent: woken by export-events on RDS's event: ${e.status} ${e.percent_progress}% (confirmed with DescribeExportTasks, status check #${e.checks})`);
      break;
    }
    case 'CheckExport': {
      const e = out.export;
      const gb = e.total_extracted_gb !== undefined ? `, ${e.total_extracted_gb} GB extracted` : '';
      say(`CheckExport: ${e.status} ${e.percent_progress}%${gb} (check #${e.checks}; next in ${fmt(e.next_poll_seconds)} in AWS, 0 s here)`);
      break;
    }
    case 'RewriteAcl': {
      const a = out.acl;
      if (a.skipped) say(`RewriteAcl: bucket is ${a.ownership}: no ACL needed`);
      else say(`RewriteAcl: ${a.rewritten} objects → bucket-owner-full-control (ownership ${a.ownership}, call ${a.invocations}${a.done ? ', done' : ', continuing'})`);
      break;
    }
    case 'CatalogTables': {
      const c = out.catalog;
      say(`CatalogTables: ${c.cataloged} tables cataloged in Glue database ${c.database} (latest + history each${c.skipped?.length ? `; ${c.skipped.length} left out` : ''}${c.done ? '' : ', continuing'})`);
      break;
    }
    case 'StartCrawler': {
      const c = out.crawler;
      say(`StartCrawler: ${c.crawler_name} ${c.start === 'STARTED' ? 'crawl started' : 'busy with another crawl: waiting'}`);
      break;
    }
    case 'CheckCrawler': {
      const c = out.crawler;
      say(`CheckCrawler: ${c.crawler_name} ${c.outcome}`);
      break;
    }
    case 'NotifySuccess': {
      const n = out.notification;
      if (n) say(`${name}: ${n.sent ? `sent "${n.detail_type}"` : 'no bus configured'}`);
      break;
    }
    default:
  }
}

function fmt(seconds) {
  if (seconds === undefined) return '?';
  if (seconds < 120) return `${seconds} s`;
  if (seconds < 7200) return `${Math.round(seconds / 60)} min`;
  return `${(seconds / 3600).toFixed(1)} h`;
}

let status = 0;
try {
  say('starting the local two-account AWS emulator (moto) and the Lambda binaries…');
  const report = await runScenario(SCENARIO, {
    definition: values.definition,
    onEvent: progress,
    onReady: ({ vars }) => {
      say(`prod account ${vars.prod_account}: snapshot ${vars.snapshot.orders.id}, KMS key, export role, cross-account role`);
      say(`analytics account ${vars.analytics_account}: bucket ${vars.bucket} (${vars.ownership}), Glue database ${vars.glue_database}, bus ${vars.event_bus_name}`);
      say('snapshot-created event (RDS-EVENT-0091) → state machine (aws-local-stepfunctions)');
    },
  });
  const execution = report.executions.at(-1);
  if (values.history && execution) console.log(formatHistory(execution.result.events));
  if (!report.ok) {
    console.log(formatReport(report));
    status = 1;
  } else {
    const out = execution.result.output;
    const e = out.export;
    const root = `${e.s3_prefix}/`;
    const objects = report.facts.objects.filter((o) => o.key.startsWith(root));
    const tables = [...new Set(objects.map((o) => o.key.slice(root.length).split('/')).filter((p) => p.length > 3).map((p) => `${p[0]}.${p[1]}`))].sort();
    const parquet = objects.filter((o) => o.key.endsWith('.parquet')).length;
    console.log('');
    console.log('Summary');
    console.log(`  result          ${execution.result.status} (${execution.result.events.filter((x) => x.type === 'StateEntered').length} states)`);
    console.log(`  export id       ${e.export_task_id} (${e.status}, ${e.checks} status checks)`);
    console.log(`  S3 location     s3://${e.s3_bucket}/${root}`);
    console.log(`  objects         ${objects.length} (${parquet} Parquet files), ${out.acl.skipped ? 'ACLs not needed' : `${out.acl.rewritten} ACLs rewritten`}`);
    console.log(`  tables          ${tables.length}: ${tables.join(', ')}`);
    if (out.catalog) {
      const glue = Object.keys(report.facts.glue_catalog ?? {}).sort();
      console.log(`  Glue catalog    database ${out.catalog.database}: ${glue.length} tables (${glue.join(', ')}); DuckDB agrees on every column`);
    } else if (out.crawler) {
      console.log(`  Glue crawler    ${out.crawler.crawler_name}: ${out.crawler.outcome} (database ${report.facts.vars.glue_database}${report.facts.glue_tables.length ? `, tables ${report.facts.glue_tables.join(', ')}` : '; moto\'s crawler catalogs no tables'})`);
    }
    const waited = waits.woken
      ? `the export's end was told by RDS's event (${waits.woken} wake-up${waits.woken > 1 ? 's' : ''}), not found by polling`
      : `the Wait states would have waited ${fmt(waits.exportSeconds)} for the export in AWS`;
    console.log(`  elapsed         ${((Date.now() - t0) / 1000).toFixed(1)} s here; ${waited}`);
  }
} catch (err) {
  console.error(err.message);
  status = 1;
} finally {
  await stopAll();
}
process.exit(status);

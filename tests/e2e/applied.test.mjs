// The pipeline on what Terraform applied: for each pipeline config of
// APPLIED_SCENARIOS (lib/applied.mjs), the cross-account example is applied by real
// Terraform into its own moto (both accounts), read back, its EventBridge rules checked
// against RDS and Step Functions event samples, its scenarios run on the applied state
// machine, functions, roles and rules, and it is destroyed. node:test counts each as a test.
//
//   node --test tests/e2e/applied.test.mjs
//
// Without terraform or the provider mirror: one line saying so, every test skipped.

import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { AppliedStack, appliedUnavailable, byPipelineConfig } from './lib/applied.mjs';
import { exportEvent } from './lib/export-events.mjs';
import { BIN_DIR, REPO } from './lib/functions.mjs';
import { stopAll } from './lib/processes.mjs';
import { formatReport } from './lib/scenario.mjs';
import { statusChangeEvent } from './lib/status-change.mjs';

const PROD = '210987654321';
// The example's second prod account (prod_b; tests/harness/accounts.py PROD_B_ACCOUNT).
const PROD_B = '310987654321';
const ANALYTICS = '123456789012';
const PYTHON = process.env.E2E_PYTHON ?? path.join(REPO, '.venv', 'bin', 'python');

/**
 * `snapshot-export preflight --json` (the operator CLI, as built for the tests) against the
 * applied stack's moto, as an operator runs it after `terraform apply`: the state machine
 * ARN and, for a variant, the config its definition was rendered from.
 */
function preflight(stack, config) {
  const args = ['preflight', '--json', '--state-machine-arn', stack.stack.state_machine.arn];
  if (config) args.push('--config', path.join(REPO, config));
  const run = spawnSync(path.join(BIN_DIR, 'snapshot-export'), args, {
    encoding: 'utf8',
    env: {
      ...process.env,
      AWS_ENDPOINT_URL: stack.launcher.moto,
      AWS_REGION: 'us-east-1',
      AWS_ACCESS_KEY_ID: 'testing',
      AWS_SECRET_ACCESS_KEY: 'testing',
    },
  });
  assert.ok(run.stdout, `preflight printed nothing (exit ${run.status}): ${run.stderr}`);
  return { status: run.status, report: JSON.parse(run.stdout) };
}

/** Sets the analytics snapshot-created rule's state (boto3 against the stack's moto). */
function setRuleState(stack, rule, bus, enabled) {
  const code = `import boto3, sys
e = boto3.client("events", endpoint_url=sys.argv[1], region_name="us-east-1", aws_access_key_id="testing", aws_secret_access_key="testing")
(e.enable_rule if sys.argv[4] == "1" else e.disable_rule)(Name=sys.argv[2], EventBusName=sys.argv[3])`;
  const run = spawnSync(PYTHON, ['-c', code, stack.launcher.moto, rule, bus, enabled ? '1' : '0'], { encoding: 'utf8' });
  assert.equal(run.status, 0, run.stderr);
}

const SAMPLES = JSON.parse(fs.readFileSync(path.join(import.meta.dirname, 'fixtures', 'rds-snapshot-events.json'), 'utf8'));

after(stopAll);

const unavailable = appliedUnavailable();
if (unavailable) {
  console.log(`applied stack: skipped (${unavailable})`);
  test('applied stack', (t) => t.skip(unavailable));
} else {
  const groups = byPipelineConfig();
  const destroys = new Map();
  // Every config's apply starts at once, each into its own moto: an apply mostly waits on
  // the provider's pollers, so two overlap well on two cores.
  const applies = new Map(
    [...groups.keys()].map((config) => {
      const applying = AppliedStack.apply(config);
      applying.catch(() => {}); // reported by that group's first test
      return [config, applying];
    }),
  );

  for (const [config, files] of groups) {
    describe(`applied stack (${config ?? 'default graph'})`, { concurrency: false }, () => {
      let stack;
      before(async () => {
        stack = await applies.get(config);
      });

      test('applied and read back', () => {
        const s = stack.stack;
        console.log(`# applied ${config ?? 'default'}: ${JSON.stringify(s.timings)}`);
        assert.match(s.state_machine.arn, new RegExp(`^arn:aws:states:us-east-1:${ANALYTICS}:stateMachine:`));
        const definition = JSON.parse(s.state_machine.definition);
        // A Lambda Task names its function as Resource; a callback Task
        // (lambda:invoke.waitForTaskToken) in Parameters.FunctionName.
        const resources = Object.values(definition.States)
          .filter((st) => st.Type === 'Task')
          .map((st) => (st.Resource.startsWith('arn:aws:states:::') ? st.Parameters.FunctionName : st.Resource));
        for (const r of resources) assert.ok(Object.values(s.functions).some((f) => f.arn === r), `task resource ${r} is no applied function`);
        // The prod roles were created in prod, the function roles in analytics.
        assert.ok(s.roles.prod['snapshot-export-cross-account'], Object.keys(s.roles.prod).join(', '));
        for (const [binary, f] of Object.entries(s.functions)) {
          assert.ok(s.roles.analytics[f.role.split('/').at(-1)], `${binary}: its role ${f.role} is not in the analytics account`);
        }
      });

      test('preflight passes on the applied stack and names a disabled rule', () => {
        const failing = (report) => report.checks.filter((c) => c.status === 'fail').map((c) => `${c.check}: ${c.message}`);
        const { status, report } = preflight(stack, config);
        assert.deepEqual(failing(report), [], JSON.stringify(report, null, 1));
        assert.equal(status, 0);
        const ok = report.checks.filter((c) => c.status === 'ok').map((c) => c.check);
        console.log(`# preflight ${config ?? 'default'}: ${ok.length} ok, ${report.checks.length - ok.length} skipped`);
        for (const check of ['definition', 'snapshot-created-rule', 'bucket-policy', 'export-key-policy', 'prod-role-trust']) {
          assert.ok(ok.includes(check), `${check} is not ok: ${JSON.stringify(report.checks.find((c) => c.check === check))}`);
        }
        // A deliberately broken stack: the snapshot-created rule disabled. Preflight must
        // fail, on that check alone, naming the rule.
        const name = stack.stack.state_machine.arn.split(':').at(-1);
        setRuleState(stack, `${name}-snapshot-created`, name, false);
        try {
          const broken = preflight(stack, config);
          assert.equal(broken.status, 1, JSON.stringify(broken.report));
          const failed = failing(broken.report);
          assert.equal(failed.length, 1, failed.join('\n'));
          assert.match(failed[0], /^snapshot-created-rule: .*DISABLED/);
        } finally {
          setRuleState(stack, `${name}-snapshot-created`, name, true);
        }
      });

      test('applied event rules route the RDS and Step Functions samples', async () => {
        const sm = stack.stack.state_machine.arn;
        const fn = (binary) => stack.stack.functions[binary].arn;
        const exportEvents = stack.stack.functions['export-events'] && Object.values(stack.stack.buses.analytics).some((b) => Object.values(b.rules).some((r) => r.targets.some((t) => t.arn === fn('export-events'))));
        for (const sample of SAMPLES.events) {
          const routed = await stack.route(sample.event, PROD);
          const want = sample.starts_execution ? [sm] : [];
          assert.deepEqual(routed.final, want, `${sample.name}: ${JSON.stringify(routed.deliveries)}`);
          // The same event from the second configured prod account starts it too (its
          // forwarding rule, the bus policy and the pattern admit both accounts).
          const fromB = await stack.route({ ...sample.event, account: PROD_B, resources: (sample.event.resources ?? []).map((r) => r.replace(`:${PROD}:`, `:${PROD_B}:`)) }, PROD_B);
          assert.deepEqual(fromB.final, want, `${sample.name} from ${PROD_B}: ${JSON.stringify(fromB.deliveries)}`);
        }
        // Export finished: never a new execution; the export-events function when the
        // stack was applied with export events.
        for (const [arn, status] of [[SAMPLES.snapshot_arn, 'COMPLETE'], [SAMPLES.snapshot_arn, 'FAILED'], [SAMPLES.cluster_snapshot_arn, 'COMPLETE']]) {
          const routed = await stack.route(exportEvent(arn, status, { account: PROD }), PROD);
          assert.deepEqual(routed.final, exportEvents ? [fn('export-events')] : [], `export ${status} of ${arn}: ${JSON.stringify(routed.deliveries)}`);
        }
        // The status change the runner emits (status-change.mjs), for this state machine.
        const record = (status, stateMachineArn = sm) => ({
          arn: `${stateMachineArn.replace(':stateMachine:', ':execution:')}:e2e-sample`,
          stateMachineArn,
          name: 'e2e-sample',
          status,
          startDate: Date.now() - 1000,
          stopDate: Date.now(),
          input: {},
          error: status === 'FAILED' ? 'AwsError' : null,
          cause: null,
          redriveCount: 0,
        });
        // notify (the failure event) and export-slots (frees the execution's slots).
        for (const status of ['FAILED', 'TIMED_OUT', 'ABORTED']) {
          const routed = await stack.route(statusChangeEvent(record(status)), ANALYTICS);
          assert.deepEqual([...routed.final].sort(), [fn('notify'), fn('export-slots')].sort(), `${status}: ${JSON.stringify(routed.deliveries)}`);
        }
        for (const [status, other] of [['SUCCEEDED', sm], ['FAILED', `arn:aws:states:us-east-1:${ANALYTICS}:stateMachine:another`]]) {
          const routed = await stack.route(statusChangeEvent(record(status, other)), ANALYTICS);
          assert.deepEqual(routed.final, [], `${status} of ${other}: ${JSON.stringify(routed.deliveries)}`);
        }
      });

      for (const file of files) {
        test(`applied: ${path.basename(file, '.json')}`, async () => {
          const report = await stack.run(file);
          assert.ok(report.ok, formatReport(report));
        });
      }

      // The destroy runs while the next config's scenarios do; its outcome is checked below.
      after(() => {
        const destroying = stack ? stack.destroy() : Promise.reject(new Error('never applied'));
        destroying.catch(() => {});
        destroys.set(config, destroying);
      });
    });
  }

  describe('applied stacks destroyed', () => {
    for (const config of groups.keys()) {
      test(`destroyed (${config ?? 'default graph'})`, async () => {
        const destroyed = await destroys.get(config);
        console.log(`# destroyed ${config ?? 'default'}: ${JSON.stringify(destroyed.timings)}`);
        assert.ok(destroyed.ok, `left after terraform destroy: ${destroyed.left.join(', ')}`);
      });
    }
  });
}

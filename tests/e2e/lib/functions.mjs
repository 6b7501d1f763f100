// The pipeline's Lambda functions as local processes: each real binary from target/debug
// runs under its own Runtime API server, with the environment Terraform would give it
// (lambdas/src/functions.rs, docs/state-machine.md), pointed at moto.

import fs from 'node:fs';
import path from 'node:path';
import { LambdaError, RuntimeApi } from './runtime-api.mjs';
import { spawnTracked, stopChild } from './processes.mjs';

export const REPO = path.resolve(import.meta.dirname, '..', '..', '..');
export const BIN_DIR = process.env.E2E_BIN_DIR ?? path.join(REPO, 'target', 'debug');

/** Binary → environment built from the launcher's set-up vars (same keys as functions.rs). */
const ENV = {
  normalize: (v) => prodRole(v),
  'start-export': (v) => ({
    EXPORT_BUCKET: v.bucket,
    EXPORT_PREFIX: v.export_prefix,
    EXPORT_KMS_KEY_ARN: v.kms_key_arn,
    EXPORT_ROLE_ARN: v.export_role_arn,
    ...prodRole(v),
  }),
  'check-export': (v) => prodRole(v),
  'rewrite-acl': (v) => ({ EXPORT_BUCKET: v.bucket, EXPORT_PREFIX: v.export_prefix, ...prodRole(v) }),
  'start-crawler': (v) => ({ CRAWLER_NAME: v.crawler_name }),
  'check-crawler': (v) => ({ CRAWLER_NAME: v.crawler_name }),
  notify: (v) => ({ EVENT_BUS_NAME: v.event_bus_name }),
};

export const BINARIES = Object.keys(ENV);

/** Lambda timeouts (seconds) given to each invocation as its deadline. */
const TIMEOUT_SECONDS = { 'rewrite-acl': 300 };

function prodRole(v) {
  return { PROD_ROLE_ARN: v.prod_role_arn, PROD_ROLE_EXTERNAL_ID: v.prod_role_external_id };
}

export function functionArn(binary, account = '123456789012') {
  return `arn:aws:lambda:us-east-1:${account}:function:snapshot-export-${binary}`;
}

/** Missing binaries (scripts/setup.sh builds them). */
export function missingBinaries() {
  return BINARIES.filter((b) => !fs.existsSync(path.join(BIN_DIR, b)));
}

/** The environment one binary starts with: Lambda's own variables, moto, the function's. */
export function environmentFor(binary, vars, motoUrl, overrides = {}) {
  const env = {
    PATH: process.env.PATH,
    AWS_LAMBDA_FUNCTION_NAME: `snapshot-export-${binary}`,
    AWS_LAMBDA_FUNCTION_MEMORY_SIZE: '256',
    AWS_LAMBDA_FUNCTION_VERSION: '$LATEST',
    AWS_LAMBDA_LOG_FORMAT: 'Text',
    AWS_EC2_METADATA_DISABLED: 'true',
    AWS_ENDPOINT_URL: motoUrl,
    AWS_ACCESS_KEY_ID: 'testing',
    AWS_SECRET_ACCESS_KEY: 'testing',
    AWS_REGION: vars.region ?? 'us-east-1',
    AWS_DEFAULT_REGION: vars.region ?? 'us-east-1',
    RUST_LOG: process.env.E2E_RUST_LOG ?? 'info',
    ...ENV[binary](vars),
  };
  for (const [key, value] of Object.entries(overrides)) {
    if (value === null) delete env[key];
    else env[key] = String(value);
  }
  return env;
}

/** One binary, started on first use and kept warm; restarted if it dies (a cold start). */
class LocalFunction {
  constructor(binary, env, logFile) {
    this.binary = binary;
    this.env = env;
    this.logFile = logFile;
    this.api = new RuntimeApi({ functionArn: functionArn(binary) });
    this.child = null;
    this.starts = 0;
    this.invocations = 0;
  }

  async #ensureRunning() {
    if (!this.address) this.address = await this.api.start();
    if (this.child && this.child.exitCode === null && this.child.signalCode === null) return;
    this.api.initError = null;
    const log = fs.openSync(this.logFile, 'a');
    this.child = spawnTracked(path.join(BIN_DIR, this.binary), [], {
      env: { ...this.env, AWS_LAMBDA_RUNTIME_API: this.address },
      stdio: ['ignore', log, log],
    });
    fs.closeSync(log);
    this.starts += 1;
    const child = this.child;
    child.once('exit', (code, signal) => {
      const why = this.api.initError
        ? `${this.api.initError.errorType}: ${this.api.initError.errorMessage}`
        : `process exited (code ${code}, signal ${signal}); see ${this.logFile}`;
      this.api.failPending(this.api.initError?.errorType ?? 'Runtime.ExitError', why);
    });
  }

  async invoke(payload) {
    await this.#ensureRunning();
    this.invocations += 1;
    if (this.api.initError) {
      const { errorType, errorMessage } = this.api.initError;
      throw new LambdaError(errorType, errorMessage);
    }
    return this.api.invoke(payload, { timeoutMs: (TIMEOUT_SECONDS[this.binary] ?? 60) * 1000 });
  }

  async stop() {
    if (this.child) await stopChild(this.child);
    await this.api.stop();
  }
}

/** Every function of one scenario run. */
export class FunctionPool {
  constructor({ vars, motoUrl, envOverrides = {}, logDir }) {
    fs.mkdirSync(logDir, { recursive: true });
    this.logDir = logDir;
    this.functions = Object.fromEntries(
      BINARIES.map((b) => {
        const logFile = path.join(logDir, `${b}.log`);
        fs.writeFileSync(logFile, '');
        return [b, new LocalFunction(b, environmentFor(b, vars, motoUrl, envOverrides[b]), logFile)];
      }),
    );
  }

  invoke(binary, payload) {
    const fn = this.functions[binary];
    if (!fn) throw new Error(`no function ${binary}`);
    return fn.invoke(payload);
  }

  logTail(binary, lines = 30) {
    const file = this.functions[binary]?.logFile;
    if (!file || !fs.existsSync(file)) return '';
    return fs.readFileSync(file, 'utf8').trimEnd().split('\n').slice(-lines).join('\n');
  }

  stats() {
    return Object.fromEntries(
      Object.values(this.functions).map((f) => [f.binary, { starts: f.starts, invocations: f.invocations }]),
    );
  }

  async stop() {
    await Promise.all(Object.values(this.functions).map((f) => f.stop()));
  }
}

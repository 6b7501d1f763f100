// The pipeline's Lambda functions as local processes: each real binary from the cargo
// build runs under its own Runtime API server, with the environment Terraform would give
// it, pointed at moto. Which functions exist, the variables each reads and its timeout come
// from the function table, infra/modules/analytics-account/functions.json (generated from
// contract/src/functions.rs), as they do for the Terraform.

import fs from 'node:fs';
import path from 'node:path';
import { LambdaError, RuntimeApi } from './runtime-api.mjs';
import { spawnTracked, stopChild } from './processes.mjs';

export const REPO = path.resolve(import.meta.dirname, '..', '..', '..');
export const FUNCTIONS_JSON = path.join(REPO, 'infra', 'modules', 'analytics-account', 'functions.json');
/** cargo's target directory, as the scripts find it (a relative one is taken from the repository root). */
export const TARGET_DIR = path.resolve(REPO, process.env.CARGO_TARGET_DIR || 'target');
export const BIN_DIR = process.env.E2E_BIN_DIR ?? path.join(TARGET_DIR, 'debug');

/** Binary → { description, placeholder, states, timeout_seconds, required_env, optional_env }. */
export const FUNCTIONS = JSON.parse(fs.readFileSync(FUNCTIONS_JSON, 'utf8')).functions;
export const BINARIES = Object.keys(FUNCTIONS);

/**
 * The value of every variable a function may read, from the launcher's set-up vars: the
 * harness's counterpart of the module's local.env_values. null leaves a variable unset (the
 * handler's default), as the module does unless the operator sets it; a scenario can set it
 * with setup.lambda_env. A variable of the table missing here is an error, not silence.
 */
const ENV_VALUES = {
  // Copy delivery: the export is written to, and copied from, the prod staging bucket.
  EXPORT_BUCKET: (v) => v.staging_bucket ?? v.bucket,
  EXPORT_PREFIX: (v) => v.export_prefix,
  EXPORT_KMS_KEY_ARN: (v) => v.kms_key_arn,
  EXPORT_ROLE_ARN: (v) => v.export_role_arn,
  PROD_ROLE_ARN: (v) => v.prod_role_arn,
  PROD_ROLE_EXTERNAL_ID: (v) => v.prod_role_external_id,
  CRAWLER_NAME: (v) => v.crawler_name,
  GLUE_DATABASE: (v) => v.glue_database,
  CATALOG_CONCURRENCY: null,
  // Verification (#21): unset unless a scenario sets them (defaults notify / 0.5).
  ON_PARTIAL: (v) => v.on_partial,
  ROW_DROP_THRESHOLD: (v) => v.row_drop_threshold,
  EVENT_BUS_NAME: (v) => v.event_bus_name,
  DB_IDENTIFIERS: null,
  SNAPSHOT_TYPES: null,
  EXPORT_ONLY: null,
  ACL_CONCURRENCY: null,
  ACL_DEADLINE_MARGIN_SECONDS: null,
  DESTINATION_BUCKET: (v) => v.bucket,
  DESTINATION_KMS_KEY_ARN: (v) => v.destination_kms_key_arn,
  COPIER_ROLE_ARN: (v) => v.copier_role_arn,
  COPIER_ROLE_EXTERNAL_ID: (v) => (v.copier_role_arn ? v.prod_role_external_id : null),
  COPY_CONCURRENCY: null,
  COPY_DEADLINE_MARGIN_SECONDS: null,
  EVENT_SOURCE: null,
  EXPORT_WAITS_TABLE: (v) => v.export_waits_table,
};

/** The variables of one binary from the table, with their values (unset ones left out). */
export function functionEnv(binary, vars) {
  const spec = FUNCTIONS[binary];
  if (!spec) throw new Error(`no function ${binary} in ${FUNCTIONS_JSON}`);
  const env = {};
  for (const name of [...spec.required_env, ...spec.optional_env]) {
    if (!(name in ENV_VALUES)) {
      throw new Error(`${binary} reads ${name}, which tests/e2e/lib/functions.mjs (ENV_VALUES) has no value for`);
    }
    const value = ENV_VALUES[name]?.(vars);
    if (value === undefined || value === null) {
      if (spec.required_env.includes(name)) throw new Error(`${binary} requires ${name}, which the harness leaves unset`);
      continue;
    }
    env[name] = String(value);
  }
  return env;
}

export function functionArn(binary, account = '123456789012') {
  return `arn:aws:lambda:us-east-1:${account}:function:snapshot-export-${binary}`;
}

/** Missing binaries (scripts/setup.sh builds them). */
export function missingBinaries() {
  return BINARIES.filter((b) => !fs.existsSync(path.join(BIN_DIR, b)));
}

/**
 * The environment one binary starts with: Lambda's own variables, moto, the function's.
 * `applied` (the applied stack's configuration of this function, applied.mjs): its
 * environment exactly as GetFunctionConfiguration returned it replaces the table's
 * variables, and Lambda's own variables (name, memory, log format) are the applied ones.
 */
export function environmentFor(binary, vars, motoUrl, overrides = {}, applied = null) {
  const env = {
    PATH: process.env.PATH,
    AWS_LAMBDA_FUNCTION_NAME: applied?.name ?? `snapshot-export-${binary}`,
    AWS_LAMBDA_FUNCTION_MEMORY_SIZE: String(applied?.memory ?? 256),
    AWS_LAMBDA_FUNCTION_VERSION: '$LATEST',
    AWS_LAMBDA_LOG_FORMAT: applied?.log_format === 'JSON' ? 'JSON' : 'Text',
    AWS_EC2_METADATA_DISABLED: 'true',
    AWS_ENDPOINT_URL: motoUrl,
    AWS_ACCESS_KEY_ID: 'testing',
    AWS_SECRET_ACCESS_KEY: 'testing',
    AWS_REGION: vars.region ?? 'us-east-1',
    AWS_DEFAULT_REGION: vars.region ?? 'us-east-1',
    RUST_LOG: process.env.E2E_RUST_LOG ?? 'info',
    ...(applied ? applied.env : functionEnv(binary, vars)),
    // E2E_ENFORCE_IAM=1 or the applied stack: the keys of the function's own role (tests/harness/iam_enforce.py).
    ...(vars.function_credentials?.[binary] ?? {}),
  };
  for (const [key, value] of Object.entries(overrides)) {
    if (value === null) delete env[key];
    else env[key] = String(value);
  }
  return env;
}

/** One binary, started on first use and kept warm; restarted if it dies (a cold start). */
class LocalFunction {
  constructor(binary, env, logFile, applied = null) {
    this.binary = binary;
    this.env = env;
    this.logFile = logFile;
    // The applied function's timeout (or the table's) is the invocation's deadline.
    this.timeoutSeconds = applied?.timeout ?? FUNCTIONS[binary].timeout_seconds;
    this.api = new RuntimeApi({ functionArn: applied?.arn ?? functionArn(binary) });
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
    // The Lambda timeout, given to the invocation as its deadline.
    return this.api.invoke(payload, { timeoutMs: this.timeoutSeconds * 1000 });
  }

  async stop() {
    if (this.child) await stopChild(this.child);
    await this.api.stop();
  }
}

/**
 * Every function of one scenario run. `applied` (binary → applied configuration, the applied
 * stack): exactly the functions that were applied, each with its applied configuration.
 */
export class FunctionPool {
  constructor({ vars, motoUrl, envOverrides = {}, logDir, applied = null }) {
    fs.mkdirSync(logDir, { recursive: true });
    this.logDir = logDir;
    this.functions = Object.fromEntries(
      (applied ? Object.keys(applied) : BINARIES).map((b) => {
        const logFile = path.join(logDir, `${b}.log`);
        fs.writeFileSync(logFile, '');
        const config = applied?.[b] ?? null;
        return [b, new LocalFunction(b, environmentFor(b, vars, motoUrl, envOverrides[b], config), logFile, config)];
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

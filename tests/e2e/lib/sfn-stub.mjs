// A Step Functions stub the Lambda functions reach through AWS_ENDPOINT_URL_SFN (the Rust
// SDK honours the service-specific endpoint variable over AWS_ENDPOINT_URL, so everything
// else stays on moto). It speaks the AWS JSON 1.0 protocol of Step Functions:
//
//   POST /   X-Amz-Target: AWSStepFunctions.<Operation>
//            Content-Type: application/x-amz-json-1.0
//   200 {…}  or  400 {"__type": "<ErrorCode>", "message": "…"}
//
// Operations are a table (`stub.handle(name, fn)` adds one), so more can be served later
// (SendTaskSuccess for callback tasks). Served today:
//
// - GetExecutionHistory: from the executions the runner registered (`register(record)`),
//   their aws-local-stepfunctions event log mapped to AWS history events (see toAwsHistory),
//   honouring reverseOrder, maxResults (default 100, at most 1000, or the stub's
//   `historyPageSize` cap, as S3's list_page_size does for listings), nextToken and
//   includeExecutionData. An unknown executionArn: ExecutionDoesNotExist.
// - SendTaskSuccess / SendTaskFailure: for the callback states, whose tokens the runner
//   mints (`mintToken`): the first answer for a token settles its entry (the output must be
//   JSON); a token the stub never minted is InvalidToken, one already answered or timed out
//   (`closeToken`) is TaskTimedOut, as Step Functions answers for a closed task.
// - DescribeExecution: the status of a registered execution (RUNNING until its record has
//   ended), as export-slots asks whether a slot holder or a snapshot's owner still runs.
//   An unknown executionArn: ExecutionDoesNotExist.
//
// Every call is recorded (`calls`) so a scenario can check what the functions asked.

import http from 'node:http';

const TARGET_PREFIX = 'AWSStepFunctions.';
const CONTENT_TYPE = 'application/x-amz-json-1.0';

/** An AWS error answer: thrown by an operation, sent as `{"__type", "message"}`. */
export class SfnError extends Error {
  constructor(type, message, status = 400) {
    super(message);
    this.type = type;
    this.status = status;
  }
}

export class SfnStub {
  /** `historyPageSize`: the most events one GetExecutionHistory page holds (tests paging). */
  constructor({ historyPageSize = null } = {}) {
    this.historyPageSize = historyPageSize;
    this.executions = new Map(); // executionArn -> record (see execute.mjs)
    this.calls = [];
    this.operations = new Map();
    this.handle('GetExecutionHistory', (body) => this.#getExecutionHistory(body));
    this.tokens = new Map(); // task token -> {state, execution, settled, resolve, reject}
    this.handle('SendTaskSuccess', (body) => this.#sendTask(body, true));
    this.handle('SendTaskFailure', (body) => this.#sendTask(body, false));
    this.handle('DescribeExecution', (body) => this.#describeExecution(body));
    this.server = http.createServer((req, res) => this.#route(req, res));
    this.server.keepAliveTimeout = 0;
  }

  /** Adds (or replaces) an operation: `fn(body, request)` returns the answer or throws SfnError. */
  handle(operation, fn) {
    this.operations.set(operation, fn);
  }

  /** Makes an execution's history readable (the record's `events` may still grow). */
  register(record) {
    this.executions.set(record.arn, record);
  }

  /**
   * A new task token for an entry of callback state `state` of `execution`; `promise`
   * resolves with SendTaskSuccess's output, or rejects with an Error named after
   * SendTaskFailure's error.
   */
  mintToken({ state, execution }) {
    const token = `e2e-token-${this.tokens.size + 1}-${Math.random().toString(36).slice(2, 10)}`;
    const { promise, resolve, reject } = Promise.withResolvers();
    promise.catch(() => {}); // observed by the runner; never an unhandled rejection
    this.tokens.set(token, { state, execution, settled: null, resolve, reject });
    return { token, promise };
  }

  /** Closes a token without an answer (its state timed out): later answers are TaskTimedOut. */
  closeToken(token) {
    const entry = this.tokens.get(token);
    if (entry && !entry.settled) entry.settled = 'timed-out';
  }

  /** How each minted token ended: [{token, state, execution, settled}]. */
  tokenLog() {
    return [...this.tokens.entries()].map(([token, e]) => ({ token, state: e.state, execution: e.execution, settled: e.settled }));
  }

  #describeExecution(body) {
    const record = this.executions.get(body.executionArn);
    if (!record) throw new SfnError('ExecutionDoesNotExist', `Execution Does Not Exist: '${body.executionArn}'`);
    return {
      executionArn: record.arn,
      stateMachineArn: record.stateMachineArn,
      name: record.name,
      status: record.status ?? 'RUNNING',
      startDate: record.startDate / 1000,
      ...(record.stopDate && record.status !== 'RUNNING' ? { stopDate: record.stopDate / 1000 } : {}),
      redriveCount: record.redriveCount ?? 0,
    };
  }

  #sendTask(body, success) {
    const token = body.taskToken;
    if (typeof token !== 'string' || token === '') throw new SfnError('InvalidToken', 'taskToken is required');
    const entry = this.tokens.get(token);
    if (!entry) throw new SfnError('InvalidToken', `Invalid token: ${token.slice(0, 40)}`);
    if (entry.settled) throw new SfnError('TaskTimedOut', `Task Timed Out: the task of token ${token.slice(0, 40)} is closed (${entry.settled})`);
    if (success) {
      let output;
      try {
        output = JSON.parse(body.output);
      } catch (err) {
        throw new SfnError('InvalidOutput', `output is not JSON: ${err.message}`);
      }
      entry.settled = 'success';
      entry.resolve(output);
    } else {
      entry.settled = 'failure';
      const error = new Error(body.cause ?? '');
      error.name = body.error ?? 'States.TaskFailed';
      entry.reject(error);
    }
    return {};
  }

  async start() {
    await new Promise((resolve) => this.server.listen(0, '127.0.0.1', resolve));
    this.url = `http://127.0.0.1:${this.server.address().port}`;
    return this.url;
  }

  async stop() {
    this.server.closeAllConnections();
    await new Promise((resolve) => this.server.close(resolve));
  }

  #route(req, res) {
    const chunks = [];
    req.on('data', (c) => chunks.push(c));
    req.on('end', async () => {
      const target = String(req.headers['x-amz-target'] ?? '');
      const operation = target.startsWith(TARGET_PREFIX) ? target.slice(TARGET_PREFIX.length) : null;
      const call = { operation: operation ?? target, at: Date.now() };
      this.calls.push(call);
      try {
        if (req.method !== 'POST' || req.url !== '/') {
          throw new SfnError('UnknownOperationException', `${req.method} ${req.url}: the AWS JSON protocol is POST /`);
        }
        const fn = operation && this.operations.get(operation);
        if (!fn) throw new SfnError('UnknownOperationException', `operation ${target || '(no X-Amz-Target)'} is not served by the e2e stub`);
        let body;
        try {
          body = JSON.parse(Buffer.concat(chunks).toString('utf8') || '{}');
        } catch (err) {
          throw new SfnError('SerializationException', `request body is not JSON: ${err.message}`);
        }
        call.request = body;
        const answer = await fn(body, req);
        call.status = 200;
        send(res, 200, answer);
      } catch (err) {
        const e = err instanceof SfnError ? err : new SfnError('InternalFailure', String(err?.stack ?? err), 500);
        call.status = e.status;
        call.error = e.type;
        send(res, e.status, { __type: e.type, message: e.message });
      }
    });
  }

  #getExecutionHistory(body) {
    const arn = body.executionArn;
    if (typeof arn !== 'string' || arn === '') throw new SfnError('InvalidArn', 'executionArn is required');
    const record = this.executions.get(arn);
    if (!record) throw new SfnError('ExecutionDoesNotExist', `Execution Does Not Exist: '${arn}'`);
    const includeData = body.includeExecutionData !== false;
    let events = toAwsHistory(record, { includeData });
    if (body.reverseOrder) events = events.reverse();
    const asked = body.maxResults ? Number(body.maxResults) : 100;
    if (!Number.isInteger(asked) || asked < 0 || asked > 1000) {
      throw new SfnError('ValidationException', `maxResults ${body.maxResults} is not 0-1000`);
    }
    const pageSize = Math.max(1, Math.min(asked || 100, this.historyPageSize ?? Infinity));
    let offset = 0;
    if (body.nextToken !== undefined && body.nextToken !== null) {
      offset = decodeToken(body.nextToken, arn, Boolean(body.reverseOrder));
    }
    const page = events.slice(offset, offset + pageSize);
    const answer = { events: page };
    if (offset + pageSize < events.length) answer.nextToken = encodeToken(arn, Boolean(body.reverseOrder), offset + pageSize);
    return answer;
  }
}

function send(res, status, body) {
  const data = JSON.stringify(body);
  res.writeHead(status, {
    'Content-Type': CONTENT_TYPE,
    'Content-Length': Buffer.byteLength(data),
    'x-amzn-RequestId': `e2e-${Date.now().toString(16)}`,
  });
  res.end(data);
}

function encodeToken(arn, reverse, offset) {
  return Buffer.from(JSON.stringify({ arn, reverse, offset })).toString('base64');
}

function decodeToken(token, arn, reverse) {
  try {
    const t = JSON.parse(Buffer.from(String(token), 'base64').toString('utf8'));
    if (t.arn === arn && t.reverse === reverse && Number.isInteger(t.offset) && t.offset >= 0) return t.offset;
  } catch {
    // Reported below.
  }
  throw new SfnError('InvalidToken', `nextToken ${String(token).slice(0, 40)} is not a token of this history and order`);
}

const LAMBDA_ARN = /^arn:aws[\w-]*:lambda:/;

/**
 * The AWS history of one execution record (`events`: aws-local-stepfunctions' event log,
 * with the harness's `ExecutionRedriven` marker between runs; `definition`: the graph, to
 * know each state's type and Resource). As Step Functions writes it for a Task whose
 * Resource is a Lambda function ARN: `TaskStateEntered`, `LambdaFunctionScheduled`,
 * `LambdaFunctionStarted`, then per attempt `LambdaFunctionSucceeded` or
 * `LambdaFunctionFailed` (a retry schedules the next attempt), `TaskStateExited`; other
 * resources get `TaskScheduled` / `TaskStarted` / `TaskSucceeded` / `TaskFailed`. Other
 * states: `<Type>StateEntered` / `<Type>StateExited` (a Fail state has no Exited event).
 * Ids count from 1, timestamps are epoch seconds, inputs and outputs JSON strings.
 */
export function toAwsHistory(record, { includeData = true } = {}) {
  const out = [];
  const json = (value) => (includeData ? JSON.stringify(value ?? null) : undefined);
  const details = (value) => (includeData ? { truncated: false } : { included: false });
  const push = (timestamp, type, extra = {}) => {
    const id = out.length + 1;
    out.push({ timestamp: timestamp / 1000, type, id, previousEventId: id - 1, ...extra });
  };
  const stateDef = (name) => record.definition?.States?.[name] ?? {};
  for (const e of record.events) {
    const state = e.state;
    const type = state?.type;
    const def = state ? stateDef(state.name) : {};
    const lambda = type === 'Task' && LAMBDA_ARN.test(def.Resource ?? '');
    const schedule = (t) => {
      if (lambda) {
        push(t, 'LambdaFunctionScheduled', {
          lambdaFunctionScheduledEventDetails: { resource: def.Resource, input: json(state.input), inputDetails: details(), timeoutInSeconds: def.TimeoutSeconds },
        });
        push(t, 'LambdaFunctionStarted');
      } else {
        push(t, 'TaskScheduled', {
          taskScheduledEventDetails: { resourceType: 'states', resource: def.Resource, region: 'us-east-1', parameters: json(state.input) },
        });
        push(t, 'TaskStarted', { taskStartedEventDetails: { resourceType: 'states', resource: def.Resource } });
      }
    };
    const failed = (t, error, cause) => {
      const c = typeof cause === 'string' ? cause : JSON.stringify(cause ?? '');
      if (lambda) push(t, 'LambdaFunctionFailed', { lambdaFunctionFailedEventDetails: { error, cause: c } });
      else push(t, 'TaskFailed', { taskFailedEventDetails: { resourceType: 'states', resource: def.Resource, error, cause: c } });
    };
    switch (e.type) {
      case 'ExecutionStarted':
        push(e.timestamp, 'ExecutionStarted', {
          executionStartedEventDetails: { input: json(e.input), inputDetails: details(), roleArn: record.roleArn },
        });
        break;
      case 'ExecutionRedriven':
        push(e.timestamp, 'ExecutionRedriven', { executionRedrivenEventDetails: { redriveCount: e.redriveCount } });
        break;
      case 'ExecutionSucceeded':
        push(e.timestamp, 'ExecutionSucceeded', { executionSucceededEventDetails: { output: json(e.output), outputDetails: details() } });
        break;
      case 'ExecutionFailed':
        push(e.timestamp, 'ExecutionFailed', {
          executionFailedEventDetails: { error: e.Error, cause: typeof e.Cause === 'string' ? e.Cause : JSON.stringify(e.Cause ?? '') },
        });
        break;
      case 'ExecutionAborted':
        push(e.timestamp, 'ExecutionAborted', { executionAbortedEventDetails: { error: 'Aborted', cause: record.cause ?? null } });
        break;
      case 'ExecutionTimeout':
        push(e.timestamp, 'ExecutionTimedOut', { executionTimedOutEventDetails: { error: 'States.Timeout' } });
        break;
      case 'StateEntered':
        push(e.timestamp, `${type}StateEntered`, { stateEnteredEventDetails: { name: state.name, input: json(state.input), inputDetails: details() } });
        if (type === 'Task') schedule(e.timestamp);
        break;
      case 'StateRetried':
        if (type === 'Task') schedule(e.timestamp);
        break;
      case 'StateFailed':
        // A Task attempt failed (retried or not); other states fail straight into the
        // execution's failure (or a Catch), with no event of their own.
        if (type === 'Task') failed(e.timestamp, e.Error, e.Cause);
        break;
      case 'StateExited': {
        const caught = lastOf(record.events, e, 'StateCaught', state.name);
        if (type === 'Task' && !caught) {
          if (lambda) push(e.timestamp, 'LambdaFunctionSucceeded', { lambdaFunctionSucceededEventDetails: { output: json(e.state.output), outputDetails: details() } });
          else push(e.timestamp, 'TaskSucceeded', { taskSucceededEventDetails: { resourceType: 'states', resource: def.Resource, output: json(e.state.output), outputDetails: details() } });
        }
        push(e.timestamp, `${type}StateExited`, { stateExitedEventDetails: { name: state.name, output: json(e.state.output), outputDetails: details() } });
        break;
      }
      default:
        // StateCaught (no event of its own in AWS: the Exited event carries the error),
        // Map/Parallel events (the graph has none).
        break;
    }
  }
  return out;
}

/** True when the event just before `exited` (its own state's entry) includes a Catch. */
function lastOf(events, exited, type, name) {
  const i = events.indexOf(exited);
  for (let j = i - 1; j >= 0; j -= 1) {
    const e = events[j];
    if (e.type === 'StateEntered' && e.state.name === name) return false;
    if (e.type === type && e.state?.name === name) return true;
  }
  return false;
}

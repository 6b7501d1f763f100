// A Lambda Runtime API server for one function: what the Lambda service gives a custom
// runtime (`provided.al2023`), so the real binary runs unchanged and stays warm.
//
// GET  /2018-06-01/runtime/invocation/next           long-poll for the next event
// POST /2018-06-01/runtime/invocation/{id}/response  the handler's result
// POST /2018-06-01/runtime/invocation/{id}/error     {errorType, errorMessage}
// POST /2018-06-01/runtime/init/error                start-up failed (bad environment)

import http from 'node:http';
import { randomUUID } from 'node:crypto';

const PREFIX = '/2018-06-01/runtime';

/** The error a failed invocation rejects with: `errorType` is what Retry/Catch match. */
export class LambdaError extends Error {
  constructor(errorType, errorMessage) {
    super(errorMessage);
    this.errorType = errorType;
    this.errorMessage = errorMessage;
  }
}

export class RuntimeApi {
  constructor({ functionArn }) {
    this.functionArn = functionArn;
    this.queue = []; // invocations waiting for a /next
    this.waiters = []; // parked /next responses
    this.inFlight = new Map(); // request id -> invocation
    this.initError = null;
    this.server = http.createServer((req, res) => this.#route(req, res));
    this.server.requestTimeout = 0;
    this.server.keepAliveTimeout = 0;
  }

  async start() {
    await new Promise((resolve) => this.server.listen(0, '127.0.0.1', resolve));
    return `127.0.0.1:${this.server.address().port}`;
  }

  async stop() {
    for (const res of this.waiters) res.destroy();
    this.waiters = [];
    this.server.closeAllConnections();
    await new Promise((resolve) => this.server.close(resolve));
  }

  /** Queues one invocation; resolves with the handler's output or rejects with LambdaError. */
  invoke(payload, { timeoutMs = 300_000 } = {}) {
    return new Promise((resolve, reject) => {
      const invocation = {
        id: randomUUID(),
        body: JSON.stringify(payload),
        deadline: Date.now() + timeoutMs,
        resolve,
        reject,
      };
      invocation.timer = setTimeout(() => {
        this.inFlight.delete(invocation.id);
        this.queue = this.queue.filter((i) => i !== invocation);
        reject(new LambdaError('Sandbox.Timedout', `Task timed out after ${timeoutMs / 1000} seconds`));
      }, timeoutMs + 1000);
      this.queue.push(invocation);
      this.#dispatch();
    });
  }

  /** Fails everything pending (the process died); `errorType` as Lambda would report it. */
  failPending(errorType, message) {
    const pending = [...this.inFlight.values(), ...this.queue];
    this.inFlight.clear();
    this.queue = [];
    for (const invocation of pending) {
      clearTimeout(invocation.timer);
      invocation.reject(new LambdaError(errorType, message));
    }
  }

  #dispatch() {
    while (this.queue.length > 0 && this.waiters.length > 0) {
      const invocation = this.queue.shift();
      const res = this.waiters.shift();
      if (res.destroyed) {
        this.queue.unshift(invocation);
        continue;
      }
      this.inFlight.set(invocation.id, invocation);
      res.writeHead(200, {
        'Content-Type': 'application/json',
        'Lambda-Runtime-Aws-Request-Id': invocation.id,
        'Lambda-Runtime-Deadline-Ms': String(invocation.deadline),
        'Lambda-Runtime-Invoked-Function-Arn': this.functionArn,
        'Lambda-Runtime-Trace-Id': `Root=1-${Date.now().toString(16)}-${invocation.id.replaceAll('-', '').slice(0, 24)};Sampled=0`,
      });
      res.end(invocation.body);
    }
  }

  #route(req, res) {
    const chunks = [];
    req.on('data', (c) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks).toString('utf8');
      const url = req.url ?? '';
      if (req.method === 'GET' && url === `${PREFIX}/invocation/next`) {
        this.waiters.push(res);
        this.#dispatch();
        return;
      }
      const m = url.match(/^\/2018-06-01\/runtime\/invocation\/([^/]+)\/(response|error)$/);
      if (req.method === 'POST' && m) {
        const invocation = this.inFlight.get(m[1]);
        if (!invocation) return reply(res, 400, { errorMessage: `unknown request id ${m[1]}` });
        this.inFlight.delete(m[1]);
        clearTimeout(invocation.timer);
        if (m[2] === 'response') {
          try {
            invocation.resolve(body === '' ? null : JSON.parse(body));
          } catch (err) {
            invocation.reject(new LambdaError('Runtime.InvalidResponse', `not JSON: ${err.message}`));
          }
        } else {
          const { errorType, errorMessage } = parseError(body, req.headers);
          invocation.reject(new LambdaError(errorType, errorMessage));
        }
        return reply(res, 202, { status: 'OK' });
      }
      if (req.method === 'POST' && url === `${PREFIX}/init/error`) {
        this.initError = parseError(body, req.headers);
        this.failPending(this.initError.errorType, this.initError.errorMessage);
        return reply(res, 202, { status: 'OK' });
      }
      return reply(res, 404, { errorMessage: `no route ${req.method} ${url}` });
    });
  }
}

function parseError(body, headers) {
  let parsed = {};
  try {
    parsed = JSON.parse(body);
  } catch {
    parsed = { errorMessage: body };
  }
  return {
    errorType: parsed.errorType || headers['lambda-runtime-function-error-type'] || 'Runtime.Unknown',
    errorMessage: parsed.errorMessage ?? '',
  };
}

function reply(res, status, body) {
  res.writeHead(status, { 'Content-Type': 'application/json' });
  res.end(JSON.stringify(body));
}

// Starts the Python launcher (moto in-process + the harness control API) and talks to it.

import path from 'node:path';
import readline from 'node:readline';
import { REPO } from './functions.mjs';
import { spawnTracked, stopChild } from './processes.mjs';

const PYTHON = process.env.E2E_PYTHON ?? path.join(REPO, '.venv', 'bin', 'python');
const LAUNCHER = path.join(REPO, 'tests', 'harness', 'launcher.py');

export class Launcher {
  static async start({ log = () => {} } = {}) {
    const child = spawnTracked(PYTHON, ['-B', LAUNCHER], { stdio: ['pipe', 'pipe', 'pipe'] });
    const stderr = [];
    child.stderr.on('data', (d) => {
      stderr.push(d.toString());
      if (stderr.length > 200) stderr.shift();
    });
    const lines = readline.createInterface({ input: child.stdout });
    const ready = await new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`launcher not ready after 30 s:\n${stderr.join('')}`)), 30_000);
      child.once('error', (err) => reject(new Error(`cannot start ${PYTHON}: ${err.message} (run scripts/setup.sh)`)));
      child.once('exit', (code) => reject(new Error(`launcher exited (${code}):\n${stderr.join('')}`)));
      lines.once('line', (line) => {
        clearTimeout(timer);
        resolve(JSON.parse(line));
      });
    });
    log(`moto at ${ready.moto}, harness control at ${ready.control}`);
    return new Launcher(child, ready, stderr);
  }

  constructor(child, ready, stderr) {
    this.child = child;
    this.moto = ready.moto;
    this.control = ready.control;
    this.stderr = stderr;
  }

  async call(method, route, body) {
    const res = await fetch(`${this.control}${route}`, {
      method,
      headers: { 'Content-Type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const data = await res.json();
    if (!res.ok) throw new Error(`harness ${method} ${route}: ${data.error}\n${data.trace ?? ''}`);
    return data;
  }

  setup(section) {
    return this.call('POST', '/setup', section);
  }

  controls(changes) {
    return this.call('POST', '/controls', changes);
  }

  counters() {
    return this.call('GET', '/counters');
  }

  /** `{reader: false}`: no DuckDB reading of the Glue locations (hundreds of tables). */
  facts({ reader = true } = {}) {
    return this.call('GET', reader ? '/facts' : '/facts?reader=0');
  }

  async stop() {
    this.child.stdin.end();
    await stopChild(this.child);
  }
}

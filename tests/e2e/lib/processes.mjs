// Child processes of a run: each started in its own process group and stopped when the run
// ends, on success, on failure, and on Ctrl-C, so no moto or Lambda binary outlives us.

import { spawn } from 'node:child_process';

const children = new Set();

/** Spawns `command` in a new process group; the process is tracked until it exits. */
export function spawnTracked(command, args, options = {}) {
  const child = spawn(command, args, { ...options, detached: true });
  children.add(child);
  child.once('exit', () => children.delete(child));
  return child;
}

/** Stops one child: SIGTERM to its group, SIGKILL after `graceMs` if still alive. */
export async function stopChild(child, graceMs = 2000) {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise((resolve) => child.once('exit', resolve));
  signalGroup(child, 'SIGTERM');
  const timer = setTimeout(() => signalGroup(child, 'SIGKILL'), graceMs);
  await exited;
  clearTimeout(timer);
}

function signalGroup(child, signal) {
  try {
    process.kill(-child.pid, signal);
  } catch {
    // Already gone.
  }
}

/** Stops every tracked child (used at the end of a run and on exit). */
export async function stopAll() {
  await Promise.all([...children].map((child) => stopChild(child)));
}

// Last resort: synchronous kill of every group when the Node process itself exits.
process.once('exit', () => {
  for (const child of children) signalGroup(child, 'SIGKILL');
});
for (const signal of ['SIGINT', 'SIGTERM']) {
  process.once(signal, async () => {
    await stopAll();
    process.exit(signal === 'SIGINT' ? 130 : 143);
  });
}

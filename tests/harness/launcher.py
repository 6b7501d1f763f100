"""The one local AWS harness: moto in-process plus the harness control API, for every test.

Every test that needs moto starts this launcher: the Node e2e runner
(`tests/e2e/lib/launcher.mjs`), the Rust integration tests (`test_support::Moto`,
`tests/src/launcher.rs`, used by `lambdas/tests/moto/` and `cli/tests/cli/`), and the Python checks
(`test_harness.py`, which call `start()` in-process). moto runs in this process
(ThreadedMotoServer) with the harness patches installed (`patches.py`: scripted exports,
recorded ACL/list/crawl/event requests, injected faults; the default controls are listed
there), next to a small control API (`control.py`: setup, controls, counters, facts, reset).

Run: `.venv/bin/python -B tests/harness/launcher.py` (no arguments). Output (stdout, one
line, then nothing): `{"moto": "http://127.0.0.1:PORT", "control": "http://127.0.0.1:PORT",
"pid": N}`, each server on a free loopback port. It lives until stdin closes (the parent
died or is done), SIGTERM or SIGINT, so it never outlives the test that started it.
Request logs go to stderr.

Environment (read at start; the caller sets it per launcher):
- `MOTO_RECORDER_FILEPATH`: the file moto's recorder (`/moto-api/recorder/...`) appends to;
  moto's default is `moto_recording` in the working directory. The Rust tests give each
  launcher its own temporary directory as working directory and recorder file.
- `MOTO_PORT` is set by the launcher to moto's port (as `moto_server` does), for the URLs
  moto builds to itself.
- Any other moto setting read from the environment applies as with `moto_server`, e.g.
  `SF_EXECUTION_HISTORY_TYPE=FAILURE` (every Step Functions execution FAILED).
- `E2E_ENFORCE_IAM=1`: moto enforces the Terraform's own roles and policies once `/setup`
  has built the accounts (iam_enforce.py); `E2E_IAM_DROP` (JSON `{"role", "sid"}`) drops
  one statement from them (the minus-one check, scripts/minus-one.py).
- `AWS_ACCESS_KEY_ID`, `AWS_SECRET_ACCESS_KEY` (`testing`), `AWS_DEFAULT_REGION`
  (`us-east-1`) and `AWS_EC2_METADATA_DISABLED` default for the boto3 calls of `/setup`.
"""

from __future__ import annotations

import json
import os
import signal
import sys
import threading

# Quieter moto, and no surprise network calls.
os.environ.setdefault("AWS_ACCESS_KEY_ID", "testing")
os.environ.setdefault("AWS_SECRET_ACCESS_KEY", "testing")
os.environ.setdefault("AWS_DEFAULT_REGION", "us-east-1")
os.environ.setdefault("AWS_EC2_METADATA_DISABLED", "true")

sys.dont_write_bytecode = True  # no __pycache__ in the checkout
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from moto.server import ThreadedMotoServer  # noqa: E402

import control  # noqa: E402
import iam_enforce  # noqa: E402
import patches  # noqa: E402


def start() -> tuple[ThreadedMotoServer, str, str, control.Harness]:
    """Starts both servers on free loopback ports (used by the unit checks too)."""
    patches.install()
    if iam_enforce.ENABLED:
        iam_enforce.install()
    moto = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    moto.start()
    host, port = moto.get_host_and_port()
    moto_url = f"http://{host}:{port}"
    os.environ["MOTO_PORT"] = str(port)  # what moto_server sets: moto's URLs to itself
    harness = control.Harness(moto_url)
    server = control.serve(harness)
    control_url = f"http://127.0.0.1:{server.server_address[1]}"
    return moto, moto_url, control_url, harness


def main() -> None:
    moto, moto_url, control_url, _ = start()
    done = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: done.set())
    signal.signal(signal.SIGINT, lambda *_: done.set())

    def watch_stdin() -> None:
        sys.stdin.read()
        done.set()

    threading.Thread(target=watch_stdin, daemon=True).start()
    print(json.dumps({"moto": moto_url, "control": control_url, "pid": os.getpid()}), flush=True)
    done.wait()
    moto.stop()


if __name__ == "__main__":
    main()

"""Starts moto in-process plus the harness control API; prints one JSON line when ready.

Run: `.venv/bin/python tests/harness/launcher.py`. Output (stdout, one line):
`{"moto": "http://127.0.0.1:PORT", "control": "http://127.0.0.1:PORT"}`.
It lives until stdin closes (the parent died or is done), SIGTERM or SIGINT, so it never
outlives the runner that started it.
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
import patches  # noqa: E402


def start() -> tuple[ThreadedMotoServer, str, str, control.Harness]:
    """Starts both servers on free loopback ports (used by the unit checks too)."""
    patches.install()
    moto = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    moto.start()
    host, port = moto.get_host_and_port()
    moto_url = f"http://{host}:{port}"
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

"""The launcher's control API: a small JSON-over-HTTP server next to moto.

Routes (all JSON):
- `POST /setup` {setup section} → builds both accounts, resets the counters, returns the
  names and ARNs (`vars`) the runner hands to the Lambdas and to the scenario's inputs.
- `POST /controls` {timeline, objects, start_failures, acl_denied, list_page_size,
  crawl_ticks, status_case} → changes what moto does from now on (`"timeline": null`:
  moto's own export, `complete` at once; see patches.py).
- `GET /counters` → what the Lambdas asked for (see patches.Counters).
- `GET /facts` → the emulator's own state, read from the backends: export tasks, objects in
  the bucket with their writer account, crawls, Glue tables (`glue_catalog`: each table's
  columns, location, parameters and partitions with theirs, and DuckDB's reading of the
  files there: catalog_facts.py), each export's verification report
  (`verification_reports`). `GET /facts?reader=0` leaves DuckDB out.
- `POST /reset` → moto reset plus fresh controls and counters.
- `POST /applied/apply` {definition_file} → starts `terraform apply` of the cross-account
  example into this moto for that graph and its read-back from moto (applied.py);
  `POST /applied/destroy` → starts `terraform destroy` and the check of what was left. Both
  run in the background (an apply takes minutes, longer than an HTTP client waits):
  `GET /applied/job` → {name, state: running | done | failed, result, error}.
  `POST /applied/setup` {setup section} → one scenario on the applied stack (cleaned,
  snapshots, applied IAM enforced), returns the vars; `POST /applied/route` {event,
  account} → the applied EventBridge rules' deliveries of the event.
- `GET /iam` → with E2E_ENFORCE_IAM=1 (iam_enforce.py): the requests moto denied, the
  operations checked on their action only, the AssumeRole trust decisions, the statement
  dropped (E2E_IAM_DROP, the minus-one check).
"""

from __future__ import annotations

import json
import os
import threading
import traceback
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.request import Request, urlopen

from moto.glue.models import glue_backends
from moto.rds.models import rds_backends
from moto.s3.models import s3_backends

import accounts
import applied
import catalog_facts
import copy_facts
import iam_enforce
import patches


# Control keys that are one-off actions on moto rather than a standing behaviour. The
# applied stack's: `iam_revoke` {account, role, action} removes an action from an applied
# role's policies, `iam_restore` puts them back as applied (applied.Stack.revoke/restore).
ACTIONS = ("create_crawler", "create_event_bus", "iam_revoke", "iam_restore")


class Harness:
    """State shared by the control routes: the moto endpoint and the last set-up's vars."""

    def __init__(self, moto_endpoint: str) -> None:
        self.moto_endpoint = moto_endpoint
        self.vars: dict[str, Any] = {}
        self.stack: applied.Stack | None = None
        self.job: dict[str, Any] = {"name": None, "state": "none"}

    def start_job(self, name: str, work: Any) -> dict[str, Any]:
        """Runs `work()` in a thread (one job at a time); GET /applied/job reports it."""
        if self.job["state"] == "running":
            raise RuntimeError(f"{self.job['name']} is still running")
        job: dict[str, Any] = {"name": name, "state": "running"}
        self.job = job

        def run() -> None:
            try:
                job["result"] = work()
                job["state"] = "done"
            except Exception as err:  # noqa: BLE001 - reported through GET /applied/job
                job["error"] = f"{type(err).__name__}: {err}"
                job["trace"] = traceback.format_exc()
                job["state"] = "failed"

        threading.Thread(target=run, daemon=True).start()
        return {"job": name}

    def applied_setup(self, section: dict[str, Any]) -> dict[str, Any]:
        """One scenario on the applied stack (applied.Stack.setup), then its controls."""
        if self.stack is None:
            raise RuntimeError("no applied stack: POST /applied/apply first")
        self.vars = self.stack.setup(section)
        controls = section.get("controls", {})
        if controls:
            self.controls(controls)
        patches.reset_counters()
        return self.vars

    def setup(self, section: dict[str, Any]) -> dict[str, Any]:
        # E2E_ENFORCE_IAM=1: the set-up runs unchecked, then moto enforces the Terraform's
        # roles, created from infra/ (iam_enforce.py), and each function gets its role's keys.
        with iam_enforce.unenforced():
            if iam_enforce.ENABLED:
                section = {**section, "crawler": {"name": iam_enforce.crawler_name(), **section.get("crawler", {})}}
            self.vars = accounts.build(self.moto_endpoint, section)
            if iam_enforce.ENABLED:
                drop = json.loads(os.environ.get("E2E_IAM_DROP") or "null")
                prod = accounts.prod_credentials(self.moto_endpoint)
                definition = section.get("definition_file")  # the graph the runner runs
                self.vars.update(iam_enforce.apply(self.moto_endpoint, self.vars, accounts._client, prod, drop, definition))
        iam_enforce.enforce(True)
        controls = section.get("controls", {})
        if controls:
            self.controls(controls)
        patches.reset_counters()
        return self.vars

    def controls(self, changes: dict[str, Any]) -> None:
        """Applies the actions (the operator's fixes: create what was missing), then the controls."""
        changes = dict(changes)
        actions = {name: changes.pop(name, False) for name in ACTIONS}
        with iam_enforce.unenforced():
            self._actions(actions)
        with patches.LOCK:
            patches.CONTROLS.update(changes)

    def _actions(self, actions: dict[str, Any]) -> None:
        if (actions["iam_revoke"] or actions["iam_restore"]) and self.stack is None:
            raise ValueError("iam_revoke / iam_restore act on the applied stack only")
        if actions["iam_revoke"]:
            self.stack.revoke(actions["iam_revoke"])  # type: ignore[union-attr]
        if actions["iam_restore"]:
            self.stack.restore()  # type: ignore[union-attr]
        if actions["create_crawler"]:
            v = self.vars
            accounts.create_crawler(
                self.moto_endpoint, v["crawler_name"], v["glue_database"], v["bucket"], v["export_prefix"]
            )
            v["crawler_missing"] = False
        if actions["create_event_bus"]:
            accounts.create_event_bus(self.moto_endpoint, self.vars["event_bus_name"])
            self.vars["event_bus_missing"] = False

    def reset(self) -> None:
        urlopen(Request(f"{self.moto_endpoint}/moto-api/reset", method="POST"), timeout=10).read()
        patches.reset()
        self.vars = {}

    def facts(self, reader: bool = True) -> dict[str, Any]:
        with patches.LOCK:
            prod = rds_backends[accounts.PROD_ACCOUNT][accounts.REGION]
            tasks = [
                {
                    "export_task_id": t.export_task_identifier,
                    "status": str(t.status).upper(),
                    "source_arn": t.source_arn,
                    "s3_bucket": t.s3_bucket,
                    "s3_prefix": t.s3_prefix,
                    "percent_progress": getattr(t, "percent_progress", None),
                    "failure_cause": getattr(t, "failure_cause", None),
                    "warning_message": getattr(t, "warning_message", None),
                    "objects_written": patches.OBJECTS_WRITTEN.get(t.export_task_identifier, []),
                }
                for t in prod.export_tasks.values()
            ]
            objects = []
            bucket_name = self.vars.get("bucket")
            if bucket_name:
                s3 = s3_backends[accounts.ANALYTICS_ACCOUNT]["aws"]
                bucket = s3.buckets.get(bucket_name)
                if bucket is not None:
                    objects = [
                        {"key": k.name, "writer": k.account_id}
                        for k in bucket.keys.values()
                        if hasattr(k, "account_id")
                    ]
            glue = glue_backends[accounts.ANALYTICS_ACCOUNT][accounts.REGION]
            crawler = glue.crawlers.get(self.vars.get("crawler_name", ""))
            crawls = []
            if crawler is not None:
                # Reading `_status` avoids ticking the crawl (the `status` property may move it).
                crawls = [
                    {
                        "status": c._status,
                        "start_time": str(c.start_time),
                        "error_message": getattr(c, "error_message", None),
                    }
                    for c in crawler.crawls
                ]
            database = self.vars.get("glue_database", "")
            tables = sorted(glue.databases[database].tables.keys()) if database in glue.databases else []
            return {
                "export_tasks": tasks,
                "objects": objects,
                "crawls": crawls,
                "glue_tables": tables,
                # Each table's definition, partitions, and DuckDB's view of its files.
                "glue_catalog": catalog_facts.glue_catalog(self.vars, reader=reader),
                # The verification report (and its parts) at each export's root.
                "verification_reports": catalog_facts.verification_reports(self.vars, tasks),
                # Copy delivery: both buckets' objects with writer, ETag, encryption, metadata.
                "copy_buckets": copy_facts.copy_buckets(self.vars),
                "vars": self.vars,
            }


def make_handler(harness: Harness) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def log_message(self, *args: Any) -> None:  # quiet: the runner prints what matters
            return

        def _reply(self, status: int, body: Any) -> None:
            data = json.dumps(body, default=str).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def _body(self) -> Any:
            length = int(self.headers.get("Content-Length") or 0)
            return json.loads(self.rfile.read(length) or b"{}")

        def _route(self, method: str) -> None:
            try:
                if method == "POST" and self.path == "/setup":
                    self._reply(200, harness.setup(self._body()))
                elif method == "POST" and self.path == "/controls":
                    harness.controls(self._body())
                    self._reply(200, {"ok": True})
                elif method == "GET" and self.path == "/counters":
                    self._reply(200, patches.COUNTERS.as_json())
                elif method == "GET" and self.path.split("?")[0] == "/facts":
                    # `?reader=0`: no DuckDB reading (an export of hundreds of tables).
                    self._reply(200, harness.facts(reader="reader=0" not in self.path))
                elif method == "POST" and self.path == "/reset":
                    harness.reset()
                    self._reply(200, {"ok": True})
                elif method == "GET" and self.path == "/iam":
                    self._reply(200, iam_enforce.report())
                elif method == "POST" and self.path == "/export/advance":
                    # The callback scenarios' clock: one timeline step, no DescribeExportTasks.
                    task_id = self._body().get("export_task_id", "")
                    self._reply(200, {"export_task_id": task_id, "status": patches.advance_export(task_id)})
                elif method == "POST" and self.path == "/applied/apply":
                    stack = harness.stack = applied.Stack(harness.moto_endpoint)
                    definition = self._body().get("definition_file")
                    self._reply(200, harness.start_job("apply", lambda: stack.apply(definition)))
                elif method == "GET" and self.path == "/applied/job":
                    self._reply(200, harness.job)
                elif method == "POST" and self.path == "/applied/setup":
                    self._reply(200, harness.applied_setup(self._body()))
                elif method == "POST" and self.path == "/applied/route":
                    body = self._body()
                    self._reply(200, harness.stack.route(body["event"], body["account"]))  # type: ignore[union-attr]
                elif method == "POST" and self.path == "/applied/destroy":
                    self._reply(200, harness.start_job("destroy", harness.stack.destroy))  # type: ignore[union-attr]
                elif method == "GET" and self.path == "/health":
                    self._reply(200, {"ok": True})
                else:
                    self._reply(404, {"error": f"no route {method} {self.path}"})
            except Exception as err:  # noqa: BLE001 - reported to the runner with its trace
                self._reply(500, {"error": f"{type(err).__name__}: {err}", "trace": traceback.format_exc()})

        def do_GET(self) -> None:  # noqa: N802 - http.server's naming
            self._route("GET")

        def do_POST(self) -> None:  # noqa: N802
            self._route("POST")

    return Handler


def serve(harness: Harness) -> ThreadingHTTPServer:
    server = ThreadingHTTPServer(("127.0.0.1", 0), make_handler(harness))
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server

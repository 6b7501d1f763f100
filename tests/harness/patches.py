"""Monkeypatches on moto's in-process backends: the scenario's controls and the counters.

moto answers StartExportTask with a task that is `complete` at once, writes nothing to S3,
accepts every PutObjectAcl and finishes a Glue crawl only when told. A scenario needs an
export that moves over time, faults it can switch on and off, and a record of what the
Lambdas asked for. This module wraps a few backend and response methods (the launcher runs
moto in the same process, so plain attribute patching reaches the server's threads):

- StartExportTask: counted; fails with a chosen error code for the first K calls; a created
  task starts `starting` at 0 % (with `timeline: null`, moto's own task: complete at once,
  nothing written). RDS's quota: a 6th export of one account while 5 are STARTING or
  IN_PROGRESS is refused with `ExportTaskLimitReachedFault` (moto has no quota); the most
  exports seen running at once per account is counted (`max_running_exports`).
- DescribeExportTasks of one task (ExportTaskIdentifier given) moves it one step along the
  scenario's timeline (a list call, as export-slots and the sweep make, moves nothing: time
  passes per observation of a task, so a long timeline keeps an export IN_PROGRESS while
  others list the account's exports); the first time it shows COMPLETE the export's objects are written.
  A task that reached COMPLETE, FAILED or CANCELED stays there (a later timeline change only
  moves the tasks started after it, or still running).
- PutObjectAcl: recorded with its key and canned ACL; answers AccessDenied while
  `acl_denied` is on, or once `acl_denied_after` requests have been accepted.
- ListObjectsV2: recorded with the keys of the page; `list_page_size` caps MaxKeys, as S3
  may return fewer keys than asked, so a few hundred objects still take several pages.
- StartCrawler / GetCrawler: counted; each GetCrawler ticks the last crawl, which completes
  after `crawl_ticks` ticks (moto's manual state progression) with `crawl_outcome`
  (SUCCEEDED, or FAILED / CANCELLED with `crawl_error_message`).
- PutEvents: recorded (source, detail-type, bus, detail, and whether it was accepted).
- CopyObject (copy delivery): recorded with source, destination, caller account and the
  encryption and metadata headers (`copy_requests`); `s3:CopyObject` faults apply.
- A task reaching COMPLETE gets a SnapshotTime (moto has none): `export_snapshot_time`
  (ISO 8601) when set, else its snapshot's creation time; and a WarningMessage (moto has
  none) naming the tables `objects` says RDS skipped (export_objects.warning_message), unless
  the timeline entry gives its own `warning_message`.
- Glue UpdateTable: moto ignores VersionId; here a VersionId other than the table's current
  version is refused with ConcurrentModificationException, as Glue's optimistic locking
  does. CreateTable, UpdateTable and BatchCreatePartition calls are recorded
  (`glue_writes`: operation, table, VersionId given, outcome).
- Any operation of a JSON or query service (RDS, Glue, EventBridge, STS, ...) and the S3
  operations the Lambdas call can be made to fail (`faults`), with the error shape of the
  service's protocol; each injected error is recorded.

What `terraform apply` of the example needs from moto (the applied stack, applied.py):
- Step Functions ValidateStateMachineDefinition and ListStateMachineVersions (moto 5.2.5:
  NotImplementedError, which the AWS provider retries until its timeout): OK with no
  diagnostics, and no versions.
- EventBridge TestEventPattern (moto: an empty answer): moto's own rule matcher.
- Bucket policies: moto denies an object request on any Deny statement of the bucket's
  policy, conditions ignored, so `Deny if aws:SecureTransport is false` denied everything.
  Here a Deny applies only when its conditions hold (aws:SecureTransport true,
  aws:PrincipalAccount / aws:PrincipalArn of the caller; other keys are errors).
"""

from __future__ import annotations

import json
import re
import threading
import time
import warnings
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Callable
from xml.sax.saxutils import unescape

from moto.core.exceptions import ServiceException
from moto.core.responses import ActionResult, BaseResponse
from moto.events.models import EventsBackend
from moto.events.responses import EventsHandler
from moto.glue.exceptions import CrawlerRunningException, GlueClientError
from moto.glue.models import FakeCrawler, GlueBackend, glue_backends
from moto.glue.responses import GlueResponse
from moto.moto_api import state_manager
from moto.rds.exceptions import RDSClientError
from moto.rds.models import RDSBackend
from moto.s3.exceptions import S3AccessDeniedError
from moto.s3.models import FakeBucket
from moto.s3.responses import S3Response
from moto.stepfunctions.responses import StepFunctionResponse

import accounts
from export_objects import warning_message, write_export_objects

LOCK = threading.RLock()

# An injected code need not be in the service's model (moto then warns on every call).
warnings.filterwarnings("ignore", message=r".*does not match an error shape.*")

TERMINAL_EXPORT = {"COMPLETE", "FAILED", "CANCELED"}
# RDS's quota of concurrent exports per account (and Region); these statuses count.
EXPORT_QUOTA = 5
EXPORT_QUOTA_STATUSES = {"STARTING", "IN_PROGRESS"}
EXPORT_QUOTA_MESSAGE = "You have reached the limit of 5 concurrent export tasks"
CRAWL_OUTCOMES = {"SUCCEEDED", "FAILED", "CANCELLED"}
# The S3 operations a fault can name (S3 is routed by REST path, not by a generic action).
S3_FAULT_OPERATIONS = {"ListObjectsV2", "PutObjectAcl", "GetBucketOwnershipControls", "CopyObject"}


def _default_timeline() -> list[dict[str, Any]]:
    return [{"status": "COMPLETE", "percent": 100}]


@dataclass
class Controls:
    """What the scenario wants moto to do; changed through the control API."""

    # null: moto's own export (complete at once, nothing written), which the Rust handler
    # tests rely on.
    timeline: list[dict[str, Any]] | None = field(default_factory=_default_timeline)
    status_case: str = "lower"  # moto's habit; "upper" is what AWS sends
    objects: dict[str, Any] = field(default_factory=dict)
    start_failures: dict[str, Any] = field(default_factory=dict)  # {code, message, count}
    acl_denied: bool = False
    # PutObjectAcl accepted this many times (counted from when it is set), then AccessDenied.
    acl_denied_after: int | None = None
    list_page_size: int | None = None
    crawl_ticks: int = 1
    crawl_outcome: str = "SUCCEEDED"
    crawl_error_message: str | None = None
    # SnapshotTime (ISO 8601) of the export tasks that complete from now on; None: the
    # snapshot's creation time.
    export_snapshot_time: str | None = None
    # "service:Operation" -> {code, message, status, count, after, account}; see set_faults.
    faults: dict[str, dict[str, Any]] = field(default_factory=dict)
    # Bookkeeping of acl_denied_after (not a control).
    acl_accepted_since: int = 0

    def update(self, changes: dict[str, Any]) -> None:
        for key in changes:
            if not hasattr(self, key) or key == "acl_accepted_since":
                raise KeyError(f"unknown control {key!r}")
        for key, value in changes.items():
            if key == "faults":
                self.set_faults(value or {})
            else:
                setattr(self, key, value)
        if "acl_denied_after" in changes:
            self.acl_accepted_since = 0
        if "crawl_outcome" in changes and self.crawl_outcome not in CRAWL_OUTCOMES:
            raise ValueError(f"crawl_outcome must be one of {sorted(CRAWL_OUTCOMES)}")
        if "crawl_ticks" in changes:
            set_crawl_ticks(self.crawl_ticks)

    def set_faults(self, faults: dict[str, Any]) -> None:
        """Merges `faults`: a spec sets (and restarts) that operation's fault, null removes it.

        A spec: `code` (the AWS error code), `message`, `status` (HTTP status; 403 for codes
        containing AccessDenied, else 400), `count` (errors to inject; null = until removed),
        `after` (matching calls let through first), `account` ("prod", "analytics" or an id;
        absent = any caller).
        """
        for operation, spec in faults.items():
            service, _, name = operation.partition(":")
            if not service or not name:
                raise ValueError(f"fault key {operation!r} must be service:Operation (e.g. rds:DescribeDBSnapshots)")
            if service == "s3" and name not in S3_FAULT_OPERATIONS:
                raise ValueError(f"S3 faults are wired for {sorted(S3_FAULT_OPERATIONS)} only, not {name}")
            if spec is None:
                self.faults.pop(operation, None)
                continue
            if "code" not in spec:
                raise ValueError(f"fault {operation} needs a code")
            self.faults[operation] = {**spec, "_seen": 0, "_injected": 0}


@dataclass
class Counters:
    """What the Lambdas asked for since the last reset (set-up calls are not counted)."""

    start_export_calls: list[dict[str, Any]] = field(default_factory=list)
    describe_export_calls: int = 0
    acl_requests: list[dict[str, Any]] = field(default_factory=list)
    list_requests: list[dict[str, Any]] = field(default_factory=list)
    start_crawler_calls: list[dict[str, Any]] = field(default_factory=list)
    get_crawler_calls: int = 0
    put_events: list[dict[str, Any]] = field(default_factory=list)
    faults_injected: list[dict[str, Any]] = field(default_factory=list)
    glue_writes: list[dict[str, Any]] = field(default_factory=list)
    copy_requests: list[dict[str, Any]] = field(default_factory=list)
    # Every AWS call (service, operation, the account it ran in, the assumed role that
    # signed it or None for an account's own keys): which role each account's calls used.
    aws_calls: list[dict[str, Any]] = field(default_factory=list)
    # account -> the most exports STARTING or IN_PROGRESS at once (counted at each start).
    max_running_exports: dict[str, int] = field(default_factory=dict)
    # StartExportTask calls refused by the quota.
    export_quota_refusals: int = 0

    def as_json(self) -> dict[str, Any]:
        with LOCK:
            return {
                "start_export_calls": list(self.start_export_calls),
                "describe_export_calls": self.describe_export_calls,
                "acl_requests": list(self.acl_requests),
                "list_requests": list(self.list_requests),
                "start_crawler_calls": list(self.start_crawler_calls),
                "get_crawler_calls": self.get_crawler_calls,
                "put_events": list(self.put_events),
                "faults_injected": list(self.faults_injected),
                "glue_writes": list(self.glue_writes),
                "copy_requests": list(self.copy_requests),
                "aws_calls": list(self.aws_calls),
                "max_running_exports": dict(self.max_running_exports),
                "export_quota_refusals": self.export_quota_refusals,
            }


CONTROLS = Controls()
COUNTERS = Counters()
# Export tasks started by a Lambda (id -> step along the timeline); set-up tasks are absent.
TIMELINE_STEP: dict[str, int] = {}
OBJECTS_WRITTEN: dict[str, list[str]] = {}


def reset() -> None:
    """Forgets counters and controls (a new scenario on the same moto)."""
    global CONTROLS, COUNTERS
    with LOCK:
        CONTROLS = Controls()
        COUNTERS = Counters()
        TIMELINE_STEP.clear()
        OBJECTS_WRITTEN.clear()
        set_crawl_ticks(1)


def reset_counters() -> None:
    global COUNTERS
    with LOCK:
        COUNTERS = Counters()


def set_crawl_ticks(ticks: int) -> None:
    state_manager.set_transition(
        model_name="glue::crawl", transition={"progression": "manual", "times": ticks}
    )


def _status(name: str) -> str:
    return name.lower() if CONTROLS.status_case == "lower" else name.upper()


def _wrap(owner: Any, name: str, make: Callable[[Callable[..., Any]], Callable[..., Any]]) -> None:
    original = getattr(owner, name)
    setattr(owner, name, make(original))


# --- faults ------------------------------------------------------------------------------


def _account_matches(wanted: str | None, account: str) -> bool:
    if wanted is None:
        return True
    named = {"prod": accounts.PROD_ACCOUNT, "analytics": accounts.ANALYTICS_ACCOUNT}
    return named.get(wanted, wanted) == account


def take_fault(operation: str, account: str) -> dict[str, Any] | None:
    """The fault to inject for this call of `operation` by `account` (and records it), or None."""
    with LOCK:
        spec = CONTROLS.faults.get(operation)
        if spec is None or not _account_matches(spec.get("account"), account):
            return None
        spec["_seen"] += 1
        if spec["_seen"] <= int(spec.get("after") or 0):
            return None
        count = spec.get("count")
        if count is not None and spec["_injected"] >= int(count):
            return None
        spec["_injected"] += 1
        code = spec["code"]
        status = int(spec.get("status") or (403 if "AccessDenied" in code else 400))
        fault = {
            "operation": operation,
            "code": code,
            "message": spec.get("message") or f"{code} (injected by the e2e harness)",
            "status": status,
            "account": account,
            "at": time.time(),
        }
        COUNTERS.faults_injected.append(fault)
        return fault


class HarnessFault(ServiceException):
    """An injected error; serialized with the model of the service that was called (this
    module is not a moto service package, so moto looks the code up in that one only)."""


def _serialized_fault(response: BaseResponse, fault: dict[str, Any]) -> Any:
    """The error in the protocol of `response`'s service (query XML, JSON `__type`, S3 XML)."""
    error = HarnessFault(fault["code"], fault["message"])
    _, headers, body = response.serialized(ActionResult(error))
    headers.pop("status", None)
    return fault["status"], headers, body


def _record_call(service: str, operation: str, account: str | None, headers: Any) -> None:
    import iam_enforce  # imports this module

    caller = iam_enforce._caller_of(headers) or {}
    with LOCK:
        COUNTERS.aws_calls.append(
            {"service": service, "operation": operation, "account": account, "role_arn": caller.get("role_arn")}
        )


def _call_action(original: Callable[..., Any]) -> Callable[..., Any]:
    def patched(self: BaseResponse) -> Any:
        if self.service_name != "sts":
            _record_call(self.service_name, self._get_action(), self.current_account, self.headers)
        faults = CONTROLS.faults
        if faults and any(k.startswith(f"{self.service_name}:") for k in faults):
            action = self._get_action()
            fault = take_fault(f"{self.service_name}:{action}", self.current_account)
            if fault is not None:
                status, headers, body = _serialized_fault(self, fault)
                headers, body = self._enrich_response(headers, body)
                return status, headers, body
        return original(self)

    return patched


def _s3_fault(response: S3Response, operation: str) -> Any:
    if not CONTROLS.faults:
        return None
    fault = take_fault(f"s3:{operation}", response.current_account)
    if fault is None:
        return None
    return _serialized_fault(response, fault)


# --- RDS exports -------------------------------------------------------------------------


def _start_export_task(original: Callable[..., Any]) -> Callable[..., Any]:
    def patched(self: RDSBackend, kwargs: dict[str, Any]) -> Any:
        with LOCK:
            call = {
                "export_task_id": kwargs.get("export_task_identifier"),
                "source_arn": kwargs.get("source_arn"),
                "s3_bucket": kwargs.get("s3_bucket_name"),
                "s3_prefix": kwargs.get("s3_prefix", ""),
                "account": self.account_id,
                "at": time.time(),
            }
            COUNTERS.start_export_calls.append(call)
            failures = CONTROLS.start_failures
            if failures.get("count", 0) > failures.get("injected", 0):
                failures["injected"] = failures.get("injected", 0) + 1
                call["outcome"] = failures.get("code", "ExportTaskLimitReachedFault")
                raise RDSClientError(
                    call["outcome"],
                    failures.get(
                        "message",
                        "You have reached the maximum number of export tasks in progress.",
                    ),
                )
            running = _running_exports(self)
            if running >= EXPORT_QUOTA and kwargs.get("export_task_identifier") not in self.export_tasks:
                COUNTERS.export_quota_refusals += 1
                call["outcome"] = "ExportTaskLimitReachedFault"
                raise RDSClientError("ExportTaskLimitReachedFault", EXPORT_QUOTA_MESSAGE)
            try:
                task = original(self, kwargs)
            except RDSClientError as err:
                call["outcome"] = err.code
                raise
            call["outcome"] = "created"
            if CONTROLS.timeline is None:
                return task
            task.status = _status("STARTING")
            task.percent_progress = 0
            task.task_start_time = None
            TIMELINE_STEP[task.export_task_identifier] = 0
            seen = COUNTERS.max_running_exports
            seen[self.account_id] = max(seen.get(self.account_id, 0), _running_exports(self))
            return task

    return patched


def _running_exports(backend: RDSBackend) -> int:
    """Exports of `backend`'s account and Region that count against RDS's quota."""
    return sum(
        1 for t in backend.export_tasks.values() if str(t.status).upper() in EXPORT_QUOTA_STATUSES
    )


def _advance(task: Any, account_id: str) -> None:
    task_id = task.export_task_identifier
    if task_id not in TIMELINE_STEP:
        return
    if str(task.status).upper() in TERMINAL_EXPORT:
        return  # finished: RDS never moves a finished task again
    step = TIMELINE_STEP[task_id]
    timeline = CONTROLS.timeline
    if not timeline:
        return  # `timeline: null` now: moto's own behaviour from here on
    entry = timeline[min(step, len(timeline) - 1)]
    TIMELINE_STEP[task_id] = step + 1
    status = entry["status"].upper()
    task.status = _status(status)
    task.percent_progress = int(entry.get("percent", 100 if status == "COMPLETE" else 0))
    if "total_extracted_gb" in entry:
        task.total_extracted_data_in_gb = entry["total_extracted_gb"]
    if status != "STARTING" and task.task_start_time is None:
        task.task_start_time = task.created_at
    if status in ("FAILED", "CANCELED"):
        task.failure_cause = entry.get(
            "failure_cause", "The export failed." if status == "FAILED" else "The export was canceled."
        )
    if "warning_message" in entry:
        task.warning_message = entry["warning_message"]
    elif status == "COMPLETE" and getattr(task, "warning_message", None) is None:
        # The tables RDS skipped (objects.skipped_tables, objects.many), as RDS reports them.
        task.warning_message = warning_message(CONTROLS.objects)
    if status == "COMPLETE" and getattr(task, "snapshot_time", None) is None:
        task.snapshot_time = (
            datetime.fromisoformat(CONTROLS.export_snapshot_time.replace("Z", "+00:00"))
            if CONTROLS.export_snapshot_time
            else task.snapshot.snapshot_create_time
        )
    if status == "COMPLETE" and task_id not in OBJECTS_WRITTEN:
        OBJECTS_WRITTEN[task_id] = write_export_objects(task, account_id, CONTROLS.objects)


def _describe_export_tasks(original: Callable[..., Any]) -> Callable[..., Any]:
    def patched(self: RDSBackend, export_task_identifier: str) -> Any:
        with LOCK:
            COUNTERS.describe_export_calls += 1
            tasks = list(original(self, export_task_identifier))
            if export_task_identifier:
                for task in tasks:
                    _advance(task, self.account_id)
            return tasks

    return patched


def advance_export(task_id: str) -> str | None:
    """Moves export task `task_id` one step along the timeline, as time passing does, without
    a DescribeExportTasks (not counted): the clock of the callback scenarios, where nobody
    polls while the execution waits for RDS's event. Returns its status (upper case), None
    when no such task exists."""
    from moto.rds.models import rds_backends

    with LOCK:
        backend = rds_backends[accounts.PROD_ACCOUNT][accounts.REGION]
        task = backend.export_tasks.get(task_id)
        if task is None:
            return None
        _advance(task, backend.account_id)
        return str(task.status).upper()


# --- S3 ----------------------------------------------------------------------------------


def _put_object_acl(original: Callable[..., Any]) -> Callable[..., Any]:
    def patched(self: S3Response) -> Any:
        with LOCK:
            record = {
                "bucket": self.bucket_name,
                "key": self.parse_key_name(),
                "acl": self.headers.get("x-amz-acl"),
                "grants": sorted(
                    h.lower() for h in self.headers.keys() if h.lower().startswith("x-amz-grant-")
                ),
                "account": self.current_account,
                "denied": False,
            }
            COUNTERS.acl_requests.append(record)
            fault = _s3_fault(self, "PutObjectAcl")
            if fault is not None:
                record["denied"] = True
                record["fault"] = fault[0]
                return fault
            after = CONTROLS.acl_denied_after
            if CONTROLS.acl_denied or (after is not None and CONTROLS.acl_accepted_since >= after):
                record["denied"] = True
                raise S3AccessDeniedError()
            CONTROLS.acl_accepted_since += 1
        return original(self)

    return patched


KEY_RE = re.compile(r"<Key>([^<]*)</Key>")


def _page_keys(response: Any) -> list[str]:
    body = response[2] if isinstance(response, tuple) and len(response) == 3 else response
    if isinstance(body, bytes):
        body = body.decode("utf-8", "replace")
    if not isinstance(body, str):
        return []
    return [unescape(k, {"&quot;": '"', "&apos;": "'"}) for k in KEY_RE.findall(body)]


def _list_objects_v2(original: Callable[..., Any]) -> Callable[..., Any]:
    def patched(self: S3Response) -> Any:
        with LOCK:
            asked = self.querystring.get("max-keys", [None])[0]
            cap = CONTROLS.list_page_size
            if cap is not None and (asked is None or int(asked) > cap):
                self.querystring["max-keys"] = [str(cap)]
            record = {
                "bucket": self.bucket_name,
                "prefix": self.querystring.get("prefix", [None])[0],
                "max_keys_asked": asked,
                "continuation": "continuation-token" in self.querystring
                or "start-after" in self.querystring,
                "start_after": self.querystring.get("start-after", [None])[0],
                "account": self.current_account,
                "keys": [],
            }
            COUNTERS.list_requests.append(record)
            fault = _s3_fault(self, "ListObjectsV2")
            if fault is not None:
                record["fault"] = fault[0]
                return fault
        response = original(self)
        record["keys"] = _page_keys(response)
        return response

    return patched


def _get_bucket_ownership_controls(original: Callable[..., Any]) -> Callable[..., Any]:
    def patched(self: S3Response) -> Any:
        fault = _s3_fault(self, "GetBucketOwnershipControls")
        if fault is not None:
            return fault
        return original(self)

    return patched


# --- Glue --------------------------------------------------------------------------------


def _start_crawler(original: Callable[..., Any]) -> Callable[..., Any]:
    def patched(self: GlueBackend, name: str) -> None:
        with LOCK:
            call = {"name": name, "account": self.account_id, "at": time.time()}
            COUNTERS.start_crawler_calls.append(call)
            try:
                original(self, name)
            except CrawlerRunningException:
                call["outcome"] = "CrawlerRunningException"
                raise
            except Exception as err:  # noqa: BLE001 - recorded, then re-raised as is
                call["outcome"] = type(err).__name__
                raise
            call["outcome"] = "started"
            call["crawl_index"] = len(self.crawlers[name].crawls) - 1

    return patched


def _finish_crawl(crawl: Any) -> None:
    """Gives a crawl moto just completed the scenario's outcome (once)."""
    if getattr(crawl, "_harness_outcome", None) is not None:
        return
    outcome = CONTROLS.crawl_outcome
    crawl._harness_outcome = outcome
    if outcome == "FAILED":
        crawl.status = "FAILED"
        crawl.error_message = CONTROLS.crawl_error_message or "Internal Service Exception"
    elif outcome == "CANCELLED":
        crawl.status = "STOPPED"  # moto's name; GetCrawler reports it as CANCELLED
        crawl.error_message = CONTROLS.crawl_error_message


def _get_crawler(original: Callable[..., Any]) -> Callable[..., Any]:
    def patched(self: GlueBackend, name: str) -> Any:
        with LOCK:
            COUNTERS.get_crawler_calls += 1
            crawler = original(self, name)
            if crawler.crawls:
                crawl = crawler.crawls[-1]
                crawl.advance()
                if crawl.status == "COMPLETED":
                    _finish_crawl(crawl)
            return crawler

    return patched


def _crawler_as_dict(original: Callable[..., Any]) -> Callable[..., Any]:
    def patched(self: FakeCrawler) -> dict[str, Any]:
        data = original(self)
        last = data.get("LastCrawl")
        if last is not None and self.crawls:
            crawl = self.crawls[-1]
            if last.get("Status") == "STOPPED":
                last["Status"] = "CANCELLED"
            message = getattr(crawl, "error_message", None)
            if message:
                last["ErrorMessage"] = message
        return data

    return patched


# --- EventBridge -------------------------------------------------------------------------


def _put_events(original: Callable[..., Any]) -> Callable[..., Any]:
    def patched(self: EventsBackend, events: list[dict[str, Any]]) -> Any:
        with LOCK:
            records = [
                {
                    "source": event.get("Source"),
                    "detail_type": event.get("DetailType"),
                    "bus": event.get("EventBusName"),
                    "detail": event.get("Detail"),
                    "resources": event.get("Resources", []),
                    "account": self.account_id,
                    "accepted": False,
                }
                for event in events
            ]
            COUNTERS.put_events.extend(records)
            try:
                entries = original(self, events)
            except Exception as err:  # noqa: BLE001 - recorded, then re-raised as is
                code = getattr(err, "error_type", None) or getattr(err, "code", None)
                for record in records:
                    record["error"] = code if isinstance(code, str) else type(err).__name__
                raise
            for record, entry in zip(records, entries):
                record["accepted"] = "ErrorCode" not in entry
                if "ErrorCode" in entry:
                    record["error"] = entry["ErrorCode"]
            return entries

    return patched


# --- Glue tables ------------------------------------------------------------------------------


def _glue_write(operation: str) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    def make(original: Callable[..., Any]) -> Callable[..., Any]:
        def patched(self: GlueResponse) -> Any:
            params = self.parameters
            table = params.get("TableName") or (params.get("TableInput") or {}).get("Name")
            record = {"operation": operation, "database": params.get("DatabaseName"), "table": table,
                      "version_id": params.get("VersionId"), "outcome": "ok"}
            with LOCK:
                COUNTERS.glue_writes.append(record)
            if operation == "UpdateTable" and params.get("VersionId") is not None:
                backend = glue_backends[self.current_account][self.region]
                current = str(backend.get_table(params.get("DatabaseName"), table)._current_version)
                if params["VersionId"] != current:
                    record["outcome"] = "ConcurrentModificationException"
                    raise GlueClientError(
                        "ConcurrentModificationException",
                        f"Table {table} is at version {current}, not {params['VersionId']}",
                    )
            try:
                return original(self)
            except ServiceException as e:
                record["outcome"] = getattr(e, "code", type(e).__name__)
                raise
            except GlueClientError as e:
                record["outcome"] = e.error_type
                raise

        return patched

    return make


# --- S3 copies (copy delivery) ------------------------------------------------------------


def _copy_object(original: Callable[..., Any]) -> Callable[..., Any]:
    """CopyObject: recorded (source, destination, caller account, encryption and metadata
    headers, whether it was accepted); `s3:CopyObject` faults apply."""

    def patched(self: S3Response) -> Any:
        from urllib.parse import unquote, urlparse

        source = urlparse(str(self.headers.get("x-amz-copy-source", ""))).path
        src_bucket, _, src_key = unquote(source).lstrip("/").partition("/")
        with LOCK:
            record = {
                "source_bucket": src_bucket,
                "source_key": src_key,
                "bucket": self.bucket_name,
                "key": self.parse_key_name(),
                "account": self.current_account,
                "encryption": self.headers.get("x-amz-server-side-encryption"),
                "kms_key_id": self.headers.get("x-amz-server-side-encryption-aws-kms-key-id"),
                "metadata_directive": self.headers.get("x-amz-metadata-directive"),
                "source_etag_metadata": self.headers.get("x-amz-meta-source-etag"),
                "denied": False,
            }
            COUNTERS.copy_requests.append(record)
            fault = _s3_fault(self, "CopyObject")
            if fault is not None:
                record["denied"] = True
                record["fault"] = fault[0]
                return fault
        return original(self)

    return patched


def _validate_state_machine_definition(self: StepFunctionResponse) -> str:
    """ValidateStateMachineDefinition, which moto 5.2.5 lacks (NotImplementedError, a 500 the
    AWS provider retries until its timeout): the provider calls it before it creates an
    aws_sfn_state_machine, so `terraform apply` of the analytics module stalls there. It
    answers OK with no diagnostics: the definitions are validated by the project's ASL
    validators (scripts/validate-asl.sh), and the applied-stack run executes the definition
    read back from moto (applied.py)."""
    return json.dumps({"result": "OK", "diagnostics": [], "truncated": False})


def _list_state_machine_versions(self: StepFunctionResponse) -> str:
    """ListStateMachineVersions, which moto 5.2.5 lacks: the AWS provider reads it after it
    creates a state machine. The module never publishes versions (no `publish`): none."""
    return json.dumps({"stateMachineVersions": []})


# The account of the S3 request being served (per server thread): a bucket policy's
# aws:PrincipalAccount condition needs it, and moto's FakeBucket.get_permission has no caller.
S3_CALLER = threading.local()


def _s3_caller(original: Callable[..., Any]) -> Callable[..., Any]:
    def patched(self: S3Response, *args: Any, **kwargs: Any) -> Any:
        import iam_enforce  # imports this module

        S3_CALLER.account = getattr(self, "current_account", None)
        caller = iam_enforce._caller_of(self.headers) or {}
        # Keys that are no assumed role's: the account's own (root) credentials.
        S3_CALLER.arn = caller.get("role_arn") or f"arn:aws:iam::{S3_CALLER.account}:root"
        with LOCK:
            COUNTERS.aws_calls.append(
                {"service": "s3", "operation": self.method, "account": S3_CALLER.account, "role_arn": caller.get("role_arn")}
            )
        try:
            return original(self, *args, **kwargs)
        finally:
            S3_CALLER.account = S3_CALLER.arn = None

    return patched


def _condition_holds(operator: str, key: str, wanted: list[str], context: dict[str, str | None]) -> bool:
    if key not in context or context[key] is None:
        raise ValueError(f"bucket policy condition key {key} is not evaluated by the harness")
    actual = str(context[key]).lower() if operator == "Bool" else context[key]
    wanted = [str(w).lower() for w in wanted] if operator == "Bool" else wanted
    if operator in ("Bool", "StringEquals", "ArnEquals"):
        return actual in wanted
    if operator in ("StringNotEquals", "ArnNotEquals"):
        return actual not in wanted
    raise ValueError(f"bucket policy condition operator {operator} is not evaluated by the harness")


def _bucket_permission(original: Callable[..., Any]) -> Callable[..., Any]:
    """moto evaluates a bucket policy on object requests but ignores its conditions (and
    principals), so the module's `Deny s3:* if aws:SecureTransport is false` denies every
    request. Here only the Deny statements count (moto acts on DENIED only: it does not
    model cross-account grants, so a bucket policy's Allow changes nothing), each only when
    its conditions hold: aws:SecureTransport is true (moto is served over http here; the
    SDKs call AWS over TLS), aws:PrincipalAccount / aws:PrincipalArn are the caller's; any
    other key or operator is an error, not a silent pass."""

    def patched(self: Any, action: str, resource: str) -> Any:
        from moto.iam.access_control import PermissionResult

        if self.policy is None:
            return original(self, action, resource)
        doc = json.loads(self.policy.decode() if isinstance(self.policy, bytes) else self.policy)
        statements = doc["Statement"] if isinstance(doc["Statement"], list) else [doc["Statement"]]
        context = {
            "aws:SecureTransport": "true",
            "aws:PrincipalAccount": getattr(S3_CALLER, "account", None),
            "aws:PrincipalArn": getattr(S3_CALLER, "arn", None),
        }
        kept = [
            st
            for st in statements
            if st.get("Effect") == "Deny"
            and all(
                _condition_holds(op, key, v if isinstance(v, list) else [v], context)
                for op, keys in (st.get("Condition") or {}).items()
                for key, v in keys.items()
            )
        ]
        if not kept:
            return PermissionResult.NEUTRAL
        from moto.iam.access_control import IAMPolicy

        return IAMPolicy(json.dumps({**doc, "Statement": kept})).is_action_permitted(action, resource)

    return patched


def _test_event_pattern(self: BaseResponse) -> str:
    """TestEventPattern, which moto 5.2.5 answers with nothing: moto's own matcher (the one
    its rules route PutEvents with) on the given pattern and event. AWS requires the
    event's envelope fields; a missing one is refused as AWS does."""
    from moto.events.exceptions import InvalidEventPatternException
    from moto.events.models import EventPattern

    event = json.loads(self._get_param("Event"))
    missing = [k for k in ("id", "account", "source", "time", "region", "detail-type") if k not in event]
    if missing:
        raise InvalidEventPatternException(reason=f"Parameter Event is not valid: missing {', '.join(missing)}")
    pattern = EventPattern.load(self._get_param("EventPattern"))
    return json.dumps({"Result": pattern.matches_event(event)})


def install() -> None:
    """Installs every patch once (idempotent)."""
    if getattr(RDSBackend, "_harness_patched", False):
        return
    _wrap(BaseResponse, "call_action", _call_action)
    _wrap(RDSBackend, "start_export_task", _start_export_task)
    _wrap(RDSBackend, "describe_export_tasks", _describe_export_tasks)
    _wrap(S3Response, "put_object_acl", _put_object_acl)
    _wrap(S3Response, "list_objects_v2", _list_objects_v2)
    _wrap(S3Response, "get_bucket_ownership_controls", _get_bucket_ownership_controls)
    _wrap(S3Response, "copy_object", _copy_object)
    _wrap(GlueBackend, "start_crawler", _start_crawler)
    _wrap(GlueBackend, "get_crawler", _get_crawler)
    _wrap(FakeCrawler, "as_dict", _crawler_as_dict)
    _wrap(EventsBackend, "put_events", _put_events)
    _wrap(GlueResponse, "create_table", _glue_write("CreateTable"))
    _wrap(GlueResponse, "update_table", _glue_write("UpdateTable"))
    _wrap(GlueResponse, "batch_create_partition", _glue_write("BatchCreatePartition"))
    StepFunctionResponse.validate_state_machine_definition = _validate_state_machine_definition  # type: ignore[attr-defined]
    EventsHandler.test_event_pattern = _test_event_pattern  # type: ignore[method-assign]
    _wrap(S3Response, "_key_response", _s3_caller)
    _wrap(S3Response, "_bucket_response", _s3_caller)
    _wrap(FakeBucket, "get_permission", _bucket_permission)
    StepFunctionResponse.list_state_machine_versions = _list_state_machine_versions  # type: ignore[attr-defined]
    RDSBackend._harness_patched = True  # type: ignore[attr-defined]
    set_crawl_ticks(1)

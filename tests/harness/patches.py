"""Monkeypatches on moto's in-process backends: the scenario's controls and the counters.

moto answers StartExportTask with a task that is `complete` at once, writes nothing to S3,
accepts every PutObjectAcl and finishes a Glue crawl only when told. A scenario needs an
export that moves over time, faults it can switch on and off, and a record of what the
Lambdas asked for. This module wraps a few backend and response methods (the launcher runs
moto in the same process, so plain attribute patching reaches the server's threads):

- StartExportTask: counted; fails with a chosen error code for the first K calls; a created
  task starts `starting` at 0 %.
- DescribeExportTasks: every call that returns a task moves it one step along the
  scenario's timeline; the first time it shows COMPLETE the export's objects are written.
- PutObjectAcl: recorded with its key and canned ACL; answers AccessDenied while
  `acl_denied` is on.
- ListObjectsV2: recorded; `list_page_size` caps MaxKeys, as S3 may return fewer keys than
  asked, so a few hundred objects still take several pages.
- StartCrawler / GetCrawler: counted; each call ticks the last crawl, which completes after
  `crawl_ticks` ticks (moto's manual state progression).
- PutEvents: recorded.
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass, field
from typing import Any, Callable

from moto.events.models import EventsBackend
from moto.glue.exceptions import CrawlerRunningException
from moto.glue.models import GlueBackend
from moto.moto_api import state_manager
from moto.rds.exceptions import RDSClientError
from moto.rds.models import RDSBackend
from moto.s3.exceptions import S3AccessDeniedError
from moto.s3.responses import S3Response

from export_objects import write_export_objects

LOCK = threading.RLock()


def _default_timeline() -> list[dict[str, Any]]:
    return [{"status": "COMPLETE", "percent": 100}]


@dataclass
class Controls:
    """What the scenario wants moto to do; changed through the control API."""

    timeline: list[dict[str, Any]] = field(default_factory=_default_timeline)
    status_case: str = "lower"  # moto's habit; "upper" is what AWS sends
    objects: dict[str, Any] = field(default_factory=dict)
    start_failures: dict[str, Any] = field(default_factory=dict)  # {code, message, count}
    acl_denied: bool = False
    list_page_size: int | None = None
    crawl_ticks: int = 1

    def update(self, changes: dict[str, Any]) -> None:
        for key, value in changes.items():
            if not hasattr(self, key):
                raise KeyError(f"unknown control {key!r}")
            setattr(self, key, value)
        if "crawl_ticks" in changes:
            set_crawl_ticks(self.crawl_ticks)


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
            try:
                task = original(self, kwargs)
            except RDSClientError as err:
                call["outcome"] = err.code
                raise
            call["outcome"] = "created"
            task.status = _status("STARTING")
            task.percent_progress = 0
            task.task_start_time = None
            TIMELINE_STEP[task.export_task_identifier] = 0
            return task

    return patched


def _advance(task: Any, account_id: str) -> None:
    task_id = task.export_task_identifier
    if task_id not in TIMELINE_STEP:
        return
    step = TIMELINE_STEP[task_id]
    timeline = CONTROLS.timeline
    entry = timeline[min(step, len(timeline) - 1)]
    TIMELINE_STEP[task_id] = step + 1
    status = entry["status"].upper()
    task.status = _status(status)
    task.percent_progress = int(entry.get("percent", 100 if status == "COMPLETE" else 0))
    if "total_extracted_gb" in entry:
        task.total_extracted_data_in_gb = entry["total_extracted_gb"]
    if status != "STARTING" and task.task_start_time is None:
        task.task_start_time = task.created_at
    if status == "FAILED":
        task.failure_cause = entry.get("failure_cause", "The export failed.")
    if "warning_message" in entry:
        task.warning_message = entry["warning_message"]
    if status == "COMPLETE" and task_id not in OBJECTS_WRITTEN:
        OBJECTS_WRITTEN[task_id] = write_export_objects(task, account_id, CONTROLS.objects)


def _describe_export_tasks(original: Callable[..., Any]) -> Callable[..., Any]:
    def patched(self: RDSBackend, export_task_identifier: str) -> Any:
        with LOCK:
            COUNTERS.describe_export_calls += 1
            tasks = list(original(self, export_task_identifier))
            for task in tasks:
                _advance(task, self.account_id)
            return tasks

    return patched


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
                "denied": CONTROLS.acl_denied,
            }
            COUNTERS.acl_requests.append(record)
            if CONTROLS.acl_denied:
                raise S3AccessDeniedError()
        return original(self)

    return patched


def _list_objects_v2(original: Callable[..., Any]) -> Callable[..., Any]:
    def patched(self: S3Response) -> Any:
        with LOCK:
            asked = self.querystring.get("max-keys", [None])[0]
            cap = CONTROLS.list_page_size
            if cap is not None and (asked is None or int(asked) > cap):
                self.querystring["max-keys"] = [str(cap)]
            COUNTERS.list_requests.append(
                {
                    "bucket": self.bucket_name,
                    "prefix": self.querystring.get("prefix", [None])[0],
                    "max_keys_asked": asked,
                    "continuation": "continuation-token" in self.querystring
                    or "start-after" in self.querystring,
                    "account": self.current_account,
                }
            )
        return original(self)

    return patched


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

    return patched


def _get_crawler(original: Callable[..., Any]) -> Callable[..., Any]:
    def patched(self: GlueBackend, name: str) -> Any:
        with LOCK:
            COUNTERS.get_crawler_calls += 1
            crawler = original(self, name)
            if crawler.crawls:
                crawler.crawls[-1].advance()
            return crawler

    return patched


def _put_events(original: Callable[..., Any]) -> Callable[..., Any]:
    def patched(self: EventsBackend, events: list[dict[str, Any]]) -> Any:
        with LOCK:
            for event in events:
                COUNTERS.put_events.append(
                    {
                        "source": event.get("Source"),
                        "detail_type": event.get("DetailType"),
                        "bus": event.get("EventBusName"),
                        "detail": event.get("Detail"),
                    }
                )
        return original(self, events)

    return patched


def install() -> None:
    """Installs every patch once (idempotent)."""
    if getattr(RDSBackend, "_harness_patched", False):
        return
    _wrap(RDSBackend, "start_export_task", _start_export_task)
    _wrap(RDSBackend, "describe_export_tasks", _describe_export_tasks)
    _wrap(S3Response, "put_object_acl", _put_object_acl)
    _wrap(S3Response, "list_objects_v2", _list_objects_v2)
    _wrap(GlueBackend, "start_crawler", _start_crawler)
    _wrap(GlueBackend, "get_crawler", _get_crawler)
    _wrap(EventsBackend, "put_events", _put_events)
    RDSBackend._harness_patched = True  # type: ignore[attr-defined]
    set_crawl_ticks(1)

"""Writes the S3 objects a finished RDS snapshot export leaves behind, as the prod account.

A real export writes, under `<S3Prefix>/<export-id>/`:
`<database>/<schema.table>/<partition>/part-*.gz.parquet` data files, `_SUCCESS` markers
per table, `export_info_<id>.json` and `export_tables_info_<id>_from_1_to_N.json`. The
bytes here are small fakes; the layout, the count and the writer are what the pipeline
cares about. Objects are put through the prod account's S3 backend, the way the export
role (a prod principal) writes into the analytics bucket, so prod is their writer.
"""

from __future__ import annotations

import json
from typing import Any

from moto.s3.models import s3_backends

# Per-table layout: `1/` partitions of at most this many parts each.
PARTS_PER_PARTITION = 100


def export_root(task: Any) -> str:
    prefix = (task.s3_prefix or "").strip("/")
    return f"{prefix}/{task.export_task_identifier}" if prefix else task.export_task_identifier


def plan_keys(task: Any, spec: dict[str, Any]) -> list[str]:
    """The keys of one export: `spec` = {database, tables: [schema.table], total_objects}.

    `total_objects` counts every object (data files, markers and JSON files): the parts are
    spread over the tables so the total comes out exact.
    """
    root = export_root(task)
    database = spec.get("database", "appdb")
    tables = spec.get("tables", ["public.orders"])
    total = int(spec.get("total_objects", 10))
    meta = [
        f"{root}/export_info_{task.export_task_identifier}.json",
        f"{root}/export_tables_info_{task.export_task_identifier}_from_1_to_{len(tables)}.json",
    ]
    markers = [f"{root}/{database}/{table}/_SUCCESS" for table in tables]
    parts = total - len(meta) - len(markers)
    if parts < len(tables):
        raise ValueError(
            f"total_objects {total} is too small for {len(tables)} tables "
            f"(needs at least {len(meta) + 2 * len(tables)})"
        )
    keys = list(meta) + list(markers)
    for index in range(parts):
        table = tables[index % len(tables)]
        nth = index // len(tables)
        partition = nth // PARTS_PER_PARTITION + 1
        keys.append(f"{root}/{database}/{table}/{partition}/part-{nth:05d}-{index:05d}.gz.parquet")
    return keys


def write_export_objects(task: Any, account_id: str, spec: dict[str, Any]) -> list[str]:
    """Writes the export's objects into its bucket as `account_id` (prod); returns the keys."""
    backend = s3_backends[account_id]["aws"]
    keys = plan_keys(task, spec)
    tables = spec.get("tables", ["public.orders"])
    for key in keys:
        if key.endswith("export_info_" + task.export_task_identifier + ".json"):
            body = json.dumps(
                {
                    "exportTaskIdentifier": task.export_task_identifier,
                    "sourceArn": task.source_arn,
                    "status": "COMPLETE",
                }
            ).encode()
        elif "export_tables_info_" in key:
            body = json.dumps(
                {"perTableStatus": [{"target": t, "status": "COMPLETE"} for t in tables]}
            ).encode()
        elif key.endswith("_SUCCESS"):
            body = b""
        else:
            body = b"PAR1fake-parquet-bytesPAR1"
        backend.put_object(
            task.s3_bucket,
            key,
            body,
            encryption="aws:kms",
            kms_key_id=task.kms_key_id,
        )
    return keys

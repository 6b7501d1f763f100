"""Writes the S3 objects a finished RDS snapshot export leaves behind, as the prod account.

A real export writes, under `<S3Prefix>/<export-id>/`:
`<database>/<schema.table>/<partition>/part-*.gz.parquet` data files, `_SUCCESS` markers
per table, `export_info_<id>.json` and `export_tables_info_<id>_from_1_to_N.json`. The
data files are real Parquet (pyarrow, gzip), a few rows per file with nulls, of the
columns `spec["columns"][table]` names (`[[name, type], ...]`; types: int32, int64,
boolean, double, float, string, binary, date, timestamp, decimal(p,s),
list<T>, struct<a:T,...>) or DEFAULT_COLUMNS; every part of a table holds the same bytes.
`export_tables_info` names each table `database.schema.table` with status COMPLETE and its
original (PostgreSQL) column types, plus `spec["failed_tables"]` with status FAILED and no
files. Objects are put through the prod account's S3 backend, the way the export role (a
prod principal) writes into the analytics bucket, so prod is their writer.

Verification (issue #21) needs exact, known row counts and the ways an export goes wrong:
- `spec["rows"]` {table: n}: the table holds exactly n rows, spread unevenly over
  `spec["files"][table]` data files (default 3; 0: a folder with its `_SUCCESS` marker and
  no Parquet, an empty table) in `spec["batches"][table]` batch folders `1/`, `2/`, ...
  (default min(2, files)); such a table's parts are not taken from `total_objects`.
- `spec["skipped_tables"]` {table: reason}: RDS skipped it: no folder, no tables-info
  entry, named in the task's WarningMessage (`warning_message(spec)`, set by patches.py when
  the task completes, as DescribeExportTasks returns it).
- `spec["many"]` {schema, exported, failed, skipped, general_warnings}: that many generated tables
  (`<schema>.t00000`, ...) of each kind besides `tables` (the 10,000-table export): the
  exported ones get one small file each, the same Parquet bytes (cached), written straight
  into moto's backend; `general_warnings` adds that many entries to the warning's `general`.
- `spec["skipped_listed"]`: the skipped tables are also listed in the tables info, with no
  status (undocumented either way; by default they are named by the warning only).
"""

from __future__ import annotations

import io
import json
import re
from functools import lru_cache
from typing import Any

from moto.s3.models import s3_backends

# Per-table layout: `1/` partitions of at most this many parts each.
PARTS_PER_PARTITION = 100
# The columns of a table the spec gives none for.
DEFAULT_COLUMNS = [["id", "int64"], ["name", "string"], ["amount", "decimal(12,2)"], ["created_at", "timestamp"]]
# Rows per data file: the third has every nullable value null.
ROWS = 3
# What RDS would report as the original PostgreSQL type of each exported type.
ORIGINAL_TYPES = {
    "int32": "integer", "int64": "bigint", "boolean": "boolean", "double": "double precision",
    "float": "real", "string": "text", "binary": "bytea", "date": "date",
    "timestamp": "timestamp with time zone",
}


def _split_top(text: str) -> list[str]:
    """`a:int,b:list<x>` → ['a:int', 'b:list<x>'] (commas at depth 0 only)."""
    parts, depth, current = [], 0, ""
    for c in text:
        if c == "," and depth == 0:
            parts.append(current)
            current = ""
            continue
        depth += {"<": 1, ">": -1, "(": 1, ")": -1}.get(c, 0)
        current += c
    if current:
        parts.append(current)
    return parts


def arrow_type(name: str) -> Any:
    """The pyarrow type of a column type name of the spec."""
    import pyarrow as pa

    simple = {
        "int32": pa.int32(), "int64": pa.int64(), "boolean": pa.bool_(), "double": pa.float64(),
        "float": pa.float32(), "string": pa.string(), "binary": pa.binary(), "date": pa.date32(),
        "timestamp": pa.timestamp("us", tz="UTC"),
    }
    if name in simple:
        return simple[name]
    m = re.fullmatch(r"decimal\((\d+),\s*(\d+)\)", name)
    if m:
        return pa.decimal128(int(m.group(1)), int(m.group(2)))
    m = re.fullmatch(r"list<(.+)>", name)
    if m:
        return pa.list_(arrow_type(m.group(1)))
    m = re.fullmatch(r"struct<(.+)>", name)
    if m:
        fields = [f.split(":", 1) for f in _split_top(m.group(1))]
        return pa.struct([pa.field(n, arrow_type(t)) for n, t in fields])
    raise ValueError(f"unknown column type {name!r} in the export spec")


def _value(t: Any, row: int) -> Any:
    import datetime
    import decimal

    import pyarrow as pa

    if pa.types.is_boolean(t):
        return row % 2 == 0
    if pa.types.is_integer(t):
        return 1000 + row
    if pa.types.is_floating(t):
        return 0.5 + row
    if pa.types.is_string(t):
        return f"text-{row}"
    if pa.types.is_binary(t):
        return bytes([row, 0xFF, 0x00])
    if pa.types.is_date(t):
        return datetime.date(2026, 11, 24) + datetime.timedelta(days=row)
    if pa.types.is_timestamp(t):
        return datetime.datetime(2026, 11, 24, 3, 10, row, tzinfo=datetime.timezone.utc)
    if pa.types.is_decimal(t):
        return decimal.Decimal(1234 + row).scaleb(-t.scale)
    if pa.types.is_list(t):
        return [_value(t.value_type, row), _value(t.value_type, row + 1)]
    if pa.types.is_struct(t):
        return {t.field(i).name: _value(t.field(i).type, row) for i in range(t.num_fields)}
    raise ValueError(f"no sample value for {t}")


@lru_cache(maxsize=256)
def parquet_bytes(columns: tuple[tuple[str, str], ...], rows: int = ROWS) -> bytes:
    """A gzip Parquet file of `columns` with `rows` rows (its footer's num_rows); the last
    row's nullable values null (the first column is the key, never null)."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    arrays, fields = [], []
    for index, (name, type_name) in enumerate(columns):
        t = arrow_type(type_name)
        values = [_value(t, row % 50) for row in range(rows)]
        if index > 0 and values:
            values[-1] = None
        arrays.append(pa.array(values, type=t))
        fields.append(pa.field(name, t, nullable=index > 0))
    table = pa.Table.from_arrays(arrays, schema=pa.schema(fields))
    out = io.BytesIO()
    # As RDS: decimals of up to 9 / 18 digits as INT32 / INT64, larger ones fixed-length.
    pq.write_table(table, out, compression="gzip", store_decimal_as_integer=True)
    return out.getvalue()


def table_columns(spec: dict[str, Any], table: str) -> tuple[tuple[str, str], ...]:
    columns = spec.get("columns", {}).get(table, DEFAULT_COLUMNS)
    return tuple((str(n), str(t)) for n, t in columns)


def split_rows(rows: int, files: int) -> list[int]:
    """`rows` over `files` data files, unevenly (the first files get one more): no single
    file's footer holds the table's count unless there is one file."""
    if files <= 0:
        return []
    base, extra = divmod(rows, files)
    return [base + (1 if i < extra else 0) for i in range(files)]


def counted_layout(spec: dict[str, Any], table: str) -> list[tuple[str, int]]:
    """A table with known rows: [(relative key below the table folder, rows)] per data file."""
    rows = int(spec["rows"][table])
    files = int(spec.get("files", {}).get(table, 3))
    batches = max(1, int(spec.get("batches", {}).get(table, min(2, files) or 1)))
    out = []
    for i, n in enumerate(split_rows(rows, files)):
        batch = i * batches // files + 1
        out.append((f"{batch}/part-{i:05d}-counted.gz.parquet", n))
    return out


def generated(spec: dict[str, Any]) -> dict[str, list[str]]:
    """The `many` tables: {"exported": [...], "failed": [...], "skipped": [...]}."""
    many = spec.get("many") or {}
    schema = many.get("schema", "bulk")
    out, index = {}, 0
    for kind in ("exported", "failed", "skipped"):
        count = int(many.get(kind, 0))
        out[kind] = [f"{schema}.t{index + i:05d}" for i in range(count)]
        index += count
    return out


def all_tables(spec: dict[str, Any]) -> list[str]:
    """Every table with a folder: the spec's `tables` and the generated exported ones."""
    return list(spec.get("tables", ["public.orders"])) + generated(spec)["exported"]


def skipped_tables(spec: dict[str, Any]) -> dict[str, str]:
    """Tables RDS skipped (named in WarningMessage): the spec's and the generated ones."""
    out = {str(t): str(r) for t, r in (spec.get("skipped_tables") or {}).items()}
    for table in generated(spec)["skipped"]:
        out[table] = "column name contains a space"
    return out


def warning_message(spec: dict[str, Any]) -> str | None:
    """RDS's WarningMessage for this export (a JSON string, `skippedTables`,
    `skippedObjectives`, `general`; aws-facts.md), each skipped table one entry naming
    `database.schema.table` and why; None when nothing was skipped."""
    skipped = skipped_tables(spec)
    general = list(spec.get("warnings_general") or [])
    general += [f"general warning {i} of the export" for i in range(int((spec.get("many") or {}).get("general_warnings", 0)))]
    if not skipped and not general:
        return None
    database = spec.get("database", "appdb")
    return json.dumps({
        "skippedTables": [f"{database}.{t}: {reason}" for t, reason in skipped.items()],
        "skippedObjectives": [],
        "general": general,
    })


def tables_info(spec: dict[str, Any], database: str, tables: list[str]) -> dict[str, Any]:
    """`export_tables_info`: each table COMPLETE with its original types, the failed ones FAILED."""
    entries = []
    for table in tables:
        mappings = [
            {
                "columnName": name,
                "originalType": "numeric" if type_name.startswith("decimal") else ORIGINAL_TYPES.get(type_name, "jsonb"),
                "expectedExportedType": type_name,
            }
            for name, type_name in table_columns(spec, table)
        ]
        entries.append(
            {"target": f"{database}.{table}", "status": "COMPLETE", "sizeGB": 0.0,
             "schemaMetadata": {"originalTypeMappings": mappings}}
        )
    for table in list(spec.get("failed_tables", [])) + generated(spec)["failed"]:
        entries.append({"target": f"{database}.{table}", "status": "FAILED", "sizeGB": 0.0})
    if spec.get("skipped_listed"):
        # Whether RDS lists a table it skipped in the tables info is not documented: with
        # `skipped_listed` it is listed with no status (the WarningMessage says why).
        for table in skipped_tables(spec):
            entries.append({"target": f"{database}.{table}", "sizeGB": 0.0})
    return {"perTableStatus": entries}


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
    every = all_tables(spec)
    counted = [t for t in every if t in (spec.get("rows") or {})]
    many = set(generated(spec)["exported"])
    # The tables whose parts come out of `total_objects` (the layout before verification).
    tables = [t for t in every if t not in counted and t not in many]
    meta = [
        f"{root}/export_info_{task.export_task_identifier}.json",
        f"{root}/export_tables_info_{task.export_task_identifier}_from_1_to_{len(every)}.json",
    ]
    markers = [f"{root}/{database}/{table}/_SUCCESS" for table in every]
    keys = list(meta) + list(markers)
    for table in counted:
        keys.extend(f"{root}/{database}/{table}/{rel}" for rel, _ in counted_layout(spec, table))
    keys.extend(f"{root}/{database}/{table}/1/part-00000-many.gz.parquet" for table in sorted(many))
    if not tables:
        return keys
    others = len(keys)
    # Without total_objects: the old default of 10, or one part per table next to counted ones.
    total = int(spec.get("total_objects", 10 if not counted and not many else others + len(tables)))
    parts = total - others
    if parts < len(tables):
        raise ValueError(
            f"total_objects {total} is too small for {len(tables)} tables "
            f"(needs at least {others + len(tables)})"
        )
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
    tables = all_tables(spec)
    database = spec.get("database", "appdb")
    root = export_root(task)
    counted_rows = {
        f"{root}/{database}/{table}/{rel}": n
        for table in (spec.get("rows") or {})
        for rel, n in counted_layout(spec, table)
    }
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
            body = json.dumps(tables_info(spec, database, tables)).encode()
        elif key.endswith("_SUCCESS"):
            body = b""
        else:
            table = key[len(f"{root}/{database}/"):].split("/", 1)[0]
            body = parquet_bytes(table_columns(spec, table), counted_rows.get(key, ROWS))
        backend.put_object(
            task.s3_bucket,
            key,
            body,
            encryption="aws:kms",
            kms_key_id=task.kms_key_id,
        )
    return keys

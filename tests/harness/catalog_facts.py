"""What the Glue Data Catalog holds, and what an independent reader sees at its locations.

`glue_catalog(vars)` → per table of the scenario's Glue database: type, parameters,
location, columns, partition keys and partitions (values, location, columns), read from
moto's backend. For every location (a latest table's, each partition's), the Parquet files
moto holds there are read with DuckDB (not the code under test, not pyarrow that wrote
them): its column names and types, turned into Hive type names, and the row count. The
e2e checks compare those with the Glue columns (`catalog_agrees_with_reader`).

History tables (issue #21: schema generations `<name>_history`, `_history_v2`, ...): each
partition is also read the way Athena reads a partition, through its table's columns
(`table_read`): every column of the files must have the table's type or one Athena widens
to it (tinyint < smallint < int < bigint, float → double; anything else is
HIVE_PARTITION_SCHEMA_MISMATCH, listed in `mismatches`), and DuckDB must read the files cast
to the table's columns (a column the files lack reads as null), giving `rows`.

`verification_reports(vars, tasks)`: the verification report CatalogTables wrote at each
export's root (`snapshot-export-verification.json`, parsed) and its part files.
`reader=False` skips DuckDB (the 10,000-table export: hundreds of locations).
"""

from __future__ import annotations

import os
import re
import tempfile
from typing import Any

from moto.glue.models import glue_backends
from moto.s3.models import s3_backends

import accounts

_SIMPLE = {
    "BIGINT": "bigint", "INTEGER": "int", "SMALLINT": "smallint", "TINYINT": "tinyint",
    "BOOLEAN": "boolean", "DOUBLE": "double", "FLOAT": "float", "VARCHAR": "string",
    "BLOB": "binary", "DATE": "date", "TIMESTAMP": "timestamp",
    "TIMESTAMP WITH TIME ZONE": "timestamp", "TIMESTAMP_MS": "timestamp", "TIMESTAMP_NS": "timestamp",
    "TIMESTAMP_S": "timestamp", "UBIGINT": "decimal(20,0)", "UINTEGER": "bigint",
    "USMALLINT": "int", "UTINYINT": "smallint",
}


def _split_top(text: str) -> list[str]:
    parts, depth, current = [], 0, ""
    for c in text:
        if c == "," and depth == 0:
            parts.append(current.strip())
            current = ""
            continue
        depth += {"(": 1, ")": -1, "<": 1, ">": -1}.get(c, 0)
        current += c
    if current.strip():
        parts.append(current.strip())
    return parts


def hive_type(duckdb_type: str) -> str:
    """DuckDB's type name → the Hive type name Glue uses (`DECIMAL(12,2)` → `decimal(12,2)`)."""
    t = duckdb_type.strip()
    if t.endswith("[]"):
        return f"array<{hive_type(t[:-2])}>"
    m = re.fullmatch(r"DECIMAL\((\d+),\s*(\d+)\)", t)
    if m:
        return f"decimal({m.group(1)},{m.group(2)})"
    m = re.fullmatch(r"STRUCT\((.*)\)", t, re.S)
    if m:
        fields = []
        for f in _split_top(m.group(1)):
            name, _, ftype = f.partition(" ")
            fields.append(f"{name.strip(chr(34)).lower()}:{hive_type(ftype)}")
        return f"struct<{','.join(fields)}>"
    m = re.fullmatch(r"MAP\((.*)\)", t, re.S)
    if m:
        k, v = _split_top(m.group(1))
        return f"map<{hive_type(k)},{hive_type(v)}>"
    return _SIMPLE.get(t, f"unknown:{t}")


# Athena reads a partition whose column type differs from the table's only for these
# widenings (file type → table type); anything else is HIVE_PARTITION_SCHEMA_MISMATCH.
_WIDENS = {("tinyint", "smallint"), ("tinyint", "int"), ("tinyint", "bigint"), ("smallint", "int"),
           ("smallint", "bigint"), ("int", "bigint"), ("float", "double")}


def duck_type(hive: str) -> str:
    """A Hive type name → the DuckDB type to cast to (the inverse of hive_type)."""
    t = hive.strip()
    simple = {"bigint": "BIGINT", "int": "INTEGER", "smallint": "SMALLINT", "tinyint": "TINYINT",
              "boolean": "BOOLEAN", "double": "DOUBLE", "float": "FLOAT", "string": "VARCHAR",
              "binary": "BLOB", "date": "DATE", "timestamp": "TIMESTAMP WITH TIME ZONE"}
    if t in simple:
        return simple[t]
    m = re.fullmatch(r"decimal\((\d+),\s*(\d+)\)", t)
    if m:
        return f"DECIMAL({m.group(1)},{m.group(2)})"
    m = re.fullmatch(r"array<(.+)>", t)
    if m:
        return f"{duck_type(m.group(1))}[]"
    m = re.fullmatch(r"struct<(.+)>", t)
    if m:
        fields = [f.split(":", 1) for f in _split_top(m.group(1))]
        return "STRUCT(" + ", ".join(f'"{n}" {duck_type(ft)}' for n, ft in fields) + ")"
    raise ValueError(f"no DuckDB type for Hive type {hive!r}")


def _table_read(con: Any, files: list[str], described: list[Any], table_columns: list[list[str]]) -> dict[str, Any]:
    """The files read through the table's columns, as Athena reads a partition."""
    in_file = {name.lower(): hive_type(t) for name, t, *_ in described}
    mismatches = [
        [name, in_file[name], wanted]
        for name, wanted in table_columns
        if name in in_file and in_file[name] != wanted and (in_file[name], wanted) not in _WIDENS
    ]
    select = ", ".join(
        f'CAST("{name}" AS {duck_type(wanted)}) AS "{name}"' if name in in_file else f'NULL AS "{name}"'
        for name, wanted in table_columns
    )
    try:
        rows = con.execute(f"SELECT {select} FROM read_parquet(?)", [files]).fetchall()
    except Exception as err:  # noqa: BLE001 - what the reader says is the fact
        return {"rows": None, "mismatches": mismatches, "error": f"{type(err).__name__}: {err}"}
    return {"rows": len(rows), "mismatches": mismatches, "error": None}


def _read(bucket: Any, location: str, table_columns: list[list[str]] | None = None) -> dict[str, Any] | None:
    """DuckDB's view of the Parquet files under `s3://bucket/prefix/` (None: no file); with
    `table_columns`, also read through those columns (`table_read`)."""
    import duckdb

    prefix = location.split("/", 3)[3] if location.count("/") >= 3 else ""
    if prefix and not prefix.endswith("/"):
        prefix += "/"
    keys = sorted(k for k in bucket.keys.keys() if k.startswith(prefix) and k.endswith(".parquet"))
    if not keys:
        return None
    with tempfile.TemporaryDirectory() as tmp:
        files = []
        for i, key in enumerate(keys):
            path = os.path.join(tmp, f"{i:05d}.parquet")
            with open(path, "wb") as f:
                f.write(bucket.keys[key].value)
            files.append(path)
        con = duckdb.connect()
        try:
            described = con.execute("DESCRIBE SELECT * FROM read_parquet(?)", [files]).fetchall()
            rows = con.execute("SELECT count(*) FROM read_parquet(?)", [files]).fetchone()[0]
            table_read = _table_read(con, files, described, table_columns) if table_columns is not None else None
        finally:
            con.close()
    return {
        "files": len(keys),
        "rows": rows,
        "columns": [[name.lower(), hive_type(t), t] for name, t, *_ in described],
        "table_read": table_read,
    }


def _columns(sd: dict[str, Any] | None) -> list[list[str]]:
    return [[c.get("Name"), c.get("Type")] for c in (sd or {}).get("Columns", [])]


def glue_catalog(vars: dict[str, Any], reader: bool = True) -> dict[str, Any]:
    """The scenario's Glue database, table by table, with the reader's view of each location."""
    glue = glue_backends[accounts.ANALYTICS_ACCOUNT][accounts.REGION]
    database = vars.get("glue_database", "")
    if database not in glue.databases:
        return {}
    bucket = s3_backends[accounts.ANALYTICS_ACCOUNT]["aws"].buckets.get(vars.get("bucket", "")) if reader else None
    out = {}
    for name, table in glue.databases[database].tables.items():
        d = table.as_dict()
        sd = d.get("StorageDescriptor") or {}
        partitions = []
        for p in table.partitions.values():
            pd = p.as_dict()
            psd = pd.get("StorageDescriptor") or {}
            partitions.append({
                "values": pd.get("Values"),
                "location": psd.get("Location"),
                "columns": _columns(psd),
                "parameters": pd.get("Parameters") or {},
                "reader": _read(bucket, psd.get("Location", ""), _columns(sd)) if bucket is not None and psd.get("Location") else None,
            })
        out[name] = {
            "table_type": d.get("TableType"),
            "version_id": d.get("VersionId"),
            "parameters": d.get("Parameters") or {},
            "location": sd.get("Location"),
            "serde": (sd.get("SerdeInfo") or {}).get("SerializationLibrary"),
            "input_format": sd.get("InputFormat"),
            "output_format": sd.get("OutputFormat"),
            "columns": _columns(sd),
            "comments": {c.get("Name"): c.get("Comment") for c in sd.get("Columns", []) if c.get("Comment")},
            "partition_keys": _columns({"Columns": d.get("PartitionKeys") or []}),
            "partitions": sorted(partitions, key=lambda p: p["values"] or []),
            # A partitioned table's files are its partitions'.
            "reader": _read(bucket, sd["Location"]) if bucket is not None and sd.get("Location") and not d.get("PartitionKeys") else None,
        }
    return out


REPORT = "snapshot-export-verification.json"
REPORT_PART = "snapshot-export-verification.part-"


def verification_reports(vars: dict[str, Any], tasks: list[dict[str, Any]]) -> dict[str, Any]:
    """Per export task (by id): the verification report at its root (parsed JSON, or None
    when absent or not JSON: `error`) and the keys of its part files."""
    bucket = s3_backends[accounts.ANALYTICS_ACCOUNT]["aws"].buckets.get(vars.get("bucket", ""))
    out: dict[str, Any] = {}
    if bucket is None:
        return out
    import json

    for task in tasks:
        prefix = (task.get("s3_prefix") or "").strip("/")
        root = f"{prefix}/{task['export_task_id']}/" if prefix else f"{task['export_task_id']}/"
        key = root + REPORT
        entry: dict[str, Any] = {
            "key": key,
            "report": None,
            "bytes": None,
            "parts": sorted(k for k in bucket.keys.keys() if k.startswith(root + REPORT_PART)),
        }
        if key in bucket.keys:
            body = bucket.keys[key].value
            entry["bytes"] = len(body)
            try:
                entry["report"] = json.loads(body)
            except ValueError as err:
                entry["error"] = f"not JSON: {err}"
        out[task["export_task_id"]] = entry
    return out

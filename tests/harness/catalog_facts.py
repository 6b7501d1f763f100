"""What the Glue Data Catalog holds, and what an independent reader sees at its locations.

`glue_catalog(vars)` → per table of the scenario's Glue database: type, parameters,
location, columns, partition keys and partitions (values, location, columns), read from
moto's backend. For every location (a latest table's, each partition's), the Parquet files
moto holds there are read with DuckDB (not the code under test, not pyarrow that wrote
them): its column names and types, turned into Hive type names, and the row count. The
e2e checks compare those with the Glue columns (`catalog_agrees_with_reader`).
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


def _read(bucket: Any, location: str) -> dict[str, Any] | None:
    """DuckDB's view of the Parquet files under `s3://bucket/prefix/` (None: no file)."""
    import duckdb

    prefix = location.split("/", 3)[3] if location.count("/") >= 3 else ""
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
        finally:
            con.close()
    return {
        "files": len(keys),
        "rows": rows,
        "columns": [[name.lower(), hive_type(t), t] for name, t, *_ in described],
    }


def _columns(sd: dict[str, Any] | None) -> list[list[str]]:
    return [[c.get("Name"), c.get("Type")] for c in (sd or {}).get("Columns", [])]


def glue_catalog(vars: dict[str, Any]) -> dict[str, Any]:
    """The scenario's Glue database, table by table, with the reader's view of each location."""
    glue = glue_backends[accounts.ANALYTICS_ACCOUNT][accounts.REGION]
    database = vars.get("glue_database", "")
    if database not in glue.databases:
        return {}
    bucket = s3_backends[accounts.ANALYTICS_ACCOUNT]["aws"].buckets.get(vars.get("bucket", ""))
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
                "reader": _read(bucket, psd.get("Location", "")) if bucket is not None and psd.get("Location") else None,
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

"""Facts of copy delivery, for GET /facts: the objects of the prod staging bucket and of
the analytics bucket with what a copy check compares (writer account, ETag, encryption,
KMS key, user metadata), read from moto's backends."""

from __future__ import annotations

from typing import Any

from moto.s3.models import s3_backends

import accounts


def _objects(account: str, bucket_name: str | None) -> list[dict[str, Any]] | None:
    if not bucket_name:
        return None
    bucket = s3_backends[account]["aws"].buckets.get(bucket_name)
    if bucket is None:
        return None
    out = []
    for key in bucket.keys.values():
        metadata = {k.lower().removeprefix("x-amz-meta-"): v for k, v in dict(getattr(key, "metadata", {}) or {}).items()}
        out.append(
            {
                "key": key.name,
                "writer": getattr(key, "account_id", None),
                "etag": str(key.etag).strip('"'),
                "size": key.size,
                "encryption": getattr(key, "encryption", None),
                "kms_key_id": getattr(key, "kms_key_id", None),
                "metadata": metadata,
                "last_modified": key.last_modified_ISO8601,
            }
        )
    return sorted(out, key=lambda o: o["key"])


def copy_buckets(vars_: dict[str, Any]) -> dict[str, Any] | None:
    """{"staging": [...], "analytics": [...]} with copy delivery, else None."""
    if vars_.get("delivery") != "copy":
        return None
    return {
        "staging": _objects(accounts.PROD_ACCOUNT, vars_.get("staging_bucket")),
        "analytics": _objects(accounts.ANALYTICS_ACCOUNT, vars_.get("bucket")),
    }

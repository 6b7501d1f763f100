"""Builds the two-account world of a scenario inside moto with boto3.

analytics (moto's default account, reached with the plain `testing` keys): the export
bucket with its object-ownership setting, a decoy object outside the export prefix, the
Glue database and crawler (CombineCompatibleSchemas, `**.json` excluded) and the event bus
for notifications. The crawler (`crawler.missing`) and the bus (`event_bus.missing`) can be
left out, for a scenario whose fix is to create them (`create_crawler`, `create_event_bus`
controls).

prod (another account id, reached through STS AssumeRole, as moto switches accounts by the
role ARN): the DB instance or Aurora cluster and its snapshots, the KMS key, the export
role and the cross-account role the Lambdas assume (PROD_ROLE_ARN).

Copy delivery (`setup.copy`, {} for the defaults): the prod staging bucket the export is
written to, the prod copier role and the analytics key of the copies.
"""

from __future__ import annotations

import json
from typing import Any

import boto3

REGION = "us-east-1"
ANALYTICS_ACCOUNT = "123456789012"
PROD_ACCOUNT = "210987654321"
# The second prod account of the applied two-account example (infra/examples/cross-account:
# prod_a is PROD_ACCOUNT, prod_b this one), reached like prod through STS AssumeRole.
PROD_B_ACCOUNT = "310987654321"
EXTERNAL_ID = "snapshot-export-e2e"
# The analytics bucket and export prefix of every scenario (and of the applied stack).
BUCKET = "analytics-snapshot-exports"
EXPORT_PREFIX = "exports"
CRAWLER_CONFIGURATION = {"Version": 1.0, "Grouping": {"TableGroupingPolicy": "CombineCompatibleSchemas"}}


def _client(endpoint: str, service: str, creds: dict[str, str] | None = None) -> Any:
    keys = creds or {"aws_access_key_id": "testing", "aws_secret_access_key": "testing"}
    return boto3.client(service, region_name=REGION, endpoint_url=endpoint, **keys)


def prod_credentials(endpoint: str, account: str = PROD_ACCOUNT) -> dict[str, str]:
    """Credentials of an admin role in a prod account (moto takes the account from the role
    ARN)."""
    sts = _client(endpoint, "sts")
    creds = sts.assume_role(
        RoleArn=f"arn:aws:iam::{account}:role/e2e-prod-admin", RoleSessionName="e2e-setup"
    )["Credentials"]
    return {
        "aws_access_key_id": creds["AccessKeyId"],
        "aws_secret_access_key": creds["SecretAccessKey"],
        "aws_session_token": creds["SessionToken"],
    }


def _trust(principal: dict[str, Any]) -> str:
    return json.dumps(
        {
            "Version": "2012-10-17",
            "Statement": [{"Effect": "Allow", "Principal": principal, "Action": "sts:AssumeRole"}],
        }
    )


def _snapshot(rds: Any, spec: dict[str, Any]) -> dict[str, str]:
    """Creates the instance/cluster (moto saves an automated `rds:` snapshot at creation)."""
    kind = spec.get("kind", "instance")
    source = spec["source"]
    if kind == "instance":
        try:
            rds.create_db_instance(
                DBInstanceIdentifier=source,
                DBInstanceClass="db.t3.micro",
                Engine="postgres",
                AllocatedStorage=20,
                MasterUsername="admin",
                MasterUserPassword="not-a-secret-1",
            )
        except rds.exceptions.DBInstanceAlreadyExistsFault:
            pass
        if spec.get("type", "automated") == "manual":
            snap = rds.create_db_snapshot(DBInstanceIdentifier=source, DBSnapshotIdentifier=spec["id"])
            snap = snap["DBSnapshot"]
        else:
            snaps = rds.describe_db_snapshots(DBInstanceIdentifier=source, SnapshotType="automated")
            snap = snaps["DBSnapshots"][-1]
        return {"arn": snap["DBSnapshotArn"], "id": snap["DBSnapshotIdentifier"], "db": source}
    try:
        rds.create_db_cluster(
            DBClusterIdentifier=source,
            Engine="aurora-postgresql",
            MasterUsername="admin",
            MasterUserPassword="not-a-secret-1",
        )
    except rds.exceptions.DBClusterAlreadyExistsFault:
        pass
    if spec.get("type", "automated") == "manual":
        snap = rds.create_db_cluster_snapshot(DBClusterIdentifier=source, DBClusterSnapshotIdentifier=spec["id"])
        snap = snap["DBClusterSnapshot"]
    else:
        snaps = rds.describe_db_cluster_snapshots(DBClusterIdentifier=source, SnapshotType="automated")
        snap = snaps["DBClusterSnapshots"][-1]
    return {"arn": snap["DBClusterSnapshotArn"], "id": snap["DBClusterSnapshotIdentifier"], "db": source}


def put_decoys(endpoint: str, bucket: str, prefix: str) -> list[str]:
    """Objects outside the export prefix: the pipeline must never touch them."""
    decoys = [f"{prefix}-other/keep.csv", "unrelated/report.parquet"]
    for key in decoys:
        _client(endpoint, "s3").put_object(Bucket=bucket, Key=key, Body=b"not an export")
    return decoys


def create_crawler(endpoint: str, name: str, database: str, bucket: str, prefix: str) -> None:
    """The crawler over the export prefix (also the fix a scenario applies when it was missing)."""
    _client(endpoint, "glue").create_crawler(
        Name=name,
        Role=f"arn:aws:iam::{ANALYTICS_ACCOUNT}:role/glue-crawler",
        DatabaseName=database,
        Targets={"S3Targets": [{"Path": f"s3://{bucket}/{prefix}/", "Exclusions": ["**.json"]}]},
        Configuration=json.dumps(CRAWLER_CONFIGURATION),
    )


def create_event_bus(endpoint: str, name: str) -> None:
    """The notification bus (also the fix a scenario applies when it was missing)."""
    _client(endpoint, "events").create_event_bus(Name=name)


def build_copy_delivery(endpoint: str, setup: dict[str, Any], prod: dict[str, str]) -> dict[str, Any]:
    """Copy delivery (`setup.copy`): the prod staging bucket the export is written to
    (BucketOwnerEnforced), the prod copier role copy-objects assumes (COPIER_ROLE_ARN, with
    the external id) and, unless `encryption` is "sse-s3", the analytics KMS key of the
    copies (DESTINATION_KMS_KEY_ARN)."""
    spec = setup.get("copy") or {}
    staging = spec.get("staging_bucket", "prod-export-staging")
    s3 = _client(endpoint, "s3", prod)
    s3.create_bucket(Bucket=staging)
    s3.put_bucket_ownership_controls(
        Bucket=staging, OwnershipControls={"Rules": [{"ObjectOwnership": "BucketOwnerEnforced"}]}
    )
    copier = _client(endpoint, "iam", prod).create_role(
        RoleName="snapshot-export-copier",
        AssumeRolePolicyDocument=_trust({"AWS": f"arn:aws:iam::{ANALYTICS_ACCOUNT}:root"}),
    )["Role"]["Arn"]
    key = None
    if spec.get("encryption", "kms") == "kms":
        key = _client(endpoint, "kms").create_key(Description="analytics copies")["KeyMetadata"]["Arn"]
    return {
        "delivery": "copy",
        "staging_bucket": staging,
        "copier_role_arn": copier,
        "destination_kms_key_arn": key,
    }


def build(endpoint: str, setup: dict[str, Any]) -> dict[str, Any]:
    """Creates everything `setup` asks for; returns the names and ARNs the Lambdas need."""
    bucket = setup.get("bucket", {}).get("name", BUCKET)
    ownership = setup.get("bucket", {}).get("ownership", "BucketOwnerEnforced")
    prefix = setup.get("export_prefix", EXPORT_PREFIX)
    crawler_name = setup.get("crawler", {}).get("name", "snapshot-exports")
    database = setup.get("crawler", {}).get("database", "snapshot_exports")
    # "event_bus": a name, or {"name": ..., "missing": true} (the Lambdas are configured
    # with the name, but the bus does not exist until the create_event_bus control).
    bus_spec = setup.get("event_bus", "snapshot-export-notifications")
    if isinstance(bus_spec, str):
        bus_spec = {"name": bus_spec}
    bus = bus_spec.get("name", "snapshot-export-notifications")
    bus_missing = bool(bus_spec.get("missing"))

    s3 = _client(endpoint, "s3")
    s3.create_bucket(Bucket=bucket)
    if ownership:
        s3.put_bucket_ownership_controls(
            Bucket=bucket, OwnershipControls={"Rules": [{"ObjectOwnership": ownership}]}
        )
    decoys = put_decoys(endpoint, bucket, prefix)

    iam = _client(endpoint, "iam")
    iam.create_role(
        RoleName="glue-crawler",
        AssumeRolePolicyDocument=_trust({"Service": "glue.amazonaws.com"}),
    )
    glue = _client(endpoint, "glue")
    glue.create_database(DatabaseInput={"Name": database})
    crawler_missing = bool(setup.get("crawler", {}).get("missing"))
    if not crawler_missing:
        create_crawler(endpoint, crawler_name, database, bucket, prefix)
        if setup.get("crawler", {}).get("already_running"):
            glue.start_crawler(Name=crawler_name)
    if not bus_missing:
        create_event_bus(endpoint, bus)

    prod = prod_credentials(endpoint)
    prod_iam = _client(endpoint, "iam", prod)
    cross = prod_iam.create_role(
        RoleName="snapshot-export-cross-account",
        AssumeRolePolicyDocument=_trust({"AWS": f"arn:aws:iam::{ANALYTICS_ACCOUNT}:root"}),
    )["Role"]["Arn"]
    export_role = prod_iam.create_role(
        RoleName="rds-s3-export",
        AssumeRolePolicyDocument=_trust({"Service": "export.rds.amazonaws.com"}),
    )["Role"]["Arn"]
    key_arn = _client(endpoint, "kms", prod).create_key(Description="snapshot export key")[
        "KeyMetadata"
    ]["Arn"]
    rds = _client(endpoint, "rds", prod)
    snapshots = {s["alias"]: _snapshot(rds, s) for s in setup.get("snapshots", [])}
    copy = build_copy_delivery(endpoint, setup, prod) if setup.get("copy") is not None else {}
    # The export-waits table of the callback wait (`[export] events = true`), as the
    # Terraform declares it: key snapshot_arn + execution_id, on demand.
    waits_table = setup.get("export_waits_table", "snapshot-export-waits")
    _client(endpoint, "dynamodb").create_table(
        TableName=waits_table,
        AttributeDefinitions=[
            {"AttributeName": "snapshot_arn", "AttributeType": "S"},
            {"AttributeName": "execution_id", "AttributeType": "S"},
        ],
        KeySchema=[
            {"AttributeName": "snapshot_arn", "KeyType": "HASH"},
            {"AttributeName": "execution_id", "KeyType": "RANGE"},
        ],
        BillingMode="PAY_PER_REQUEST",
    )

    return {
        **copy,
        "region": REGION,
        "analytics_account": ANALYTICS_ACCOUNT,
        "prod_account": PROD_ACCOUNT,
        "bucket": bucket,
        "ownership": ownership,
        "export_prefix": prefix,
        "decoy_keys": decoys,
        "kms_key_arn": key_arn,
        "export_role_arn": export_role,
        "prod_role_arn": cross,
        "prod_role_external_id": EXTERNAL_ID,
        "crawler_name": crawler_name,
        "glue_database": database,
        "event_bus_name": bus,
        "event_bus_missing": bus_missing,
        "crawler_missing": crawler_missing,
        "snapshot": snapshots,
        "export_waits_table": waits_table,
    }

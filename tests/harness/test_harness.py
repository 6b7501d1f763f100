"""Unit checks of the launcher's patches and control API, driven with boto3 directly.

Run: `.venv/bin/python -m unittest discover -s tests/harness -v`. These check the harness
itself (export timeline, written objects, injected faults, counters, crawl ticks) without
any Lambda, so a broken harness is found here rather than as a puzzling e2e failure.
"""

from __future__ import annotations

import json
import os
import sys
import unittest
from urllib.request import Request, urlopen

sys.dont_write_bytecode = True  # no __pycache__ in the checkout
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import boto3  # noqa: E402

import launcher  # noqa: E402


def call(url: str, method: str = "GET", body: object | None = None) -> dict:
    data = None if body is None else json.dumps(body).encode()
    req = Request(url, data=data, method=method, headers={"Content-Type": "application/json"})
    return json.loads(urlopen(req, timeout=30).read())


class HarnessTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls) -> None:
        cls.moto, cls.moto_url, cls.control, _ = launcher.start()

    @classmethod
    def tearDownClass(cls) -> None:
        cls.moto.stop()

    def setUp(self) -> None:
        call(f"{self.control}/reset", "POST", {})

    def client(self, service: str, creds: dict | None = None):
        keys = creds or {"aws_access_key_id": "testing", "aws_secret_access_key": "testing"}
        return boto3.client(service, region_name="us-east-1", endpoint_url=self.moto_url, **keys)

    def prod(self, service: str):
        creds = self.client("sts").assume_role(
            RoleArn=self.vars["prod_role_arn"], RoleSessionName="unit-test"
        )["Credentials"]
        return self.client(
            service,
            {
                "aws_access_key_id": creds["AccessKeyId"],
                "aws_secret_access_key": creds["SecretAccessKey"],
                "aws_session_token": creds["SessionToken"],
            },
        )

    def do_setup(self, **extra) -> None:
        setup = {
            "bucket": {"ownership": "ObjectWriter"},
            "snapshots": [{"alias": "orders", "kind": "instance", "source": "orders"}],
            **extra,
        }
        self.vars = call(f"{self.control}/setup", "POST", setup)

    def start_export(self, rds, task_id: str = "orders-export-1"):
        return rds.start_export_task(
            ExportTaskIdentifier=task_id,
            SourceArn=self.vars["snapshot"]["orders"]["arn"],
            S3BucketName=self.vars["bucket"],
            S3Prefix=self.vars["export_prefix"],
            IamRoleArn=self.vars["export_role_arn"],
            KmsKeyId=self.vars["kms_key_arn"],
        )

    def test_setup_builds_two_accounts(self) -> None:
        self.do_setup()
        self.assertIn(":210987654321:snapshot:rds:orders-", self.vars["snapshot"]["orders"]["arn"])
        own = self.client("s3").get_bucket_ownership_controls(Bucket=self.vars["bucket"])
        self.assertEqual(own["OwnershipControls"]["Rules"][0]["ObjectOwnership"], "ObjectWriter")
        crawler = self.client("glue").get_crawler(Name=self.vars["crawler_name"])["Crawler"]
        self.assertEqual(crawler["Targets"]["S3Targets"][0]["Exclusions"], ["**.json"])
        self.assertIn("CombineCompatibleSchemas", crawler["Configuration"])
        self.assertEqual(call(f"{self.control}/counters")["start_export_calls"], [])

    def test_export_follows_timeline_and_writes_objects_as_prod(self) -> None:
        self.do_setup(
            controls={
                "timeline": [
                    {"status": "STARTING"},
                    {"status": "IN_PROGRESS", "percent": 40},
                    {"status": "COMPLETE", "percent": 100},
                ],
                "objects": {"database": "orders", "tables": ["public.a", "public.b"], "total_objects": 12},
            }
        )
        rds = self.prod("rds")
        started = self.start_export(rds)
        self.assertEqual(started["Status"], "starting")
        seen = []
        for _ in range(4):
            task = rds.describe_export_tasks(ExportTaskIdentifier="orders-export-1")["ExportTasks"][0]
            seen.append((task["Status"], task.get("PercentProgress")))
        self.assertEqual(
            seen, [("starting", 0), ("in_progress", 40), ("complete", 100), ("complete", 100)]
        )
        facts = call(f"{self.control}/facts")
        export_keys = [o for o in facts["objects"] if o["key"].startswith("exports/orders-export-1/")]
        self.assertEqual(len(export_keys), 12)
        self.assertEqual({o["writer"] for o in export_keys}, {"210987654321"})
        listed = self.client("s3").list_objects_v2(Bucket=self.vars["bucket"], Prefix="exports/orders-export-1/")
        self.assertEqual(listed["KeyCount"], 12)

    def test_export_advance_moves_the_timeline_uncounted_and_the_waits_table_exists(self) -> None:
        # The callback scenarios' clock: /export/advance steps the export without a
        # DescribeExportTasks; the set-up creates the export-waits table (DynamoDB).
        self.do_setup(controls={"timeline": [{"status": "STARTING"}, {"status": "COMPLETE", "percent": 100}]})
        self.start_export(self.prod("rds"))
        steps = [call(f"{self.control}/export/advance", "POST", {"export_task_id": "orders-export-1"})["status"] for _ in range(3)]
        self.assertEqual(steps, ["STARTING", "COMPLETE", "COMPLETE"])
        self.assertIsNone(call(f"{self.control}/export/advance", "POST", {"export_task_id": "nope"})["status"])
        self.assertEqual(call(f"{self.control}/counters")["describe_export_calls"], 0)
        table = self.client("dynamodb").describe_table(TableName=self.vars["export_waits_table"])["Table"]
        self.assertEqual([k["AttributeName"] for k in table["KeySchema"]], ["snapshot_arn", "execution_id"])

    def test_exports_write_real_parquet_with_snapshot_time_and_tables_info(self) -> None:
        self.do_setup(
            controls={
                "export_snapshot_time": "2026-11-24T03:10:00Z",
                "objects": {
                    "database": "shop",
                    "tables": ["public.orders"],
                    "columns": {"public.orders": [["id", "int64"], ["total", "decimal(12,2)"]]},
                    "failed_tables": ["public.audit"],
                    "total_objects": 5,
                },
            }
        )
        rds = self.prod("rds")
        self.start_export(rds)
        task = rds.describe_export_tasks(ExportTaskIdentifier="orders-export-1")["ExportTasks"][0]
        self.assertEqual(task["SnapshotTime"].isoformat(), "2026-11-24T03:10:00+00:00")
        s3 = self.client("s3")
        keys = [o["Key"] for o in s3.list_objects_v2(Bucket=self.vars["bucket"], Prefix="exports/orders-export-1/")["Contents"]]
        part = next(k for k in keys if k.endswith(".parquet"))
        body = s3.get_object(Bucket=self.vars["bucket"], Key=part)["Body"].read()
        self.assertEqual((body[:4], body[-4:]), (b"PAR1", b"PAR1"))
        info_key = next(k for k in keys if "export_tables_info_" in k)
        info = json.loads(s3.get_object(Bucket=self.vars["bucket"], Key=info_key)["Body"].read())
        self.assertEqual(
            [(t["target"], t["status"]) for t in info["perTableStatus"]],
            [("shop.public.orders", "COMPLETE"), ("shop.public.audit", "FAILED")],
        )

    def test_exact_rows_over_files_and_batches_skipped_tables_in_the_warning(self) -> None:
        # Issue #21: known row counts spread unevenly over files in batch folders 1/ and 2/,
        # an empty table (folder, no Parquet), a FAILED one in tables info, RDS's skipped
        # tables in the WarningMessage DescribeExportTasks returns, generated tables.
        import io

        import pyarrow.parquet as pq

        self.do_setup(
            controls={
                "objects": {
                    "database": "shop",
                    "tables": ["public.orders", "public.empty", "public.plain"],
                    "rows": {"public.orders": 1234, "public.empty": 0},
                    "files": {"public.orders": 5, "public.empty": 0},
                    "failed_tables": ["public.audit"],
                    "skipped_tables": {"public.bad": "column name contains a space"},
                    "many": {"schema": "bulk", "exported": 3, "failed": 2, "skipped": 4},
                },
            }
        )
        rds = self.prod("rds")
        self.start_export(rds)
        task = rds.describe_export_tasks(ExportTaskIdentifier="orders-export-1")["ExportTasks"][0]
        warning = json.loads(task["WarningMessage"])
        self.assertEqual(sorted(warning), ["general", "skippedObjectives", "skippedTables"])
        self.assertEqual(len(warning["skippedTables"]), 5)
        self.assertIn("shop.public.bad: column name contains a space", warning["skippedTables"])
        s3 = self.client("s3")
        root = "exports/orders-export-1/"
        keys = [o["Key"] for o in s3.list_objects_v2(Bucket=self.vars["bucket"], Prefix=root)["Contents"]]
        orders = [k for k in keys if k.startswith(root + "shop/public.orders/") and k.endswith(".parquet")]
        self.assertEqual(len(orders), 5)
        self.assertEqual({k.split("/")[4] for k in orders}, {"1", "2"})
        counts = [pq.ParquetFile(io.BytesIO(s3.get_object(Bucket=self.vars["bucket"], Key=k)["Body"].read())).metadata.num_rows for k in sorted(orders)]
        self.assertEqual(sum(counts), 1234)
        self.assertEqual(len(set(counts)), 2)  # uneven: the first file alone is not the count
        self.assertIn(root + "shop/public.empty/_SUCCESS", keys)
        self.assertFalse([k for k in keys if "public.empty/" in k and k.endswith(".parquet")])
        self.assertEqual(len([k for k in keys if "/bulk.t" in k and k.endswith(".parquet")]), 3)
        self.assertFalse([k for k in keys if "public.bad" in k])
        info = json.loads(s3.get_object(Bucket=self.vars["bucket"], Key=next(k for k in keys if "export_tables_info_" in k))["Body"].read())
        statuses = {t["target"]: t["status"] for t in info["perTableStatus"]}
        self.assertEqual(statuses["shop.public.audit"], "FAILED")
        self.assertEqual(sum(1 for s in statuses.values() if s == "FAILED"), 3)
        self.assertNotIn("shop.public.bad", statuses)
        # The report CatalogTables would write, read back through the facts.
        s3.put_object(Bucket=self.vars["bucket"], Key=root + "snapshot-export-verification.json", Body=b'{"verdict": "PARTIAL"}')
        facts = call(f"{self.control}/facts?reader=0")
        self.assertEqual(facts["verification_reports"]["orders-export-1"]["report"], {"verdict": "PARTIAL"})
        self.assertIn("skippedTables", facts["export_tasks"][0]["warning_message"])

    def test_history_partitions_are_read_through_their_tables_columns(self) -> None:
        # A partition whose files hold a bigint where the table says string is Athena's
        # HIVE_PARTITION_SCHEMA_MISMATCH; int → bigint is a widening Athena reads.
        self.do_setup(controls={"objects": {"database": "shop", "tables": ["public.t"], "rows": {"public.t": 7},
                                           "columns": {"public.t": [["id", "int32"], ["v", "int64"]]}}})
        self.start_export(self.prod("rds"))
        self.prod("rds").describe_export_tasks(ExportTaskIdentifier="orders-export-1")
        glue = self.client("glue")
        db = self.vars["glue_database"]
        location = f"s3://{self.vars['bucket']}/exports/orders-export-1/shop/public.t/"
        for name, columns in (("ok_history", [("id", "bigint"), ("v", "bigint"), ("added", "string")]),
                              ("bad_history", [("id", "int"), ("v", "string")])):
            sd = {"Columns": [{"Name": n, "Type": t} for n, t in columns], "Location": location}
            glue.create_table(DatabaseName=db, TableInput={"Name": name, "StorageDescriptor": sd,
                                                           "PartitionKeys": [{"Name": "snapshot_export_id", "Type": "string"}]})
            glue.create_partition(DatabaseName=db, TableName=name, PartitionInput={
                "Values": ["orders-export-1"], "StorageDescriptor": sd, "Parameters": {"recordCount": "7"}})
        catalog = call(f"{self.control}/facts")["glue_catalog"]
        ok = catalog["ok_history"]["partitions"][0]
        self.assertEqual(ok["parameters"], {"recordCount": "7"})
        self.assertEqual(ok["reader"]["table_read"], {"rows": 7, "mismatches": [], "error": None})
        bad = catalog["bad_history"]["partitions"][0]["reader"]["table_read"]
        self.assertEqual(bad["mismatches"], [["v", "bigint", "string"]])

    def test_glue_update_table_checks_the_version_id(self) -> None:
        self.do_setup()
        glue = self.client("glue")
        db = self.vars["glue_database"]
        table = {"Name": "t", "StorageDescriptor": {"Columns": [{"Name": "a", "Type": "int"}]}}
        glue.create_table(DatabaseName=db, TableInput=table)
        version = glue.get_table(DatabaseName=db, Name="t")["Table"]["VersionId"]
        glue.update_table(DatabaseName=db, TableInput=table, VersionId=version)
        with self.assertRaises(glue.exceptions.ConcurrentModificationException):
            glue.update_table(DatabaseName=db, TableInput=table, VersionId=version)
        glue.update_table(DatabaseName=db, TableInput=table)  # no VersionId: no check, as Glue
        writes = call(f"{self.control}/counters")["glue_writes"]
        self.assertEqual(
            [(w["operation"], w["outcome"]) for w in writes],
            [("CreateTable", "ok"), ("UpdateTable", "ok"), ("UpdateTable", "ConcurrentModificationException"), ("UpdateTable", "ok")],
        )

    def test_failed_export_has_cause(self) -> None:
        self.do_setup(controls={"timeline": [{"status": "FAILED", "failure_cause": "S3 bucket gone"}]})
        rds = self.prod("rds")
        self.start_export(rds)
        task = rds.describe_export_tasks(ExportTaskIdentifier="orders-export-1")["ExportTasks"][0]
        self.assertEqual(task["Status"], "failed")
        self.assertEqual(task["FailureCause"], "S3 bucket gone")

    def test_null_timeline_is_motos_own_export(self) -> None:
        # The Rust tests of the handlers rely on it: complete at once, nothing written, so
        # an export into a bucket that does not exist still describes.
        self.do_setup(controls={"timeline": None})
        rds = self.prod("rds")
        started = rds.start_export_task(
            ExportTaskIdentifier="orders-export-1",
            SourceArn=self.vars["snapshot"]["orders"]["arn"],
            S3BucketName="no-such-bucket",
            IamRoleArn=self.vars["export_role_arn"],
            KmsKeyId=self.vars["kms_key_arn"],
        )
        self.assertEqual(started["Status"], "complete")
        task = rds.describe_export_tasks(ExportTaskIdentifier="orders-export-1")["ExportTasks"][0]
        self.assertEqual(task["Status"], "complete")
        facts = call(f"{self.control}/facts")
        self.assertEqual(facts["export_tasks"][0]["objects_written"], [])
        self.assertEqual(call(f"{self.control}/counters")["describe_export_calls"], 1)

    def test_quota_fault_then_start(self) -> None:
        self.do_setup(controls={"start_failures": {"code": "ExportTaskLimitReachedFault", "count": 2}})
        rds = self.prod("rds")
        for _ in range(2):
            with self.assertRaises(rds.exceptions.ClientError) as err:
                self.start_export(rds)
            self.assertEqual(err.exception.response["Error"]["Code"], "ExportTaskLimitReachedFault")
        self.start_export(rds)
        outcomes = [c["outcome"] for c in call(f"{self.control}/counters")["start_export_calls"]]
        self.assertEqual(outcomes, ["ExportTaskLimitReachedFault"] * 2 + ["created"])

    def test_a_sixth_running_export_is_refused_like_rds(self) -> None:
        # RDS runs at most 5 exports per account: the 6th StartExportTask while 5 are
        # STARTING or IN_PROGRESS fails with ExportTaskLimitReachedFault; once one ends, a
        # start succeeds again. A list call (no identifier) moves no export.
        self.do_setup(
            controls={"timeline": [{"status": "IN_PROGRESS", "percent": 10}, {"status": "COMPLETE", "percent": 100}]}
        )
        rds = self.prod("rds")
        for n in range(5):
            self.start_export(rds, f"orders-export-{n}")
        with self.assertRaises(rds.exceptions.ClientError) as err:
            self.start_export(rds, "orders-export-5")
        self.assertEqual(err.exception.response["Error"]["Code"], "ExportTaskLimitReachedFault")
        self.assertIn("limit of 5 concurrent export tasks", err.exception.response["Error"]["Message"])
        rds.describe_export_tasks()  # the account's list: moves nothing
        statuses = {t["Status"] for t in rds.describe_export_tasks()["ExportTasks"]}
        self.assertEqual(statuses, {"starting"})
        for _ in range(2):  # IN_PROGRESS, then COMPLETE
            rds.describe_export_tasks(ExportTaskIdentifier="orders-export-0")
        self.start_export(rds, "orders-export-5")
        counters = call(f"{self.control}/counters")
        self.assertEqual(counters["export_quota_refusals"], 1)
        self.assertEqual(counters["max_running_exports"], {"210987654321": 5})
        slots = self.client("dynamodb").describe_table(TableName=self.vars["export_slots_table"])["Table"]
        self.assertEqual([k["AttributeName"] for k in slots["KeySchema"]], ["pk", "sk"])

    def test_acl_denied_switch_and_record(self) -> None:
        self.do_setup(controls={"acl_denied": True})
        s3 = self.client("s3")
        bucket = self.vars["bucket"]
        s3.put_object(Bucket=bucket, Key="exports/x/a", Body=b"1")
        with self.assertRaises(s3.exceptions.ClientError) as err:
            s3.put_object_acl(Bucket=bucket, Key="exports/x/a", ACL="bucket-owner-full-control")
        self.assertEqual(err.exception.response["Error"]["Code"], "AccessDenied")
        call(f"{self.control}/controls", "POST", {"acl_denied": False})
        s3.put_object_acl(Bucket=bucket, Key="exports/x/a", ACL="bucket-owner-full-control")
        acl = call(f"{self.control}/counters")["acl_requests"]
        self.assertEqual([(r["key"], r["acl"], r["denied"]) for r in acl],
                         [("exports/x/a", "bucket-owner-full-control", True),
                          ("exports/x/a", "bucket-owner-full-control", False)])

    def test_list_page_cap(self) -> None:
        self.do_setup(controls={"list_page_size": 3})
        s3 = self.client("s3")
        for i in range(7):
            s3.put_object(Bucket=self.vars["bucket"], Key=f"exports/p/{i}", Body=b"1")
        pages = list(s3.get_paginator("list_objects_v2").paginate(Bucket=self.vars["bucket"], Prefix="exports/p/"))
        self.assertEqual([p["KeyCount"] for p in pages], [3, 3, 1])
        self.assertEqual(len(call(f"{self.control}/counters")["list_requests"]), 3)

    def test_running_crawler_finishes_after_ticks(self) -> None:
        self.do_setup(crawler={"already_running": True}, controls={"crawl_ticks": 2})
        glue = self.client("glue")
        name = self.vars["crawler_name"]
        with self.assertRaises(glue.exceptions.CrawlerRunningException):
            glue.start_crawler(Name=name)
        self.assertEqual(glue.get_crawler(Name=name)["Crawler"]["State"], "READY")
        glue.start_crawler(Name=name)
        calls = [c["outcome"] for c in call(f"{self.control}/counters")["start_crawler_calls"]]
        self.assertEqual(calls, ["CrawlerRunningException", "started"])
        self.assertEqual(len(call(f"{self.control}/facts")["crawls"]), 2)

    def test_fault_injection_uses_each_protocols_error_shape(self) -> None:
        self.do_setup()
        call(
            f"{self.control}/controls",
            "POST",
            {
                "faults": {
                    "rds:DescribeDBSnapshots": {"code": "AccessDenied", "message": "no rds", "account": "prod"},
                    "glue:GetCrawler": {"code": "AccessDeniedException", "message": "no glue", "count": 1},
                    "events:PutEvents": {"code": "ValidationException", "after": 1, "count": 1},
                    "s3:ListObjectsV2": {"code": "AccessDenied", "message": "no list"},
                }
            },
        )
        rds = self.prod("rds")
        with self.assertRaises(rds.exceptions.ClientError) as err:
            rds.describe_db_snapshots(DBSnapshotIdentifier=self.vars["snapshot"]["orders"]["id"])
        self.assertEqual(err.exception.response["Error"]["Code"], "AccessDenied")  # query/XML
        self.assertEqual(err.exception.response["Error"]["Message"], "no rds")
        self.assertEqual(err.exception.response["ResponseMetadata"]["HTTPStatusCode"], 403)
        # Scoped to prod: the analytics account's own call goes through.
        self.client("rds").describe_db_snapshots()
        glue = self.client("glue")
        with self.assertRaises(glue.exceptions.ClientError) as err:
            glue.get_crawler(Name=self.vars["crawler_name"])
        self.assertEqual(err.exception.response["Error"]["Code"], "AccessDeniedException")  # JSON __type
        glue.get_crawler(Name=self.vars["crawler_name"])  # count 1: spent
        events = self.client("events")
        entry = {"EventBusName": self.vars["event_bus_name"], "Source": "t", "DetailType": "d", "Detail": "{}"}
        events.put_events(Entries=[entry])  # after 1: the first call goes through
        with self.assertRaises(events.exceptions.ClientError) as err:
            events.put_events(Entries=[entry])
        self.assertEqual(err.exception.response["Error"]["Code"], "ValidationException")
        self.assertEqual(err.exception.response["ResponseMetadata"]["HTTPStatusCode"], 400)
        events.put_events(Entries=[entry])  # count 1: spent
        s3 = self.client("s3")
        with self.assertRaises(s3.exceptions.ClientError) as err:
            s3.list_objects_v2(Bucket=self.vars["bucket"], Prefix="exports/")
        self.assertEqual(err.exception.response["Error"]["Code"], "AccessDenied")  # S3 XML
        self.assertEqual(err.exception.response["ResponseMetadata"]["HTTPStatusCode"], 403)
        call(f"{self.control}/controls", "POST", {"faults": {"s3:ListObjectsV2": None, "rds:DescribeDBSnapshots": None}})
        s3.list_objects_v2(Bucket=self.vars["bucket"], Prefix="exports/")
        rds.describe_db_snapshots(DBSnapshotIdentifier=self.vars["snapshot"]["orders"]["id"])
        counters = call(f"{self.control}/counters")
        self.assertEqual(
            [(f["operation"], f["code"]) for f in counters["faults_injected"]],
            [
                ("rds:DescribeDBSnapshots", "AccessDenied"),
                ("glue:GetCrawler", "AccessDeniedException"),
                ("events:PutEvents", "ValidationException"),
                ("s3:ListObjectsV2", "AccessDenied"),
            ],
        )
        self.assertEqual([e["accepted"] for e in counters["put_events"]], [True, True])

    def test_acl_denied_after_k_accepted(self) -> None:
        self.do_setup(controls={"acl_denied_after": 2})
        s3 = self.client("s3")
        bucket = self.vars["bucket"]
        for i in range(4):
            s3.put_object(Bucket=bucket, Key=f"exports/x/{i}", Body=b"1")
        outcomes = []
        for i in range(4):
            try:
                s3.put_object_acl(Bucket=bucket, Key=f"exports/x/{i}", ACL="bucket-owner-full-control")
                outcomes.append("ok")
            except s3.exceptions.ClientError as err:
                outcomes.append(err.response["Error"]["Code"])
        self.assertEqual(outcomes, ["ok", "ok", "AccessDenied", "AccessDenied"])
        call(f"{self.control}/controls", "POST", {"acl_denied_after": None})
        s3.put_object_acl(Bucket=bucket, Key="exports/x/3", ACL="bucket-owner-full-control")
        denied = [r["denied"] for r in call(f"{self.control}/counters")["acl_requests"]]
        self.assertEqual(denied, [False, False, True, True, False])

    def test_list_pages_record_their_keys(self) -> None:
        self.do_setup(controls={"list_page_size": 2})
        s3 = self.client("s3")
        for i in range(3):
            s3.put_object(Bucket=self.vars["bucket"], Key=f"exports/p/{i}", Body=b"1")
        list(s3.get_paginator("list_objects_v2").paginate(Bucket=self.vars["bucket"], Prefix="exports/p/"))
        pages = [r["keys"] for r in call(f"{self.control}/counters")["list_requests"]]
        self.assertEqual(pages, [["exports/p/0", "exports/p/1"], ["exports/p/2"]])

    def test_missing_crawler_and_bus_then_created(self) -> None:
        self.do_setup(crawler={"missing": True}, event_bus={"name": "notifications", "missing": True})
        glue = self.client("glue")
        with self.assertRaises(glue.exceptions.EntityNotFoundException):
            glue.start_crawler(Name=self.vars["crawler_name"])
        events = self.client("events")
        entry = {"EventBusName": "notifications", "Source": "t", "DetailType": "d", "Detail": "{}"}
        with self.assertRaises(events.exceptions.ResourceNotFoundException):
            events.put_events(Entries=[entry])
        self.assertEqual(call(f"{self.control}/counters")["put_events"][0]["error"], "ResourceNotFoundException")
        call(f"{self.control}/controls", "POST", {"create_crawler": True, "create_event_bus": True})
        glue.start_crawler(Name=self.vars["crawler_name"])
        crawler = glue.get_crawler(Name=self.vars["crawler_name"])["Crawler"]
        self.assertEqual(crawler["Targets"]["S3Targets"][0]["Exclusions"], ["**.json"])
        events.put_events(Entries=[entry])
        self.assertEqual([e["accepted"] for e in call(f"{self.control}/counters")["put_events"]], [False, True])

    def test_crawl_outcome_failed_then_cancelled(self) -> None:
        self.do_setup(controls={"crawl_outcome": "FAILED", "crawl_error_message": "classifier crashed"})
        glue = self.client("glue")
        name = self.vars["crawler_name"]
        glue.start_crawler(Name=name)
        last = glue.get_crawler(Name=name)["Crawler"]
        self.assertEqual(last["State"], "READY")
        self.assertEqual(last["LastCrawl"]["Status"], "FAILED")
        self.assertEqual(last["LastCrawl"]["ErrorMessage"], "classifier crashed")
        call(f"{self.control}/controls", "POST", {"crawl_outcome": "CANCELLED", "crawl_error_message": None})
        glue.start_crawler(Name=name)
        self.assertEqual(glue.get_crawler(Name=name)["Crawler"]["LastCrawl"]["Status"], "CANCELLED")
        call(f"{self.control}/controls", "POST", {"crawl_outcome": "SUCCEEDED"})
        glue.start_crawler(Name=name)
        self.assertEqual(glue.get_crawler(Name=name)["Crawler"]["LastCrawl"]["Status"], "COMPLETED")
        started = [c["crawl_index"] for c in call(f"{self.control}/counters")["start_crawler_calls"]]
        self.assertEqual(started, [0, 1, 2])
        self.assertEqual([c["status"] for c in call(f"{self.control}/facts")["crawls"]], ["FAILED", "STOPPED", "COMPLETED"])

    def test_finished_export_stays_finished_when_the_timeline_changes(self) -> None:
        self.do_setup(controls={"timeline": [{"status": "FAILED", "failure_cause": "bucket policy"}]})
        rds = self.prod("rds")
        self.start_export(rds, "orders-export-1")
        describe = lambda i: rds.describe_export_tasks(ExportTaskIdentifier=i)["ExportTasks"][0]["Status"]  # noqa: E731
        self.assertEqual(describe("orders-export-1"), "failed")
        call(f"{self.control}/controls", "POST", {"timeline": [{"status": "COMPLETE"}]})
        self.assertEqual(describe("orders-export-1"), "failed")
        self.start_export(rds, "orders-export-1-r2")
        self.assertEqual(describe("orders-export-1-r2"), "complete")


if __name__ == "__main__":
    unittest.main()

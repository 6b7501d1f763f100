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

    def test_failed_export_has_cause(self) -> None:
        self.do_setup(controls={"timeline": [{"status": "FAILED", "failure_cause": "S3 bucket gone"}]})
        rds = self.prod("rds")
        self.start_export(rds)
        task = rds.describe_export_tasks(ExportTaskIdentifier="orders-export-1")["ExportTasks"][0]
        self.assertEqual(task["Status"], "failed")
        self.assertEqual(task["FailureCause"], "S3 bucket gone")

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


if __name__ == "__main__":
    unittest.main()

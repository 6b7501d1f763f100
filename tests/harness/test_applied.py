"""Checks of the applied stack's pieces that need no terraform (applied.py, and the moto gaps
patches.py fills for it): the provider override, the bus-policy check of forwarded events,
TestEventPattern, and bucket policies' Deny conditions. The apply itself, the run on it and
the destroy are tests/e2e/applied.test.mjs."""

from __future__ import annotations

import json
import os
import unittest

os.environ.setdefault("AWS_ACCESS_KEY_ID", "testing")
os.environ.setdefault("AWS_SECRET_ACCESS_KEY", "testing")
os.environ.setdefault("AWS_DEFAULT_REGION", "us-east-1")

import boto3  # noqa: E402
from moto import mock_aws  # noqa: E402

import accounts  # noqa: E402
import applied  # noqa: E402
import patches  # noqa: E402

PROD = accounts.PROD_ACCOUNT


class Override(unittest.TestCase):
    def test_every_aliased_provider_of_the_example_points_every_service_at_moto(self) -> None:
        aliases = applied.provider_aliases()
        # The example's three accounts: two prod accounts into one analytics account.
        self.assertEqual(sorted(aliases), ["analytics", "prod_a", "prod_b"])
        self.assertEqual(sorted(aliases), sorted(applied.tfplan.ALIASES))
        text = applied.tfplan.override("http://127.0.0.1:1")
        self.assertEqual(text.count('provider "aws"'), len(aliases))
        for service in applied.tfplan.ENDPOINTS:
            self.assertEqual(text.count(f'{service} = "http://127.0.0.1:1"'), len(aliases), service)

    def test_the_variables_the_harness_sets_are_the_examples(self) -> None:
        declared = applied.example_variables()
        for name in ("region", "prod_a_deploy_role_arn", "prod_b_deploy_role_arn", "prod_a_account_id", "prod_b_account_id", "bucket_name", "external_id", "catalog", "delivery", "definition_path"):
            self.assertIn(name, declared)

    def test_the_harness_accounts_are_the_plans_accounts(self) -> None:
        # One set of account ids for the plans (infra/checks) and the applied stack.
        self.assertEqual(
            (accounts.ANALYTICS_ACCOUNT, accounts.PROD_ACCOUNT, accounts.PROD_B_ACCOUNT),
            (applied.tfplan.ANALYTICS, applied.tfplan.PROD, applied.tfplan.PROD_B),
        )


class BusPolicy(unittest.TestCase):
    POLICY = {
        "Statement": [
            {
                "Effect": "Allow",
                "Action": "events:PutEvents",
                "Principal": {"AWS": f"arn:aws:iam::{PROD}:root"},
                "Resource": "arn:aws:events:us-east-1:123456789012:event-bus/snapshot-export",
                "Condition": {"StringEquals": {"events:source": "aws.rds"}},
            }
        ]
    }

    def test_every_configured_account_passes_and_only_those(self) -> None:
        policy = json.loads(json.dumps(self.POLICY))
        policy["Statement"][0]["Principal"]["AWS"] = [f"arn:aws:iam::{PROD}:root", f"arn:aws:iam::{accounts.PROD_B_ACCOUNT}:root"]
        self.assertTrue(applied._bus_policy_allows(policy, PROD, {"source": "aws.rds"}))
        self.assertTrue(applied._bus_policy_allows(policy, accounts.PROD_B_ACCOUNT, {"source": "aws.rds"}))
        self.assertFalse(applied._bus_policy_allows(policy, "999999999999", {"source": "aws.rds"}))

    def test_prod_rds_events_pass_others_do_not(self) -> None:
        self.assertTrue(applied._bus_policy_allows(self.POLICY, PROD, {"source": "aws.rds"}))
        self.assertFalse(applied._bus_policy_allows(self.POLICY, PROD, {"source": "aws.states"}))
        self.assertFalse(applied._bus_policy_allows(self.POLICY, "999999999999", {"source": "aws.rds"}))
        self.assertFalse(applied._bus_policy_allows(None, PROD, {"source": "aws.rds"}))

    def test_an_unknown_condition_is_an_error_not_a_pass(self) -> None:
        policy = json.loads(json.dumps(self.POLICY))
        policy["Statement"][0]["Condition"] = {"StringLike": {"events:detail-type": "RDS*"}}
        with self.assertRaises(ValueError):
            applied._bus_policy_allows(policy, PROD, {"source": "aws.rds"})


class MotoGaps(unittest.TestCase):
    @classmethod
    def setUpClass(cls) -> None:
        patches.install()

    def setUp(self) -> None:
        mock = mock_aws()
        mock.start()
        self.addCleanup(mock.stop)

    def test_test_event_pattern_uses_motos_matcher(self) -> None:
        events = boto3.client("events")
        pattern = json.dumps({"source": ["aws.rds"], "detail": {"EventID": ["RDS-EVENT-0091"]}})
        event = {"id": "1", "account": PROD, "source": "aws.rds", "time": "2026-11-24T03:12:41Z", "region": "us-east-1", "detail-type": "RDS DB Snapshot Event", "resources": [], "detail": {"EventID": "RDS-EVENT-0091"}}
        self.assertTrue(events.test_event_pattern(EventPattern=pattern, Event=json.dumps(event))["Result"])
        event["detail"]["EventID"] = "RDS-EVENT-0090"
        self.assertFalse(events.test_event_pattern(EventPattern=pattern, Event=json.dumps(event))["Result"])
        del event["time"]
        with self.assertRaises(events.exceptions.InvalidEventPatternException):
            events.test_event_pattern(EventPattern=pattern, Event=json.dumps(event))

    def test_a_bucket_policy_deny_applies_only_when_its_conditions_hold(self) -> None:
        s3 = boto3.client("s3")
        s3.create_bucket(Bucket="applied-check")
        deny_insecure = {"Sid": "DenyInsecureTransport", "Effect": "Deny", "Principal": "*", "Action": "s3:*", "Resource": ["arn:aws:s3:::applied-check", "arn:aws:s3:::applied-check/*"], "Condition": {"Bool": {"aws:SecureTransport": "false"}}}
        policy = {"Version": "2012-10-17", "Statement": [deny_insecure]}
        s3.put_bucket_policy(Bucket="applied-check", Policy=json.dumps(policy))
        s3.put_object(Bucket="applied-check", Key="a", Body=b"x")  # moto alone: 403
        # A Deny whose condition holds for the caller (another account than prod) applies.
        policy["Statement"].append({"Sid": "DenyOtherAccounts", "Effect": "Deny", "Principal": "*", "Action": "s3:*", "Resource": "arn:aws:s3:::applied-check/*", "Condition": {"StringNotEquals": {"aws:PrincipalAccount": PROD}}})
        s3.put_bucket_policy(Bucket="applied-check", Policy=json.dumps(policy))
        with self.assertRaises(s3.exceptions.ClientError):
            s3.put_object(Bucket="applied-check", Key="b", Body=b"x")

    def test_step_functions_answers_what_the_provider_calls(self) -> None:
        sfn = boto3.client("stepfunctions")
        self.assertEqual(sfn.validate_state_machine_definition(definition="{}")["result"], "OK")
        arn = f"arn:aws:states:us-east-1:{accounts.ANALYTICS_ACCOUNT}:stateMachine:none"
        self.assertEqual(sfn.list_state_machine_versions(stateMachineArn=arn)["stateMachineVersions"], [])


if __name__ == "__main__":
    unittest.main()

"""Checks of iam_enforce.py without moto running: the roles evaluated from infra/, the
harness's trust-policy evaluator, the minus-one drop. (The enforced runs themselves are the
E2E_ENFORCE_IAM=1 scenarios of scripts/e2e.sh.)"""

from __future__ import annotations

import copy
import unittest

import accounts
import iam_enforce

VARS = {
    "analytics_account": accounts.ANALYTICS_ACCOUNT,
    "prod_account": accounts.PROD_ACCOUNT,
    "bucket": "analytics-snapshot-exports",
    "export_prefix": "exports",
    "prod_role_external_id": accounts.EXTERNAL_ID,
    "kms_key_arn": f"arn:aws:kms:us-east-1:{accounts.PROD_ACCOUNT}:key/k",
    "event_bus_name": "snapshot-export-notifications",
    "glue_database": "snapshot_exports",
}


class TerraformRoles(unittest.TestCase):
    @classmethod
    def setUpClass(cls) -> None:
        cls.tf = iam_enforce.terraform_roles(VARS)

    def test_every_function_has_its_role_with_the_harness_names(self) -> None:
        table = iam_enforce.module_eval.function_table()
        for binary in table:
            role = self.tf["analytics"].get(f"snapshot-export-{binary}")
            self.assertIsNotNone(role, binary)
            text = str(role["policies"])
            self.assertIn(f"/aws/lambda/snapshot-export-{binary}", text)
            self.assertNotIn("111111111111", text)  # module_eval's placeholder accounts
            self.assertNotIn("222222222222", text)

    def test_the_prod_role_trusts_the_callers_with_the_external_id(self) -> None:
        trust = self.tf["prod"]["snapshot-export-cross-account"]["trust"]
        caller = {"account": accounts.ANALYTICS_ACCOUNT, "role_arn": f"arn:aws:iam::{accounts.ANALYTICS_ACCOUNT}:role/snapshot-export-normalize"}
        ctx = {"aws:PrincipalArn": caller["role_arn"], "sts:ExternalId": accounts.EXTERNAL_ID}
        self.assertTrue(iam_enforce.trust_allows(trust, caller, ctx))
        self.assertFalse(iam_enforce.trust_allows(trust, caller, {**ctx, "sts:ExternalId": "other"}))
        self.assertFalse(iam_enforce.trust_allows(trust, caller, {"aws:PrincipalArn": caller["role_arn"]}))
        notify = {"account": accounts.ANALYTICS_ACCOUNT, "role_arn": f"arn:aws:iam::{accounts.ANALYTICS_ACCOUNT}:role/snapshot-export-notify"}
        self.assertFalse(iam_enforce.trust_allows(trust, notify, {**ctx, "aws:PrincipalArn": notify["role_arn"]}))
        stranger = {"account": "999999999999", "role_arn": caller["role_arn"].replace(accounts.ANALYTICS_ACCOUNT, "999999999999")}
        self.assertFalse(iam_enforce.trust_allows(trust, stranger, {**ctx, "aws:PrincipalArn": stranger["role_arn"]}))

    def test_lambda_may_assume_the_function_roles_in_its_account_only(self) -> None:
        trust = self.tf["analytics"]["snapshot-export-normalize"]["trust"]
        lam = {"service": "lambda.amazonaws.com"}
        self.assertTrue(iam_enforce.trust_allows(trust, lam, {"aws:SourceAccount": accounts.ANALYTICS_ACCOUNT}))
        self.assertFalse(iam_enforce.trust_allows(trust, lam, {"aws:SourceAccount": "999999999999"}))
        self.assertFalse(iam_enforce.trust_allows(trust, {"service": "glue.amazonaws.com"}, {"aws:SourceAccount": accounts.ANALYTICS_ACCOUNT}))

    def test_unknown_condition_operators_are_errors_not_passes(self) -> None:
        trust = {"Statement": [{"Effect": "Allow", "Action": "sts:AssumeRole", "Principal": {"AWS": "*"},
                                "Condition": {"DateGreaterThan": {"aws:CurrentTime": "2020-01-01"}}}]}
        with self.assertRaises(ValueError):
            iam_enforce.trust_allows(trust, {"account": "1", "role_arn": "r"}, {"aws:CurrentTime": "x"})

    def test_drop_removes_one_statement_by_sid(self) -> None:
        roles = copy.deepcopy(self.tf["analytics"])
        before = len(roles["snapshot-export-notify"]["policies"]["handler"]["Statement"])
        dropped = iam_enforce.drop(roles, {"role": "snapshot-export-notify", "sid": "Notify"})
        self.assertEqual(dropped["Sid"], "Notify")
        self.assertEqual(len(roles["snapshot-export-notify"]["policies"]["handler"]["Statement"]), before - 1)
        with self.assertRaises(KeyError):
            iam_enforce.drop(roles, {"role": "snapshot-export-notify", "sid": "Notify"})


if __name__ == "__main__":
    unittest.main()

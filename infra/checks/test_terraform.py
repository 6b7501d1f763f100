"""The real Terraform on the repository's configurations: init from the provider mirror,
validate of every root, the modules' own `terraform test` files, and a plan of the
cross-account example in every shipped mode (tfplan.MODES) against a local moto, with
the checks of what a first apply would hit read from those plans.

Without terraform or a provider mirror every test here is skipped with the reason (and
counted as skipped in scripts/test.sh's summary), never passed.

Run by scripts/check-infra.sh:
  .venv/bin/python -m unittest discover -s infra/checks -t infra/checks
"""

import json
import shutil
import unittest

import lint_policies
import tfplan

MISSING = tfplan.available()
# Each test is skipped, not the module: a skipped module would count as one skipped test
# that never ran, and scripts/test.sh's count would be off.
needs_terraform = unittest.skipIf(MISSING, MISSING)


@needs_terraform
class Validate(unittest.TestCase):
    """`terraform init` from the mirror (the example with its committed lock file,
    read-only) and `terraform validate` of each root."""

    @classmethod
    def setUpClass(cls):
        cls.ws = tfplan.workspace()

    def check(self, root):
        self.assertIn(root, self.ws.initialised, f"{root} was not initialised")
        result = tfplan.terraform(self.ws.root(root), "validate", check=False)
        self.assertEqual(result.returncode, 0, result.stderr + result.stdout)

    def test_prod_account_module_is_valid(self):
        self.check(tfplan.MODULES / "prod-account")

    def test_analytics_account_module_is_valid(self):
        self.check(tfplan.MODULES / "analytics-account")

    def test_example_is_valid(self):
        self.check(tfplan.EXAMPLE)

    def test_every_root_is_validated(self):
        # A new module or example must be added to tfplan.ROOTS.
        roots = {p.parent for p in tfplan.INFRA.glob("*/*/versions.tf")}
        self.assertEqual(roots, set(tfplan.ROOTS))

    def test_the_lock_file_pins_the_mirror_provider(self):
        lock = (tfplan.EXAMPLE / ".terraform.lock.hcl").read_text()
        versions = [p.name for p in (tfplan.find_mirror() / "registry.terraform.io" / "hashicorp" / "aws").iterdir()]
        self.assertIn(f'version     = "{versions[0]}"', lock, f"the mirror has {versions}")


@needs_terraform
class ModuleTests(unittest.TestCase):
    """Each module's own `terraform test` files (tests/*.tftest.hcl, mocked provider)."""

    @classmethod
    def setUpClass(cls):
        cls.ws = tfplan.workspace()

    def test_module_test_files(self):
        found = 0
        for root in tfplan.ROOTS:
            if not (root / "tests").is_dir() or root == tfplan.EXAMPLE:
                continue
            found += 1
            with self.subTest(root=root.name):
                result = tfplan.terraform(self.ws.root(root), "test", check=False)
                self.assertEqual(result.returncode, 0, result.stdout + result.stderr)
        self.assertGreater(found, 0, "no module has a tests/ directory")


@needs_terraform
class PlanCase(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.plans = tfplan.shared_plans()


@needs_terraform
class Plans(PlanCase):
    """The example plans in every shipped mode, with the mode's resources."""

    def test_every_mode_plans(self):
        self.assertEqual(set(self.plans), set(tfplan.MODES))
        for mode, plan in self.plans.items():
            with self.subTest(mode=mode):
                self.assertEqual(set(plan.functions()), set(tfplan.function_table()))

    def test_copy_mode_creates_the_staging_bucket_and_copier_role(self):
        self.assertEqual(self.plans["copy"].instances("module.prod_a.aws_s3_bucket.staging"), ["staging"])
        self.assertEqual(self.plans["copy"].instances("module.prod_a.aws_iam_role.copier"), ["staging"])
        self.assertEqual(self.plans["default"].instances("module.prod_a.aws_s3_bucket.staging"), [])

    def test_crawler_mode_creates_the_crawler(self):
        self.assertEqual(self.plans["crawler"].instances("module.analytics.aws_glue_crawler.this"), ["crawler"])
        self.assertEqual(self.plans["default"].instances("module.analytics.aws_glue_crawler.this"), [])

    def test_export_events_create_the_waits_table_and_forwarding_rule(self):
        for mode, expected in (("default", ["export-events"]), ("wait-loop", [])):
            with self.subTest(mode=mode):
                self.assertEqual(self.plans[mode].instances("module.analytics.aws_dynamodb_table.export_waits"), expected)
                self.assertEqual(self.plans[mode].instances("module.prod_a.aws_cloudwatch_event_rule.export_finished"), expected)

    def test_every_policy_is_known(self):
        for mode, plan in self.plans.items():
            with self.subTest(mode=mode):
                policies = plan.policies()
                self.assertTrue(any(a.startswith("module.prod_a.") for a in policies), mode)
                self.assertTrue(any(a.startswith("module.analytics.") for a in policies), mode)


@needs_terraform
class PolicyLint(PlanCase):
    """parliament over every IAM policy of every mode's plan (lint_policies.py)."""

    def test_parliament_finds_nothing_in_any_mode(self):
        out = tfplan.REPO / "target" / "infra-checks" / "policies"
        shutil.rmtree(out, ignore_errors=True)
        lines, bad = lint_policies.lint(self.plans, out)
        # The per-kind lines end up in the log (check-infra.sh prints them).
        (tfplan.REPO / "target" / "infra-checks" / "parliament.log").write_text("\n".join(lines) + "\n")
        self.assertEqual(bad, [], "\n".join(lines))
        self.assertEqual({p.parent.name for p in out.glob("*/*")}, set(tfplan.MODES))


def statements(policy):
    return {s.get("Sid"): s for s in policy["Statement"]}


def as_list(v):
    return v if isinstance(v, list) else [v]


@needs_terraform
class FirstApplyFindings(PlanCase):
    """The IAM a first real apply and run would hit, in every mode's plan."""

    def policy(self, mode, address):
        return self.plans[mode].policies()[address][1]

    def lambda_policy(self, mode, binary):
        return self.policy(mode, f'module.analytics.data.aws_iam_policy_document.lambda["{binary}"]')

    def test_the_export_role_may_be_passed_to_rds_exports(self):
        for mode in self.plans:
            with self.subTest(mode=mode):
                s = statements(self.policy(mode, "module.prod_a.data.aws_iam_policy_document.cross_account"))["PassExportRoleToRds"]
                self.assertEqual(as_list(s["Resource"]), [f"arn:aws:iam::{tfplan.PROD}:role/{tfplan.NAME}-export"])
                self.assertEqual(sorted(as_list(s["Condition"]["StringEquals"]["iam:PassedToService"])), ["export.rds.amazonaws.com", "rds.amazonaws.com"])

    def test_create_grant_on_the_export_key_is_only_for_aws_resources(self):
        for mode in self.plans:
            with self.subTest(mode=mode):
                identity = [s for s in self.policy(mode, "module.prod_a.data.aws_iam_policy_document.cross_account")["Statement"] if "kms:CreateGrant" in as_list(s["Action"])]
                key = [s for s in self.policy(mode, "module.prod_a.data.aws_iam_policy_document.key")["Statement"] if "kms:CreateGrant" in as_list(s["Action"]) and s.get("Sid") != "AccountAdministration"]
                for s in identity + key:
                    self.assertEqual(s["Effect"], "Allow")
                    self.assertEqual(s.get("Condition"), {"Bool": {"kms:GrantIsForAWSResource": "true"}}, s.get("Sid"))
                self.assertEqual(len(identity), 1)
                self.assertEqual(len(key), 1)
                # No Deny on Bool "false": it would never apply when the key is absent.
                denies = [s for p in self.plans[mode].policies().values() for s in p[1]["Statement"] if s["Effect"] == "Deny" and "kms:GrantIsForAWSResource" in json.dumps(s)]
                self.assertEqual(denies, [])

    def test_task_tokens_are_sent_with_resource_star_by_the_callback_functions_only(self):
        table = tfplan.function_table()
        for mode in self.plans:
            with self.subTest(mode=mode):
                for binary in table:
                    sending = [s for s in self.lambda_policy(mode, binary)["Statement"] if any(a.startswith("states:SendTask") for a in as_list(s["Action"]))]
                    if mode != "wait-loop" and binary in ("wait-for-export", "export-events"):
                        self.assertEqual([(as_list(s["Action"]), as_list(s["Resource"])) for s in sending], [(["states:SendTaskSuccess"], ["*"])], binary)
                    elif binary == "export-slots":
                        # Wakes waiters (success) and ends a joined duplicate's wait (failure).
                        self.assertEqual([(sorted(as_list(s["Action"])), as_list(s["Resource"])) for s in sending], [(["states:SendTaskFailure", "states:SendTaskSuccess"], ["*"])], binary)
                    else:
                        self.assertEqual(sending, [], binary)

    def test_catalog_tables_gets_only_the_glue_calls_it_makes(self):
        s = statements(self.lambda_policy("default", "catalog-tables"))["CatalogWriteTables"]
        # The Glue operations lambdas/src/catalog/glue.rs calls (GetTables: the previous
        # export's tables of the same source, for the disappeared tables).
        self.assertEqual(sorted(as_list(s["Action"])), ["glue:BatchCreatePartition", "glue:CreateTable", "glue:GetTable", "glue:GetTables", "glue:UpdateTable"])
        # Its only write to S3: the verification report next to each export's export_info.
        writes = statements(self.lambda_policy("default", "catalog-tables"))["CatalogWriteReport"]
        self.assertEqual((as_list(writes["Action"]), as_list(writes["Resource"])), (["s3:PutObject"], [f"arn:aws:s3:::{tfplan.BUCKET}/{tfplan.PREFIX}/*/snapshot-export-verification*.json"]))

    def test_functions_a_mode_never_runs_cannot_assume_the_prod_role(self):
        trust = lambda mode: self.policy(mode, "module.prod_a.aws_iam_role.cross_account")  # noqa: E731
        for mode, absent in (("copy", ["rewrite-acl"]), ("wait-loop", ["wait-for-export", "export-events"]), ("default", [])):
            with self.subTest(mode=mode):
                allowed = set(as_list(trust(mode)["Statement"][0]["Condition"]["ArnEquals"]["aws:PrincipalArn"]))
                for binary in absent:
                    self.assertNotIn(f"arn:aws:iam::{tfplan.ANALYTICS}:role/{tfplan.NAME}-{binary}", allowed)
                    self.assertNotIn("AssumeProdRole", statements(self.lambda_policy(mode, binary)), binary)
                self.assertIn(f"arn:aws:iam::{tfplan.ANALYTICS}:role/{tfplan.NAME}-start-export", allowed)

    def test_export_waits_table_actions_are_the_calls_of_each_function(self):
        policy = lambda b: statements(self.lambda_policy("default", b))["ExportWaitsTable"]  # noqa: E731
        self.assertEqual(sorted(as_list(policy("wait-for-export")["Action"])), ["dynamodb:DeleteItem", "dynamodb:PutItem"])
        self.assertEqual(sorted(as_list(policy("export-events")["Action"])), ["dynamodb:DeleteItem", "dynamodb:Query", "dynamodb:Scan"])


if __name__ == "__main__":
    unittest.main()

"""The contract between the Terraform and the Rust crates, read from Terraform's own plans.

The positive checks of test_infra_contract.py, on the plans of the cross-account example
in every shipped mode (tfplan.shared_plans(): Terraform evaluates the HCL, every
identifier known) instead of the Python HCL evaluator: each function of functions.json
is deployed with the description, timeout and environment its handler needs and the code
of the packaging manifest; the rendered definition calls each function by its ARN; failed
executions reach notify, which alone reads their history; the catalog and delivery modes
give their permissions to the right roles only. (The checks that a broken module fails
its plan are still in test_infra_contract.py, on module_eval.py.)

Run by scripts/check-infra.sh:
  .venv/bin/python -m unittest discover -s infra/checks -t infra/checks
"""

import base64
import fnmatch
import hashlib
import json
import unittest
from pathlib import Path

import tfplan
from test_infra_contract import env_problems, task_states

MISSING = tfplan.available()
needs_terraform = unittest.skipIf(MISSING, MISSING)

A = "module.analytics"
P = "module.prod"
NOTIFIER = "notify"
FAILED_STATUSES = {"FAILED", "TIMED_OUT", "ABORTED"}
HISTORY_ACTION = "states:GetExecutionHistory"


def as_list(v):
    return v if isinstance(v, list) else [v]


def sids(policy):
    return {s.get("Sid"): s for s in policy["Statement"]}


def grants(actions, action):
    return any(fnmatch.fnmatchcase(action.lower(), a.lower()) for a in as_list(actions))


@needs_terraform
class PlanCase(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.plans = tfplan.shared_plans()
        cls.table = tfplan.function_table()

    def lambda_policy(self, mode, binary):
        return self.plans[mode].policies()[f'{A}.data.aws_iam_policy_document.lambda["{binary}"]'][1]

    def policy(self, mode, *addresses):
        """The first of the addresses the plan has a policy at: a document Terraform reads
        while planning is found at the resource carrying it, one it reads at apply at the
        document's own address (tfplan.Plan.policies)."""
        policies = self.plans[mode].policies()
        for address in addresses:
            if address in policies:
                return policies[address][1]
        raise AssertionError(f"{mode}: no policy at {addresses}")


@needs_terraform
class Functions(PlanCase):
    def test_every_function_is_deployed_with_its_description_timeout_and_environment(self):
        for mode, plan in self.plans.items():
            functions = plan.functions()
            self.assertEqual(set(functions), set(self.table), mode)
            for binary, spec in self.table.items():
                with self.subTest(mode=mode, binary=binary):
                    f = functions[binary]
                    self.assertEqual(f["function_name"], f"{tfplan.NAME}-{binary}")
                    self.assertEqual(f["description"], spec["description"])
                    self.assertEqual(f["timeout"], spec["timeout_seconds"])
                    self.assertEqual(env_problems(binary, spec, plan.environment(binary)), [])

    def test_code_architecture_and_hash_come_from_the_manifest(self):
        ws = tfplan.workspace()
        manifest = json.loads(ws.packages.read_text())
        for binary, f in self.plans["default"].functions().items():
            with self.subTest(binary=binary):
                zip_path = ws.packages.parent / manifest["functions"][binary]["zip"]
                self.assertEqual(f["architectures"], [manifest["architecture"]])
                # The zip the manifest names, next to the manifest (the plan's workspace).
                self.assertEqual(Path(f["filename"]).parts[-len(Path(manifest["functions"][binary]["zip"]).parts) :], Path(manifest["functions"][binary]["zip"]).parts)
                self.assertEqual(f["source_code_hash"], base64.b64encode(hashlib.sha256(zip_path.read_bytes()).digest()).decode())

    def test_copy_objects_gets_the_staging_bucket_and_the_analytics_key(self):
        plan = self.plans["copy"]
        env = plan.environment("copy-objects")
        staging = plan.values(f'{P}.aws_s3_bucket.staging["staging"]')["bucket"]
        self.assertEqual(env["EXPORT_BUCKET"], staging)
        self.assertEqual(plan.environment("start-export")["EXPORT_BUCKET"], staging)
        self.assertEqual(env["DESTINATION_BUCKET"], tfplan.BUCKET)
        self.assertEqual(env["DESTINATION_KMS_KEY_ARN"], plan.values(f"{A}.aws_kms_key.this")["arn"])
        self.assertEqual(env["COPIER_ROLE_ARN"], plan.values(f'{P}.aws_iam_role.copier["staging"]')["arn"])
        self.assertEqual(env["COPIER_ROLE_EXTERNAL_ID"], tfplan.EXTERNAL_ID)
        self.assertEqual(self.plans["default"].environment("start-export")["EXPORT_BUCKET"], tfplan.BUCKET)


@needs_terraform
class Definition(PlanCase):
    def test_the_deployed_definition_calls_each_function_by_its_arn(self):
        by_state = {state: binary for binary, f in self.table.items() for state in f["states"]}
        for mode, plan in self.plans.items():
            definition = plan.values(f"{A}.aws_sfn_state_machine.this")["definition"]
            self.assertNotIn("${", definition, mode)
            arns = {b: f["arn"] for b, f in plan.functions().items()}
            tasks = task_states(json.loads(definition))
            self.assertTrue(tasks, mode)
            for state, resource in tasks.items():
                with self.subTest(mode=mode, state=state):
                    self.assertEqual(resource, arns[by_state[state]])


@needs_terraform
class FailureNotification(PlanCase):
    def test_the_status_change_rule_invokes_notify_for_this_state_machine(self):
        for mode, plan in self.plans.items():
            with self.subTest(mode=mode):
                machine_arn = plan.values(f"{A}.aws_sfn_state_machine.this")["arn"]
                notify = plan.functions()[NOTIFIER]
                # A schedule rule (the export sweep) has no pattern.
                rules = {a: v for a, v in plan.of_type("aws_cloudwatch_event_rule").items() if json.loads(v["event_pattern"] or "{}").get("source") == ["aws.states"]}
                self.assertEqual(len(rules), 1, rules)
                (address, rule), = rules.items()
                self.assertIn(rule.get("event_bus_name") or "default", ("default",), "Step Functions sends status changes to the default bus only")
                pattern = json.loads(rule["event_pattern"])
                self.assertEqual(pattern["detail-type"], ["Step Functions Execution Status Change"])
                self.assertEqual(set(pattern["detail"]), {"status", "stateMachineArn"})
                self.assertEqual(set(pattern["detail"]["status"]), FAILED_STATUSES)
                self.assertEqual(pattern["detail"]["stateMachineArn"], [machine_arn])
                targets = [v for v in plan.of_type("aws_cloudwatch_event_target").values() if v["rule"] == rule["name"]]
                self.assertEqual([t["arn"] for t in targets], [notify["arn"]])
                self.assertTrue(targets[0].get("retry_policy"))
                permissions = [v for v in plan.of_type("aws_lambda_permission").values() if v["function_name"] in (notify["function_name"], notify["arn"]) and v["principal"] == "events.amazonaws.com"]
                self.assertEqual([(p["action"], p.get("source_arn")) for p in permissions], [("lambda:InvokeFunction", rule["arn"])])

    def test_only_notify_reads_history_of_this_state_machine_only(self):
        for mode, plan in self.plans.items():
            executions = f"arn:aws:states:{tfplan.REGION}:{tfplan.ANALYTICS}:execution:{plan.values(f'{A}.aws_sfn_state_machine.this')['name']}:*"
            for address, (_kind, policy) in plan.policies().items():
                granting = [s for s in policy["Statement"] if s["Effect"] == "Allow" and grants(s.get("Action", []), HISTORY_ACTION)]
                with self.subTest(mode=mode, policy=address):
                    if address in (f'{A}.data.aws_iam_policy_document.lambda["{NOTIFIER}"]', f'{A}.aws_iam_role_policy.lambda["{NOTIFIER}"]'):
                        self.assertEqual([(as_list(s["Action"]), as_list(s["Resource"])) for s in granting], [([HISTORY_ACTION], [executions])])
                    else:
                        self.assertEqual(granting, [])


@needs_terraform
class CatalogModes(PlanCase):
    CATALOGER = "catalog-tables"
    CRAWLER_BLOCKS = [f"{A}.aws_glue_crawler.this", f"{A}.aws_glue_security_configuration.this", f"{A}.aws_iam_role.crawler", f"{A}.aws_iam_role_policy.crawler"]

    def test_tables_mode_scopes_the_cataloger_to_the_export_prefix_and_one_database(self):
        plan = self.plans["default"]
        database = plan.values(f"{A}.aws_glue_catalog_database.this")["name"]
        s = sids(self.lambda_policy("default", self.CATALOGER))
        self.assertEqual(
            sorted(as_list(s["CatalogWriteTables"]["Resource"])),
            sorted([f"arn:aws:glue:{tfplan.REGION}:{tfplan.ANALYTICS}:catalog", f"arn:aws:glue:{tfplan.REGION}:{tfplan.ANALYTICS}:database/{database}", f"arn:aws:glue:{tfplan.REGION}:{tfplan.ANALYTICS}:table/{database}/*"]),
        )
        self.assertEqual(as_list(s["CatalogListExports"]["Action"]), ["s3:ListBucket"])
        self.assertEqual(s["CatalogListExports"]["Condition"], {"StringLike": {"s3:prefix": f"{tfplan.PREFIX}/*"}})
        self.assertEqual(as_list(s["CatalogReadExports"]["Resource"]), [f"arn:aws:s3:::{tfplan.BUCKET}/{tfplan.PREFIX}/*"])
        self.assertIn(plan.values(f"{P}.aws_kms_key.this")["arn"], as_list(s["CatalogDecryptExports"]["Resource"]))
        self.assertIn("kms:ViaService", s["CatalogDecryptExports"]["Condition"]["StringEquals"])
        for binary in self.table:
            if binary != self.CATALOGER:
                self.assertFalse({"CatalogWriteTables", "CatalogReadExports", "Crawler"} & set(sids(self.lambda_policy("default", binary))), binary)
        for block in self.CRAWLER_BLOCKS:
            self.assertEqual(plan.instances(block), [], block)
        self.assertEqual(plan.environment(self.CATALOGER)["GLUE_DATABASE"], database)

    def test_crawler_mode_has_the_crawler_and_no_catalog_writer(self):
        plan = self.plans["crawler"]
        for block in self.CRAWLER_BLOCKS:
            self.assertEqual(plan.instances(block), ["crawler"], block)
        self.assertEqual(set(sids(self.lambda_policy("crawler", self.CATALOGER))) - {"XRay"}, {"Logs"})
        crawler = sids(self.lambda_policy("crawler", "start-crawler"))["Crawler"]
        self.assertEqual(as_list(crawler["Resource"]), [plan.values(f'{A}.aws_glue_crawler.this["crawler"]')["arn"]])
        self.assertEqual(as_list(crawler["Action"]), ["glue:StartCrawler"])

    def test_none_mode_has_neither(self):
        plan = self.plans["no-catalog"]
        for block in self.CRAWLER_BLOCKS:
            self.assertEqual(plan.instances(block), [], block)
        for binary in (self.CATALOGER, "start-crawler"):
            self.assertEqual(set(sids(self.lambda_policy("no-catalog", binary))) - {"XRay"}, {"Logs"}, binary)


@needs_terraform
class CopyDelivery(PlanCase):
    def analytics_principals(self, statement):
        found = []
        principal = statement.get("Principal")
        if isinstance(principal, dict):
            for ids in principal.values():
                found += [i for i in as_list(ids) if f":{tfplan.ANALYTICS}:" in i]
        for test in (statement.get("Condition") or {}).values():
            for variable, values in test.items():
                if variable.lower() == "aws:principalarn":
                    found += [v for v in as_list(values) if f":{tfplan.ANALYTICS}:" in v]
        return found

    def test_in_copy_mode_no_analytics_principal_can_use_the_prod_key(self):
        for mode in ("default", "copy"):
            key = self.policy(mode, f"{P}.data.aws_iam_policy_document.key", f"{P}.aws_kms_key.this")
            granted = [p for s in key["Statement"] if s["Effect"] == "Allow" for p in self.analytics_principals(s)]
            if mode == "default":
                self.assertTrue(granted, "share-key delivery should let the analytics readers decrypt")
            else:
                self.assertEqual(granted, [], "the prod key policy names analytics principals in copy mode")
        prod_key = self.plans["copy"].values(f"{P}.aws_kms_key.this")["arn"]
        for address, (_kind, policy) in self.plans["copy"].policies().items():
            if address.startswith(A):
                self.assertNotIn(prod_key, json.dumps(policy), address)
        copier = sids(self.policy("copy", f"{P}.data.aws_iam_policy_document.copier"))
        kms = [s for s in copier.values() if prod_key in as_list(s["Resource"])]
        self.assertEqual([(as_list(s["Action"]), s["Condition"]) for s in kms], [(["kms:Decrypt"], {"StringEquals": {"kms:ViaService": f"s3.{tfplan.REGION}.amazonaws.com"}})])

    def test_only_copy_objects_may_assume_the_copier_role_with_the_external_id(self):
        plan = self.plans["copy"]
        trust = self.policy("copy", f'{P}.aws_iam_role.copier["staging"]')["Statement"]
        self.assertEqual(len(trust), 1)
        self.assertEqual(as_list(trust[0]["Condition"]["ArnEquals"]["aws:PrincipalArn"]), [f"arn:aws:iam::{tfplan.ANALYTICS}:role/{tfplan.NAME}-copy-objects"])
        self.assertEqual(trust[0]["Condition"]["StringEquals"]["sts:ExternalId"], tfplan.EXTERNAL_ID)
        copier_arn = plan.values(f'{P}.aws_iam_role.copier["staging"]')["arn"]
        assuming = [b for b in self.table if "AssumeCopierRole" in sids(self.lambda_policy("copy", b))]
        self.assertEqual(assuming, ["copy-objects"])
        self.assertEqual(as_list(sids(self.lambda_policy("copy", "copy-objects"))["AssumeCopierRole"]["Resource"]), [copier_arn])
        self.assertFalse([b for b in self.table if "AssumeCopierRole" in sids(self.lambda_policy("default", b))])

    def test_the_copier_reads_staging_writes_the_prefix_and_never_deletes(self):
        plan = self.plans["copy"]
        staging = plan.values(f'{P}.aws_s3_bucket.staging["staging"]')["bucket"]
        copier = sids(self.policy("copy", f"{P}.data.aws_iam_policy_document.copier"))
        self.assertEqual(as_list(copier["ReadStagedExports"]["Resource"]), [f"arn:aws:s3:::{staging}/{tfplan.PREFIX}/*"])
        self.assertEqual(as_list(copier["WriteAnalyticsCopies"]["Resource"]), [f"arn:aws:s3:::{tfplan.BUCKET}/{tfplan.PREFIX}/*"])
        actions = [a for s in copier.values() for a in as_list(s["Action"])]
        self.assertFalse([a for a in actions if "Delete" in a or a.endswith("*")], actions)
        export = sids(self.policy("copy", f"{P}.data.aws_iam_policy_document.export"))
        self.assertEqual(as_list(export["ExportObjects"]["Resource"]), [f"arn:aws:s3:::{staging}/{tfplan.PREFIX}/*"])
        self.assertEqual(plan.instances(f"{P}.aws_s3_bucket_lifecycle_configuration.staging"), ["staging"])
        bucket = sids(self.policy("copy", f'{P}.aws_s3_bucket_policy.staging["staging"]', f"{P}.data.aws_iam_policy_document.staging_bucket"))
        self.assertEqual(bucket["DenyOtherAccounts"]["Condition"], {"StringNotEquals": {"aws:PrincipalAccount": tfplan.PROD}})

    def test_the_analytics_bucket_lets_only_the_copier_write_under_the_prefix(self):
        copier_arn = self.plans["copy"].values(f'{P}.aws_iam_role.copier["staging"]')["arn"]
        bucket = sids(self.policy("copy", f"{A}.data.aws_iam_policy_document.bucket", f"{A}.aws_s3_bucket_policy.this"))
        writers = [sid for sid, s in bucket.items() if s["Effect"] == "Allow" and any(grants(s["Action"], a) for a in ("s3:PutObject", "s3:PutObjectAcl"))]
        self.assertEqual(writers, ["ProdCopierWrite"])
        self.assertEqual(as_list(bucket["ProdCopierWrite"]["Principal"]["AWS"]), [copier_arn])
        deny = bucket["DenyExportWritesButCopier"]
        self.assertEqual((deny["Effect"], as_list(deny["Action"])), ("Deny", ["s3:PutObject"]))
        self.assertEqual(deny["Condition"], {"ArnNotEquals": {"aws:PrincipalArn": copier_arn}})
        key = sids(self.policy("copy", f"{A}.data.aws_iam_policy_document.key", f"{A}.aws_kms_key.this"))
        self.assertEqual(as_list(key["ProdCopierEncryptsCopiesViaS3"]["Principal"]["AWS"]), [copier_arn])
        self.assertNotIn("ProdCopierEncryptsCopiesViaS3", sids(self.policy("default", f"{A}.data.aws_iam_policy_document.key", f"{A}.aws_kms_key.this")))


if __name__ == "__main__":
    unittest.main()

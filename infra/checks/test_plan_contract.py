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
P = "module.prod_a"
PB = "module.prod_b"
# The prod modules of the example and their accounts.
PRODS = {P: tfplan.PROD, PB: tfplan.PROD_B}
NOTIFIER = "notify"
# The functions the status-change rule invokes (functions.json triggers "status-change").
STATUS_CHANGE_TARGETS = {"notify", "export-slots"}
FAILED_STATUSES = {"FAILED", "TIMED_OUT", "ABORTED"}
HISTORY_ACTION = "states:GetExecutionHistory"


def as_list(v):
    return v if isinstance(v, list) else [v]


def source_config(plan, account):
    """The `config` JSON of an account's item in the sources table."""
    item = json.loads(plan.values(f'{A}.aws_dynamodb_table_item.source["{account}"]')["item"])
    assert item["account_id"] == {"S": account}, item
    return json.loads(item["config"]["S"])


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
        # Each account's copier role and staging bucket come from its item of the sources
        # table (no account's copier is left in the environment for another's exports).
        self.assertNotIn("COPIER_ROLE_ARN", env)
        for module, account in PRODS.items():
            config = source_config(plan, account)
            self.assertEqual(config["copier_role_arn"], plan.values(f'{module}.aws_iam_role.copier["staging"]')["arn"])
            self.assertEqual(config["copier_external_id"], tfplan.EXTERNAL_ID)
            self.assertEqual(config["export_bucket"], plan.values(f'{module}.aws_s3_bucket.staging["staging"]')["bucket"])
            self.assertEqual(config["delivery"], "copy")
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
                # notify (the failure event) and export-slots (frees the execution's slots):
                # the functions.json triggers of the rule.
                triggered = {b for b, f in self.table.items() if "status-change" in f["triggers"]}
                self.assertEqual(triggered, STATUS_CHANGE_TARGETS)
                functions = plan.functions()
                targets = [v for v in plan.of_type("aws_cloudwatch_event_target").values() if v["rule"] == rule["name"]]
                self.assertEqual(sorted(t["arn"] for t in targets), sorted(functions[b]["arn"] for b in triggered))
                self.assertTrue(all(t.get("retry_policy") for t in targets))
                for binary in triggered:
                    f = functions[binary]
                    permissions = [v for v in plan.of_type("aws_lambda_permission").values() if v["function_name"] in (f["function_name"], f["arn"]) and v["principal"] == "events.amazonaws.com" and v.get("source_arn") == rule["arn"]]
                    self.assertEqual([p["action"] for p in permissions], ["lambda:InvokeFunction"], binary)
                self.assertIn(notify["arn"], [t["arn"] for t in targets])

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
        copier_arns = sorted(plan.values(f'{m}.aws_iam_role.copier["staging"]')["arn"] for m in PRODS)
        assuming = [b for b in self.table if "AssumeCopierRole" in sids(self.lambda_policy("copy", b))]
        self.assertEqual(assuming, ["copy-objects"])
        self.assertEqual(sorted(as_list(sids(self.lambda_policy("copy", "copy-objects"))["AssumeCopierRole"]["Resource"])), copier_arns)
        self.assertFalse([b for b in self.table if "AssumeCopierRole" in sids(self.lambda_policy("default", b))])

    def test_the_copier_reads_staging_writes_the_prefix_and_never_deletes(self):
        plan = self.plans["copy"]
        staging = plan.values(f'{P}.aws_s3_bucket.staging["staging"]')["bucket"]
        copier = sids(self.policy("copy", f"{P}.data.aws_iam_policy_document.copier"))
        # prod_a's prefix: <export_prefix>/<name> (the example's prod_a_name).
        prefix = f"{tfplan.PREFIX}/prod_a"
        self.assertEqual(as_list(copier["ReadStagedExports"]["Resource"]), [f"arn:aws:s3:::{staging}/{prefix}/*"])
        self.assertEqual(as_list(copier["WriteAnalyticsCopies"]["Resource"]), [f"arn:aws:s3:::{tfplan.BUCKET}/{prefix}/*"])
        actions = [a for s in copier.values() for a in as_list(s["Action"])]
        self.assertFalse([a for a in actions if "Delete" in a or a.endswith("*")], actions)
        export = sids(self.policy("copy", f"{P}.data.aws_iam_policy_document.export"))
        self.assertEqual(as_list(export["ExportObjects"]["Resource"]), [f"arn:aws:s3:::{staging}/{prefix}/*"])
        self.assertEqual(plan.instances(f"{P}.aws_s3_bucket_lifecycle_configuration.staging"), ["staging"])
        bucket = sids(self.policy("copy", f'{P}.aws_s3_bucket_policy.staging["staging"]', f"{P}.data.aws_iam_policy_document.staging_bucket"))
        self.assertEqual(bucket["DenyOtherAccounts"]["Condition"], {"StringNotEquals": {"aws:PrincipalAccount": tfplan.PROD}})

    def test_the_analytics_bucket_lets_only_each_copier_write_under_its_prefix(self):
        bucket = sids(self.policy("copy", f"{A}.data.aws_iam_policy_document.bucket", f"{A}.aws_s3_bucket_policy.this"))
        writers = [sid for sid, s in bucket.items() if s["Effect"] == "Allow" and any(grants(s["Action"], a) for a in ("s3:PutObject", "s3:PutObjectAcl"))]
        self.assertEqual(sorted(writers), sorted(f"ProdCopierWrite{a}" for a in PRODS.values()))
        copier_arns = []
        for module, account in PRODS.items():
            copier_arn = self.plans["copy"].values(f'{module}.aws_iam_role.copier["staging"]')["arn"]
            copier_arns.append(copier_arn)
            prefix_objects = f"arn:aws:s3:::{tfplan.BUCKET}/{source_config(self.plans['copy'], account)['export_prefix']}/*"
            self.assertEqual(as_list(bucket[f"ProdCopierWrite{account}"]["Principal"]["AWS"]), [copier_arn])
            self.assertEqual(as_list(bucket[f"ProdCopierWrite{account}"]["Resource"]), [prefix_objects])
            deny = bucket[f"DenyExportWritesButCopier{account}"]
            self.assertEqual((deny["Effect"], as_list(deny["Action"]), as_list(deny["Resource"])), ("Deny", ["s3:PutObject"], [prefix_objects]))
            # The copier, and catalog-tables for its verification report (its own policy
            # names only the report's keys).
            self.assertEqual(sorted(as_list(deny["Condition"]["ArnNotEquals"]["aws:PrincipalArn"])), sorted([copier_arn, f"arn:aws:iam::{tfplan.ANALYTICS}:role/{tfplan.NAME}-catalog-tables"]))
        key = sids(self.policy("copy", f"{A}.data.aws_iam_policy_document.key", f"{A}.aws_kms_key.this"))
        self.assertEqual(sorted(as_list(key["ProdCopierEncryptsCopiesViaS3"]["Principal"]["AWS"])), sorted(copier_arns))
        self.assertNotIn("ProdCopierEncryptsCopiesViaS3", sids(self.policy("default", f"{A}.data.aws_iam_policy_document.key", f"{A}.aws_kms_key.this")))


@needs_terraform
class SourceAccounts(PlanCase):
    """The example's two prod accounts (source_accounts): one item each in the sources
    table, exactly them on the bus and in every AssumeRole, each writing its own prefix."""

    def cross_account_roles(self, plan):
        return sorted(plan.values(f"{m}.aws_iam_role.cross_account")["arn"] for m in PRODS)

    def test_each_account_has_its_item_and_normalize_knows_the_ids(self):
        for mode, plan in self.plans.items():
            with self.subTest(mode=mode):
                self.assertEqual(plan.instances(f"{A}.aws_dynamodb_table_item.source"), sorted(PRODS.values()))
                names = set()
                for module, account in PRODS.items():
                    config = source_config(plan, account)
                    names.add(config["name"])
                    self.assertEqual(config["role_arn"], plan.values(f"{module}.aws_iam_role.cross_account")["arn"])
                    self.assertEqual(config["export_role_arn"], plan.values(f"{module}.aws_iam_role.export")["arn"])
                    self.assertEqual(config["kms_key_arn"], plan.values(f"{module}.aws_kms_key.this")["arn"])
                    self.assertEqual(config["external_id"], tfplan.EXTERNAL_ID)
                    self.assertEqual(config["export_prefix"], f"{tfplan.PREFIX}/{config['name']}")
                    self.assertEqual(config["regions"], [tfplan.REGION])
                    self.assertEqual(set(config), {"name", "regions", "role_arn", "external_id", "export_role_arn", "kms_key_arn", "export_bucket", "export_prefix", "delivery", "copier_role_arn", "copier_external_id", "db_identifiers", "snapshot_types", "export_only"})
                self.assertEqual(len(names), len(PRODS))
                self.assertEqual(plan.environment("normalize")["SOURCE_ACCOUNT_IDS"], ",".join(sorted(PRODS.values())))
                table = plan.values(f'{A}.aws_dynamodb_table.sources["sources"]')
                for binary, spec in self.table.items():
                    env = plan.environment(binary)
                    reads = "SOURCES_TABLE" in spec["required_env"] + spec["optional_env"]
                    self.assertEqual(env.get("SOURCES_TABLE"), table["name"] if reads else None, binary)
                    # No role of one account is left in the environment for another's snapshots.
                    self.assertNotIn("PROD_ROLE_ARN", env, binary)

    def test_the_bus_and_the_rules_admit_exactly_the_configured_accounts(self):
        for mode, plan in self.plans.items():
            with self.subTest(mode=mode):
                bus = self.policy(mode, f"{A}.aws_cloudwatch_event_bus_policy.this", f"{A}.data.aws_iam_policy_document.event_bus")
                principals = sorted(p for s in bus["Statement"] for p in as_list(s["Principal"]["AWS"]))
                self.assertEqual(principals, sorted(f"arn:aws:iam::{a}:root" for a in PRODS.values()))
                for address, rule in plan.of_type("aws_cloudwatch_event_rule").items():
                    pattern = json.loads(rule["event_pattern"] or "{}")
                    if pattern.get("source") == ["aws.rds"] and address.startswith(A):
                        self.assertEqual(sorted(pattern["account"]), sorted(PRODS.values()), address)

    def test_every_assume_role_names_exactly_the_configured_roles(self):
        for mode, plan in self.plans.items():
            for binary in self.table:
                statement = sids(self.lambda_policy(mode, binary)).get("AssumeProdRole")
                if statement:
                    with self.subTest(mode=mode, binary=binary):
                        self.assertEqual(sorted(as_list(statement["Resource"])), self.cross_account_roles(plan))

    def test_only_the_readers_of_the_table_may_get_an_item_of_it(self):
        for mode, plan in self.plans.items():
            arn = plan.values(f'{A}.aws_dynamodb_table.sources["sources"]')["arn"]
            for binary, spec in self.table.items():
                with self.subTest(mode=mode, binary=binary):
                    statement = sids(self.lambda_policy(mode, binary)).get("SourcesTable")
                    if "SOURCES_TABLE" in spec["required_env"] + spec["optional_env"]:
                        self.assertEqual((as_list(statement["Action"]), as_list(statement["Resource"])), (["dynamodb:GetItem"], [arn]))
                    else:
                        self.assertIsNone(statement)

    def test_each_export_role_writes_only_its_own_prefix(self):
        plan = self.plans["default"]
        bucket = sids(self.policy("default", f"{A}.data.aws_iam_policy_document.bucket", f"{A}.aws_s3_bucket_policy.this"))
        for module, account in PRODS.items():
            prefix = source_config(plan, account)["export_prefix"]
            s = bucket[f"ProdExportRoleObjects{account}"]
            self.assertEqual(as_list(s["Principal"]["AWS"]), [plan.values(f"{module}.aws_iam_role.export")["arn"]])
            self.assertEqual(as_list(s["Resource"]), [f"arn:aws:s3:::{tfplan.BUCKET}/{prefix}/*"])
            acl = bucket[f"ProdCrossAccountAcl{account}"]
            self.assertEqual(as_list(acl["Principal"]["AWS"]), [plan.values(f"{module}.aws_iam_role.cross_account")["arn"]])
            self.assertEqual(as_list(acl["Resource"]), [f"arn:aws:s3:::{tfplan.BUCKET}/{prefix}/*"])
            export = sids(self.policy("default", f"{module}.data.aws_iam_policy_document.export"))
            self.assertEqual(as_list(export["ExportObjects"]["Resource"]), [f"arn:aws:s3:::{tfplan.BUCKET}/{prefix}/*"])
        self.assertEqual(len(source_config(plan, tfplan.PROD)["export_prefix"].split("/")), 2)


@needs_terraform
class ExportSlots(PlanCase):
    SLOTS = "export-slots"

    def test_the_slots_table_and_its_function(self):
        for mode, plan in self.plans.items():
            with self.subTest(mode=mode):
                table = plan.values(f"{A}.aws_dynamodb_table.export_slots")
                self.assertEqual((table["hash_key"], table["range_key"], table["billing_mode"]), ("pk", "sk", "PAY_PER_REQUEST"))
                self.assertEqual(sorted((a["name"], a["type"]) for a in table["attribute"]), [("pk", "S"), ("sk", "S")])
                self.assertTrue(table["point_in_time_recovery"][0]["enabled"])
                self.assertEqual(table["server_side_encryption"][0]["kms_key_arn"], plan.values(f"{A}.aws_kms_key.this")["arn"])
                self.assertEqual(plan.environment(self.SLOTS)["EXPORT_SLOTS_TABLE"], table["name"])
                s = sids(self.lambda_policy(mode, self.SLOTS))
                self.assertEqual(sorted(as_list(s["ExportSlotsTable"]["Action"])), sorted(["dynamodb:GetItem", "dynamodb:PutItem", "dynamodb:UpdateItem", "dynamodb:DeleteItem", "dynamodb:Query"]))
                self.assertEqual(as_list(s["ExportSlotsTable"]["Resource"]), [table["arn"]])
                self.assertEqual(sorted(as_list(s["SlotTaskTokens"]["Action"])), ["states:SendTaskFailure", "states:SendTaskSuccess"])
                executions = f"arn:aws:states:{tfplan.REGION}:{tfplan.ANALYTICS}:execution:{plan.values(f'{A}.aws_sfn_state_machine.this')['name']}:*"
                self.assertEqual((as_list(s["DescribeOwnerExecution"]["Action"]), as_list(s["DescribeOwnerExecution"]["Resource"])), (["states:DescribeExecution"], [executions]))
                self.assertEqual(sorted(as_list(s["AssumeProdRole"]["Resource"])), sorted(plan.values(f"{m}.aws_iam_role.cross_account")["arn"] for m in PRODS))
                # Nobody else touches the ledger.
                for binary in self.table:
                    if binary != self.SLOTS:
                        self.assertNotIn(table["arn"], json.dumps(self.lambda_policy(mode, binary)), binary)
                # The state machine may invoke it.
                machine = self.policy(mode, f"{A}.aws_iam_role_policy.state_machine", f"{A}.data.aws_iam_policy_document.state_machine")
                self.assertIn(plan.functions()[self.SLOTS]["arn"], json.dumps(machine))

    def test_the_sweep_schedule_invokes_its_functions(self):
        for mode, plan in self.plans.items():
            with self.subTest(mode=mode):
                rule = plan.values(f"{A}.aws_cloudwatch_event_rule.export_sweep")
                targets = sorted(v["arn"] for v in plan.of_type("aws_cloudwatch_event_target").values() if v["rule"] == rule["name"])
                functions = plan.functions()
                wanted = [b for b, f in self.table.items() if "export-sweep" in f["triggers"] and (b != "export-events" or mode != "wait-loop")]
                self.assertEqual(targets, sorted(functions[b]["arn"] for b in wanted))


if __name__ == "__main__":
    unittest.main()

"""The applied stack: the cross-account example applied by real Terraform into the
launcher's moto, read back from moto, and the pipeline run on what was applied.

`Stack.apply(pipeline)` copies infra/examples/cross-account into a temporary directory
(next to symlinks to infra/modules and state-machine, which the example and the modules
reach by relative paths), adds a provider override file pointing every service endpoint of
both aliased providers at this moto, and runs `terraform init` from the provider mirror and
`terraform apply`. The deploy roles of the example's providers are assumed through moto's
STS, which answers with credentials of the role's account: the prod module lands in the
prod account (210987654321), the analytics module in the analytics account (123456789012),
as the scenarios' own set-up has them (accounts.py).

Then `read_back()` describes what moto holds, not what the Terraform says: the state machine
(DescribeStateMachine: its definition and role), every function (GetFunctionConfiguration:
ARN, role, environment, timeout, memory), the IAM roles of both accounts (trust policy,
inline and attached policies), every EventBridge bus with its policy and rules (pattern,
targets), the buckets' policies and ownership, the functions' resource policies. The Node
runner executes that definition, binds each function ARN in it to the real binary of that
function's name, and starts each binary with exactly the applied environment (applied.mjs).

`setup(section)` prepares one scenario on the applied stack: it empties what a previous
scenario left (export tasks, snapshots, objects, tables, crawls: the infrastructure stays),
creates the scenario's DB instances and snapshots in prod and the decoy objects, turns IAM
enforcement on with the APPLIED roles (iam_enforce.py's moto patches; each function gets the
credentials of its applied role, assumed as the Lambda service would, checked against the
applied trust policy) and returns the vars the runner and the checks use, read from the
applied stack.

`route(event, account)` is what EventBridge would do with an event put on `account`'s
default bus, over the applied rules: each rule's pattern is matched by moto's matcher through
the TestEventPattern API (patches.py adds it), a target that is another bus forwards the
event unchanged (the receiving bus's policy must allow the sender), and each target's
permission is checked: the target role's applied policies must allow PutEvents /
StartExecution on the target (moto's own IAM policy evaluator), a function's resource policy
must let events.amazonaws.com invoke it from that rule.

`destroy()` runs `terraform destroy` (the buckets are emptied first, as an operator must:
the module never deletes data) and checks moto holds none of the stack's functions, state
machine, roles, rules or buckets afterwards. Every phase is timed (`timings`).
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any
from urllib.parse import unquote

import boto3

import accounts
import iam_enforce
import patches
from terraform_tool import PLUGIN_DIR, TERRAFORM

REPO = Path(__file__).resolve().parents[2]
EXAMPLE = REPO / "infra" / "examples" / "cross-account"
FUNCTIONS_JSON = REPO / "infra" / "modules" / "analytics-account" / "functions.json"
# The Terraform checks' helpers (infra/checks/tfplan.py): one provider override and one
# set of stand-in packages for the plans there and the apply here.
sys.path.insert(0, str(REPO / "infra" / "checks"))
import tfplan  # noqa: E402  (infra/checks is not a package)

# The example's `name` (its default): every resource is named after it.
NAME = "snapshot-export"
TIMEOUT = int(os.environ.get("E2E_TF_TIMEOUT", "600"))


class TerraformError(RuntimeError):
    pass


def example_variables() -> set[str]:
    return {m for f in EXAMPLE.glob("*.tf") for m in re.findall(r'^variable\s+"(\w+)"', f.read_text(), re.M)}


def provider_aliases() -> list[str]:
    text = (EXAMPLE / "main.tf").read_text()
    return re.findall(r'provider\s+"aws"\s*\{[^}]*?alias\s*=\s*"([^"]+)"', text, re.S)


def _client(service: str, creds: dict[str, str] | None, endpoint: str) -> Any:
    return accounts._client(endpoint, service, creds)


def _doc(value: Any) -> Any:
    """A policy document as IAM returns it (moto: a dict, or URL-encoded JSON text)."""
    if isinstance(value, str):
        text = unquote(value) if value.lstrip().startswith("%") else value
        return json.loads(text)
    return value


class Stack:
    """One applied example in the launcher's moto."""

    def __init__(self, moto_url: str) -> None:
        self.moto_url = moto_url
        self.dir: Path | None = None
        self.timings: dict[str, float] = {}
        self.described: dict[str, Any] | None = None
        self.pipeline: dict[str, Any] = {}
        self.revoked: list[tuple[str, str]] = []

    # --- terraform ------------------------------------------------------------------------

    def _terraform(self, *args: str) -> str:
        assert self.dir is not None
        env = {
            **os.environ,
            "TF_CLI_CONFIG_FILE": "/dev/null",
            "TF_IN_AUTOMATION": "1",
            "TF_INPUT": "0",
            "CHECKPOINT_DISABLE": "1",
            # The provider signs with the override's keys; nothing may reach real AWS.
            "AWS_EC2_METADATA_DISABLED": "true",
        }
        for key in ("AWS_PROFILE", "AWS_SESSION_TOKEN", "AWS_ENDPOINT_URL"):
            env.pop(key, None)
        run = subprocess.run(
            [TERRAFORM, *args, "-no-color"], cwd=self.dir, env=env, capture_output=True, text=True, timeout=TIMEOUT
        )
        if run.returncode != 0:
            tail = "\n".join((run.stdout + run.stderr).strip().splitlines()[-60:])
            raise TerraformError(f"terraform {args[0]} failed ({run.returncode}):\n{tail}")
        return run.stdout

    def _timed(self, phase: str, fn: Any, *args: Any) -> Any:
        started = time.monotonic()
        try:
            return fn(*args)
        finally:
            self.timings[phase] = round(time.monotonic() - started, 1)

    def variables(self, definition: str | None) -> dict[str, Any]:
        """The example's inputs: the harness's accounts and names (accounts.py), fake zips
        (the runner runs the real binaries itself), and the graph's catalog / delivery read
        from the definition (iam_enforce.pipeline_vars)."""
        assert self.dir is not None
        # Stand-in zips and their manifest: the runner runs target/debug/<binary> itself.
        manifest = tfplan.write_packages(self.dir / "lambda")
        graph = iam_enforce.pipeline_vars(Path(definition) if definition else iam_enforce.DEFINITION)
        values: dict[str, Any] = {
            "region": accounts.REGION,
            # The example's two prod accounts (prod_a, prod_b) and the analytics account.
            "prod_a_account_id": accounts.PROD_ACCOUNT,
            "prod_b_account_id": accounts.PROD_B_ACCOUNT,
            "analytics_account_id": accounts.ANALYTICS_ACCOUNT,
            # Assumed through moto's STS: credentials in that account.
            "prod_a_deploy_role_arn": f"arn:aws:iam::{accounts.PROD_ACCOUNT}:role/terraform-deploy",
            "prod_b_deploy_role_arn": f"arn:aws:iam::{accounts.PROD_B_ACCOUNT}:role/terraform-deploy",
            "analytics_deploy_role_arn": f"arn:aws:iam::{accounts.ANALYTICS_ACCOUNT}:role/terraform-deploy",
            "name": NAME,
            "bucket_name": accounts.BUCKET,
            "export_prefix": accounts.EXPORT_PREFIX,
            "external_id": accounts.EXTERNAL_ID,
            "lambda_manifest_path": str(manifest),
            "catalog": graph["catalog"],
            "delivery": graph.get("delivery", "share-key"),
            "definition_path": graph["definition_path"],
        }
        values["export_events"] = bool(graph.get("export_events"))
        declared = example_variables()
        missing = sorted(set(values) - declared)
        if missing:
            raise TerraformError(f"the example declares no variable {', '.join(missing)} (needed for this graph)")
        return values

    def apply(self, definition: str | None = None) -> dict[str, Any]:
        """init + apply of the example for the graph `definition` (None: the committed
        default), then the read-back. Returns describe()."""
        with iam_enforce.unenforced():
            self.dir = Path(tempfile.mkdtemp(prefix="e2e-applied-"))
            root = self.dir / "infra" / "examples" / "cross-account"
            root.mkdir(parents=True)
            for f in EXAMPLE.iterdir():
                if f.suffix == ".tf" or f.name == ".terraform.lock.hcl":
                    shutil.copy(f, root / f.name)
            (self.dir / "infra" / "modules").symlink_to(REPO / "infra" / "modules")
            (self.dir / "state-machine").symlink_to(REPO / "state-machine")
            (root / "harness_override.tf").write_text(tfplan.override(self.moto_url))
            values = self.variables(definition)
            self.pipeline = {k: values[k] for k in ("catalog", "delivery", "definition_path") if k in values}
            (root / "harness.auto.tfvars.json").write_text(json.dumps(values, indent=2))
            self.dir = root
            self._timed("init", self._terraform, "init", f"-plugin-dir={PLUGIN_DIR}", "-input=false")
            self._timed("apply", self._terraform, "apply", "-auto-approve", "-input=false", "-parallelism=20")
            self.described = self._timed("read_back", self.read_back)
        return self.describe()

    def describe(self) -> dict[str, Any]:
        return {**(self.described or {}), "pipeline": self.pipeline, "timings": dict(self.timings), "dir": str(self.dir)}

    # --- reading the applied stack back from moto -----------------------------------------

    def read_back(self) -> dict[str, Any]:
        outputs = {k: v["value"] for k, v in json.loads(self._terraform("output", "-json")).items()}
        prod = accounts.prod_credentials(self.moto_url)
        c = lambda service, creds=None: _client(service, creds, self.moto_url)  # noqa: E731
        sfn = c("stepfunctions").describe_state_machine(stateMachineArn=outputs["state_machine_arn"])
        table = json.loads(FUNCTIONS_JSON.read_text())["functions"]
        lam = c("lambda")
        functions: dict[str, Any] = {}
        for page in lam.get_paginator("list_functions").paginate():
            for f in page["Functions"]:
                name = f["FunctionName"]
                if not name.startswith(f"{NAME}-"):
                    continue
                binary = name[len(NAME) + 1 :]
                if binary not in table:
                    raise TerraformError(f"applied function {name} is no function of functions.json")
                config = lam.get_function_configuration(FunctionName=name)
                try:
                    policy = json.loads(lam.get_policy(FunctionName=name)["Policy"])
                except lam.exceptions.ResourceNotFoundException:
                    policy = None
                functions[binary] = {
                    "name": name,
                    "arn": config["FunctionArn"],
                    "role": config["Role"],
                    "env": config.get("Environment", {}).get("Variables", {}),
                    "timeout": config["Timeout"],
                    "memory": config["MemorySize"],
                    "log_format": config.get("LoggingConfig", {}).get("LogFormat"),
                    "resource_policy": policy,
                }
        prod_b = accounts.prod_credentials(self.moto_url, accounts.PROD_B_ACCOUNT)
        roles = {"analytics": self._roles(c("iam")), "prod": self._roles(c("iam", prod)), "prod_b": self._roles(c("iam", prod_b))}
        buses = {"analytics": self._buses(c("events")), "prod": self._buses(c("events", prod)), "prod_b": self._buses(c("events", prod_b))}
        buckets = {}
        for account, creds in (("analytics", None), ("prod", prod), ("prod_b", prod_b)):
            s3 = c("s3", creds)
            for b in s3.list_buckets()["Buckets"]:
                entry: dict[str, Any] = {"account": account}
                try:
                    entry["policy"] = json.loads(s3.get_bucket_policy(Bucket=b["Name"])["Policy"])
                except s3.exceptions.ClientError:
                    entry["policy"] = None
                try:
                    rules = s3.get_bucket_ownership_controls(Bucket=b["Name"])["OwnershipControls"]["Rules"]
                    entry["ownership"] = rules[0]["ObjectOwnership"]
                except s3.exceptions.ClientError:
                    entry["ownership"] = None
                buckets[b["Name"]] = entry
        # The source accounts as the functions read them (SOURCES_TABLE), from moto.
        sources = {}
        if outputs.get("sources_table_name"):
            for item in c("dynamodb").scan(TableName=outputs["sources_table_name"])["Items"]:
                sources[item["account_id"]["S"]] = json.loads(item["config"]["S"])
        return {
            "outputs": outputs,
            "sources": sources,
            "state_machine": {"arn": sfn["stateMachineArn"], "name": sfn["name"], "role": sfn["roleArn"], "definition": sfn["definition"]},
            "functions": functions,
            "roles": roles,
            "buses": buses,
            "buckets": buckets,
        }

    @staticmethod
    def _roles(iam: Any) -> dict[str, Any]:
        roles = {}
        for page in iam.get_paginator("list_roles").paginate():
            for r in page["Roles"]:
                name = r["RoleName"]
                if not name.startswith(f"{NAME}-"):
                    continue
                inline = {
                    p: _doc(iam.get_role_policy(RoleName=name, PolicyName=p)["PolicyDocument"])
                    for p in iam.list_role_policies(RoleName=name)["PolicyNames"]
                }
                attached = {}
                for a in iam.list_attached_role_policies(RoleName=name)["AttachedPolicies"]:
                    version = iam.get_policy(PolicyArn=a["PolicyArn"])["Policy"]["DefaultVersionId"]
                    attached[a["PolicyArn"]] = _doc(
                        iam.get_policy_version(PolicyArn=a["PolicyArn"], VersionId=version)["PolicyVersion"]["Document"]
                    )
                roles[name] = {"arn": r["Arn"], "trust": _doc(r["AssumeRolePolicyDocument"]), "inline": inline, "attached": attached}
        return roles

    @staticmethod
    def _buses(events: Any) -> dict[str, Any]:
        buses = {}
        for bus in events.list_event_buses()["EventBuses"]:
            rules = {}
            for rule in events.list_rules(EventBusName=bus["Name"]).get("Rules", []):
                targets = events.list_targets_by_rule(Rule=rule["Name"], EventBusName=bus["Name"])["Targets"]
                rules[rule["Name"]] = {
                    "arn": rule["Arn"],
                    "state": rule.get("State"),
                    "pattern": json.loads(rule["EventPattern"]) if rule.get("EventPattern") else None,
                    "targets": [{"id": t["Id"], "arn": t["Arn"], "role": t.get("RoleArn")} for t in targets],
                }
            buses[bus["Name"]] = {"arn": bus["Arn"], "policy": json.loads(bus["Policy"]) if bus.get("Policy") else None, "rules": rules}
        return buses

    # --- one scenario on the stack ----------------------------------------------------------

    SETUP_KEYS = {"bucket", "snapshots", "copy", "crawler", "controls", "definition_file"}

    def setup(self, section: dict[str, Any]) -> dict[str, Any]:
        """Empties what a previous scenario left, creates the scenario's snapshots and decoys,
        switches IAM enforcement on with the applied roles; returns the vars."""
        d = self.described
        if d is None:
            raise RuntimeError("no applied stack: POST /applied/apply first")
        unknown = set(section) - self.SETUP_KEYS
        if unknown:
            raise ValueError(f"setup keys {sorted(unknown)} describe a harness-built world, not the applied stack")
        env = {b: f["env"] for b, f in d["functions"].items()}
        bucket = d["outputs"]["bucket_name"]
        ownership = d["buckets"][bucket]["ownership"]
        wanted = (section.get("bucket") or {}).get("ownership")
        if wanted and wanted != ownership:
            raise ValueError(f"the scenario wants bucket ownership {wanted}; the applied bucket has {ownership}")
        prod_a_source = d.get("sources", {}).get(accounts.PROD_ACCOUNT, {})
        staging = (prod_a_source.get("export_bucket") or env.get("copy-objects", {}).get("EXPORT_BUCKET")) if self.pipeline.get("delivery") == "copy" else None
        if (section.get("copy") is not None) != bool(staging):
            raise ValueError(f"the scenario's copy delivery ({section.get('copy') is not None}) differs from the applied stack's ({bool(staging)})")
        with iam_enforce.unenforced():
            self.restore()
            self.clean()
            prod = accounts.prod_credentials(self.moto_url)
            rds = _client("rds", prod, self.moto_url)
            snapshots = {s["alias"]: accounts._snapshot(rds, s) for s in section.get("snapshots", [])}
            prefix = d["outputs"]["export_prefix"]
            decoys = accounts.put_decoys(self.moto_url, bucket, prefix)
            crawler = d["outputs"].get("crawler_name")
            if (section.get("crawler") or {}).get("already_running"):
                _client("glue", None, self.moto_url).start_crawler(Name=crawler)
            credentials = self.function_credentials()
        iam_enforce.activate()
        iam_enforce.enforce(True)
        first = lambda key: next((e[key] for e in env.values() if key in e), None)  # noqa: E731
        source = d.get("sources", {}).get(accounts.PROD_ACCOUNT, {})
        return {
            "region": accounts.REGION,
            "analytics_account": accounts.ANALYTICS_ACCOUNT,
            "prod_account": accounts.PROD_ACCOUNT,
            "prod_b_account": accounts.PROD_B_ACCOUNT,
            "bucket": bucket,
            "ownership": ownership,
            # The scenarios' snapshots are prod_a's: its prefix and roles (its item of the
            # sources table, else the single-account environment).
            "export_prefix": source.get("export_prefix", prefix),
            "decoy_keys": decoys,
            "kms_key_arn": source.get("kms_key_arn") or first("EXPORT_KMS_KEY_ARN"),
            "export_role_arn": source.get("export_role_arn") or first("EXPORT_ROLE_ARN"),
            "prod_role_arn": source.get("role_arn") or first("PROD_ROLE_ARN"),
            "prod_role_external_id": source.get("external_id") or first("PROD_ROLE_EXTERNAL_ID"),
            "sources": d.get("sources", {}),
            "crawler_name": crawler,
            "crawler_missing": False,
            "glue_database": d["outputs"]["glue_database_name"],
            "event_bus_name": first("EVENT_BUS_NAME"),
            "event_bus_missing": False,
            "snapshot": snapshots,
            **(
                {
                    "delivery": "copy",
                    "staging_bucket": staging,
                    "copier_role_arn": source.get("copier_role_arn") or first("COPIER_ROLE_ARN"),
                    "destination_kms_key_arn": first("DESTINATION_KMS_KEY_ARN"),
                }
                if staging
                else {}
            ),
            "function_credentials": credentials,
            "iam_enforced": True,
            "applied": True,
        }

    def function_credentials(self) -> dict[str, dict[str, str]]:
        """Each function's keys: its APPLIED role (GetFunctionConfiguration), assumed as the
        Lambda service would, after the applied trust policy allowed it."""
        from moto.sts.models import sts_backends

        assert self.described is not None
        out = {}
        for binary, f in self.described["functions"].items():
            role_name = f["role"].split("/")[-1]
            role = self.described["roles"]["analytics"].get(role_name)
            if role is None:
                raise PermissionError(f"{f['name']}'s role {f['role']} does not exist")
            if not iam_enforce.trust_allows(role["trust"], {"service": "lambda.amazonaws.com"}, {"aws:SourceAccount": accounts.ANALYTICS_ACCOUNT}):
                raise PermissionError(f"{role_name}'s trust policy does not let Lambda assume it")
            assumed = sts_backends[accounts.ANALYTICS_ACCOUNT]["aws"].assume_role(
                region_name=accounts.REGION, role_session_name=f["name"], role_arn=f["role"], policy=None, duration=43200, external_id=None
            )
            out[binary] = {
                "AWS_ACCESS_KEY_ID": assumed.access_key_id,
                "AWS_SECRET_ACCESS_KEY": assumed.secret_access_key,
                "AWS_SESSION_TOKEN": assumed.session_token,
            }
        return out

    def clean(self) -> None:
        """Removes what scenarios create (never the applied resources): prod's DB instances,
        clusters, snapshots and export tasks; every object version of the stack's buckets;
        the Glue tables; the crawler's crawls; the harness's controls and counters."""
        from moto.glue.models import glue_backends
        from moto.rds.models import rds_backends
        from moto.s3.models import s3_backends

        patches.reset()
        for prod_account in (accounts.PROD_ACCOUNT, accounts.PROD_B_ACCOUNT):
            rds = rds_backends[prod_account][accounts.REGION]
            for attr in ("export_tasks", "databases", "clusters", "database_snapshots", "cluster_snapshots"):
                store = getattr(rds, attr, None)
                if store is not None:
                    store.clear()
        for account in (accounts.ANALYTICS_ACCOUNT, accounts.PROD_ACCOUNT, accounts.PROD_B_ACCOUNT):
            for bucket in s3_backends[account]["aws"].buckets.values():
                if bucket.name in (self.described or {}).get("buckets", {}):
                    for name in list(bucket.keys):
                        for key in bucket.keys.getlist(name) or []:
                            key.dispose()
                    bucket.keys.clear()
        glue = glue_backends[accounts.ANALYTICS_ACCOUNT][accounts.REGION]
        for db in glue.databases.values():
            db.tables.clear()
        for crawler in glue.crawlers.values():
            crawler.crawls = []

    # --- IAM drift: the fault an operator makes, and its fix --------------------------------

    def revoke(self, spec: dict[str, Any]) -> None:
        """Removes `action` from every statement of `role`'s inline policies in `account`
        (a statement left without actions goes), through IAM's own API: moto then enforces
        the changed policy. The control `iam_revoke`."""
        assert self.described is not None
        account, role_name, action = spec["account"], spec["role"], spec["action"]
        role = self.described["roles"][account].get(role_name)
        if role is None:
            raise KeyError(f"no applied role {role_name} in {account}")
        creds = self._account_credentials(account)
        iam = _client("iam", creds, self.moto_url)
        found = False
        for policy_name, doc in role["inline"].items():
            statements = []
            for st in doc["Statement"]:
                actions = st["Action"] if isinstance(st["Action"], list) else [st["Action"]]
                kept = [a for a in actions if a != action]
                found = found or len(kept) < len(actions)
                if kept:
                    statements.append({**st, "Action": kept})
            iam.put_role_policy(RoleName=role_name, PolicyName=policy_name, PolicyDocument=json.dumps({**doc, "Statement": statements}))
        if not found:
            raise KeyError(f"{role_name}'s applied policies do not allow {action}")
        self.revoked.append((account, role_name))

    def restore(self) -> None:
        """Puts every revoked role's policies back as they were applied (what `terraform
        apply` of the stack does to the drift). The control `iam_restore`."""
        assert self.described is not None
        for account, role_name in self.revoked:
            creds = self._account_credentials(account)
            iam = _client("iam", creds, self.moto_url)
            for policy_name, doc in self.described["roles"][account][role_name]["inline"].items():
                iam.put_role_policy(RoleName=role_name, PolicyName=policy_name, PolicyDocument=json.dumps(doc))
        self.revoked = []

    def _account_credentials(self, account: str) -> dict[str, str] | None:
        """Admin credentials of an account named as in `described` ("analytics": the
        plain test keys)."""
        ids = {"prod": accounts.PROD_ACCOUNT, "prod_b": accounts.PROD_B_ACCOUNT}
        return accounts.prod_credentials(self.moto_url, ids[account]) if account in ids else None

    # --- EventBridge over the applied rules ---------------------------------------------------

    def route(self, event: dict[str, Any], account: str) -> dict[str, Any]:
        """Where the applied rules deliver `event` put on `account`'s default bus (an account
        name or id): {"deliveries": [{account, bus, rule, target, allowed, why}], "final":
        [target ARNs that are no bus]}. The harness's own calls: IAM is not enforced on them."""
        with iam_enforce.unenforced():
            return self._route(event, account)

    def _route(self, event: dict[str, Any], account: str) -> dict[str, Any]:
        assert self.described is not None
        ids = {"analytics": accounts.ANALYTICS_ACCOUNT, "prod": accounts.PROD_ACCOUNT, "prod_b": accounts.PROD_B_ACCOUNT}
        names = {v: k for k, v in ids.items()}
        account = names.get(account, account)
        creds = {name: self._account_credentials(name) for name in ids}
        deliveries, final = [], []
        queue = [(account, "default", None)]
        seen = set()
        while queue:
            acct, bus_name, sender = queue.pop(0)
            if (acct, bus_name) in seen:
                continue
            seen.add((acct, bus_name))
            bus = self.described["buses"][acct].get(bus_name)
            if bus is None:
                deliveries.append({"account": acct, "bus": bus_name, "allowed": False, "why": "no such bus"})
                continue
            if sender is not None and sender != acct and not _bus_policy_allows(bus["policy"], ids[sender], event):
                deliveries.append({"account": acct, "bus": bus_name, "allowed": False, "why": f"the bus policy refuses {sender}'s {event.get('source')} events"})
                continue
            events = _client("events", creds[acct], self.moto_url)
            for rule_name, rule in bus["rules"].items():
                if rule["state"] != "ENABLED" or rule["pattern"] is None:
                    continue
                if not events.test_event_pattern(EventPattern=json.dumps(rule["pattern"]), Event=json.dumps(event))["Result"]:
                    continue
                for target in rule["targets"]:
                    allowed, why = self._target_allowed(acct, rule, target)
                    deliveries.append({"account": acct, "bus": bus_name, "rule": rule_name, "target": target["arn"], "allowed": allowed, "why": why})
                    if not allowed:
                        continue
                    arn = target["arn"].split(":")
                    if arn[2] == "events" and arn[5].startswith("event-bus/"):
                        queue.append((names.get(arn[4], arn[4]), arn[5].split("/", 1)[1], acct))
                    else:
                        final.append(target["arn"])
        return {"deliveries": deliveries, "final": final}

    def _target_allowed(self, account: str, rule: dict[str, Any], target: dict[str, Any]) -> tuple[bool, str]:
        from moto.iam.access_control import IAMPolicy, PermissionResult

        assert self.described is not None
        service = target["arn"].split(":")[2]
        if service == "lambda":
            binary = next((b for b, f in self.described["functions"].items() if f["arn"] == target["arn"]), None)
            policy = self.described["functions"][binary]["resource_policy"] if binary else None
            for s in (policy or {}).get("Statement", []):
                principal = s.get("Principal", {})
                principal = principal.get("Service") if isinstance(principal, dict) else principal
                source = ((s.get("Condition") or {}).get("ArnLike") or {}).get("AWS:SourceArn")
                if s.get("Effect") == "Allow" and principal == "events.amazonaws.com" and source in (None, rule["arn"]):
                    return True, f"{binary}'s resource policy lets this rule invoke it"
            return False, "no resource policy statement lets this rule invoke the function"
        action = {"events": "events:PutEvents", "states": "states:StartExecution"}.get(service)
        if action is None:
            return False, f"target service {service} is not checked by the harness"
        role_name = (target.get("role") or "").split("/")[-1]
        role = self.described["roles"][account].get(role_name)
        if role is None:
            return False, f"the target has no role of the stack ({target.get('role')})"
        if not iam_enforce.trust_allows(role["trust"], {"service": "events.amazonaws.com"}, {"aws:SourceAccount": {"analytics": accounts.ANALYTICS_ACCOUNT, "prod": accounts.PROD_ACCOUNT, "prod_b": accounts.PROD_B_ACCOUNT}[account]}):
            return False, f"{role_name}'s trust policy does not let EventBridge assume it"
        docs = [*role["inline"].values(), *role["attached"].values()]
        results = [IAMPolicy(json.dumps(doc)).is_action_permitted(action, target["arn"]) for doc in docs]
        if PermissionResult.DENIED in results or PermissionResult.PERMITTED not in results:
            return False, f"{role_name}'s policies do not allow {action} on {target['arn']}"
        return True, f"{role_name} may {action}"

    # --- destroy -------------------------------------------------------------------------------

    def destroy(self) -> dict[str, Any]:
        """Empties the buckets (the module deletes no data), destroys, checks nothing is left."""
        from moto.iam.models import iam_backends
        from moto.awslambda.models import lambda_backends
        from moto.s3.models import s3_backends
        from moto.stepfunctions.models import stepfunctions_backends

        from moto.dynamodb.models import dynamodb_backends

        with iam_enforce.unenforced():
            self.clean()
            # The export-waits table is deletion-protected (the module deletes nothing by
            # accident): an operator turns that off before a destroy
            # (docs/cross-account-setup.md, "Removing the stack"), and so does the harness.
            ddb = dynamodb_backends[accounts.ANALYTICS_ACCOUNT][accounts.REGION]
            for table in ddb.tables.values():
                if table.name.startswith(NAME):
                    table.deletion_protection_enabled = False
            self._timed("destroy", self._terraform, "destroy", "-auto-approve", "-input=false", "-parallelism=20")
            state = self._terraform("state", "list").split()
            d = self.described or {}
            left = [f"state: {r}" for r in state]
            lam = lambda_backends[accounts.ANALYTICS_ACCOUNT][accounts.REGION]
            left += [f"function {f.function_name}" for f in lam.list_functions() if f.function_name.startswith(NAME)]
            sfn = stepfunctions_backends[accounts.ANALYTICS_ACCOUNT][accounts.REGION]
            left += [f"state machine {m.name}" for m in sfn.state_machines]
            for account in (accounts.ANALYTICS_ACCOUNT, accounts.PROD_ACCOUNT, accounts.PROD_B_ACCOUNT):
                left += [f"role {r.name}" for r in iam_backends[account]["aws"].roles.values() if r.name.startswith(NAME)]
                left += [f"bucket {b}" for b in s3_backends[account]["aws"].buckets if b in d.get("buckets", {})]
        shutil.rmtree(Path(self.dir).parents[2], ignore_errors=True) if self.dir else None
        return {"ok": not left, "left": left, "timings": dict(self.timings)}


def _bus_policy_allows(policy: dict[str, Any] | None, sender: str, event: dict[str, Any]) -> bool:
    """Whether a bus's resource policy lets account `sender` put `event` on it (Allow
    statements on events:PutEvents naming the account; StringEquals conditions on
    events:source and aws:PrincipalAccount are evaluated, any other condition is an error)."""
    for s in (policy or {}).get("Statement", []):
        actions = s.get("Action", [])
        actions = actions if isinstance(actions, list) else [actions]
        if s.get("Effect") != "Allow" or not any(a in ("events:PutEvents", "events:*") for a in actions):
            continue
        principal = s.get("Principal", {})
        ids = principal.get("AWS", []) if isinstance(principal, dict) else principal
        ids = ids if isinstance(ids, list) else [ids]
        if not any(p in ("*", sender, f"arn:aws:iam::{sender}:root") for p in ids):
            continue
        context = {"events:source": event.get("source"), "aws:PrincipalAccount": sender}
        holds = True
        for operator, keys in (s.get("Condition") or {}).items():
            for key, wanted in keys.items():
                wanted = wanted if isinstance(wanted, list) else [wanted]
                if operator != "StringEquals" or key not in context:
                    raise ValueError(f"bus policy condition {operator} {key} is not evaluated by the harness")
                holds = holds and context[key] in wanted
        if holds:
            return True
    return False

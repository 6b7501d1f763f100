"""Runs the real Terraform on the repository's configurations, offline.

Every check of the infra that needs a value Terraform computes (an IAM policy, a
function's environment, the resources of a mode) reads it from a plan Terraform makes of
the cross-account example: Terraform's own evaluation of the HCL, not a re-implementation.

- `available()`: the terraform binary and a provider mirror holding hashicorp/aws, or the
  one-line reason the Terraform checks cannot run (they are then skipped, never passed).
- `Workspace`: a copy of infra/ in a temporary directory (the source tree is never
  written: no .terraform/, lock file, override or test file appears in it), each root
  initialised from the mirror (`init -plugin-dir`, the example with its committed lock
  file read-only), the example's provider override pointing both accounts at one moto
  (`override()`), stand-in packages of every function and the definition of each mode.
- `Moto`: a moto server on a free loopback port, stopped by stop().
- `plans()`: the example planned in every mode of MODES, every identifier known. A plain
  `terraform plan` leaves the ARN of every resource to be created unknown, and with it
  most policies; so the plans are `terraform test` runs (command = plan): a first one with
  mocked providers gives every resource instance's name, a second one, with the real
  provider against moto, overrides each instance during plan (override_resource) with the
  identifiers AWS gives a resource of that name (`_arns`).
- `Plan`: one plan's JSON, with the lookups the checks need (policies, functions,
  instances).

MODES are the combinations the shipped state machine configs (state-machine/configs/)
deploy with, each with the definition the generator renders for it
(state-machine/tests/snapshots/, kept in step with the generator by its tests).
"""

from __future__ import annotations

import atexit
import hashlib
import json
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
# TF_CHECKS_INFRA: check another tree's infra/ with these checks (to show a check failing
# on the tree before a fix).
INFRA = Path(os.environ.get("TF_CHECKS_INFRA") or REPO / "infra")
MODULES = INFRA / "modules"
EXAMPLE = INFRA / "examples" / "cross-account"
FUNCTIONS_JSON = MODULES / "analytics-account" / "functions.json"
SNAPSHOTS = REPO / "state-machine" / "tests" / "snapshots"
# Every root Terraform validates: each module on its own and the example.
ROOTS = [MODULES / "prod-account", MODULES / "analytics-account", EXAMPLE]

# The accounts as moto knows them: analytics is moto's default account (the plain
# `testing` keys), the two prod accounts (the example's prod_a and prod_b) are reached by
# AssumeRole (moto takes the account from the role ARN), as in the e2e harness
# (tests/harness/accounts.py).
ANALYTICS = "123456789012"
PROD = "210987654321"
PROD_B = "310987654321"
# The example's prod modules: module address → (provider alias, account).
PROD_MODULES = {"module.prod_a": ("prod_a", PROD), "module.prod_b": ("prod_b", PROD_B)}
# The example's provider aliases (one per account).
ALIASES = ("prod_a", "prod_b", "analytics")
REGION = "us-east-1"
NAME = "snapshot-export"
BUCKET = "snapshot-export-analytics-exports"
EXTERNAL_ID = "snapshot-export-plan-check"
PREFIX = "rds-exports"

# Where the provider mirror is looked for when TF_PLUGIN_MIRROR is not set (the folder
# above registry.terraform.io).
MIRROR_CANDIDATES = ["/opt/tf-plugins", "/usr/share/terraform/plugins", "/usr/local/share/terraform/plugins", "~/.terraform.d/plugins"]

# Every AWS service the modules create resources in (the override sends each to moto).
# The provider's endpoint names; a service missing here would reach the real AWS
# endpoint with fake keys and fail, so a new resource type is noticed at once.
ENDPOINTS = ["cloudwatch", "cloudwatchevents", "cloudwatchlogs", "dynamodb", "glue", "iam", "kms", "lambda", "s3", "sfn", "sns", "sts"]

# The shipped modes: name → (example variables, the snapshot of the definition it deploys).
# Export events are on by default (and so in every variant but the Wait loop's).
MODES = {
    "default": ({}, "default"),
    "copy": ({"delivery": "copy"}, "copy-delivery"),
    "crawler": ({"catalog": "crawler"}, "catalog-crawler"),
    "wait-loop": ({"export_events": False}, "wait-loop"),
    "no-catalog": ({"catalog": "none"}, "all-off"),
}


def function_table():
    """The `functions` map of functions.json: binary → description, placeholder, env..."""
    return json.loads(FUNCTIONS_JSON.read_text())["functions"]


def definition_of(snapshot: str) -> str:
    """A rendered definition variant (a committed insta snapshot, header stripped)."""
    text = (SNAPSHOTS / f"{snapshot}.snap").read_text()
    return text[text.index("\n---\n", 3) + 5 :]


def find_mirror() -> Path | None:
    for candidate in [os.environ.get("TF_PLUGIN_MIRROR")] + MIRROR_CANDIDATES:
        if candidate and (Path(candidate).expanduser() / "registry.terraform.io" / "hashicorp" / "aws").is_dir():
            return Path(candidate).expanduser()
    return None


def available() -> str | None:
    """None when Terraform can run here, else why not (one line)."""
    if not shutil.which("terraform"):
        return "terraform is not installed (install terraform >= 1.5 to run the Terraform checks)"
    if not find_mirror():
        return f"no provider mirror with hashicorp/aws (set TF_PLUGIN_MIRROR; looked in {', '.join(MIRROR_CANDIDATES)})"
    return None


def tf_env() -> dict[str, str]:
    env = dict(os.environ)
    # No CLI configuration (an absent one only makes terraform warn), no checkpoint call,
    # no prompts, no colours.
    env.update({"TF_CLI_CONFIG_FILE": "/dev/null", "CHECKPOINT_DISABLE": "1", "TF_IN_AUTOMATION": "1", "TF_INPUT": "0"})
    for key in [k for k in env if k.startswith("AWS_")]:
        del env[key]
    env.update({"AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing", "AWS_DEFAULT_REGION": REGION, "AWS_EC2_METADATA_DISABLED": "true"})
    return env


class TerraformError(Exception):
    def __init__(self, args, result):
        self.result = result
        super().__init__(f"terraform {' '.join(args)} exited {result.returncode}:\n{result.stdout}{result.stderr}")


def terraform(cwd: Path, *args: str, check: bool = True) -> subprocess.CompletedProcess:
    env = tf_env()
    result = subprocess.run(["terraform", *args, "-no-color"], cwd=cwd, env=env, capture_output=True, text=True, check=False)
    if check and result.returncode != 0:
        raise TerraformError(args, result)
    return result


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Moto:
    """A moto server on a free loopback port (the venv's moto), stopped by stop()."""

    def __init__(self):
        self.port = free_port()
        self.endpoint = f"http://127.0.0.1:{self.port}"
        self.process = subprocess.Popen(
            [sys.executable, "-m", "moto.server", "-H", "127.0.0.1", "-p", str(self.port)],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        deadline = time.monotonic() + 30
        while True:
            try:
                urllib.request.urlopen(f"{self.endpoint}/moto-api/", timeout=1).close()
                return
            except OSError:
                if self.process.poll() is not None or time.monotonic() > deadline:
                    self.stop()
                    raise RuntimeError(f"moto server did not start on {self.endpoint}")
                time.sleep(0.1)

    def stop(self):
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()


def override(endpoint: str) -> str:
    """The example's provider override: both accounts' providers at moto. Keeps the
    example's assume_role: moto answers AssumeRole of the prod deploy role with
    credentials of the prod account, as AWS would."""
    endpoints = "\n".join(f"    {service} = {json.dumps(endpoint)}" for service in ENDPOINTS)
    blocks = []
    for alias in ALIASES:
        blocks.append(
            f'''provider "aws" {{
  alias                       = "{alias}"
  access_key                  = "testing"
  secret_key                  = "testing"
  skip_credentials_validation = true
  skip_metadata_api_check     = true
  skip_region_validation      = true
  s3_use_path_style           = true
  sts_region                  = "{REGION}"

  endpoints {{
{endpoints}
  }}
}}
'''
        )
    return "# Written by infra/checks/tfplan.py: every account at a local moto server.\n\n" + "\n".join(blocks)


def write_packages(directory: Path) -> Path:
    """Stand-in zips of every function of the table and their manifest (the packaging
    script's format, scripts/lambda_manifest.py); returns the manifest's path."""
    sys.path.insert(0, str(REPO / "scripts"))
    import lambda_manifest  # noqa: E402  (scripts/ is not a package)

    for binary in function_table():
        zip_path = directory / binary / "bootstrap.zip"
        zip_path.parent.mkdir(parents=True, exist_ok=True)
        zip_path.write_bytes(f"stand-in zip of {binary}".encode())
    return Path(lambda_manifest.write_manifest(FUNCTIONS_JSON, "x86_64", directory))


class Workspace:
    """infra/ copied into a temporary directory, every root initialised from the mirror."""

    def __init__(self, base: Path | None = None):
        self._tmp = None if base else tempfile.TemporaryDirectory(prefix="tf-checks-")
        self.base = Path(base or self._tmp.name)
        self.infra = self.base / "infra"
        if self.infra.exists():
            shutil.rmtree(self.infra)
        shutil.copytree(INFRA, self.infra, ignore=shutil.ignore_patterns(".terraform", "*_override.tf", "checks", "terraform.tfstate*"))
        self.mirror = find_mirror()
        self.example = self.infra / EXAMPLE.relative_to(INFRA)
        self.packages = write_packages(self.base / "lambda")
        self.definitions = self.base / "definitions"
        self.definitions.mkdir(exist_ok=True)

    def root(self, source_root: Path) -> Path:
        return self.infra / source_root.relative_to(INFRA)

    def init(self, source_root: Path) -> subprocess.CompletedProcess:
        """`terraform init` from the mirror. The example's lock file is committed: read-only,
        so a mirror whose provider does not match the lock's hashes fails here."""
        lock = ["-lockfile=readonly"] if (source_root / ".terraform.lock.hcl").exists() else []
        return terraform(self.root(source_root), "init", "-backend=false", "-input=false", f"-plugin-dir={self.mirror}", *lock)

    def init_all(self) -> dict[Path, subprocess.CompletedProcess]:
        with ThreadPoolExecutor(len(ROOTS)) as pool:
            self.initialised = dict(zip(ROOTS, pool.map(self.init, ROOTS)))
        return self.initialised

    def use_moto(self, endpoint: str):
        (self.example / "moto_override.tf").write_text(override(endpoint))

    def variables(self, mode: str, **extra) -> dict:
        values, snapshot = MODES[mode]
        definition = self.definitions / f"{snapshot}.asl.json"
        if not definition.exists():
            definition.write_text(definition_of(snapshot))
        return {
            "region": REGION,
            "prod_a_account_id": PROD,
            "prod_b_account_id": PROD_B,
            "analytics_account_id": ANALYTICS,
            "prod_a_deploy_role_arn": f"arn:aws:iam::{PROD}:role/terraform-deploy",
            "prod_b_deploy_role_arn": f"arn:aws:iam::{PROD_B}:role/terraform-deploy",
            "analytics_deploy_role_arn": f"arn:aws:iam::{ANALYTICS}:role/terraform-deploy",
            "name": NAME,
            "bucket_name": BUCKET,
            "external_id": EXTERNAL_ID,
            "analyst_role_arns": [f"arn:aws:iam::{ANALYTICS}:role/analyst"],
            "lambda_manifest_path": str(self.packages),
            "definition_path": str(definition),
            **values,
            **extra,
        }

    def cleanup(self):
        if self._tmp:
            self._tmp.cleanup()


class Unresolved(Exception):
    """A value the checks need is unknown in the plan."""


def render_statement(s: dict) -> dict:
    """One statement of an aws_iam_policy_document, as Terraform planned its arguments,
    in IAM's JSON shape: the provider's rendering, which Terraform only does once every
    argument is known (a document that names a resource to be created is read at apply).
    Lists stay lists; a condition with one value is a scalar (parliament reads Bool
    conditions only that way)."""
    out = {}
    if s.get("sid"):
        out["Sid"] = s["sid"]
    out["Effect"] = s.get("effect") or "Allow"
    for key, name in (("actions", "Action"), ("not_actions", "NotAction"), ("resources", "Resource"), ("not_resources", "NotResource")):
        if s.get(key):
            out[name] = list(s[key])
    for p in s.get("principals") or []:
        if p["type"] == "*":
            out["Principal"] = "*"
        else:
            out.setdefault("Principal", {}).setdefault(p["type"], []).extend(p["identifiers"])
    for p in s.get("not_principals") or []:
        out.setdefault("NotPrincipal", {}).setdefault(p["type"], []).extend(p["identifiers"])
    for c in s.get("condition") or []:
        values = list(c["values"])
        out.setdefault("Condition", {}).setdefault(c["test"], {})[c["variable"]] = values[0] if len(values) == 1 else values
    return out


def kind_of(statements: list[dict]) -> str:
    """trust (AssumeRole without Resource), resource (names principals) or identity."""
    if statements and all(s.get("Action") in (["sts:AssumeRole"], "sts:AssumeRole") and "Resource" not in s for s in statements):
        return "trust"
    if any("Principal" in s for s in statements):
        return "resource"
    return "identity"


def has_unknown(mask) -> bool:
    if mask is True:
        return True
    if isinstance(mask, dict):
        return any(has_unknown(v) for v in mask.values())
    if isinstance(mask, list):
        return any(has_unknown(v) for v in mask)
    return False


class Plan:
    """One plan: every resource and data source instance with its planned arguments, from
    `terraform show -json` (planned_values, resource_changes) or from a `terraform test`
    run's plan (resource_changes only; data sources read while planning are then taken
    from `base`, the ordinary plan of the same mode). Addresses are Terraform's
    (module.prod_a.aws_iam_role.export, module.analytics.aws_lambda_function.this["notify"])."""

    def __init__(self, data: dict, base: "Plan | None" = None):
        self.data = data
        self.resources: dict[str, dict] = {}
        self.unknown: dict[str, object] = {}
        if base:
            self.resources.update(base.resources)
            self.unknown.update(base.unknown)
        if "planned_values" in data:
            self._collect(data["planned_values"]["root_module"])
        for change in data.get("resource_changes", []):
            if "delete" in change["change"]["actions"] and "create" not in change["change"]["actions"]:
                continue
            self.resources[change["address"]] = {"address": change["address"], "mode": change["mode"], "type": change["type"], "values": change["change"]["after"] or {}}
            self.unknown[change["address"]] = change["change"].get("after_unknown") or {}

    def _collect(self, module: dict):
        for r in module.get("resources", []):
            self.resources[r["address"]] = r
        for child in module.get("child_modules", []):
            self._collect(child)

    def of_type(self, rtype: str, mode: str = "managed") -> dict[str, dict]:
        """address → planned arguments of every resource (or data source, mode="data") of a type."""
        return {a: r["values"] for a, r in self.resources.items() if r["type"] == rtype and r["mode"] == mode}

    def values(self, address: str) -> dict:
        return self.resources[address]["values"]

    def known(self, address: str, attribute: str):
        """An attribute's planned value; Unresolved if Terraform does not know it yet."""
        if has_unknown((self.unknown.get(address) or {}).get(attribute)):
            raise Unresolved(f"{address}.{attribute} is known only after apply")
        return self.values(address).get(attribute)

    def document(self, address: str) -> dict:
        """An aws_iam_policy_document as IAM JSON: the provider's own rendering when the
        plan has it, else its planned statements rendered (render_statement)."""
        values = self.values(address)
        if values.get("json") and not has_unknown((self.unknown.get(address) or {}).get("json")):
            return json.loads(values["json"])
        statements = self.known(address, "statement")
        return {"Version": "2012-10-17", "Statement": [render_statement(s) for s in statements]}

    # The policy each resource type carries: attribute, and the kind of policy it is.
    POLICY_ATTRIBUTES = {
        "aws_iam_role": ("assume_role_policy", "trust"),
        "aws_iam_role_policy": ("policy", "identity"),
        "aws_kms_key": ("policy", "resource"),
        "aws_s3_bucket_policy": ("policy", "resource"),
        "aws_cloudwatch_event_bus_policy": ("policy", "resource"),
    }

    def policies(self) -> dict[str, tuple[str, dict]]:
        """address → (kind, policy) of every IAM policy of the plan: "trust", "identity" or
        "resource". A policy whose JSON Terraform knows at plan is taken from the resource
        that carries it (the provider's rendering, as it will be created). The others come
        from documents Terraform reads only at apply because they depend on a resource to
        be created (action_reason read_because_dependency_pending) even though every
        argument is known here: those are rendered from their planned statements
        (render_statement) and keyed by the document's address."""
        out = {}
        for rtype, (attribute, kind) in self.POLICY_ATTRIBUTES.items():
            for address, values in self.of_type(rtype).items():
                if not has_unknown((self.unknown.get(address) or {}).get(attribute)) and values.get(attribute):
                    out[address] = (kind, json.loads(values[attribute]))
        for address, values in self.of_type("aws_iam_policy_document", "data").items():
            if has_unknown((self.unknown.get(address) or {}).get("json")):
                policy = self.document(address)
                out[address] = (kind_of(policy["Statement"]), policy)
        return out

    def functions(self) -> dict[str, dict]:
        """binary → planned arguments of its aws_lambda_function."""
        prefix = 'module.analytics.aws_lambda_function.this["'
        return {a[len(prefix) : -2]: v for a, v in self.of_type("aws_lambda_function").items() if a.startswith(prefix)}

    def environment(self, binary: str) -> dict[str, str]:
        env = self.functions()[binary].get("environment") or []
        return (env[0].get("variables") or {}) if env else {}

    def instances(self, block: str) -> list[str]:
        """The instance keys of one resource block (module.x.type.name): [] when it has
        none, [None] for a block without count or for_each."""
        keys = []
        for a in self.resources:
            if a == block:
                keys.append(None)
            elif a.startswith(block + '["'):
                keys.append(a[len(block) + 2 : -2])
        return sorted(keys, key=str)


# --- known ARNs: the second pass ------------------------------------------------------------

# How AWS names what a resource type creates (the attributes the modules reference that
# a plan leaves unknown), from the planned arguments. A resource type of the modules
# missing here fails the second pass, naming it.
def _arns(rtype: str, v: dict, account: str, address: str) -> dict:
    region = REGION
    uid = hashlib.sha256(address.encode()).hexdigest()
    key_id = f"{uid[:8]}-{uid[8:12]}-{uid[12:16]}-{uid[16:20]}-{uid[20:32]}"
    if rtype == "aws_iam_role":
        return {"arn": f"arn:aws:iam::{account}:role/{v['name']}", "id": v["name"], "name": v["name"], "unique_id": "AROA" + uid[:17].upper()}
    if rtype == "aws_kms_key":
        return {"arn": f"arn:aws:kms:{region}:{account}:key/{key_id}", "id": key_id, "key_id": key_id}
    if rtype == "aws_kms_alias":
        return {"arn": f"arn:aws:kms:{region}:{account}:{v['name']}", "id": v["name"]}
    if rtype == "aws_s3_bucket":
        return {"arn": f"arn:aws:s3:::{v['bucket']}", "id": v["bucket"], "bucket": v["bucket"]}
    if rtype == "aws_cloudwatch_log_group":
        return {"arn": f"arn:aws:logs:{region}:{account}:log-group:{v['name']}", "id": v["name"]}
    if rtype == "aws_lambda_function":
        arn = f"arn:aws:lambda:{region}:{account}:function:{v['function_name']}"
        return {"arn": arn, "id": v["function_name"], "qualified_arn": f"{arn}:$LATEST", "invoke_arn": f"arn:aws:apigateway:{region}:lambda:path/2015-03-31/functions/{arn}/invocations"}
    if rtype == "aws_sfn_state_machine":
        arn = f"arn:aws:states:{region}:{account}:stateMachine:{v['name']}"
        return {"arn": arn, "id": arn}
    if rtype == "aws_glue_catalog_database":
        return {"arn": f"arn:aws:glue:{region}:{account}:database/{v['name']}", "id": f"{account}:{v['name']}"}
    if rtype == "aws_glue_crawler":
        return {"arn": f"arn:aws:glue:{region}:{account}:crawler/{v['name']}", "id": v["name"]}
    if rtype == "aws_cloudwatch_event_bus":
        return {"arn": f"arn:aws:events:{region}:{account}:event-bus/{v['name']}", "id": v["name"]}
    if rtype == "aws_cloudwatch_event_rule":
        bus = v.get("event_bus_name") or "default"
        path = v["name"] if bus == "default" else f"{bus}/{v['name']}"
        return {"arn": f"arn:aws:events:{region}:{account}:rule/{path}", "id": path}
    if rtype == "aws_sns_topic":
        arn = f"arn:aws:sns:{region}:{account}:{v['name']}"
        return {"arn": arn, "id": arn}
    if rtype == "aws_dynamodb_table":
        return {"arn": f"arn:aws:dynamodb:{region}:{account}:table/{v['name']}", "id": v["name"]}
    if rtype == "aws_cloudwatch_metric_alarm":
        return {"arn": f"arn:aws:cloudwatch:{region}:{account}:alarm:{v['alarm_name']}", "id": v["alarm_name"]}
    if rtype == "aws_glue_security_configuration":
        return {"id": v["name"]}
    if rtype in ("terraform_data", "aws_dynamodb_table_item", "aws_iam_role_policy", "aws_lambda_permission", "aws_cloudwatch_event_target", "aws_cloudwatch_event_bus_policy") or rtype.startswith("aws_s3_bucket_"):
        # Nothing references their identifiers.
        return {}
    return None


def overrides(plans: list["Plan"]) -> dict[str, dict]:
    """address → the identifiers AWS would give each managed resource instance that has
    unknown ones in the plans (module.prod_a and module.prod_b in their prod accounts,
    module.analytics in analytics)."""
    out = {}
    for plan in plans:
        for address, r in plan.resources.items():
            if r["mode"] != "managed":
                continue
            account = next((acct for m, (_a, acct) in PROD_MODULES.items() if address.startswith(m + ".")), ANALYTICS)
            values = _arns(r["type"], r["values"], account, address)
            if values is None:
                raise Unresolved(f"{address}: tfplan.py does not know the identifiers AWS gives a {r['type']} (add it to _arns)")
            if values:
                out[address] = values
    return out


def hcl(value) -> str:
    """A JSON value as an HCL expression (strings, numbers, bools, lists, objects)."""
    if isinstance(value, dict):
        return "{ " + ", ".join(f"{json.dumps(k)} = {hcl(v)}" for k, v in value.items()) + " }"
    if isinstance(value, list):
        return "[" + ", ".join(hcl(v) for v in value) + "]"
    return json.dumps(value)


def _test_file(ws: "Workspace", name: str, blocks: list[str], modes) -> str:
    for mode in modes:
        variables = "\n".join(f"    {k} = {hcl(v)}" for k, v in ws.variables(mode).items())
        blocks.append(f'run "{mode}" {{\n  command = plan\n\n  variables {{\n{variables}\n  }}\n}}\n')
    (ws.example / "tests").mkdir(exist_ok=True)
    path = ws.example / "tests" / f"{name}.tftest.hcl"
    path.write_text("# Written by infra/checks/tfplan.py.\n\n" + "\n".join(blocks))
    return f"tests/{name}.tftest.hcl"


def _run_tests(ws: "Workspace", test_file: str, modes) -> dict[str, dict]:
    """`terraform test` of one generated file: each run's plan JSON, by run name."""
    result = terraform(ws.example, "test", "-verbose", "-json", f"-filter={test_file}", check=False)
    runs, errors = {}, []
    for line in result.stdout.splitlines():
        message = json.loads(line)
        if message.get("type") == "test_plan":
            runs[message["@testrun"]] = message["test_plan"]
        elif message.get("@level") == "error":
            errors.append(message.get("@message", ""))
    if result.returncode != 0 or set(runs) != set(modes):
        raise TerraformError(["test", test_file], subprocess.CompletedProcess(result.args, result.returncode, "\n".join(errors) + "\n", result.stderr))
    return runs


def mocked_plans(ws: "Workspace", modes) -> dict[str, "Plan"]:
    """The plan of each mode with mocked providers (no AWS call): Terraform's evaluation
    of every name, for_each and dynamic block, identifiers unknown or made up."""
    # A mocked policy document's own JSON is an empty policy (the resources check that it
    # is JSON); nothing here reads it.
    empty = json.dumps({"Version": "2012-10-17", "Statement": []})
    blocks = []
    for alias in ALIASES:
        blocks.append(
            f'mock_provider "aws" {{\n  alias = "{alias}"\n\n  mock_data "aws_iam_policy_document" {{\n'
            f"    defaults = {{ json = {json.dumps(empty)}, minified_json = {json.dumps(empty)} }}\n  }}\n}}\n"
        )
    data = {"data.aws_partition.current": {"partition": "aws", "dns_suffix": "amazonaws.com", "id": "aws"}}
    for module, account in [*((m, acct) for m, (_a, acct) in PROD_MODULES.items()), ("module.analytics", ANALYTICS)]:
        data[f"{module}.data.aws_caller_identity.current"] = {"account_id": account, "id": account, "arn": f"arn:aws:iam::{account}:user/terraform"}
        data[f"{module}.data.aws_partition.current"] = data["data.aws_partition.current"]
        data[f"{module}.data.aws_region.current"] = {"name": REGION, "id": REGION}
    for address, values in data.items():
        blocks.append(f"override_data {{\n  target          = {address}\n  override_during = plan\n  values          = {hcl(values)}\n}}\n")
    runs = _run_tests(ws, _test_file(ws, "mocked", blocks, modes), modes)
    return {mode: Plan(runs[mode]) for mode in modes}


def plans(ws: "Workspace", modes=None) -> dict[str, "Plan"]:
    """The plan of the example in each mode (default: every mode of MODES) against moto
    (ws.use_moto first), every identifier known: one `terraform test` run (command = plan)
    per mode, each resource instance overridden during plan (override_resource) with the
    identifiers AWS would give it, its name taken from a first, mocked plan. Terraform
    evaluates everything else itself, with the real provider: the policy documents are
    the provider's JSON, as the resources would be created with."""
    modes = list(modes or MODES)
    names = mocked_plans(ws, modes)
    blocks = []
    for address, values in overrides(list(names.values())).items():
        blocks.append(f"override_resource {{\n  target          = {address}\n  override_during = plan\n  values          = {hcl(values)}\n}}\n")
    runs = _run_tests(ws, _test_file(ws, "known", blocks, modes), modes)
    for mode, run in runs.items():
        (ws.base / f"{mode}.plan.json").write_text(json.dumps({k: v for k, v in run.items() if k != "provider_schemas"}))
    return {mode: Plan(runs[mode]) for mode in modes}


# --- one workspace and one set of plans per process (the checks share them) -----------------

# Where the plans of every mode are written (the parliament lint reads them from there).
PLANS_DIR = REPO / "target" / "infra-checks" / "plans"
_shared: dict = {}


def workspace() -> Workspace:
    """The process's workspace, every root initialised (once)."""
    if "ws" not in _shared:
        ws = Workspace()
        atexit.register(ws.cleanup)
        ws.init_all()
        _shared["ws"] = ws
    return _shared["ws"]


def shared_plans() -> dict[str, Plan]:
    """The plan of every mode (once per process), also written to PLANS_DIR/<mode>.json."""
    if "plans" not in _shared and os.environ.get("TF_CHECKS_REUSE_PLANS") == "1" and list(PLANS_DIR.glob("*.json")):
        # While editing the checks: the plans of the last run, not planned again.
        _shared["plans"] = saved_plans()
    if "plans" not in _shared:
        ws = workspace()
        moto = Moto()
        try:
            ws.use_moto(moto.endpoint)
            _shared["plans"] = plans(ws)
        finally:
            moto.stop()
        PLANS_DIR.mkdir(parents=True, exist_ok=True)
        for old in PLANS_DIR.glob("*.json"):
            old.unlink()
        for mode in _shared["plans"]:
            shutil.copy(ws.base / f"{mode}.plan.json", PLANS_DIR / f"{mode}.json")
    return _shared["plans"]


def saved_plans(directory: Path = PLANS_DIR) -> dict[str, Plan]:
    """The plans shared_plans() wrote (mode → Plan)."""
    return {p.stem: Plan(json.loads(p.read_text())) for p in sorted(directory.glob("*.json"))}

"""E2E_ENFORCE_IAM=1: moto enforces the Terraform's own IAM policies while the pipeline runs.

The roles, their trust policies and their inline policies are evaluated from the modules
in infra/ with the infra checks' HCL evaluator (infra/checks/module_eval.py; each policy
document rendered by render_policies.statement), with the harness's names as the modules'
inputs (bucket, prefix, bus, database, external id, the prod key) and the harness's two
accounts as the accounts they are applied in. Nothing is copied by hand: a statement added
to the HCL is enforced in the next run, a function added to functions.json gets its role.

What the harness adds to moto's own enforcement (moto.iam.access_control, 5.2.5):
- moto computes the request's resource only for S3 (bucket / object ARN), STS AssumeRole
  (the role ARN), IAM and SQS; every other service is authorized against "*", which a
  statement scoped to ARNs never matches. RESOURCES below gives moto the ARN AWS
  authorizes for each operation the pipeline calls (from the request's parameters), or
  "*" for an operation AWS authorizes on "*" only. An operation missing from the table is
  checked on its action only, and recorded (`action_only` in /iam).
- moto's S3 action map lacks ownershipControls (GetBucketOwnershipControls is authorized
  as s3:ListBucket): added.
- moto answers AccessDenied in IAM's XML shape for every service, which the RDS, Glue and
  EventBridge SDKs cannot parse: answered in the called service's protocol instead.
- moto checks a trust policy only for AssumeRole of a role in the caller's own account,
  and its principal check fails on anything but an AWS principal. The harness checks
  every AssumeRole against the target role's trust policy itself (`trust_allows`): AWS
  and Service principals (an account root stands for every principal of the account),
  and the StringEquals / StringLike / ArnEquals / ArnLike conditions (and their IfExists
  forms) on aws:PrincipalArn,
  aws:PrincipalAccount, sts:ExternalId, aws:SourceAccount and aws:SourceArn; another
  operator or key is an error, not a silent pass.
- Each function's credentials are its role's, assumed as the Lambda service would
  (principal lambda.amazonaws.com, aws:SourceAccount the analytics account), checked
  against the role's trust policy the same way.

moto ignores identity-policy conditions (only StringEquals on sts:ExternalId is read, in
a same-account trust policy), KMS key policies, bucket policies, iam:PassRole (no API
call) and everything RDS, Glue and EventBridge do as services (docs/security.md lists it).
"""

from __future__ import annotations

import fnmatch
import json
import os
import sys
import threading
from pathlib import Path
from typing import Any, Callable

REPO = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPO / "infra" / "checks"))

import module_eval  # noqa: E402
import render_policies  # noqa: E402
from moto.core.exceptions import AccessDeniedError  # noqa: E402
from werkzeug.exceptions import HTTPException  # noqa: E402

import patches  # noqa: E402

ENABLED = os.environ.get("E2E_ENFORCE_IAM") == "1"
NAME = "snapshot-export"
REGION = "us-east-1"
LOCK = threading.RLock()

# What the run saw (GET /iam): denials, operations checked on their action only, trust
# decisions, and the statements dropped for the minus-one check.
STATE: dict[str, Any] = {"denied": [], "action_only": set(), "trust": [], "dropped": None}


# --- the Terraform, evaluated with the harness's names -------------------------------------


class HarnessModule(module_eval.Module):
    """A module evaluated in one of the harness's accounts: resource attributes come from
    the resource blocks themselves (names evaluated, ARNs built from them), policy
    documents' `.json` is the rendered document."""

    def __init__(self, directory: Path, account: str, variables: dict[str, Any], arns: dict[str, str]):
        super().__init__(directory, variables)
        self.account = account
        self.arns = arns  # (type) → ARN for resources the harness creates itself (the prod key)

    def _names(self, block: Any, key: Any) -> dict[str, Any]:
        for k, each in self.instances(block):
            if k == key:
                return {"each": each} if each else {}
        raise module_eval.EvalError(f"{block.address(key)}: no such instance")

    def document(self, block: Any, key: Any) -> dict[str, Any]:
        names = self._names(block, key)
        statements = [render_policies.statement(self, body, n) for body, n in self.nested(block.body, "statement", names)]
        return {"Version": "2012-10-17", "Statement": statements}

    def instance_attr(self, block: Any, key: Any, attribute: str) -> Any:
        rtype = block.labels[0]
        if block.type == "data" and rtype == "aws_iam_policy_document" and attribute == "json":
            return json.dumps(self.document(block, key))
        if block.type == "resource":
            a = self.account
            if rtype in self.arns and attribute == "arn":
                return self.arns[rtype]
            if rtype == "aws_s3_bucket" and attribute in ("id", "bucket", "arn"):
                bucket = self.attribute(block.body, "bucket", self._names(block, key))
                return f"arn:aws:s3:::{bucket}" if attribute == "arn" else bucket
            built = {
                "aws_iam_role": lambda n: f"arn:aws:iam::{a}:role/{n}",
                "aws_glue_crawler": lambda n: f"arn:aws:glue:{REGION}:{a}:crawler/{n}",
                "aws_glue_catalog_database": lambda n: f"arn:aws:glue:{REGION}:{a}:database/{n}",
                "aws_cloudwatch_event_bus": lambda n: f"arn:aws:events:{REGION}:{a}:event-bus/{n}",
                "aws_cloudwatch_log_group": lambda n: f"arn:aws:logs:{REGION}:{a}:log-group:{n}",
            }
            if rtype in built and attribute in ("id", "name", "arn"):
                name = self.attribute(block.body, "name", self._names(block, key))
                return built[rtype](name) if attribute == "arn" else name
        return super().instance_attr(block, key, attribute)


def module_roles(module: HarnessModule) -> dict[str, dict[str, Any]]:
    """Role name → {arn, trust, policies: {policy name: document}} of every aws_iam_role
    (and aws_iam_role_policy) instance of the module. Other IAM policy resources are an
    error: they would be missed."""
    unsupported = {t for (kind, t, _n) in module.blocks if kind == "resource"} & {
        "aws_iam_policy",
        "aws_iam_role_policy_attachment",
        "aws_iam_role_policies_exclusive",
        "aws_iam_policy_attachment",
    }
    if unsupported:
        raise module_eval.EvalError(f"{module.name}: iam_enforce does not handle {sorted(unsupported)}")
    roles: dict[str, dict[str, Any]] = {}
    for (kind, rtype, _name), block in module.blocks.items():
        if kind == "resource" and rtype == "aws_iam_role":
            for key, each in module.instances(block):
                names = {"each": each} if each else {}
                role = module.attribute(block.body, "name", names)
                roles[role] = {
                    "arn": f"arn:aws:iam::{module.account}:role/{role}",
                    "trust": json.loads(module.attribute(block.body, "assume_role_policy", names)),
                    "policies": {},
                    "address": block.address(key),
                }
    for (kind, rtype, _name), block in module.blocks.items():
        if kind == "resource" and rtype == "aws_iam_role_policy":
            for _key, each in module.instances(block):
                names = {"each": each} if each else {}
                role = module.attribute(block.body, "role", names)
                policy_name = module.attribute(block.body, "name", names)
                roles[role]["policies"][policy_name] = json.loads(module.attribute(block.body, "policy", names))
    return roles


def terraform_roles(v: dict[str, Any], definition: str | None = None) -> dict[str, dict[str, dict[str, Any]]]:
    """{"prod": roles, "analytics": roles} evaluated from infra/modules with the set-up's
    names (v: the harness vars of accounts.build), wired as the cross-account example wires
    the two modules."""
    modules = module_eval.MODULES
    analytics, prod = v["analytics_account"], v["prod_account"]
    table = module_eval.function_table()

    def role_arn(account: str, suffix: str) -> str:
        return f"arn:aws:iam::{account}:role/{NAME}-{suffix}"

    graph = pipeline_vars(Path(definition) if definition else DEFINITION)
    copy = graph.get("delivery") == "copy"
    prod_vars = {
        "name": NAME,
        "analytics_account_id": analytics,
        "analytics_bucket_name": v["bucket"],
        "export_prefix": v["export_prefix"],
        "analytics_event_bus_arn": f"arn:aws:events:{REGION}:{analytics}:event-bus/{NAME}",
        # As the example derives them: the roles of the functions that read PROD_ROLE_ARN.
        "analytics_lambda_role_arns": [role_arn(analytics, f) for f in module_eval.prod_callers(table)],
        "analytics_reader_role_arns": [role_arn(analytics, "crawler")],
        "external_id": v["prod_role_external_id"],
        "source_kms_key_arns": [],
        "db_identifiers": [],
        **({k: graph[k] for k in ("delivery", "export_events") if k in graph}),
        **(
            {"staging_bucket_name": v["staging_bucket"], "analytics_copier_caller_role_arns": [role_arn(analytics, "copy-objects")]}
            if copy
            else {}
        ),
    }
    prod_module = HarnessModule(modules / "prod-account", prod, prod_vars, {"aws_kms_key": v["kms_key_arn"]})
    prod_roles = module_roles(prod_module)
    outputs = {r["address"]: r["arn"] for r in prod_roles.values()}
    analytics_vars = {
        "name": NAME,
        "prod_account_id": prod,
        "prod_kms_key_arn": v["kms_key_arn"],
        "prod_export_role_arn": outputs["aws_iam_role.export"],
        "prod_cross_account_role_arn": outputs["aws_iam_role.cross_account"],
        "prod_role_external_id": v["prod_role_external_id"],
        "bucket_name": v["bucket"],
        "export_prefix": v["export_prefix"],
        "notification_event_bus_arn": f"arn:aws:events:{REGION}:{analytics}:event-bus/{v['event_bus_name']}",
        "glue_database_name": v["glue_database"],
        "db_identifiers": [],
        "snapshot_types": [],
        **graph,
        **(
            {"staging_bucket_name": v["staging_bucket"], "prod_copier_role_arn": prod_roles[f"{NAME}-copier"]["arn"]}
            if copy
            else {}
        ),
    }
    # Copy delivery: the copies are encrypted with the analytics key the harness created.
    own_key = {"aws_kms_key": v["destination_kms_key_arn"]} if copy and v.get("destination_kms_key_arn") else {}
    analytics_module = HarnessModule(modules / "analytics-account", analytics, analytics_vars, own_key)
    return {
        "prod": prod_roles,
        "analytics": module_roles(analytics_module),
        "crawler_name": analytics_module.local("crawler_name"),
    }


# The definition the e2e runs (the committed one, as the module's default definition_path).
DEFINITION = Path(os.environ.get("E2E_DEFINITION") or REPO / "state-machine" / "definition.asl.json")


def pipeline_vars(definition: Path) -> dict[str, Any]:
    """The analytics module's inputs that must match the graph (its `catalog`, and
    `export_events` for the callback states), read from the placeholders the definition
    has, and `delivery = "copy"` when it copies the export (both modules then get the
    staging bucket and the copier role)."""
    text = definition.read_text()
    if "${start_crawler_function_arn}" in text:
        catalog = "crawler"
    elif "${catalog_tables_function_arn}" in text:
        catalog = "tables"
    else:
        catalog = "none"
    out: dict[str, Any] = {"catalog": catalog, "definition_path": str(definition)}
    # Always said: the modules' default is true, so a Wait-loop definition must say false.
    out["export_events"] = "${wait_for_export_function_arn}" in text
    if "${copy_objects_function_arn}" in text:
        out["delivery"] = "copy"
    return out


def crawler_name() -> str:
    """The crawler's name in the Terraform (the harness creates it under that name)."""
    return module_eval.Module(module_eval.MODULES / "analytics-account", {"name": NAME}).local("crawler_name")


# --- dropping statements (the minus-one check) ---------------------------------------------


def drop(roles: dict[str, Any], spec: dict[str, Any] | None) -> dict[str, Any] | None:
    """Removes the statement spec {"role", "policy"?, "sid" | "index"} from the roles;
    returns what was removed (or raises if it is not there)."""
    if not spec:
        return None
    role = roles.get(spec["role"])
    if role is None:
        raise KeyError(f"no role {spec['role']!r} (roles: {', '.join(sorted(roles))})")
    for pname, doc in role["policies"].items():
        if spec.get("policy") not in (None, pname):
            continue
        for i, s in enumerate(doc["Statement"]):
            if ("sid" in spec and s.get("Sid") == spec["sid"]) or spec.get("index") == i:
                return doc["Statement"].pop(i)
    raise KeyError(f"role {spec['role']!r} has no statement {spec}")


# --- trust policies ------------------------------------------------------------------------


CONDITION_KEYS = {"aws:PrincipalArn", "aws:PrincipalAccount", "sts:ExternalId", "aws:SourceAccount", "aws:SourceArn"}


def _values(v: Any) -> list[str]:
    return v if isinstance(v, list) else [v]


def _condition_holds(operator: str, key: str, wanted: list[str], context: dict[str, str]) -> bool:
    if key not in CONDITION_KEYS:
        raise ValueError(f"trust condition key {key} is not evaluated by the harness")
    actual = context.get(key)
    if operator.endswith("IfExists"):
        if actual is None:
            return True
        operator = operator[: -len("IfExists")]
    if actual is None:
        return False
    if operator in ("StringEquals", "ArnEquals"):
        return actual in wanted
    if operator in ("StringLike", "ArnLike"):
        return any(fnmatch.fnmatchcase(actual, w) for w in wanted)
    raise ValueError(f"trust condition operator {operator} is not evaluated by the harness")


def _principal_matches(principal: Any, caller: dict[str, str]) -> bool:
    if principal == "*":
        return True
    for ptype, ids in principal.items():
        for pid in _values(ids):
            if ptype == "Service" and caller.get("service") == pid:
                return True
            if ptype == "AWS" and "service" not in caller:
                if pid == "*" or pid in (caller["account"], f"arn:aws:iam::{caller['account']}:root"):
                    return True
                if pid == caller.get("role_arn"):
                    return True
    return False


def trust_allows(trust: dict[str, Any], caller: dict[str, str], context: dict[str, str]) -> bool:
    """Whether the trust policy lets the caller assume the role. caller: {"service"} or
    {"account", "role_arn"}; context: the request's condition keys. An explicit Deny wins."""
    allowed = False
    for s in _values(trust["Statement"]):
        actions = _values(s.get("Action", []))
        if not any(fnmatch.fnmatchcase("sts:AssumeRole", a) for a in actions):
            continue
        if not _principal_matches(s.get("Principal", {}), caller):
            continue
        holds = all(
            _condition_holds(op, key, _values(wanted), context)
            for op, keys in s.get("Condition", {}).items()
            for key, wanted in keys.items()
        )
        if holds and s.get("Effect") == "Deny":
            return False
        allowed = allowed or (holds and s.get("Effect") == "Allow")
    return allowed


# --- moto: resources and AssumeRole --------------------------------------------------------


def _rds_arn(kind: str, ident: str | None, account: str) -> str:
    if not ident:
        return "*"
    return ident if ident.startswith("arn:") else f"arn:aws:rds:{REGION}:{account}:{kind}:{ident}"


def _events_bus(name: str | None, account: str) -> str:
    name = name or "default"
    return name if name.startswith("arn:") else f"arn:aws:events:{REGION}:{account}:event-bus/{name}"


# (service, operation) → the resource AWS authorizes the call on, from the request
# (r: moto's response object). "*": AWS authorizes this operation on "*" only (no
# resource-level permissions, or the resource is not known from the request).
RESOURCES: dict[tuple[str, str], Callable[[Any], str]] = {
    ("rds", "DescribeDBSnapshots"): lambda r: _rds_arn("snapshot", r._get_param("DBSnapshotIdentifier"), r.current_account),
    ("rds", "DescribeDBClusterSnapshots"): lambda r: _rds_arn(
        "cluster-snapshot", r._get_param("DBClusterSnapshotIdentifier"), r.current_account
    ),
    ("rds", "StartExportTask"): lambda r: r._get_param("SourceArn") or "*",
    # Called with a task id (or a source ARN filter): the Service Authorization Reference
    # is not explicit about a resource here; the safe reading is "*" (docs/security.md).
    ("rds", "DescribeExportTasks"): lambda r: "*",
    ("glue", "StartCrawler"): lambda r: f"arn:aws:glue:{REGION}:{r.current_account}:crawler/{r._get_param('Name')}",
    ("glue", "GetCrawler"): lambda r: f"arn:aws:glue:{REGION}:{r.current_account}:crawler/{r._get_param('Name')}",
    ("events", "PutEvents"): lambda r: _events_bus(
        ((r._get_param("Entries") or [{}])[0] or {}).get("EventBusName"), r.current_account
    ),
}


class ActionOnly(str):
    """The resource of an operation missing from RESOURCES: "*", checked on its action only."""


def _determine_resource(self: Any) -> str:
    key = (self.service_name, self._get_action())
    if key in RESOURCES:
        return RESOURCES[key](self)
    with LOCK:
        STATE["action_only"].add(f"{key[0]}:{key[1]}")
    return ActionOnly("*")


def _check_element_matches(original: Callable[..., bool]) -> Callable[..., bool]:
    def patched(self: Any, element: str, value: str) -> bool:
        if element == "Resource" and isinstance(value, ActionOnly):
            return True
        return original(self, element, value)

    return patched


def _caller_of(headers: Any) -> dict[str, str] | None:
    """The role (and account) whose credentials signed the request, from moto's STS state."""
    from moto.sts.models import sts_backends

    auth = headers.get("Authorization", "")
    key_id = auth.partition("Credential=")[2].partition("/")[0]
    for account, by_partition in list(sts_backends.items()):
        backend = by_partition.get("aws") if hasattr(by_partition, "get") else None
        if backend is None:
            continue
        for assumed in backend.assumed_roles:
            if assumed.access_key_id == key_id:
                return {"account": account, "role_arn": assumed.role_arn}
    return None


def _assume_role(original: Callable[..., Any]) -> Callable[..., Any]:
    def patched(self: Any) -> Any:
        from moto.iam.models import iam_backends

        if not ENFORCING.is_set():
            return original(self)
        role_arn = self._get_param("RoleArn")
        caller = _caller_of(self.headers)
        target_account = role_arn.split(":")[4]
        try:
            role = iam_backends[target_account]["aws"].get_role_by_arn(role_arn)
            trust = json.loads(role.assume_role_policy_document)
        except Exception:  # noqa: BLE001 - a role that does not exist cannot be assumed
            trust = None
        context = {}
        if caller:
            context = {"aws:PrincipalArn": caller["role_arn"], "aws:PrincipalAccount": caller["account"]}
        external_id = self._get_param("ExternalId")
        if external_id is not None:
            context["sts:ExternalId"] = external_id
        ok = bool(caller and trust and trust_allows(trust, caller, context))
        with LOCK:
            STATE["trust"].append({"caller": (caller or {}).get("role_arn"), "role": role_arn, "allowed": ok})
        if not ok:
            who = (caller or {}).get("role_arn", "an unknown caller")
            with LOCK:
                STATE["denied"].append({"principal": who, "action": "sts:AssumeRole", "resource": role_arn, "by": "trust"})
            raise patches.HarnessFault("AccessDenied", f"User: {who} is not authorized to perform: sts:AssumeRole on resource: {role_arn}")
        return original(self)

    return patched


def _access_denied(original: Callable[..., Any]) -> Callable[..., Any]:
    def patched(self: Any) -> None:
        with LOCK:
            STATE["denied"].append({"principal": self._access_key.arn, "action": self._action, "by": "policy"})
        return original(self)

    return patched


class ShapedDenial(HTTPException):
    """moto's AccessDenied in the protocol of the service called: moto writes it in IAM's
    `<ErrorResponse><Errors>` shape for every service, which the SDKs of RDS (query) and
    Glue / EventBridge (JSON) cannot parse ("Unknown: unhandled error")."""

    def __init__(self, body: str, status: int) -> None:
        super().__init__(description=body)
        self.code = status


JSON_SERVICES = {"glue", "events", "kms", "states", "logs", "dynamodb"}


def _authorize(original: Callable[..., Any]) -> Callable[..., Any]:
    def patched(self: Any, resource: str = "*") -> None:
        try:
            original(self, resource)
        except AccessDeniedError as e:
            code = "AccessDeniedException" if self.service_name in JSON_SERVICES else "AccessDenied"
            status, _headers, body = patches._serialized_fault(self, {"code": code, "message": e.message, "status": 403})
            raise ShapedDenial(body, status) from e

    return patched


ENFORCING = threading.Event()


def install() -> None:
    """Patches moto (idempotent): resources, AssumeRole trust, recorded denials."""
    from moto.core.responses import BaseResponse
    from moto.iam import access_control
    from moto.s3 import responses as s3_responses
    from moto.sts.responses import TokenResponse

    if getattr(access_control, "_harness_enforce", False):
        return
    # moto's S3 action map has no ownershipControls: GetBucketOwnershipControls would be
    # authorized as s3:ListBucket (its GET-on-bucket default).
    s3_actions = s3_responses.ACTION_MAP["BUCKET"]
    s3_actions["GET"]["ownershipControls"] = "GetBucketOwnershipControls"
    s3_actions["PUT"]["ownershipControls"] = "PutBucketOwnershipControls"
    s3_actions["DELETE"]["ownershipControls"] = "DeleteBucketOwnershipControls"
    BaseResponse._determine_resource = _determine_resource  # type: ignore[attr-defined]
    statement = access_control.IAMPolicyStatement
    statement._check_element_matches = _check_element_matches(statement._check_element_matches)
    BaseResponse._authenticate_and_authorize_normal_action = _authorize(  # type: ignore[method-assign]
        BaseResponse._authenticate_and_authorize_normal_action
    )
    TokenResponse.assume_role = _assume_role(TokenResponse.assume_role)
    access_control.IAMRequest._raise_access_denied = _access_denied(access_control.IAMRequest._raise_access_denied)
    access_control.S3IAMRequest._raise_access_denied = _access_denied(access_control.S3IAMRequest._raise_access_denied)
    access_control._harness_enforce = True  # type: ignore[attr-defined]


# --- switching enforcement ------------------------------------------------------------------


def activate() -> None:
    """The applied stack (applied.py): enforcement from now on, with the roles Terraform
    applied into moto (nothing is created from infra/ here), whatever E2E_ENFORCE_IAM says."""
    global ENABLED
    install()
    ENABLED = True
    with LOCK:
        STATE.update({"denied": [], "action_only": set(), "trust": [], "dropped": None})


def enforce(on: bool) -> None:
    """moto checks every request (on) or none (off: the harness's own set-up calls).
    Nothing changes unless E2E_ENFORCE_IAM=1."""
    if not ENABLED:
        return
    from moto import settings
    from moto.core.authorization import ActionAuthenticatorMixin

    if on:
        settings.INITIAL_NO_AUTH_ACTION_COUNT = 0
        ENFORCING.set()
    else:
        settings.INITIAL_NO_AUTH_ACTION_COUNT = float("inf")
        ActionAuthenticatorMixin.request_count = 0
        ENFORCING.clear()


class unenforced:  # noqa: N801 - a context manager named like one
    """The harness's own calls (set-up, the operator's fixes) run with enforcement off."""

    def __enter__(self) -> None:
        self.was = ENFORCING.is_set()
        enforce(False)

    def __exit__(self, *exc: Any) -> None:
        enforce(self.was)


# --- applying the roles ----------------------------------------------------------------------


def apply(
    endpoint: str,
    v: dict[str, Any],
    client: Callable[..., Any],
    prod_creds: dict[str, str],
    drop_spec: dict[str, Any] | None = None,
    definition: str | None = None,
) -> dict[str, Any]:
    """Creates every role of both modules in moto with its trust and inline policies
    (replacing the harness's stand-ins of the same name), assumes each function's role as
    the Lambda service would, and returns the vars to merge: the prod role ARNs from the
    Terraform and each function's credentials."""
    from moto.sts.models import sts_backends

    tf = terraform_roles(v, definition)
    dropped = None
    if drop_spec:
        try:
            dropped = drop(tf[drop_spec.get("account", "analytics")], drop_spec)
        except KeyError:
            dropped = None  # not in this graph's configuration (e.g. the copier role without copy delivery)
    with LOCK:
        STATE.update({"denied": [], "action_only": set(), "trust": [], "dropped": dropped})
    for account_name, creds in (("analytics", None), ("prod", prod_creds)):
        iam = client(endpoint, "iam", creds)
        for role_name, role in tf[account_name].items():
            trust = json.dumps(role["trust"])
            try:
                iam.create_role(RoleName=role_name, AssumeRolePolicyDocument=trust)
            except iam.exceptions.EntityAlreadyExistsException:
                iam.update_assume_role_policy(RoleName=role_name, PolicyDocument=trust)
            for pname, doc in role["policies"].items():
                iam.put_role_policy(RoleName=role_name, PolicyName=pname, PolicyDocument=json.dumps(doc))
    prod_roles = {r["address"]: r["arn"] for r in tf["prod"].values()}
    analytics = v["analytics_account"]
    credentials = {}
    for binary in module_eval.function_table():
        role_name = f"{NAME}-{binary}"
        role = tf["analytics"].get(role_name)
        if role is None:
            raise KeyError(f"the Terraform has no role {role_name} for function {binary}")
        # The Lambda service assumes the execution role for the function.
        lambda_service = {"service": "lambda.amazonaws.com"}
        if not trust_allows(role["trust"], lambda_service, {"aws:SourceAccount": analytics}):
            raise PermissionError(f"{role_name}'s trust policy does not let Lambda assume it")
        assumed = sts_backends[analytics]["aws"].assume_role(
            region_name=REGION,
            role_session_name=f"{NAME}-{binary}",
            role_arn=role["arn"],
            policy=None,
            duration=43200,
            external_id=None,
        )
        credentials[binary] = {
            "AWS_ACCESS_KEY_ID": assumed.access_key_id,
            "AWS_SECRET_ACCESS_KEY": assumed.secret_access_key,
            "AWS_SESSION_TOKEN": assumed.session_token,
        }
    copier = tf["prod"].get(f"{NAME}-copier")
    return {
        **({"copier_role_arn": copier["arn"]} if copier and v.get("copier_role_arn") else {}),
        "export_role_arn": prod_roles["aws_iam_role.export"],
        "prod_role_arn": prod_roles["aws_iam_role.cross_account"],
        "function_credentials": credentials,
        "iam_enforced": True,
        "iam_roles": {a: sorted(tf[a]) for a in ("analytics", "prod")},
    }


def report() -> dict[str, Any]:
    with LOCK:
        return {
            "enforced": ENFORCING.is_set(),
            "denied": list(STATE["denied"]),
            "action_only": sorted(STATE["action_only"]),
            "trust": list(STATE["trust"]),
            "dropped": STATE["dropped"],
        }

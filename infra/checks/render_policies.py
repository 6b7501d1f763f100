"""Renders every `aws_iam_policy_document` of the infra modules to IAM policy JSON.

The modules build their policies in HCL; parliament lints JSON. This script parses the
modules with the HCL parser that checkov already installs (bc-python-hcl2), substitutes
placeholder values for inputs and resource attributes (two fake accounts, one Region),
and writes one JSON file per policy document (per function for the per-function
documents) into the output directory. It evaluates only the few expression forms the
modules use; anything else is an error naming the expression, so a new construct in a
policy cannot slip through unlinted. Resource policies (key, bucket, bus) and trust
policies are written to separate sub-directories: they name principals and, for KMS key
policies, must use Resource "*" (meaning "this key").

Usage: render_policies.py MODULES_DIR OUT_DIR
"""

import json
import re
import sys
from pathlib import Path

import hcl2

PROD = "111111111111"
ANALYTICS = "222222222222"
REGION = "us-east-1"
NAME = "snapshot-export"
BUCKET = "example-exports"

# The account each module is applied in.
MODULE_ACCOUNT = {"prod-account": PROD, "analytics-account": ANALYTICS}


def role(account, suffix):
    return f"arn:aws:iam::{account}:role/{NAME}-{suffix}"


# Sample inputs for the variables without a usable default (and the optional lists, set
# non-empty so the statements they enable are linted too).
SAMPLE_VARS = {
    "name": NAME,
    "analytics_account_id": ANALYTICS,
    "prod_account_id": PROD,
    "analytics_bucket_name": BUCKET,
    "bucket_name": BUCKET,
    "analytics_event_bus_arn": f"arn:aws:events:{REGION}:{ANALYTICS}:event-bus/{NAME}",
    "analytics_lambda_role_arns": [role(ANALYTICS, f) for f in ("normalize", "start-export", "check-export", "rewrite-acl")],
    "analytics_reader_role_arns": [role(ANALYTICS, "crawler"), f"arn:aws:iam::{ANALYTICS}:role/analyst"],
    "external_id": "example-external-id",
    "prod_role_external_id": "example-external-id",
    "source_kms_key_arns": [f"arn:aws:kms:{REGION}:{PROD}:key/22222222-2222-2222-2222-222222222222"],
    "prod_kms_key_arn": f"arn:aws:kms:{REGION}:{PROD}:key/11111111-1111-1111-1111-111111111111",
    "prod_export_role_arn": role(PROD, "export"),
    "prod_cross_account_role_arn": role(PROD, "cross-account"),
    "lambda_package_dir": "target/lambda",
}


class RenderError(Exception):
    pass


def attr(value):
    """bc-python-hcl2 wraps every attribute value in a one-element list."""
    return value[0] if isinstance(value, list) and len(value) == 1 else value


class Module:
    def __init__(self, directory):
        self.dir = directory
        self.account = MODULE_ACCOUNT[directory.name]
        self.locals = {}
        self.variables = {}
        self.docs = []  # (name, body, file)
        for tf in sorted(directory.glob("*.tf")):
            parsed = hcl2.load(tf.open())
            for block in parsed.get("locals", []):
                self.locals.update(block)
            for block in parsed.get("variable", []):
                for name, body in block.items():
                    self.variables[name] = body
            for block in parsed.get("data", []):
                for name, body in block.get("aws_iam_policy_document", {}).items():
                    self.docs.append((name, body, tf.name))

    # --- values -------------------------------------------------------------------------

    def var(self, name):
        if name in SAMPLE_VARS:
            return SAMPLE_VARS[name]
        body = self.variables.get(name)
        if body is None:
            raise RenderError(f"unknown variable var.{name}")
        if "default" not in body:
            raise RenderError(f"var.{name} has no default: add a sample value to SAMPLE_VARS")
        return self.value(attr(body["default"]), {})

    def resource_attr(self, rtype, rname, key, attribute):
        a, r, p = self.account, REGION, NAME
        suffix = key or rname
        table = {
            ("aws_kms_key", "arn"): f"arn:aws:kms:{r}:{a}:key/00000000-0000-0000-0000-000000000000",
            ("aws_iam_role", "arn"): f"arn:aws:iam::{a}:role/{p}-{suffix}",
            ("aws_s3_bucket", "arn"): f"arn:aws:s3:::{BUCKET}",
            ("aws_s3_bucket", "id"): BUCKET,
            ("aws_glue_crawler", "arn"): f"arn:aws:glue:{r}:{a}:crawler/{p}-exports",
            ("aws_glue_catalog_database", "arn"): f"arn:aws:glue:{r}:{a}:database/snapshot_export",
            ("aws_glue_catalog_database", "name"): "snapshot_export",
            ("aws_cloudwatch_log_group", "arn"): f"arn:aws:logs:{r}:{a}:log-group:/aws/lambda/{p}-{suffix}",
            ("aws_cloudwatch_event_bus", "arn"): f"arn:aws:events:{r}:{a}:event-bus/{p}",
            ("aws_sfn_state_machine", "arn"): f"arn:aws:states:{r}:{a}:stateMachine:{p}",
            ("aws_lambda_function", "arn"): f"arn:aws:lambda:{r}:{a}:function:{p}-{suffix}",
        }
        if (rtype, attribute) not in table:
            raise RenderError(f"no placeholder for {rtype}.{rname}.{attribute}: add one to resource_attr")
        return table[(rtype, attribute)]

    def expr(self, text, each):
        """Evaluates one expression (the inside of `${...}`)."""
        text = text.strip()
        builtin = {"local.partition": "aws", "local.region": REGION, "local.account_id": self.account}
        if text in builtin:
            return builtin[text]
        m = re.fullmatch(r"(.+?) \? \[1\] : \[\]", text)
        if m:
            return [1] if self.truthy(m.group(1), each) else []
        m = re.fullmatch(r"coalesce\((.+)\)", text)
        if m:
            for arg in split_args(m.group(1)):
                v = self.expr(arg, each)
                if v not in (None, ""):
                    return v
            raise RenderError(f"coalesce with no non-null argument: {text}")
        m = re.fullmatch(r"\[for (\w+) in aws_lambda_function\.this : \1\.arn\]", text)
        if m:
            return [self.resource_attr("aws_lambda_function", "this", k, "arn") for k in self.functions()]
        m = re.fullmatch(r"local\.(\w+)", text)
        if m:
            if m.group(1) not in self.locals:
                raise RenderError(f"unknown local.{m.group(1)}")
            return self.value(attr(self.locals[m.group(1)]), each)
        m = re.fullmatch(r"var\.(\w+)", text)
        if m:
            return self.var(m.group(1))
        if text == "each.key":
            return each["key"]
        m = re.fullmatch(r"each\.value\.(\w+)", text)
        if m:
            return self.value(each["value"][m.group(1)], each)
        m = re.fullmatch(r'(aws_\w+)\.(\w+)(?:\[(each\.key|"[^"]+")\])?\.(\w+)', text)
        if m:
            key = m.group(3)
            if key == "each.key":
                key = each["key"]
            elif key:
                key = key.strip('"')
            return self.resource_attr(m.group(1), m.group(2), key, m.group(4))
        raise RenderError(f"cannot render expression {text!r}: extend render_policies.py")

    def truthy(self, cond, each):
        m = re.fullmatch(r"length\((.+)\) > 0", cond.strip())
        if m:
            return len(self.expr(m.group(1), each)) > 0
        return bool(self.expr(cond, each))

    def value(self, v, each):
        """Renders a parsed HCL value: strings with interpolations, lists, scalars."""
        if isinstance(v, list):
            out = []
            for item in v:
                r = self.value(item, each)
                out.append(r)
            return out
        if not isinstance(v, str):
            return v
        whole = re.fullmatch(r"\$\{(.*)\}", v, re.S)
        if whole and "${" not in whole.group(1):
            return self.expr(whole.group(1), each)
        return re.sub(r"\$\{([^}]*)\}", lambda m: str(self.expr(m.group(1), each)), v)

    def functions(self):
        return attr(self.locals["functions"]) if "functions" in self.locals else {}

    # --- documents ----------------------------------------------------------------------

    def statements(self, body, each):
        out = []
        for st in body.get("statement", []):
            out.append(self.statement(st, each))
        for dyn in body.get("dynamic", []):
            d = dyn["statement"]
            for _ in self.value(attr(d["for_each"]), each):
                out.append(self.statement(attr(d["content"]), each))
        return out

    def statement(self, st, each):
        known = {"sid", "effect", "actions", "not_actions", "resources", "not_resources", "principals", "condition"}
        extra = set(st) - known - {"__start_line__", "__end_line__"}
        if extra:
            raise RenderError(f"unsupported statement fields {sorted(extra)}")
        s = {}
        if "sid" in st:
            s["Sid"] = self.value(attr(st["sid"]), each)
        s["Effect"] = self.value(attr(st["effect"]), each) if "effect" in st else "Allow"
        for hcl_name, json_name in (("actions", "Action"), ("not_actions", "NotAction"), ("resources", "Resource"), ("not_resources", "NotResource")):
            if hcl_name in st:
                s[json_name] = flatten(self.value(attr(st[hcl_name]), each))
        for p in st.get("principals", []):
            ptype = self.value(attr(p["type"]), each)
            ids = flatten(self.value(attr(p["identifiers"]), each))
            if ptype == "*":
                s["Principal"] = "*"
            else:
                s.setdefault("Principal", {}).setdefault(ptype, []).extend(ids)
        for c in st.get("condition", []):
            test = self.value(attr(c["test"]), each)
            variable = self.value(attr(c["variable"]), each)
            values = flatten(self.value(attr(c["values"]), each))
            # A single value as a scalar: AWS takes both, parliament only the scalar for Bool.
            s.setdefault("Condition", {}).setdefault(test, {})[variable] = values[0] if len(values) == 1 else values
        return s

    def render(self):
        """Yields (kind, file name, policy) for every document (and every function)."""
        for name, body, tf in self.docs:
            for_each = attr(body.get("for_each", [None]))
            if for_each is None:
                instances = [(None, None)]
            elif for_each == "${local.functions}":
                instances = list(self.functions().items())
            else:
                raise RenderError(f"{tf}: data.aws_iam_policy_document.{name}: unsupported for_each {for_each!r}")
            for key, value in instances:
                each = {"key": key, "value": value}
                try:
                    statements = self.statements(body, each)
                except RenderError as e:
                    raise RenderError(f"{self.dir.name}/{tf}: data.aws_iam_policy_document.{name}: {e}") from e
                kind = kind_of(name, statements)
                stem = f"{self.dir.name}.{name}" + (f".{key}" if key else "")
                yield kind, f"{stem}.json", {"Version": "2012-10-17", "Statement": statements}


def kind_of(name, statements):
    if all(s.get("Action") == ["sts:AssumeRole"] and "Resource" not in s for s in statements):
        return "trust"
    if any("Principal" in s for s in statements):
        return "resource"
    return "identity"


def flatten(v):
    if isinstance(v, list):
        out = []
        for item in v:
            out.extend(flatten(item))
        return out
    return [v]


def split_args(text):
    """Splits function arguments at top-level commas."""
    args, depth, cur = [], 0, ""
    for ch in text:
        if ch in "([{":
            depth += 1
        elif ch in ")]}":
            depth -= 1
        if ch == "," and depth == 0:
            args.append(cur)
            cur = ""
        else:
            cur += ch
    args.append(cur)
    return [a.strip() for a in args]


def main(argv):
    if len(argv) != 3:
        print(__doc__.strip().splitlines()[-1], file=sys.stderr)
        return 2
    modules_dir, out_dir = Path(argv[1]), Path(argv[2])
    counts = {}
    try:
        for directory in sorted(p for p in modules_dir.iterdir() if p.is_dir()):
            module = Module(directory)
            for kind, file_name, policy in module.render():
                target = out_dir / kind
                target.mkdir(parents=True, exist_ok=True)
                (target / file_name).write_text(json.dumps(policy, indent=2) + "\n")
                counts[kind] = counts.get(kind, 0) + 1
    except (RenderError, KeyError) as e:
        print(f"render_policies: {e}", file=sys.stderr)
        return 1
    print(", ".join(f"{n} {k}" for k, n in sorted(counts.items())) + f" policies rendered to {out_dir}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))

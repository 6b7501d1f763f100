"""Renders every `aws_iam_policy_document` of the infra modules to IAM policy JSON.

Superseded for the lint (lint_policies.py now lints the policies Terraform plans in every
mode: tfplan.py); kept, with module_eval.py, for its two remaining users:
tests/harness/iam_enforce.py (the enforced e2e run renders each role's policies with
`statement`) and the negative tests of test_infra_contract.py. Delete both once
iam_enforce reads the policies of the applied stack.

The modules build their policies in HCL; parliament lints JSON. This evaluates each
document with module_eval.py (the repository's one HCL evaluator: sample inputs, two fake
accounts, one Region) and writes one JSON file per policy document (per instance for the
documents with for_each, e.g. one per function) into the output directory. A construct
the evaluator does not know is an error naming it, so a new construct in a policy cannot
slip through unlinted. Resource policies (key, bucket, bus) and trust policies are
written to separate sub-directories: they name principals and, for KMS key policies,
must use Resource "*" (meaning "this key").

Usage: render_policies.py MODULES_DIR OUT_DIR
"""

import json
import sys
from pathlib import Path

from module_eval import EvalError, Module

STATEMENT_ATTRIBUTES = {"sid", "effect", "actions", "not_actions", "resources", "not_resources"}
STATEMENT_BLOCKS = {"principals", "condition"}


def statement(module, body, names):
    """One `statement` block as an IAM statement."""
    unknown = set(body.attributes) - STATEMENT_ATTRIBUTES
    unknown |= {b.type if b.type != "dynamic" else b.labels[0] for b in body.blocks} - STATEMENT_BLOCKS
    if unknown:
        raise EvalError(f"unsupported statement fields {sorted(unknown)}")
    s = {}
    if "sid" in body.attributes:
        s["Sid"] = module.attribute(body, "sid", names)
    s["Effect"] = module.attribute(body, "effect", names) if "effect" in body.attributes else "Allow"
    for hcl_name, json_name in (("actions", "Action"), ("not_actions", "NotAction"), ("resources", "Resource"), ("not_resources", "NotResource")):
        if hcl_name in body.attributes:
            s[json_name] = flatten(module.attribute(body, hcl_name, names))
    for p, p_names in module.nested(body, "principals", names):
        ptype = module.attribute(p, "type", p_names)
        ids = flatten(module.attribute(p, "identifiers", p_names))
        if ptype == "*":
            s["Principal"] = "*"
        else:
            s.setdefault("Principal", {}).setdefault(ptype, []).extend(ids)
    for c, c_names in module.nested(body, "condition", names):
        test = module.attribute(c, "test", c_names)
        variable = module.attribute(c, "variable", c_names)
        values = flatten(module.attribute(c, "values", c_names))
        # A single value as a scalar: AWS takes both, parliament only the scalar for Bool.
        s.setdefault("Condition", {}).setdefault(test, {})[variable] = values[0] if len(values) == 1 else values
    return s


def render(module):
    """Yields (kind, file name, policy) for every document (and every instance of one)."""
    for (kind, rtype, name), block in module.blocks.items():
        if kind != "data" or rtype != "aws_iam_policy_document":
            continue
        where = f"{module.name}/{block.file}: data.aws_iam_policy_document.{name}"
        try:
            instances = module.instances(block)
        except EvalError as e:
            raise EvalError(f"{where}: {e}") from e
        for key, each in instances:
            names = {"each": each} if each else {}
            try:
                statements = [statement(module, body, n) for body, n in module.nested(block.body, "statement", names)]
            except EvalError as e:
                raise EvalError(f"{where}{f'[{key!r}]' if key else ''}: {e}") from e
            stem = f"{module.name}.{name}" + (f".{key}" if key else "")
            yield kind_of(statements), f"{stem}.json", {"Version": "2012-10-17", "Statement": statements}


def kind_of(statements):
    if all(s.get("Action") == ["sts:AssumeRole"] and "Resource" not in s for s in statements):
        return "trust"
    if any("Principal" in s for s in statements):
        return "resource"
    return "identity"


def flatten(v):
    if isinstance(v, (list, tuple)):
        out = []
        for item in v:
            out.extend(flatten(item))
        return out
    return [v]


def main(argv):
    if len(argv) != 3:
        print(__doc__.strip().splitlines()[-1], file=sys.stderr)
        return 2
    modules_dir, out_dir = Path(argv[1]), Path(argv[2])
    counts = {}
    try:
        for directory in sorted(p for p in modules_dir.iterdir() if p.is_dir()):
            for kind, file_name, policy in render(Module(directory)):
                target = out_dir / kind
                target.mkdir(parents=True, exist_ok=True)
                (target / file_name).write_text(json.dumps(policy, indent=2) + "\n")
                counts[kind] = counts.get(kind, 0) + 1
    except EvalError as e:
        print(f"render_policies: {e}", file=sys.stderr)
        return 1
    print(", ".join(f"{n} {k}" for k, n in sorted(counts.items())) + f" policies rendered to {out_dir}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))

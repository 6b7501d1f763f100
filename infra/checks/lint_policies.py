"""Lints every IAM policy of every shipped mode with parliament.

The policies are the ones Terraform plans (tfplan.py: the cross-account example planned
in each mode of tfplan.MODES, every identifier known): trust policies of the roles,
inline role policies, and the key, bucket and bus policies. They are written one JSON
file per policy into OUT_DIR/<mode>/<kind>/ and parliament's CLI runs over each kind
directory (`--directory DIR --json`, stdin closed: its `--file` mode needs a terminal).
Any finding fails the lint, except the few listed in ALLOWED, each with the reason it is
not a defect.

Run by test_terraform.py (PolicyLint), after the plans; as a command, over plans saved
by an earlier run:  lint_policies.py PLANS_DIR OUT_DIR
"""

import json
import re
import subprocess
import sys
from pathlib import Path

import tfplan

# (kind, issue, predicate on the finding, reason). Keep this list short and explained.
ALLOWED = [
    (
        "trust",
        "MALFORMED",
        lambda f: f.get("detail") == "Statement contains neither Resource nor NotResource",
        "trust policies have no Resource element by definition",
    ),
    (
        "resource",
        "RESOURCE_STAR",
        lambda f: "aws_kms_key" in f["location"]["filepath"] or "policy_document.key" in f["location"]["filepath"],
        "in a KMS key policy Resource must be \"*\", meaning this key",
    ),
    (
        None,
        "RESOURCE_MISMATCH",
        lambda f: [d["action"] for d in f.get("detail", [])] == ["s3:GetObjectAttributes"],
        "s3:GetObjectAttributes comes from the s3:GetObject* wildcard the RDS export documentation "
        "requires; AWS authorizes it on object ARNs, parliament 1.6.4's data lists only access points",
    ),
    (
        "identity",
        "RESOURCE_MISMATCH",
        lambda f: all(d["action"] == "states:DescribeExecution" and ":express:" in d["required_format"] for d in f.get("detail", [])),
        "the Service Authorization Reference lists two resource types for states:DescribeExecution, "
        "execution (Standard workflows) and express (Express); the pipeline's state machine is "
        "STANDARD, so its executions are `execution` ARNs and the express format never applies",
    ),
]


def allowed(kind, finding):
    for k, issue, pred, _reason in ALLOWED:
        if (k is None or k == kind) and finding["issue"] == issue and pred(finding):
            return True
    return False


def file_name(address):
    """A policy's file name: its Terraform address, made a file name."""
    return re.sub(r"[^A-Za-z0-9_.-]+", "_", address).strip("_") + ".json"


def write(plans, out_dir):
    """Writes every policy of every plan; returns {mode: {kind: count}}."""
    counts = {}
    for mode, plan in plans.items():
        for address, (kind, policy) in plan.policies().items():
            target = Path(out_dir) / mode / kind
            target.mkdir(parents=True, exist_ok=True)
            (target / file_name(address)).write_text(json.dumps(policy, indent=2) + "\n")
            counts.setdefault(mode, {}).setdefault(kind, 0)
            counts[mode][kind] += 1
    return counts


def lint(plans, out_dir):
    """Runs parliament over the policies of every plan. Returns (report lines, findings
    that are not allowed)."""
    write(plans, out_dir)
    parliament = Path(sys.executable).with_name("parliament")
    lines, bad_all = [], []
    for kind_dir in sorted(p for p in Path(out_dir).glob("*/*") if p.is_dir()):
        mode, kind = kind_dir.parent.name, kind_dir.name
        run = subprocess.run([str(parliament), "--directory", str(kind_dir), "--json"], stdin=subprocess.DEVNULL, capture_output=True, text=True, check=False)
        findings, errors = [], []
        for line in run.stdout.splitlines():
            try:
                findings.append(json.loads(line))
            except json.JSONDecodeError:
                errors.append(line)
        if run.returncode not in (0, 1) or errors or (run.returncode == 1 and not findings):
            lines.append(f"parliament {mode}/{kind}: parliament itself failed (exit {run.returncode})")
            lines.extend(errors + run.stderr.splitlines()[-15:])
            bad_all.append({"issue": "PARLIAMENT_FAILED", "mode": mode, "kind": kind})
            continue
        bad = [f for f in findings if not allowed(kind, f)]
        files = len(list(kind_dir.glob("*.json")))
        lines.append(f"parliament {mode}/{kind}: {files} policies, {'ok' if not bad else f'{len(bad)} finding(s)'} ({len(findings) - len(bad)} allowed)")
        for f in bad:
            lines.append(f"  {f['issue']} ({f['severity']}) in {Path(f['location'].get('filepath', '?')).name}: {json.dumps(f.get('detail'))}")
        bad_all.extend(bad)
    return lines, bad_all


def main(argv):
    if len(argv) != 3:
        print(__doc__.strip().splitlines()[-1], file=sys.stderr)
        return 2
    plans = tfplan.saved_plans(Path(argv[1]))
    if not plans:
        print(f"lint_policies: no plans in {argv[1]} (test_terraform.py writes them)", file=sys.stderr)
        return 1
    lines, bad = lint(plans, argv[2])
    print("\n".join(lines))
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))

"""Lints every IAM policy document of the infra modules with parliament.

Renders the documents (render_policies.py) and runs parliament's CLI over each kind
(`--directory DIR --json`, stdin closed: its `--file` mode needs a terminal). Any finding
fails the check, except the few listed in ALLOWED, each with the reason it is not a
defect. Prints one line per policy kind and every finding that is not allowed.

Usage: lint_policies.py MODULES_DIR OUT_DIR
"""

import json
import subprocess
import sys
from pathlib import Path

import render_policies

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
        lambda f: f["location"]["filepath"].endswith(".key.json"),
        "in a KMS key policy Resource must be \"*\", meaning this key",
    ),
    (
        None,
        "RESOURCE_MISMATCH",
        lambda f: [d["action"] for d in f.get("detail", [])] == ["s3:GetObjectAttributes"],
        "s3:GetObjectAttributes comes from the s3:GetObject* wildcard the RDS export documentation "
        "requires; AWS authorizes it on object ARNs, parliament 1.6.4's data lists only access points",
    ),
]


def allowed(kind, finding):
    for k, issue, pred, _reason in ALLOWED:
        if (k is None or k == kind) and finding["issue"] == issue and pred(finding):
            return True
    return False


def main(argv):
    if len(argv) != 3:
        print(__doc__.strip().splitlines()[-1], file=sys.stderr)
        return 2
    out_dir = Path(argv[2])
    if render_policies.main(argv) != 0:
        return 1
    parliament = Path(sys.executable).with_name("parliament")
    failed = False
    for kind_dir in sorted(p for p in out_dir.iterdir() if p.is_dir()):
        kind = kind_dir.name
        run = subprocess.run(
            [str(parliament), "--directory", str(kind_dir), "--json"],
            stdin=subprocess.DEVNULL,
            capture_output=True,
            text=True,
            check=False,
        )
        findings, errors = [], []
        for line in run.stdout.splitlines():
            try:
                findings.append(json.loads(line))
            except json.JSONDecodeError:
                errors.append(line)
        if run.returncode not in (0, 1) or errors or (run.returncode == 1 and not findings):
            print(f"parliament {kind}: parliament itself failed (exit {run.returncode})")
            print("\n".join(errors + run.stderr.splitlines()[-15:]))
            failed = True
            continue
        bad = [f for f in findings if not allowed(kind, f)]
        files = len(list(kind_dir.glob("*.json")))
        status = "ok" if not bad else f"{len(bad)} finding(s)"
        print(f"parliament {kind}: {files} policies, {status} ({len(findings) - len(bad)} allowed)")
        for f in bad:
            print(f"  {f['issue']} ({f['severity']}) in {Path(f['location'].get('filepath', '?')).name}: {json.dumps(f.get('detail'))}")
        failed = failed or bool(bad)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))

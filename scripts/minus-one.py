"""The minus-one check: every statement of every function's policy is needed, or says why not.

For each statement of each function's role, and of each prod role a function assumes (all
evaluated from infra/ by tests/harness/iam_enforce.py, as the enforced e2e creates them, in
the configuration of each scenario below: crawler or tables, copy delivery, export
events), the enforced e2e (E2E_ENFORCE_IAM=1) runs again with that one statement dropped
(E2E_IAM_DROP) over the scenarios whose graph has it, stopping at the first that fails. A statement
is proven needed when a scenario then fails AT a task with a named error of the contract
whose cause is AWS's AccessDenied (not a panic, a timeout or a generic failure). A
statement no scenario needs is listed with the reason it stays (REASONS), or the check
fails.

Usage: .venv/bin/python scripts/minus-one.py [--markdown] [--quick] [ROLE_SUBSTRING...]
Prints one line per statement and a summary; --markdown prints the table for
docs/security.md. Takes a few minutes (one scenario run per statement, about 5 s each).
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "tests" / "harness"))
sys.dont_write_bytecode = True

import iam_enforce  # noqa: E402

# The scenarios that, together, make every function call what it calls on a success path
# and on the failure-notification path (the same list as the enforced suite in e2e.sh).
SCENARIOS = [
    "tests/e2e/scenarios/01-automated-instance-snapshot.json",
    "tests/e2e/scenarios/40-export-event-on-time.json",
    "tests/e2e/scenarios/31-copy-delivery-duplicate-event.json",
    "tests/e2e/scenarios/21-catalog-tables-two-exports.json",
    "tests/e2e/scenarios/02-aurora-cluster-snapshot.json",
    "tests/e2e/scenarios/07-export-failed.json",
]
# Scenarios missing from the tree (a graph without those functions) are skipped.
SCENARIOS = [s for s in SCENARIOS if (REPO / s).exists()]

# Statements no scenario can prove, with the reason each stays (role suffix, Sid).
REASONS = {
    "Logs": "Lambda's service writes the function's logs with this role; the local runtime sends them to a file and calls no CloudWatch Logs API",
    "XRay": "the Lambda service sends traces when tracing is on; the binaries call no X-Ray API",
    "PassExportRoleToRds": "iam:PassRole is checked by RDS inside StartExportTask, not an API call moto can authorize",
    "ExportKeyGrant": "kms:CreateGrant is called by RDS on the caller's behalf during StartExportTask; moto's RDS calls no KMS",
    "ExportKeyDescribe": "kms:DescribeKey is checked by RDS on the caller's behalf during StartExportTask; moto's RDS calls no KMS",
    "ReadExecutionHistory": "states:GetExecutionHistory is answered by the runner's Step Functions stub, which does not authorize",
    "SendTaskToken": "states:SendTaskSuccess is answered by the runner's Step Functions stub, which does not authorize",
    "CatalogDecryptExports": "kms:Decrypt through S3 (kms:ViaService): moto's S3 does not call KMS for SSE-KMS objects",
    "DecryptStagedExportsViaS3": "kms:Decrypt through S3 (kms:ViaService): moto's S3 does not call KMS for SSE-KMS objects",
    "EncryptAnalyticsCopiesViaS3": "kms:GenerateDataKey through S3: moto's S3 does not call KMS for SSE-KMS copies",
    "ReadStagedExports": "AWS needs s3:GetObject on the source of CopyObject; moto authorizes a CopyObject as s3:PutObject on the destination only, and scenario 31 reads the staged objects no other way",
    "ListAnalyticsExports": "lets HeadObject of a key not yet copied answer 404 instead of 403 (S3 answers 403 without s3:ListBucket); moto answers 404 either way",
    "ExportWaitsTableKey": "the export-waits table's KMS key is used by DynamoDB itself, which moto does not route through KMS",
}

ERROR_LINE = re.compile(r"✗ (\w+) \(Task\) (\S+?): (.*)$")
# A function invoked outside a task (export-events, on RDS's event): the runner's check line.
EVENT_LINE = re.compile(r"✗ .*: ([a-z-]+) failed with (\w+): (.*)$")
# A function that degrades by design (export-events leaves an export it cannot confirm to
# the fallback poll): its own logged error, from the log tail the runner prints.
LOG_HEADER = re.compile(r"^--- ([a-z-]+) log")
LOG_ERROR = re.compile(r'error_type\S*?="?(\w+)"? \S*?error\S*?=(.*)$')


def sample_vars() -> dict[str, str]:
    """The names the harness's set-up gives (accounts.build defaults)."""
    import accounts

    return {
        "analytics_account": accounts.ANALYTICS_ACCOUNT,
        "prod_account": accounts.PROD_ACCOUNT,
        "bucket": "analytics-snapshot-exports",
        "export_prefix": "exports",
        "prod_role_external_id": accounts.EXTERNAL_ID,
        "kms_key_arn": f"arn:aws:kms:us-east-1:{accounts.PROD_ACCOUNT}:key/any",
        "event_bus_name": "snapshot-export-notifications",
        "glue_database": "snapshot_exports",
        "staging_bucket": "prod-export-staging",
        "destination_kms_key_arn": f"arn:aws:kms:us-east-1:{accounts.ANALYTICS_ACCOUNT}:key/any",
    }


def definition_of(scenario: str) -> str | None:
    """The definition the runner uses for the scenario: its pipeline_config rendered by the
    CLI of the build, or None (the committed one)."""
    config = json.loads((REPO / scenario).read_text()).get("pipeline_config")
    if not config:
        return None
    target = Path(os.environ.get("CARGO_TARGET_DIR") or REPO / "target")
    out = Path(tempfile.mkdtemp()) / (Path(config).stem + ".asl.json")
    subprocess.run([str(target / "debug" / "snapshot-export"), "render", "--config", str(REPO / config), "--out", str(out)], check=True, capture_output=True)
    return str(out)


def statements() -> list[dict[str, Any]]:
    """(account, role, policy, sid) of every statement of the functions' roles and of the
    prod roles they may assume, in the configuration of any scenario of SCENARIOS (each with
    the scenarios whose graph has it)."""
    table = iam_enforce.module_eval.function_table()
    function_roles = {f"{iam_enforce.NAME}-{b}" for b in table}
    found: dict[tuple[str, str, str, str], dict[str, Any]] = {}
    for scenario in SCENARIOS:
        tf = iam_enforce.terraform_roles(sample_vars(), definition_of(scenario))
        assumed = set()
        for account in ("analytics", "prod"):
            for role, spec in sorted(tf[account].items()):
                if account == "analytics" and role not in function_roles:
                    continue
                if account == "prod" and spec["arn"] not in assumed:
                    continue
                for pname, doc in spec["policies"].items():
                    for i, s in enumerate(doc["Statement"]):
                        if account == "analytics" and "sts:AssumeRole" in s.get("Action", []):
                            assumed.update(s.get("Resource", []))
                        sid = s.get("Sid") or f"#{i}"
                        key = (account, role, pname, sid)
                        entry = found.setdefault(key, {"account": account, "role": role, "policy": pname, "sid": sid, "index": i, "scenarios": []})
                        entry["scenarios"].append(scenario)
    return sorted(found.values(), key=lambda e: (e["account"] != "analytics", e["role"], e["index"]))


def run_without(st: dict[str, Any]) -> dict[str, str]:
    """Runs the scenarios whose graph has the statement, with it dropped; the first
    failure's scenario, task, error and cause."""
    drop = {"account": st["account"], "role": st["role"], "policy": st["policy"]}
    drop.update({"sid": st["sid"]} if not st["sid"].startswith("#") else {"index": st["index"]})
    env = {**os.environ, "E2E_ENFORCE_IAM": "1", "E2E_IAM_DROP": json.dumps(drop)}
    node = REPO / "node_modules" / ".bin" / "node"
    for scenario in st["scenarios"]:
        run = subprocess.run(
            [str(node), "tests/e2e/run.mjs", scenario],
            cwd=REPO,
            env=env,
            capture_output=True,
            text=True,
            check=False,
        )
        if run.returncode == 0:
            continue
        found = []
        function = None
        for line in re.sub(r"\x1b\[[0-9;]*m", "", run.stdout).splitlines():
            header = LOG_HEADER.search(line)
            if header:
                function = header.group(1)
                continue
            m = ERROR_LINE.search(line) or EVENT_LINE.search(line)
            kind = 0 if m else 2
            if not m and function:
                m = LOG_ERROR.search(line)
                if m:
                    m = re.match(r"(.*)", f"{function} (logged)"), *m.groups()  # type: ignore[assignment]
                    found.append({"scenario": Path(scenario).stem, "state": m[0].group(1), "error": m[1], "cause": m[2], "kind": kind})
                continue
            if m:
                state, error, cause = m.groups()
                found.append({"scenario": Path(scenario).stem, "state": state, "error": error, "cause": cause, "kind": kind})
        # The denial itself, rather than what it caused later (a callback state's timeout).
        found.sort(key=lambda f: (not any(t in f["cause"] for t in ("AccessDenied", "Access Denied", "not authorized")), f["kind"]))
        if found:
            return found[0]
        tail = "\n".join((run.stdout + run.stderr).splitlines()[-8:])
        return {"scenario": Path(scenario).stem, "state": "?", "error": "?", "cause": tail}
    return {}


def verdict(st: dict[str, str], failure: dict[str, str]) -> tuple[bool, str]:
    if failure:
        # Not a panic or a timeout, and not an error the graph retries as transient: a
        # permission is fixed by the operator, never by a retry.
        generic = ("?", "Runtime.ExitError", "Unhandled", "States.TaskFailed", "States.Timeout", "TransientAwsError", "Throttled")
        named = failure["error"] not in generic
        # AWS's denial in the cause, or an error the contract names for a denial (a HEAD
        # request's 403 has no body: the SDK cannot read its code).
        denied = any(t in failure["cause"] for t in ("AccessDenied", "Access Denied", "not authorized")) or failure["error"].endswith("Denied")
        ok = named and denied
        return ok, f"{failure['scenario']}: {failure['state']} failed with {failure['error']} (denied: {denied})"
    reason = REASONS.get(st["sid"])
    if reason:
        return True, f"no scenario needs it: {reason}"
    return False, "no scenario needs it and no reason is listed: remove it or list why it stays"


def main(argv: list[str]) -> int:
    markdown = "--markdown" in argv
    quick = "--quick" in argv
    wanted = [a for a in argv if not a.startswith("--")]
    rows = []
    failed = 0
    start = time.time()
    for st in statements():
        if wanted and not any(w in st["role"] for w in wanted):
            continue
        t0 = time.time()
        # --quick: a statement with a listed reason (written by a service, not the handlers)
        # is not run; every other one is.
        skipped = quick and st["sid"] in REASONS
        failure = {} if skipped else run_without(st)
        ok, text = verdict(st, failure)
        if skipped:
            text = f"not run (--quick), kept: {REASONS[st['sid']]}"
        failed += not ok
        rows.append((st, ok, text))
        print(f"{'ok  ' if ok else 'FAIL'} {st['account']}:{st['role']} {st['sid']}: {text} ({time.time() - t0:.1f} s)", flush=True)
    print(f"minus-one: {len(rows)} statements, {failed} not justified, {time.time() - start:.0f} s")
    if markdown:
        print("\n| role | statement | without it |\n|---|---|---|")
        for st, ok, text in rows:
            print(f"| {st['role']} ({st['account']}) | {st['sid']} | {text}{'' if ok else ' **(not justified)**'} |")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))

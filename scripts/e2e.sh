#!/usr/bin/env bash
# End-to-end tests: the generated state machine run by aws-local-stepfunctions, its tasks
# being the real Lambda binaries, against moto (see tests/README.md).
#
#   scripts/e2e.sh                          the harness's own checks, then every scenario
#   scripts/e2e.sh [--definition F] S.json  one (or more) scenario files, anywhere on disk
#
# Builds nothing: run scripts/setup.sh first (it builds the binaries with `cargo test`,
# into $CARGO_TARGET_DIR/debug or target/debug; the runner looks in the same place).
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
source "$root/scripts/common.sh" # target_dir, function_binaries
node="$root/node_modules/.bin/node"
python="$root/.venv/bin/python"

missing=()
for bin in "${function_binaries[@]}"; do
  [ -x "$target_dir/debug/$bin" ] || missing+=("$bin")
done
if [ ! -x "$node" ] || [ ! -x "$python" ] || [ ${#missing[@]} -gt 0 ]; then
  echo "e2e: not set up (missing: ${missing[*]:+${missing[*]} in $target_dir/debug} $([ -x "$node" ] || echo node_modules/.bin/node) $([ -x "$python" ] || echo .venv)). Run scripts/setup.sh first." >&2
  exit 1
fi
# A binary older than the sources is a stale build: say so (the run goes on with it).
newest_bin="$target_dir/debug/${function_binaries[0]}"
stale=$(find "$root/lambdas/src" "$root/contract/src" "$root/state-machine/src" -name '*.rs' -newer "$newest_bin" -print -quit 2>/dev/null || true)
if [ -n "$stale" ]; then
  echo "e2e: warning: $stale is newer than $newest_bin; run scripts/setup.sh to rebuild" >&2
fi

start=$(date +%s)
set +e
status=0
if [ $# -gt 0 ]; then
  # Relative scenario paths are taken from the caller's directory.
  "$node" "$root/tests/e2e/run.mjs" "$@" || status=$?
else
  cd "$root"
  # The pipeline on what Terraform applied (tests/e2e/applied.test.mjs: apply of
  # the cross-account example into its own moto per pipeline config, scenarios, destroy).
  # Started first, in the background: its applies mostly wait on the AWS provider's pollers,
  # so they overlap the stages below; its report comes last. Without terraform or the
  # provider mirror it says so on one line and its tests count as skipped.
  applied_log=$(mktemp)
  "$node" --test --test-reporter=tap --test-concurrency=1 tests/e2e/applied.test.mjs >"$applied_log" 2>&1 &
  applied_pid=$!
  echo "== harness checks (python: moto patches and control API)"
  PYTHONDONTWRITEBYTECODE=1 "$python" -m unittest discover -s tests/harness 2>&1 | tail -n 3
  [ "${PIPESTATUS[0]}" -eq 0 ] || status=1
  echo "== harness checks (node) and scenarios"
  "$node" --test --test-reporter=tap --test-concurrency=1 \
    tests/e2e/harness.test.mjs tests/e2e/e2e.test.mjs || status=1
  # The same pipeline with moto enforcing the Terraform's own roles and policies
  # (tests/harness/iam_enforce.py), over scenarios that make every function call what it
  # calls: success path with the crawler, cluster snapshots, failure notification,
  # catalog-tables, copy delivery, export events (docs/security.md).
  echo "== enforced IAM (E2E_ENFORCE_IAM=1)"
  enforced=(tests/e2e/scenarios/{01-automated-instance-snapshot,02-aurora-cluster-snapshot,07-export-failed,21-catalog-tables-two-exports,31-copy-delivery-duplicate-event,40-export-event-on-time,48-export-event-lost-swept}.json)
  enforced_log=$(mktemp)
  E2E_ENFORCE_IAM=1 "$node" tests/e2e/run.mjs "${enforced[@]}" >"$enforced_log" 2>&1 || status=1
  grep -v '" 200 -$' "$enforced_log" | head -n 200
  echo "# pass $(grep -c ': ok in ' "$enforced_log")"
  echo "# fail $(grep -c ': FAILED in ' "$enforced_log")"
  rm -f "$enforced_log"
  echo "== applied stack (terraform apply into moto, scenarios on it, destroy)"
  wait "$applied_pid" || status=1
  grep -v '" 200 -$' "$applied_log" | grep -v '^# Subtest'
  rm -f "$applied_log"
fi
echo "e2e wall time: $(( $(date +%s) - start )) s"
exit $status

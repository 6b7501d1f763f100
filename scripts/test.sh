#!/usr/bin/env bash
# Runs every test of the project on a fresh machine: the README's test command and CI's.
#
# Installs what is missing (scripts/setup.sh: Python venv with moto and the infra linters,
# Node 22 and the npm packages, one `cargo test` build), then runs, in order: rustfmt and
# clippy, the Rust tests of every crate (unit, aws-smithy-mocks, moto integration),
# asl-validator over every rendered variant of the definition, the Terraform checks (with
# the infra contract tests, Python), and the end-to-end scenarios. Every step runs even when
# an earlier one failed, so one run shows everything that is wrong; the exit code is
# non-zero if any step failed.
set -uo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)
log_dir="$root/target/test-logs"
mkdir -p "$log_dir"

start=$(date +%s)
bash scripts/setup.sh || { echo "setup failed: see the lines above"; exit 1; }

failed_steps=()
step() { # step NAME COMMAND...: runs one step, keeps its output in target/test-logs/NAME.log
  local name=$1; shift
  local t0=$(date +%s)
  echo "==> $name"
  if "$@" 2>&1 | tee "$log_dir/$name.log"; then
    echo "<== $name ok ($(( $(date +%s) - t0 )) s)"
  else
    echo "<== $name FAILED ($(( $(date +%s) - t0 )) s)"
    failed_steps+=("$name")
  fi
}

step fmt cargo fmt --all -- --check
step clippy cargo clippy --workspace --all-targets --quiet -- -D warnings
step cargo-test cargo test --workspace
step asl-validator bash scripts/validate-asl.sh
step infra bash scripts/check-infra.sh
step e2e bash scripts/e2e.sh

# One closing line over every test runner: cargo's "test result:" lines, node:test's
# "# pass N" / "# fail N" summary, and Python unittest's "Ran N tests" followed by "OK" or
# "FAILED (failures=F, errors=E)" (the infra contract tests, indented by check-infra.sh,
# and the harness checks of e2e.sh); skipped tests (node:test's "# skipped N", unittest's
# "skipped=K") are counted apart, so a stage that could not run is never a silent pass.
read -r passed failed skipped < <(
  cat "$log_dir/cargo-test.log" "$log_dir/infra.log" "$log_dir/e2e.log" 2>/dev/null | awk '
    /^test result:/ { for (i = 1; i <= NF; i++) { if ($(i+1) ~ /^passed/) p += $i; if ($(i+1) ~ /^failed/) f += $i } }
    /^# pass / { p += $3 } /^# fail / { f += $3 } /^# skipped / { s += $3 }
    { line = $0; sub(/^[ \t]+/, "", line) }
    line ~ /^Ran [0-9]+ tests? in / { split(line, w, " "); ran = w[2]; pending = 1; next }
    pending && line ~ /^(OK|FAILED)/ {
      bad = 0; skipped = 0
      if (match(line, /failures=[0-9]+/)) bad += substr(line, RSTART + 9, RLENGTH - 9)
      if (match(line, /errors=[0-9]+/)) bad += substr(line, RSTART + 7, RLENGTH - 7)
      if (match(line, /skipped=[0-9]+/)) skipped = substr(line, RSTART + 8, RLENGTH - 8)
      p += ran - bad - skipped; f += bad; s += skipped; pending = 0
    }
    END { print p + 0, f + 0, s + 0 }')
echo
echo "wall time: $(( $(date +%s) - start )) s"
if [ ${#failed_steps[@]} -gt 0 ]; then
  echo "failed steps: ${failed_steps[*]} (logs in target/test-logs/)"
fi
echo "tests: $passed passed, $failed failed, $skipped skipped"
[ ${#failed_steps[@]} -eq 0 ]

#!/usr/bin/env bash
# Offline checks of the Terraform in infra/: formatting, checkov, and the Python checks
# (infra/checks/test_*.py) in one unittest run: the real Terraform (test_terraform.py:
# init from the provider mirror, validate of every root, the modules' `terraform test`
# files, the example planned in every shipped mode against a local moto, parliament over
# every IAM policy of every mode's plan) and the contract tests (the analytics module
# against functions.json, the state machine definition and the packaging manifest).
# Prints one line per check and exits non-zero if any failed; the unittest summary
# ("Ran N tests", "OK", "OK (skipped=K)" or "FAILED (...)") is printed either way
# (scripts/test.sh counts it). Needs the Python venv of scripts/setup.sh (checkov,
# parliament, python-hcl2, moto). Without terraform or a provider mirror (the folder above
# registry.terraform.io; TF_PLUGIN_MIRROR, else /opt/tf-plugins...), one line says so and
# the Terraform checks are counted as skipped, never as passed.
set -uo pipefail
cd "$(dirname "$0")/.."

venv=.venv/bin
out=target/infra-checks
mkdir -p "$out"
failed=()

report() { # report NAME STATUS SECONDS [DETAIL]
  printf 'infra: %-12s %-7s %3ss%s\n' "$1" "$2" "$3" "${4:+  $4}"
}

run_check() { # run_check NAME LOG COMMAND...
  local name=$1 log=$2; shift 2
  local t0=$SECONDS
  if "$@" >"$log" 2>&1; then
    report "$name" ok $((SECONDS - t0))
  else
    report "$name" FAILED $((SECONDS - t0)) "(output below, also in $log)"
    sed 's/^/    /' "$log"
    failed+=("$name")
    return 1
  fi
}

# --- terraform ------------------------------------------------------------------------
tf_missing=""
if [ -x "$venv/python" ]; then
  tf_missing=$("$venv/python" -c 'import sys; sys.path.insert(0, "infra/checks"); import tfplan; print(tfplan.available() or "")')
fi
if command -v terraform >/dev/null 2>&1; then
  # An absent CLI configuration file only makes terraform warn; give it an empty one.
  TF_CLI_CONFIG_FILE=/dev/null run_check fmt "$out/fmt.log" terraform fmt -check -recursive -diff infra
fi
if [ -n "$tf_missing" ]; then
  # Not a failure here: terraform and the provider come from no package registry the repo
  # installs from. The unittest run below counts every Terraform check as skipped.
  report terraform SKIPPED 0 "$tf_missing: init, validate, plan and the policy lint were NOT run (counted as skipped)"
fi

# --- checkov ----------------------------------------------------------------------------
if [ -x "$venv/checkov" ]; then
  run_check checkov "$out/checkov.log" env BC_SKIP_MAPPING=TRUE "$venv/checkov" -d infra \
    --framework terraform --skip-download --compact --quiet
  summary=$(grep -m1 -E '^Passed checks' "$out/checkov.log" || true)
  [ -n "$summary" ] && echo "    checkov: $summary"
else
  report checkov "NOT RUN" 0 "$venv/checkov is missing: run scripts/setup.sh"
  failed+=(checkov)
fi

# --- terraform, parliament and contract tests (one unittest run) ------------------------
if [ -x "$venv/python" ]; then
  rm -f "$out/parliament.log"
  # On failure run_check prints the whole log, summary included; on success only the
  # parliament lines and the summary.
  if run_check tests "$out/tests.log" env PYTHONDONTWRITEBYTECODE=1 "$venv/python" -m unittest discover -s infra/checks -t infra/checks; then
    [ -f "$out/parliament.log" ] && sed 's/^/    /' "$out/parliament.log" | grep -v '^    $'
    sed -n '/^Ran [0-9]* tests\? in/,$p' "$out/tests.log" | grep -v '^$' | sed 's/^/    /'
  fi
else
  report tests "NOT RUN" 0 "$venv/python is missing: run scripts/setup.sh"
  failed+=(tests)
fi

if [ ${#failed[@]} -gt 0 ]; then
  echo "infra: FAILED: ${failed[*]}"
  exit 1
fi
echo "infra: all checks passed"

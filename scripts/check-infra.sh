#!/usr/bin/env bash
# Offline checks of the Terraform in infra/: formatting, checkov, parliament over every
# IAM policy document the modules build, and the contract tests (infra/checks/test_*.py:
# the analytics module against functions.json, the state machine definition and the
# packaging manifest). Prints one line per check and exits non-zero if any failed; the
# contract tests' unittest summary ("Ran N tests", "OK" or "FAILED (...)") is printed
# either way (scripts/test.sh counts it). Needs the Python venv of scripts/setup.sh
# (checkov, parliament, python-hcl2); terraform is optional: without it the fmt check is
# reported as skipped, plainly, and the others run.
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

# --- terraform fmt ---------------------------------------------------------------------
if command -v terraform >/dev/null 2>&1; then
  # An absent CLI configuration file only makes terraform warn; give it an empty one.
  export TF_CLI_CONFIG_FILE=/dev/null
  run_check fmt "$out/fmt.log" terraform fmt -check -recursive -diff infra
else
  # Not a failure: terraform comes from no package registry, so no script of the repo can
  # install it; checkov and parliament below still parse every file.
  report fmt SKIPPED 0 "terraform is NOT installed on this machine, formatting was NOT checked (install terraform >= 1.5 to check it)"
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

# --- parliament -------------------------------------------------------------------------
if [ -x "$venv/parliament" ]; then
  rm -rf "$out/policies"
  run_check parliament "$out/parliament.log" "$venv/python" infra/checks/lint_policies.py infra/modules "$out/policies"
  sed 's/^/    /' "$out/parliament.log" | grep -E 'parliament |rendered' || true
else
  report parliament "NOT RUN" 0 "$venv/parliament is missing: run scripts/setup.sh"
  failed+=(parliament)
fi

# --- contract tests ---------------------------------------------------------------------
# module_eval.py evaluates the HCL (the same evaluator render_policies.py uses).
if [ -x "$venv/python" ]; then
  # On failure run_check prints the whole log, summary included; on success only the summary.
  if run_check contract "$out/contract.log" env PYTHONDONTWRITEBYTECODE=1 "$venv/python" -m unittest discover -s infra/checks -t infra/checks; then
    sed -n '/^Ran [0-9]* tests\? in/,$p' "$out/contract.log" | grep -v '^$' | sed 's/^/    /'
  fi
else
  report contract "NOT RUN" 0 "$venv/python is missing: run scripts/setup.sh"
  failed+=(contract)
fi

if [ ${#failed[@]} -gt 0 ]; then
  echo "infra: FAILED: ${failed[*]}"
  exit 1
fi
echo "infra: all checks passed"

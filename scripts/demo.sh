#!/usr/bin/env bash
# The demo: sets up (once; later runs are fast), then runs the whole pipeline locally: a
# two-account AWS emulator (moto), an automated-snapshot event, the generated state machine
# run by aws-local-stepfunctions with the real Lambda binaries, progress lines and a summary.
#
#   scripts/demo.sh [--history] [--definition FILE]
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
echo
exec node_modules/.bin/node tests/e2e/demo.mjs "$@"

#!/usr/bin/env bash
# Renders the pipeline definition for the default config and every
# state-machine/configs/*.toml variant into a temp dir, and runs asl-validator on each.
# Prints one line per variant; exits non-zero if any variant fails to render or validate.
# Needs `npm ci` (asl-validator and Node 22 from package.json) to have run.
set -uo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)
export PATH="$root/node_modules/.bin:$PATH"
validator="$root/node_modules/.bin/asl-validator"
if [ ! -x "$validator" ]; then
  echo "validate-asl: $validator is missing: run 'npm ci' first" >&2
  exit 1
fi

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

# The CLI from the `cargo test` build of scripts/setup.sh (building it here with other
# features would compile the SDK a second time).
target_dir=${CARGO_TARGET_DIR:-target}
case "$target_dir" in /*) ;; *) target_dir="$root/$target_dir" ;; esac
cli="$target_dir/debug/snapshot-export"
if [ ! -x "$cli" ]; then
  echo "validate-asl: $cli is missing: run scripts/setup.sh first" >&2
  exit 1
fi

failures=0
check() { # check NAME [CONFIG]
  local name=$1 config=${2:-} out="$tmp/$1.asl.json" log="$tmp/$1.log"
  local args=(render --out "$out")
  [ -n "$config" ] && args+=(--config "$config")
  if ! "$cli" "${args[@]}" >"$log" 2>&1; then
    echo "FAIL $name: render failed: $(tr '\n' ' ' <"$log")"
    failures=$((failures + 1))
    return
  fi
  if "$validator" --json-path "$out" >"$log" 2>&1; then
    echo "ok   $name"
  else
    echo "FAIL $name: $(tr '\n' ' ' <"$log")"
    failures=$((failures + 1))
  fi
}

check default
for config in state-machine/configs/*.toml; do
  check "$(basename "$config" .toml)" "$config"
done

if [ "$failures" -gt 0 ]; then
  echo "validate-asl: $failures variant(s) failed"
  exit 1
fi

#!/usr/bin/env bash
# Installs what the tests and the demo need, into the checkout; fast when already done.
#
# 1. Python venv `.venv` with requirements.txt (moto server, the infra linters); skipped when
#    requirements.txt has not changed since the last install.
# 2. Node 22 and the npm packages (`npm ci`: aws-local-stepfunctions, asl-validator, node@22)
#    when node_modules is missing or package-lock.json changed; then checks Node >= 22.
# 3. The Rust workspace in the same configuration as `cargo test` (`cargo test --workspace
#    --no-run`), so the tests and the demo share one build; checks that every Lambda
#    binary of functions.json is then in <target>/debug (<target>: $CARGO_TARGET_DIR or
#    target/).
# Needs on the machine: python3 (with venv), npm, cargo. Everything else comes from the
# package registries.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)
source scripts/common.sh # target_dir, function_binaries
stamps=.cache/setup
mkdir -p "$stamps"

say() { printf '[setup] %s\n' "$*"; }
hash_of() { sha256sum "$@" | sha256sum | cut -c1-16; }

# --- Python -----------------------------------------------------------------------------
py_hash=$(hash_of requirements.txt)
if [ -x .venv/bin/python ] && [ "$(cat "$stamps/python" 2>/dev/null)" = "$py_hash" ]; then
  say "python: .venv up to date with requirements.txt"
else
  if [ ! -x .venv/bin/python ]; then
    command -v python3 >/dev/null || { say "python3 is required (with the venv module)"; exit 1; }
    say "python: creating .venv"
    python3 -m venv .venv
  fi
  say "python: pip install -r requirements.txt"
  .venv/bin/python -m pip install --quiet --disable-pip-version-check -r requirements.txt
  echo "$py_hash" > "$stamps/python"
fi

# --- Node -------------------------------------------------------------------------------
node_hash=$(hash_of package.json package-lock.json)
if [ -x node_modules/.bin/node ] && [ "$(cat "$stamps/node" 2>/dev/null)" = "$node_hash" ]; then
  say "node: node_modules up to date with package-lock.json"
else
  command -v npm >/dev/null || { say "npm is required to install Node 22 and the npm packages"; exit 1; }
  say "node: npm ci"
  npm ci --no-audit --no-fund --loglevel=error
  echo "$node_hash" > "$stamps/node"
fi
node_version=$(node_modules/.bin/node --version)
node_major=${node_version#v}; node_major=${node_major%%.*}
if [ "$node_major" -lt 22 ]; then
  say "node_modules/.bin/node is $node_version; aws-local-stepfunctions needs Node >= 22"
  exit 1
fi
say "node: $node_version"

# --- Rust -------------------------------------------------------------------------------
command -v cargo >/dev/null || { say "cargo is required (https://rustup.rs)"; exit 1; }
say "rust: cargo test --workspace --no-run (the test build; the demo runs its binaries)"
t0=$(date +%s)
set +e
cargo test --workspace --no-run 2>&1 | grep -v '^ *Executable '
cargo_status=${PIPESTATUS[0]}
set -e
if [ "$cargo_status" -ne 0 ]; then
  say "rust: the build failed (see above)"
  exit 1
fi
say "rust: built in $(( $(date +%s) - t0 )) s"

missing=()
for bin in "${function_binaries[@]}"; do
  [ -x "$target_dir/debug/$bin" ] || missing+=("$bin")
done
if [ ${#missing[@]} -gt 0 ]; then
  say "missing Lambda binaries in $target_dir/debug: ${missing[*]}"
  exit 1
fi
say "ready: .venv, node_modules, $target_dir/debug/{$(IFS=,; echo "${function_binaries[*]}")}"

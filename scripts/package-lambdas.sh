#!/usr/bin/env bash
# Packages every Lambda function of functions.json as a `provided.al2023` zip with
# cargo-lambda, and writes next to the zips the manifest the analytics module deploys
# from (its input lambda_manifest_path): the architecture, each zip and its hash
# (scripts/lambda_manifest.py). Output, in cargo's target directory ($CARGO_TARGET_DIR
# or target/):
#
#   scripts/package-lambdas.sh            # x86-64 (default): <target>/lambda/{<binary>/bootstrap.zip,manifest.json}
#   scripts/package-lambdas.sh arm64      # arm64 (Graviton): <target>/lambda-arm64/...
#   scripts/package-lambdas.sh all        # both
#
# cargo-lambda and zig (its cross linker) come from PyPI into the repo's .venv, so a
# fresh CI machine needs only python3 and rustup. A release build of the AWS SDK crates
# takes about 25 minutes on 2 cores: run this in the packaging job, not in the test job.
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
source "$root/scripts/common.sh" # target_dir, functions_json
venv="$root/.venv"
arch="${1:-x86-64}"
cargo_lambda_version="1.9.2"

case "$arch" in
  x86-64 | arm64 | all) ;;
  *) echo "usage: $0 [x86-64|arm64|all]" >&2; exit 2 ;;
esac

if [ ! -x "$venv/bin/cargo-lambda" ]; then
  [ -x "$venv/bin/python" ] || python3 -m venv "$venv"
  "$venv/bin/pip" install --quiet "cargo-lambda==$cargo_lambda_version" ziglang
fi
export PATH="$venv/bin:$PATH"

# The workspace's release profile (no LTO, 16 codegen units) keeps the SDK build bounded;
# say it explicitly so cargo-lambda's own release defaults (LTO, 1 codegen unit) do not apply.
export CARGO_PROFILE_RELEASE_LTO=false
export CARGO_PROFILE_RELEASE_CODEGEN_UNITS=16
export CARGO_PROFILE_RELEASE_STRIP=symbols

# build FLAG DIR ARCHITECTURE: the zips, then the manifest (which checks every function of
# functions.json has its zip; ARCHITECTURE is Lambda's name for it).
build() {
  local flag="$1" dir="$2" architecture="$3"
  echo "==> cargo lambda build --release $flag -> $dir/<binary>/bootstrap.zip"
  (cd "$root" && cargo lambda build -p lambdas --release "$flag" --output-format zip --lambda-dir "$dir")
  python3 "$root/scripts/lambda_manifest.py" "$functions_json" "$architecture" "$dir"
}

if [ "$arch" = "x86-64" ] || [ "$arch" = "all" ]; then
  build --x86-64 "$target_dir/lambda" x86_64
fi
if [ "$arch" = "arm64" ] || [ "$arch" = "all" ]; then
  rustup target add aarch64-unknown-linux-gnu
  build --arm64 "$target_dir/lambda-arm64" arm64
fi

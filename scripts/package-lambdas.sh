#!/usr/bin/env bash
# Packages every Lambda function of the `lambdas` crate as a `provided.al2023` zip with
# cargo-lambda: target/lambda/<binary>/bootstrap.zip (x86-64) and, with `arm64`,
# target/lambda-arm64/<binary>/bootstrap.zip.
#
#   scripts/package-lambdas.sh            # x86-64 (default)
#   scripts/package-lambdas.sh arm64      # arm64 (Graviton)
#   scripts/package-lambdas.sh all        # both
#
# cargo-lambda and zig (its cross linker) come from PyPI into the repo's .venv, so a
# fresh CI machine needs only python3 and rustup. A release build of the AWS SDK crates
# takes about 25 minutes on 2 cores: run this in the packaging job, not in the test job.
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
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

build() {
  local flag="$1" dir="$2"
  echo "==> cargo lambda build --release $flag -> $dir/<binary>/bootstrap.zip"
  (cd "$root" && cargo lambda build -p lambdas --release "$flag" --output-format zip --lambda-dir "$dir")
}

if [ "$arch" = "x86-64" ] || [ "$arch" = "all" ]; then
  build --x86-64 "$root/target/lambda"
fi
if [ "$arch" = "arm64" ] || [ "$arch" = "all" ]; then
  rustup target add aarch64-unknown-linux-gnu
  build --arm64 "$root/target/lambda-arm64"
fi

# Every function of lambdas/src/functions.rs must have its zip.
missing=0
for bin in normalize start-export check-export rewrite-acl start-crawler check-crawler notify; do
  for dir in "$root/target/lambda" "$root/target/lambda-arm64"; do
    case "$dir:$arch" in
      */lambda:arm64 | */lambda-arm64:x86-64) continue ;;
    esac
    if [ ! -s "$dir/$bin/bootstrap.zip" ]; then
      echo "missing $dir/$bin/bootstrap.zip" >&2
      missing=1
    fi
  done
done
exit "$missing"

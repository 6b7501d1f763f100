"""Writes the manifest of packaged Lambda functions that the analytics module deploys.

scripts/package-lambdas.sh runs this after cargo-lambda has written
<OUT_DIR>/<binary>/bootstrap.zip for every function of functions.json. The manifest,
<OUT_DIR>/manifest.json, is the module's one source for what it deploys (its input
lambda_manifest_path): the architecture the zips were built for, and per binary the zip
(relative to the manifest) and its hash as Terraform's filebase64sha256 computes it
(base64 of the raw SHA-256), so the module needs no architecture input of its own that
could disagree with the build.

  {"architecture": "x86_64" | "arm64",
   "functions": {"<binary>": {"zip": "<binary>/bootstrap.zip", "sha256_base64": "..."}}}

A missing or empty zip is an error naming every one, and no manifest is left behind then
(a stale one would describe zips of another build).

Usage: lambda_manifest.py FUNCTIONS_JSON ARCHITECTURE OUT_DIR
Tested by infra/checks/test_lambda_manifest.py.
"""

import base64
import hashlib
import json
import sys
from pathlib import Path

ARCHITECTURES = ("x86_64", "arm64")
MANIFEST = "manifest.json"


class ManifestError(Exception):
    pass


def sha256_base64(path):
    return base64.b64encode(hashlib.sha256(Path(path).read_bytes()).digest()).decode("ascii")


def write_manifest(functions_json, architecture, out_dir):
    """Writes OUT_DIR/manifest.json for every binary of functions_json; returns its path."""
    if architecture not in ARCHITECTURES:
        raise ManifestError(f"architecture must be one of {', '.join(ARCHITECTURES)}, not {architecture!r}")
    out_dir = Path(out_dir)
    manifest_path = out_dir / MANIFEST
    manifest_path.unlink(missing_ok=True)
    binaries = list(json.loads(Path(functions_json).read_text())["functions"])
    if not binaries:
        raise ManifestError(f"{functions_json} lists no function")
    functions, missing = {}, []
    for binary in binaries:
        zip_path = out_dir / binary / "bootstrap.zip"
        if not zip_path.is_file() or zip_path.stat().st_size == 0:
            missing.append(str(zip_path))
            continue
        functions[binary] = {"zip": zip_path.relative_to(out_dir).as_posix(), "sha256_base64": sha256_base64(zip_path)}
    if missing:
        raise ManifestError("missing or empty: " + ", ".join(missing))
    manifest = {"architecture": architecture, "functions": functions}
    tmp = manifest_path.with_suffix(".tmp")
    tmp.write_text(json.dumps(manifest, indent=2) + "\n")
    tmp.replace(manifest_path)
    return manifest_path


def main(argv):
    if len(argv) != 4:
        print("usage: " + __doc__.split("Usage: ")[1].splitlines()[0], file=sys.stderr)
        return 2
    try:
        path = write_manifest(argv[1], argv[2], argv[3])
    except (ManifestError, OSError, KeyError, ValueError) as e:
        print(f"lambda_manifest: {e}", file=sys.stderr)
        return 1
    print(f"lambda_manifest: wrote {path}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))

"""scripts/lambda_manifest.py: the manifest the analytics module deploys the functions from.

Runs the writer over fake zips in a temporary directory (the real packaging is a
20-minute release build): the manifest names the architecture and every function of
functions.json, each zip relative to the manifest with its hash as Terraform's
filebase64sha256 computes it; a missing or empty zip is an error that leaves no manifest.
test_infra_contract.py checks the module's side (it reads architecture, zips and hashes
from such a manifest).

Run by scripts/check-infra.sh:
  .venv/bin/python -m unittest discover -s infra/checks -t infra/checks
"""

import base64
import hashlib
import io
import json
import sys
import tempfile
import unittest
from contextlib import redirect_stderr, redirect_stdout
from pathlib import Path

from module_eval import FUNCTIONS_JSON, REPO, function_table

sys.path.insert(0, str(REPO / "scripts"))
import lambda_manifest  # noqa: E402  (scripts/ is not a package)


class LambdaManifest(unittest.TestCase):
    def setUp(self):
        self.table = function_table()
        tmp = tempfile.TemporaryDirectory()
        self.addCleanup(tmp.cleanup)
        self.dir = Path(tmp.name)

    def zips(self, skip=(), empty=()):
        for binary in self.table:
            if binary in skip:
                continue
            path = self.dir / binary / "bootstrap.zip"
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_bytes(b"" if binary in empty else f"PK fake zip of {binary}".encode())

    def test_the_manifest_names_the_architecture_and_every_zip_with_its_hash(self):
        self.zips()
        for architecture in ("x86_64", "arm64"):
            with self.subTest(architecture=architecture):
                path = lambda_manifest.write_manifest(FUNCTIONS_JSON, architecture, self.dir)
                self.assertEqual(path, self.dir / "manifest.json")
                manifest = json.loads(path.read_text())
                self.assertEqual(set(manifest), {"architecture", "functions"})
                self.assertEqual(manifest["architecture"], architecture)
                self.assertEqual(list(manifest["functions"]), list(self.table))
                for binary, entry in manifest["functions"].items():
                    self.assertEqual(entry["zip"], f"{binary}/bootstrap.zip")
                    data = (path.parent / entry["zip"]).read_bytes()
                    self.assertEqual(entry["sha256_base64"], base64.b64encode(hashlib.sha256(data).digest()).decode())

    def test_a_missing_zip_is_an_error_and_leaves_no_manifest(self):
        self.zips()
        lambda_manifest.write_manifest(FUNCTIONS_JSON, "arm64", self.dir)  # a previous build's
        gone = list(self.table)[-1]
        (self.dir / gone / "bootstrap.zip").unlink()
        with self.assertRaisesRegex(lambda_manifest.ManifestError, f"{gone}/bootstrap\\.zip"):
            lambda_manifest.write_manifest(FUNCTIONS_JSON, "arm64", self.dir)
        self.assertFalse((self.dir / "manifest.json").exists(), "a stale manifest was left behind")

    def test_every_missing_or_empty_zip_is_named(self):
        missing, empty = list(self.table)[0], list(self.table)[-1]
        self.zips(skip={missing}, empty={empty})
        with self.assertRaises(lambda_manifest.ManifestError) as raised:
            lambda_manifest.write_manifest(FUNCTIONS_JSON, "x86_64", self.dir)
        self.assertIn(f"{missing}/bootstrap.zip", str(raised.exception))
        self.assertIn(f"{empty}/bootstrap.zip", str(raised.exception))

    def test_only_lambdas_architecture_names_are_accepted(self):
        self.zips()
        for wrong in ("x86-64", "aarch64", ""):
            with self.subTest(architecture=wrong), self.assertRaises(lambda_manifest.ManifestError):
                lambda_manifest.write_manifest(FUNCTIONS_JSON, wrong, self.dir)

    def test_the_command_line_exits_non_zero_on_a_missing_zip(self):
        gone = list(self.table)[0]
        self.zips(skip={gone})
        err = io.StringIO()
        with redirect_stderr(err):
            status = lambda_manifest.main(["lambda_manifest.py", str(FUNCTIONS_JSON), "x86_64", str(self.dir)])
        self.assertEqual(status, 1)
        self.assertIn(f"{gone}/bootstrap.zip", err.getvalue())
        self.zips()
        with redirect_stdout(io.StringIO()):
            self.assertEqual(lambda_manifest.main(["lambda_manifest.py", str(FUNCTIONS_JSON), "x86_64", str(self.dir)]), 0)


if __name__ == "__main__":
    unittest.main()

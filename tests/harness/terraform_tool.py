"""Which `terraform` and provider mirror the applied stack uses (applied.py), and whether this
machine has them. Kept free of heavy imports: the Node runner asks it before it starts
anything (tests/e2e/lib/applied.mjs), to skip the applied-stack tests on one line."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

# terraform itself comes from no registry here (/usr/local/bin on these machines).
TERRAFORM = os.environ.get("E2E_TERRAFORM") or "terraform"
# The folder above registry.terraform.io holding hashicorp/aws (no registry is reachable):
# `terraform init -plugin-dir` reads it.
PLUGIN_DIR = Path(os.environ.get("E2E_TF_PLUGIN_DIR") or "/opt/tf-plugins")


def unavailable() -> str | None:
    """Why the applied stack cannot be built on this machine (None: it can)."""
    if shutil.which(TERRAFORM) is None:
        return f"{TERRAFORM} is not on PATH (E2E_TERRAFORM)"
    if not (PLUGIN_DIR / "registry.terraform.io" / "hashicorp" / "aws").is_dir():
        return f"no hashicorp/aws provider in the mirror {PLUGIN_DIR} (E2E_TF_PLUGIN_DIR)"
    return None

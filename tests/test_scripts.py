"""Every script in scripts/ runs as README writes it (``python scripts/<name>.py``): ``--help`` prints its usage.

A script whose module defines ``main`` but never calls it (no ``__main__`` guard) exits 0 silently and
writes nothing; this catches that, and an import that fails when run from outside the tests.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SCRIPTS = sorted(path.name for path in (ROOT / "scripts").glob("*.py"))


@pytest.mark.parametrize("name", SCRIPTS)
def test_the_script_answers_help_with_its_usage(name, tmp_path):
    done = subprocess.run([sys.executable, f"scripts/{name}", "--help"], cwd=ROOT, capture_output=True, text=True,
                          timeout=120, env={**os.environ, "HF_HUB_OFFLINE": "1"})
    assert done.returncode == 0, done.stderr[-2000:]
    assert done.stdout.startswith("usage:"), f"{name} --help printed {done.stdout[:300]!r}"

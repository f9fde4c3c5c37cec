"""Shared fixtures: where the reference data lives, and the spam dataset loaded once per session."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import pytest

PROJECT_ROOT = Path(__file__).resolve().parents[1]
# The benchmark lives in scripts/ and fault injection in tests/reliability/: importable by the tests
# (``scripts.bench_scale``, ``reliability.faults``) however pytest is started.
for folder in (PROJECT_ROOT, PROJECT_ROOT / "tests"):
    if str(folder) not in sys.path:
        sys.path.insert(0, str(folder))


@pytest.fixture(scope="session")
def shared_data() -> Path:
    """``../shared/data`` beside the project root, or ``$LIGER_DATA_DIR``; skips the test when absent."""
    override = os.environ.get("LIGER_DATA_DIR")
    root = Path(override) if override else PROJECT_ROOT.parent / "shared" / "data"
    if not root.is_dir():
        pytest.skip(f"shared data folder {root} is absent (set LIGER_DATA_DIR to point elsewhere)")
    return root.resolve()


@pytest.fixture(scope="session")
def spam():
    """The packaged spam dataset; loading applies all LFs (~2 s), so do it once."""
    from liger.data.spam import load_spam

    return load_spam(progress=False)

"""Shared fixtures: where the data lives (the packaged copy, the reference folder), and spam loaded once per session."""

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

import liger.harness  # noqa: E402,F401  (registers the resolver conf/config.yaml's data_dir names, as every entry point does)


@pytest.fixture(scope="session")
def data_dir() -> Path:
    """The data folder runs read by default: the copy shipped in the package, or ``$LIGER_DATA_DIR`` when set."""
    from liger.data.files import packaged_data_root

    override = os.environ.get("LIGER_DATA_DIR")
    return Path(override).resolve() if override else packaged_data_root()


@pytest.fixture(scope="session")
def shared_data() -> Path:
    """The reference folder ``../shared/data`` beside the project root, for what the package does not ship
    (spouse, the paper's ada embeddings) and for checking the packaged copy; skips the test when absent."""
    root = PROJECT_ROOT.parent / "shared" / "data"
    if not root.is_dir():
        pytest.skip(f"reference data folder {root} is absent (it holds the data the package does not ship)")
    return root.resolve()


@pytest.fixture(scope="session")
def spam():
    """The packaged spam dataset; loading applies all LFs (~2 s), so do it once."""
    from liger.data.spam import load_spam

    return load_spam(progress=False)

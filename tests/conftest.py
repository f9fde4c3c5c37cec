"""Shared fixtures: where the data lives (the packaged copy, the reference folder), and spam loaded once per session."""

from __future__ import annotations

import os
import shutil
import sys
import tempfile
from pathlib import Path

import pytest

PROJECT_ROOT = Path(__file__).resolve().parents[1]
# The benchmark lives in scripts/ and fault injection in tests/reliability/: importable by the tests
# (``scripts.bench_scale``, ``reliability.faults``) however pytest is started.
for folder in (PROJECT_ROOT, PROJECT_ROOT / "tests"):
    if str(folder) not in sys.path:
        sys.path.insert(0, str(folder))

from hypothesis import settings  # noqa: E402

import liger.harness  # noqa: E402,F401  (registers the resolver conf/config.yaml's data_dir names, as every entry point does)


# Property tests draw the same examples on every run, so a red test run is a repeatable failure, not a new draw;
# HYPOTHESIS_PROFILE=explore draws fresh examples each run, to look for counterexamples.
settings.register_profile("repeatable", derandomize=True)
settings.register_profile("explore", derandomize=False)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "repeatable"))


def pytest_configure(config):
    # A run or study a test composes without naming its folders writes under output_root (conf/config.yaml):
    # a scratch folder, so the tests never add to the checkout's logs/ or replace a committed file in results/.
    if "LIGER_OUTPUT_ROOT" not in os.environ:
        config._liger_output_root = os.environ["LIGER_OUTPUT_ROOT"] = tempfile.mkdtemp(prefix="liger-test-outputs-")


def pytest_unconfigure(config):
    scratch = getattr(config, "_liger_output_root", None)
    if scratch:
        shutil.rmtree(scratch, ignore_errors=True)
        os.environ.pop("LIGER_OUTPUT_ROOT", None)


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

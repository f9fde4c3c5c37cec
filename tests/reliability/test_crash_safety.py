"""Issue 6, item 4, for real: subprocesses killed with SIGKILL, a cache file cut short between processes.

(a) a Hydra multirun killed mid-run and restarted with the same command finishes with every run
present exactly once, no corrupt metrics.json, and the runs finished before the kill untouched;
(b) a truncated embedding-cache file is detected and rebuilt by a fresh process; (c) a process killed
while ``write_json_atomic`` writes never leaves a partial file, where a plain write does (the control).
The injections and their checks (``problems()``) live in ``reliability.crash_faults``, shared with
``scripts/reliability_report.py``.
"""

from __future__ import annotations

import pytest

from reliability.crash_faults import SWEEP_METHODS, SWEEP_SEEDS, killed_sweep, killed_writes, truncated_cache_rebuilt

pytestmark = pytest.mark.slow


def test_killed_sweep_restarts_to_every_run_exactly_once(tmp_path):
    result = killed_sweep(tmp_path)
    assert result.problems() == []
    # Spelled out, what problems() checks:
    assert 0 < len(result.done_at_kill) < len(result.folders) and result.started_at_kill
    assert result.corrupt == [] and result.recomputed == []
    assert result.table_counts == {(method, seed): 1 for method in SWEEP_METHODS for seed in SWEEP_SEEDS}


def test_truncated_cache_file_is_rebuilt_by_a_fresh_process(tmp_path):
    r = truncated_cache_rebuilt(tmp_path)
    assert r.problems() == []
    assert r.size_truncated == r.size_before // 2 and r.size_after == r.size_before


def test_killed_atomic_writes_never_leave_a_partial_file(tmp_path):
    r = killed_writes(tmp_path, "atomic", rounds=3)
    assert r.problems("atomic") == []
    assert r.partial == [] and r.intact == r.mid_write == 3


def test_control_a_killed_plain_write_leaves_a_partial_file(tmp_path):
    # Without the temporary file and rename, the same kill leaves part of a file: the hazard is real.
    r = killed_writes(tmp_path, "plain", rounds=1)
    assert r.problems("plain") == []
    assert len(r.partial) == 1 and r.intact == 0

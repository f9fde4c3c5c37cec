"""``threads``: how many BLAS/OpenMP threads a run's fit may use."""

import pytest
from threadpoolctl import threadpool_info

import liger.harness.runner as runner
from test_config import composed


def _cfg(tmp_path, *overrides):
    return composed("embedding=tfidf", "method=majority_vote", "progress=false", f"cache_dir={tmp_path / 'cache'}",
                    *overrides)


def _pools():
    return [(pool["filepath"], pool["num_threads"]) for pool in threadpool_info()]


@pytest.mark.parametrize("threads", [1, 2])
def test_fit_runs_under_the_limit_and_the_limit_ends_with_it(tmp_path, monkeypatch, threads):
    seen = []
    fit = runner.fit_and_score

    def recording_fit(*args, **kwargs):
        seen.append(_pools())
        return fit(*args, **kwargs)

    monkeypatch.setattr(runner, "fit_and_score", recording_fit)
    cfg = _cfg(tmp_path, f"threads={threads}")
    before = _pools()
    runner.run(cfg, tmp_path / "run")
    assert len(seen) == 1 and seen[0], "no thread pool was visible during the fit"
    assert {count for _, count in seen[0]} == {threads}, seen[0]
    assert _pools() == before  # a multirun's later jobs share this process


def test_another_thread_count_is_another_run(tmp_path):
    runner.run(_cfg(tmp_path, "threads=1"), tmp_path / "run")
    assert runner.completed_run(tmp_path / "run", _cfg(tmp_path, "threads=1")) is not None
    assert runner.completed_run(tmp_path / "run", _cfg(tmp_path, "threads=2")) is None

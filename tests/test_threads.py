"""``threads``: how many BLAS/OpenMP threads a run's fit may use."""

import pytest
from threadpoolctl import threadpool_info

import liger.runner as runner
from test_config import composed


def _cfg(tmp_path, *overrides):
    return composed("embedding=tfidf", "method=majority_vote", "progress=false", f"cache_dir={tmp_path / 'cache'}",
                    *overrides)


@pytest.mark.parametrize("threads", [1, 2])
def test_fit_runs_under_the_limit(tmp_path, monkeypatch, threads):
    seen = []
    fit = runner.fit_and_score

    def recording_fit(*args, **kwargs):
        seen.append({pool["user_api"]: pool["num_threads"] for pool in threadpool_info()})
        return fit(*args, **kwargs)

    monkeypatch.setattr(runner, "fit_and_score", recording_fit)
    runner.run(_cfg(tmp_path, f"threads={threads}"), tmp_path / "run")
    assert seen == [{"blas": threads, "openmp": threads}]


def test_another_thread_count_is_another_run(tmp_path):
    runner.run(_cfg(tmp_path, "threads=1"), tmp_path / "run")
    assert runner.completed_run(tmp_path / "run", _cfg(tmp_path, "threads=1")) is not None
    assert runner.completed_run(tmp_path / "run", _cfg(tmp_path, "threads=2")) is None

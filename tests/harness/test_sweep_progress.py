"""The multirun progress bar counts the jobs the basic sweeper will make."""

from __future__ import annotations

import itertools

from omegaconf import OmegaConf

from liger.harness.callbacks import SweepProgress, sweep_size


def multirun_config(params: dict, task: list[str]):
    return OmegaConf.create({"hydra": {"sweeper": {"params": params}, "overrides": {"task": task}}})


def test_size_is_the_product_of_each_keys_values():
    params = {"dataset": "spam,weather,sms", "method": "a,b", "seed": "range(5)"}
    expected = len(list(itertools.product(["spam", "weather", "sms"], ["a", "b"], range(5))))
    assert sweep_size(multirun_config(params, ["experiment=paper_table"])) == expected


def test_command_line_sweeps_replace_the_configs():
    params = {"dataset": "spam,weather,sms", "method": "a,b", "seed": "range(5)"}
    assert sweep_size(multirun_config(params, ["dataset=spam", "method=a,b,c"])) == 1 * 3 * 5
    assert sweep_size(multirun_config({}, ["seed=0,1", "method=x"])) == 2


def test_bar_advances_once_per_job(capsys):
    progress = SweepProgress(desc="t")
    config = multirun_config({"seed": "range(3)"}, [])
    progress.on_multirun_start(config)
    for _ in range(3):
        progress.on_job_end(config, job_return=None)
    assert (progress.bar.n, progress.bar.total) == (3, 3)
    progress.on_multirun_end(config)


def test_a_pickled_callback_leaves_its_bar_behind():
    # The joblib launcher pickles the callbacks into its workers; a tqdm bar cannot travel.
    import pickle

    progress = SweepProgress(desc="t")
    progress.on_multirun_start(multirun_config({"seed": "range(2)"}, []))
    copy = pickle.loads(pickle.dumps(progress))
    assert copy.bar is None and copy.desc == "t"
    copy.on_job_end(None, job_return=None)  # a worker's job end: nothing to draw
    assert progress.bar is not None and progress.bar.n == 0
    progress.on_multirun_end(None)

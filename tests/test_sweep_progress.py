"""The multirun progress bar counts the jobs the basic sweeper will make."""

from __future__ import annotations

import itertools

from omegaconf import OmegaConf

from liger.callbacks import SweepProgress, sweep_size


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

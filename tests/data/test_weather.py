"""Weather: rows, crowd votes and gold labels checked against the raw CSVs; split; error paths."""

import csv
from pathlib import Path

import numpy as np
import pytest
from hydra import compose, initialize_config_dir
from omegaconf import OmegaConf

from liger.data.registry import load_dataset
from liger.data.weather import GOLD_FILE, JUDGMENTS_FILE, load_weather

CONF = Path(__file__).resolve().parents[2] / "conf"
SPLITS = ("train", "dev", "test")


def _raw(folder):
    """Gold rows by tweet id and each (tweet, worker)'s answer, read straight from the CSVs."""
    with open(folder / GOLD_FILE, encoding="utf-8", newline="") as handle:
        gold = {row["tweet_id"]: row for row in csv.DictReader(handle)}
    with open(folder / JUDGMENTS_FILE, encoding="utf-8", newline="") as handle:
        answers = {(row["tweet_id"], row["worker_id"]): row["emotion"] for row in csv.DictReader(handle)}
    return gold, answers


def _tweet_id(row_id):
    prefix, tweet_id = row_id.split(":")
    assert prefix == "weather"
    return tweet_id


# --- shared data ------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def folder(shared_data):
    return shared_data / "weather"


@pytest.fixture(scope="module")
def weather(folder):
    return load_weather(folder)


@pytest.fixture(scope="module")
def weather_all(folder):
    return load_weather(folder, crowd_answers="all")


@pytest.fixture(scope="module")
def raw(folder):
    return _raw(folder)


@pytest.mark.shared_data
def test_sizes_workers_and_classes(weather):
    assert {s: len(weather[s]) for s in SPLITS} == {"train": 187, "dev": 50, "test": 50}
    assert weather.n_lfs == 102 and weather.class_names == ("negative", "positive")
    assert weather.metric == "accuracy" and weather["train"].y is None
    worker_ids = [int(name.removeprefix("worker_")) for name in weather.lf_names]
    assert worker_ids == sorted(worker_ids)


@pytest.mark.shared_data
def test_rows_are_the_287_confident_positive_or_negative_tweets(weather, raw):
    gold, _ = raw
    expected = {t for t, row in gold.items() if row["sentiment"] in ("Positive", "Negative") and row["correct_category_conf"] == "1"}
    assert len(expected) == 287  # the count shared/data/README.md states
    ids = [_tweet_id(i) for s in SPLITS for i in weather[s].ids]
    assert len(ids) == len(set(ids)) and set(ids) == expected


@pytest.mark.shared_data
@pytest.mark.parametrize("split", ["dev", "test"])
def test_gold_labels_and_texts_match_the_gold_csv(weather, raw, split):
    gold, _ = raw
    tweet_ids = [_tweet_id(i) for i in weather[split].ids]
    expected = [{"Negative": 0, "Positive": 1}[gold[t]["sentiment"]] for t in tweet_ids]
    np.testing.assert_array_equal(weather[split].y, expected)
    assert weather[split].texts == tuple(gold[t]["tweet_body"] for t in tweet_ids)


@pytest.mark.shared_data
@pytest.mark.parametrize("split", SPLITS)
def test_every_vote_is_that_workers_answer(weather_all, raw, split):
    _, answers = raw
    mapping = {"Negative": 0, "Positive": 1}
    data = weather_all[split]
    for i, row_id in enumerate(data.ids):
        for j, name in enumerate(weather_all.lf_names):
            answer = answers.get((_tweet_id(row_id), name.removeprefix("worker_")))
            assert data.L[i, j] == mapping.get(answer, -1), (row_id, name, answer)


@pytest.mark.shared_data
def test_every_worker_judged_a_selected_tweet(weather_all, raw):
    _, answers = raw
    selected = {_tweet_id(i) for s in SPLITS for i in weather_all[s].ids}
    judged = {w for (t, w) in answers if t in selected}
    assert sorted(judged, key=int) == [name.removeprefix("worker_") for name in weather_all.lf_names]


@pytest.mark.shared_data
def test_tutorial_hides_answers_on_half_of_train_and_dev_and_all_of_test(weather, weather_all):
    for split in SPLITS:
        assert weather[split].ids == weather_all[split].ids
        full, kept = weather_all[split].L, weather[split].L
        hidden = (kept == -1).all(axis=1)
        np.testing.assert_array_equal(kept[~hidden], full[~hidden])
        n = len(weather[split])
        expected_hidden = n if split == "test" else n // 2
        # The tutorial hides the first half in split order; every selected tweet has a vote.
        assert (full != -1).any(axis=1).all()
        np.testing.assert_array_equal(np.flatnonzero(hidden), np.arange(expected_hidden))


@pytest.mark.shared_data
def test_split_is_deterministic_disjoint_and_seeded(folder, weather):
    again = load_weather(folder)
    for split in SPLITS:
        assert again[split].ids == weather[split].ids
        np.testing.assert_array_equal(again[split].L, weather[split].L)
    ids = [set(weather[s].ids) for s in SPLITS]
    assert not (ids[0] & ids[1] or ids[0] & ids[2] or ids[1] & ids[2])
    other = load_weather(folder, split_seed=7)
    assert set(other["dev"].ids) != set(weather["dev"].ids)
    bigger = load_weather(folder, n_dev=60, n_test=100)
    assert {s: len(bigger[s]) for s in SPLITS} == {"train": 127, "dev": 60, "test": 100}


@pytest.mark.shared_data
def test_loads_through_its_config(shared_data, weather):
    with initialize_config_dir(config_dir=str(CONF), version_base="1.3"):
        cfg = compose(config_name="config", overrides=["dataset=weather", f"data_dir={shared_data}"])
    data = load_dataset(OmegaConf.to_container(cfg.dataset, resolve=True), progress=False)
    assert data.name == "weather" and data.metric == "accuracy"
    for split in SPLITS:
        assert data[split].ids == weather[split].ids
        np.testing.assert_array_equal(data[split].L, weather[split].L)


# --- synthetic folders --------------------------------------------------------------------------

GOLD_HEADER = ["_unit_id_", "correct_category_conf", "sentiment", "tweet_id", "tweet_body"]
JUDGMENT_HEADER = ["_unit_id_", "worker_id", "emotion", "tweet_id", "tweet_body"]


def _write(path, header, rows):
    with open(path, "w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(header)
        writer.writerows(rows)


def _tiny(folder, *, judgments=None):
    folder.mkdir(parents=True, exist_ok=True)
    gold = [
        (1, "1", "Positive", "11", "sunny, \"great\""),
        (2, "1", "Negative", "12", "rain again"),
        (3, "0.9", "Positive", "13", "not confident"),  # excluded: confidence < 1
        (4, "1", "Neutral / author is just sharing information", "14", "neutral"),  # excluded
        (5, "1", "Negative", "15", "cold"),
        (6, "1.0", "Positive", "16", "warm"),
        (7, "1", "Positive", "17", "nice"),
    ]
    _write(folder / GOLD_FILE, GOLD_HEADER, gold)
    judgments = judgments or [
        (1, "9", "Positive", "11", "sunny, \"great\""),
        (2, "10", "Negative", "11", "sunny, \"great\""),
        (3, "10", "I can't tell", "12", "rain again"),
        (4, "9", "Negative", "12", "rain again"),
        (5, "77", "Positive", "13", "not confident"),  # only judged an excluded tweet: no LF
        (6, "9", "Tweet not related to weather condition", "15", "cold"),
        (7, "10", "Positive", "16", "warm"),
        (8, "9", "Positive", "17", "nice"),
    ]
    _write(folder / JUDGMENTS_FILE, JUDGMENT_HEADER, judgments)
    return folder


def test_synthetic_votes_labels_and_worker_order(tmp_path):
    data = load_weather(_tiny(tmp_path / "w"), n_dev=1, n_test=1, crowd_answers="all")
    assert data.lf_names == ("worker_9", "worker_10")  # numeric, not string, order
    rows = {i: (split, k) for split in SPLITS for k, i in enumerate(data[split].ids)}
    assert sorted(rows) == ["weather:11", "weather:12", "weather:15", "weather:16", "weather:17"]
    expected_votes = {"11": [1, 0], "12": [0, -1], "15": [-1, -1], "16": [-1, 1], "17": [1, -1]}
    expected_y = {"11": 1, "12": 0, "15": 0, "16": 1, "17": 1}
    expected_text = {"11": 'sunny, "great"', "12": "rain again", "15": "cold", "16": "warm", "17": "nice"}
    for row_id, (split, k) in rows.items():
        tweet = _tweet_id(row_id)
        np.testing.assert_array_equal(data[split].L[k], expected_votes[tweet])
        assert data[split].texts[k] == expected_text[tweet]
        if split != "train":
            assert data[split].y[k] == expected_y[tweet]
    assert data["train"].y is None and len(data["train"]) == 3


def test_synthetic_tutorial_mode_hides_test_and_half_of_train(tmp_path):
    folder = _tiny(tmp_path / "w")
    full = load_weather(folder, n_dev=1, n_test=1, crowd_answers="all")
    part = load_weather(folder, n_dev=1, n_test=1)
    assert (part["test"].L == -1).all() and (part["train"].L[:1] == -1).all()  # 3 // 2 = 1 hidden train row
    np.testing.assert_array_equal(part["train"].L[1:], full["train"].L[1:])
    np.testing.assert_array_equal(part["dev"].L, full["dev"].L)  # 1 // 2 = 0 hidden dev rows


def test_missing_folder_names_it(tmp_path):
    with pytest.raises(FileNotFoundError, match=str(tmp_path / "nowhere")):
        load_weather(tmp_path / "nowhere")


@pytest.mark.parametrize("file_name", [GOLD_FILE, JUDGMENTS_FILE])
def test_missing_file_names_it(tmp_path, file_name):
    folder = _tiny(tmp_path / "w")
    (folder / file_name).unlink()
    with pytest.raises(FileNotFoundError, match=str(folder / file_name)):
        load_weather(folder, n_dev=1, n_test=1)


def test_registry_without_data_dir_says_how_to_set_it():
    with pytest.raises(ValueError, match="data_dir"):
        load_dataset({"name": "weather", "loader": "weather", "path": "None/weather"})


def test_body_mismatch_between_files_raises(tmp_path):
    judgments = [(1, "9", "Positive", "11", "a different tweet"), (2, "9", "Negative", "12", "rain again"),
                 (3, "9", "Negative", "15", "cold"), (4, "9", "Positive", "16", "warm"), (5, "9", "Positive", "17", "nice")]
    with pytest.raises(ValueError, match="tweet 11 has a different body"):
        load_weather(_tiny(tmp_path / "w", judgments=judgments), n_dev=1, n_test=1)


def test_duplicate_judgment_raises(tmp_path):
    judgments = [(1, "9", "Positive", "11", 'sunny, "great"'), (2, "9", "Negative", "11", 'sunny, "great"'),
                 (3, "9", "Negative", "12", "rain again"), (4, "9", "Negative", "15", "cold"),
                 (5, "9", "Positive", "16", "warm"), (6, "9", "Positive", "17", "nice")]
    with pytest.raises(ValueError, match="worker 9 judged tweet 11 twice"):
        load_weather(_tiny(tmp_path / "w", judgments=judgments), n_dev=1, n_test=1)


def test_unjudged_tweet_raises(tmp_path):
    judgments = [(1, "9", "Positive", "11", 'sunny, "great"')]
    with pytest.raises(ValueError, match="no judgments for tweet"):
        load_weather(_tiny(tmp_path / "w", judgments=judgments), n_dev=1, n_test=1)


@pytest.mark.parametrize("kwargs, match", [
    ({"n_dev": 3, "n_test": 2}, "n_dev=3, n_test=2"),
    ({"n_dev": 0, "n_test": 1}, "n_dev=0"),
    ({"crowd_answers": "some"}, "crowd_answers is 'some'"),
])
def test_bad_parameters_raise(tmp_path, kwargs, match):
    with pytest.raises(ValueError, match=match):
        load_weather(_tiny(tmp_path / "w"), **{"n_dev": 1, "n_test": 1, **kwargs})

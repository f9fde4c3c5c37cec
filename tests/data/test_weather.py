"""Weather: the tutorial variant against a pandas rebuild of the tutorial and its notebook; the crowd-only
variant's rows, votes and labels against the raw CSVs; splits; error paths."""

import csv
from pathlib import Path

import numpy as np
import pytest
from hydra import compose, initialize_config_dir
from omegaconf import OmegaConf

from liger.data.registry import load_dataset
from liger.data.weather import GOLD_FILE, JUDGMENTS_FILE, load_weather, load_weather_crowd
from liger.data.files import locate, open_text, read_text

CONF = Path(__file__).resolve().parents[2] / "conf"
SPLITS = ("train", "dev", "test")


def _raw(folder):
    """Gold rows by tweet id and each (tweet, worker)'s answer, read straight from the CSVs."""
    with open_text(folder / GOLD_FILE, newline="") as handle:
        gold = {row["tweet_id"]: row for row in csv.DictReader(handle)}
    with open_text(folder / JUDGMENTS_FILE, newline="") as handle:
        answers = {(row["tweet_id"], row["worker_id"]): row["emotion"] for row in csv.DictReader(handle)}
    return gold, answers


def _tweet_id(row_id):
    prefix, tweet_id = row_id.split(":")
    assert prefix == "weather"
    return tweet_id


# --- shared data fixtures ------------------------------------------------------------------------


@pytest.fixture(scope="module")
def folder(data_dir):
    return data_dir / "weather"


@pytest.fixture(scope="module")
def weather(folder):
    return load_weather_crowd(folder)


@pytest.fixture(scope="module")
def weather_all(folder):
    return load_weather_crowd(folder, crowd_answers="all")


@pytest.fixture(scope="module")
def raw(folder):
    return _raw(folder)


# --- the tutorial's task (dataset=weather), shared data ---------------------------------------------

# Printed by the tutorial's rendered notebook (crowdsourcing_tutorial.ipynb, `df_dev.head()`): the
# first five dev tweets and their labels. Any other row order of the gold file gives other tweets.
NOTEBOOK_DEV_HEAD = {"79197834": 1, "80059939": 0, "79196441": 1, "84047300": 1, "83255121": 0}
TEXTBLOB = ("textblob_polarity_positive", "textblob_polarity_negative", "textblob_polarity_negative_2")
REVISIONS = ("positive_negative", "one_per_worker")


@pytest.fixture(scope="module")
def tutorial(folder):
    return {revision: load_weather(folder, worker_lfs=revision, progress=False) for revision in REVISIONS}


def _pandas_tutorial(folder, revision):
    """The tutorial's data.py and LFs re-done in pandas on our CSVs: ({split: (ids, L)}, LF names)."""
    pd = pytest.importorskip("pandas")
    from textblob import TextBlob

    gold = pd.read_csv(locate(folder / GOLD_FILE)).rename(
        columns={"correct_category_conf": "is_the_category_correct_for_this_tweet:confidence", "tweet_body": "tweet_text"}
    )
    gold = gold.sort_values("_unit_id_")  # the tutorial's copy of the file is in this order
    confident = gold["is_the_category_correct_for_this_tweet:confidence"] == 1
    labeled = gold[confident & gold.sentiment.isin(["Positive", "Negative"])].sample(frac=1, random_state=123)
    dev, test, train = labeled[:50], labeled[50:100], labeled[100:]
    crowd = pd.read_csv(locate(folder / JUDGMENTS_FILE))
    crowd = crowd[crowd.tweet_id.isin(labeled.tweet_id)]
    if revision == "one_per_worker":
        crowd = crowd[crowd.emotion.isin(["Positive", "Negative"])]
    hidden = set(dev.tweet_id[: len(dev) // 2]) | set(test.tweet_id) | set(train.tweet_id[: len(train) // 2])
    crowd = crowd[~crowd.tweet_id.isin(hidden)]
    per_worker = crowd.groupby("worker_id").size()
    workers = sorted(per_worker.index if revision == "one_per_worker" else per_worker[per_worker > 10].index)
    answer = dict(zip(zip(crowd.worker_id, crowd.tweet_id), crowd.emotion))

    def matrix(df):
        polarity = [TextBlob(text).sentiment.polarity for text in df.tweet_text]
        columns = [[1 if p > 0.3 else -1 for p in polarity], [0 if p < -0.25 else -1 for p in polarity],
                   [0 if p <= 0.3 else -1 for p in polarity]]
        if revision == "positive_negative":
            for wanted, label in (("Positive", 1), ("Negative", 0)):
                columns += [[label if answer.get((w, t)) == wanted else -1 for t in df.tweet_id] for w in workers]
        else:
            columns += [[{"Positive": 1, "Negative": 0}.get(answer.get((w, t)), -1) for t in df.tweet_id] for w in workers]
        return np.array(columns).T

    if revision == "positive_negative":
        names = [f"worker_{w}_{kind}" for kind in ("positive", "negative") for w in workers]
    else:
        names = [f"worker_{w}" for w in workers]
    splits = {name: ([f"weather:{t}" for t in df.tweet_id], matrix(df)) for name, df in
              (("train", train), ("dev", dev), ("test", test))}
    return splits, list(TEXTBLOB) + names


@pytest.mark.parametrize("revision", REVISIONS)
def test_tutorial_equals_a_pandas_rebuild_of_the_tutorial(folder, tutorial, revision):
    expected, names = _pandas_tutorial(folder, revision)
    data = tutorial[revision]
    assert list(data.lf_names) == names
    for split in SPLITS:
        ids, L = expected[split]
        assert list(data[split].ids) == ids
        mismatched = np.argwhere(data[split].L != L)
        assert mismatched.size == 0, f"{split}: (row, LF) differ at {mismatched[:5].tolist()}"


@pytest.mark.parametrize("revision", REVISIONS)
def test_tutorial_split_sizes_and_the_notebooks_first_dev_tweets(tutorial, revision):
    data = tutorial[revision]
    assert {s: len(data[s]) for s in SPLITS} == {"train": 187, "dev": 50, "test": 50}
    assert data.name == "weather" and data.metric == "accuracy" and data["train"].y is None
    head = {_tweet_id(i): int(y) for i, y in zip(data["dev"].ids[:5], data["dev"].y[:5])}
    assert head == NOTEBOOK_DEV_HEAD


def test_tutorial_reproduces_the_notebooks_lf_numbers(tutorial):
    """Numbers the two revisions' rendered notebooks print (LFAnalysis on their dev set)."""
    old, new = tutorial["positive_negative"], tutorial["one_per_worker"]
    assert old.n_lfs == 3 + 2 * 68 and new.n_lfs == 3 + 100  # "Number of workers: 68" / "100"
    for data in (old, new):
        # "Training set coverage: 0.5026..." and "Dev set coverage: 0.5" of the worker LFs alone.
        assert (data["train"].L[:, 3:] != -1).any(axis=1).sum() == 94
        assert (data["dev"].L[:, 3:] != -1).any(axis=1).sum() == 25

    def correct_incorrect(data, name):
        votes, y = data["dev"].L[:, data.lf_names.index(name)], data["dev"].y
        return int((votes[votes != -1] == y[votes != -1]).sum()), int((votes[votes != -1] != y[votes != -1]).sum())

    # The TextBlob LFs' dev summary (identical in both revisions): 15/0, 5/0, 26/9.
    for data in (old, new):
        assert [correct_incorrect(data, n) for n in TEXTBLOB] == [(15, 0), (5, 0), (26, 9)]
    assert [correct_incorrect(old, f"worker_{w}_positive") for w in (6340330, 6344001, 6346694, 6363996, 6371053)] == [
        (2, 0), (2, 0), (5, 1), (2, 0), (2, 1)]
    assert [correct_incorrect(new, f"worker_{w}") for w in (6332651, 6336109, 18804376, 16526185, 10197897, 19028457, 19007283)] == [
        (1, 2), (0, 0), (2, 0), (10, 0), (3, 0), (5, 9), (6, 2)]


@pytest.mark.parametrize("revision", REVISIONS)
def test_textblob_lfs_cover_every_tweet_of_every_split(tutorial, revision):
    data = tutorial[revision]
    assert data.lf_names[:3] == TEXTBLOB
    for split in SPLITS:
        assert (data[split].L[:, :3] != -1).any(axis=1).all(), split


@pytest.mark.parametrize("revision", REVISIONS)
def test_no_crowd_answer_where_the_tutorial_hides_it(tutorial, raw, revision):
    _, answers = raw
    data = tutorial[revision]
    workers = sorted({name.split("_")[1] for name in data.lf_names[3:]}, key=int)
    for split in SPLITS:
        n_hidden = len(data[split]) if split == "test" else len(data[split]) // 2
        votes = data[split].L[:, 3:]
        assert (votes[:n_hidden] == -1).all(), split
        # The hidden tweets were answered in the CSV: hiding removed real votes.
        hidden_tweets = [_tweet_id(i) for i in data[split].ids[:n_hidden]]
        assert any(answers.get((t, w)) in ("Positive", "Negative") for t in hidden_tweets for w in workers)
        # Visible tweets keep every answer.
        for i, row_id in enumerate(data[split].ids[n_hidden:], start=n_hidden):
            for j, name in enumerate(data.lf_names[3:]):
                worker, answer = name.split("_")[1], answers.get((_tweet_id(row_id), name.split("_")[1]))
                if revision == "one_per_worker":
                    expected = {"Positive": 1, "Negative": 0}.get(answer, -1)
                else:
                    expected = {"positive": 1 if answer == "Positive" else -1,
                                "negative": 0 if answer == "Negative" else -1}[name.split("_")[2]]
                assert votes[i, j] == expected, (split, row_id, name, worker, answer)


def test_both_variants_keep_the_same_tweets_texts_and_labels(tutorial, weather):
    def rows(data):
        return {i: (text, None if data[s].y is None else int(data[s].y[k]))
                for s in SPLITS for k, (i, text) in enumerate(zip(data[s].ids, data[s].texts))}

    ours, crowd = rows(tutorial["positive_negative"]), rows(weather)
    assert set(ours) == set(crowd) and len(ours) == 287
    assert all(ours[i][0] == crowd[i][0] for i in ours)
    assert all(ours[i][1] == crowd[i][1] for i in ours if None not in (ours[i][1], crowd[i][1]))
    # The splits differ (our file's order against _unit_id_ order): the crowd-only split is not the tutorial's.
    assert set(tutorial["positive_negative"]["test"].ids) != set(weather["test"].ids)


def test_tutorial_loads_through_its_config(data_dir, tutorial):
    with initialize_config_dir(config_dir=str(CONF), version_base="1.3"):
        cfg = compose(config_name="config", overrides=["dataset=weather", f"data_dir={data_dir}"])
    data = load_dataset(OmegaConf.to_container(cfg.dataset, resolve=True), progress=False)
    assert data.name == "weather" and data.lf_names == tutorial["positive_negative"].lf_names
    for split in SPLITS:
        assert data[split].ids == tutorial["positive_negative"][split].ids
        np.testing.assert_array_equal(data[split].L, tutorial["positive_negative"][split].L)


# --- crowd-only variant (dataset=weather_crowd), shared data -------------------------------------


def test_sizes_workers_and_classes(weather):
    assert {s: len(weather[s]) for s in SPLITS} == {"train": 187, "dev": 50, "test": 50}
    assert weather.n_lfs == 102 and weather.class_names == ("negative", "positive")
    assert weather.metric == "accuracy" and weather["train"].y is None
    worker_ids = [int(name.removeprefix("worker_")) for name in weather.lf_names]
    assert worker_ids == sorted(worker_ids)


def test_rows_are_the_287_confident_positive_or_negative_tweets(weather, raw):
    gold, _ = raw
    expected = {t for t, row in gold.items() if row["sentiment"] in ("Positive", "Negative") and row["correct_category_conf"] == "1"}
    assert len(expected) == 287  # the count shared/data/README.md states
    ids = [_tweet_id(i) for s in SPLITS for i in weather[s].ids]
    assert len(ids) == len(set(ids)) and set(ids) == expected


@pytest.mark.parametrize("split", ["dev", "test"])
def test_gold_labels_and_texts_match_the_gold_csv(weather, raw, split):
    gold, _ = raw
    tweet_ids = [_tweet_id(i) for i in weather[split].ids]
    expected = [{"Negative": 0, "Positive": 1}[gold[t]["sentiment"]] for t in tweet_ids]
    np.testing.assert_array_equal(weather[split].y, expected)
    assert weather[split].texts == tuple(gold[t]["tweet_body"] for t in tweet_ids)


@pytest.mark.parametrize("split", SPLITS)
def test_every_vote_is_that_workers_answer(weather_all, raw, split):
    _, answers = raw
    mapping = {"Negative": 0, "Positive": 1}
    data = weather_all[split]
    for i, row_id in enumerate(data.ids):
        for j, name in enumerate(weather_all.lf_names):
            answer = answers.get((_tweet_id(row_id), name.removeprefix("worker_")))
            assert data.L[i, j] == mapping.get(answer, -1), (row_id, name, answer)


def test_every_worker_judged_a_selected_tweet(weather_all, raw):
    _, answers = raw
    selected = {_tweet_id(i) for s in SPLITS for i in weather_all[s].ids}
    judged = {w for (t, w) in answers if t in selected}
    assert sorted(judged, key=int) == [name.removeprefix("worker_") for name in weather_all.lf_names]


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


def test_split_is_deterministic_disjoint_and_seeded(folder, weather):
    again = load_weather_crowd(folder)
    for split in SPLITS:
        assert again[split].ids == weather[split].ids
        np.testing.assert_array_equal(again[split].L, weather[split].L)
    ids = [set(weather[s].ids) for s in SPLITS]
    assert not (ids[0] & ids[1] or ids[0] & ids[2] or ids[1] & ids[2])
    other = load_weather_crowd(folder, split_seed=7)
    assert set(other["dev"].ids) != set(weather["dev"].ids)
    bigger = load_weather_crowd(folder, n_dev=60, n_test=100)
    assert {s: len(bigger[s]) for s in SPLITS} == {"train": 127, "dev": 60, "test": 100}


def test_loads_through_its_config(data_dir, weather):
    with initialize_config_dir(config_dir=str(CONF), version_base="1.3"):
        cfg = compose(config_name="config", overrides=["dataset=weather_crowd", f"data_dir={data_dir}"])
    data = load_dataset(OmegaConf.to_container(cfg.dataset, resolve=True), progress=False)
    assert data.name == "weather_crowd" and data.metric == "accuracy"
    for split in SPLITS:
        assert data[split].ids == weather[split].ids
        np.testing.assert_array_equal(data[split].L, weather[split].L)


def test_crowd_split_permutes_the_tweets_in_our_files_order(weather, raw):
    gold, _ = raw  # dict in file order
    selected = [t for t, row in gold.items() if row["sentiment"] in ("Positive", "Negative") and row["correct_category_conf"] == "1"]
    order = [selected[i] for i in np.random.RandomState(123).permutation(len(selected))]
    assert [_tweet_id(i) for i in weather["dev"].ids] == order[:50]
    assert [_tweet_id(i) for i in weather["test"].ids] == order[50:100]
    assert [_tweet_id(i) for i in weather["train"].ids] == order[100:]


def test_crowd_variant_says_what_it_is(weather):
    assert weather.name == "weather_crowd"
    assert "crowd-only (not the tutorial's LF set)" in weather.description


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
    data = load_weather_crowd(_tiny(tmp_path / "w"), n_dev=1, n_test=1, crowd_answers="all")
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
    full = load_weather_crowd(folder, n_dev=1, n_test=1, crowd_answers="all")
    part = load_weather_crowd(folder, n_dev=1, n_test=1)
    assert (part["test"].L == -1).all() and (part["train"].L[:1] == -1).all()  # 3 // 2 = 1 hidden train row
    np.testing.assert_array_equal(part["train"].L[1:], full["train"].L[1:])
    np.testing.assert_array_equal(part["dev"].L, full["dev"].L)  # 1 // 2 = 0 hidden dev rows


def test_missing_folder_names_it(tmp_path):
    with pytest.raises(FileNotFoundError, match=str(tmp_path / "nowhere")):
        load_weather_crowd(tmp_path / "nowhere")


@pytest.mark.parametrize("file_name", [GOLD_FILE, JUDGMENTS_FILE])
def test_missing_file_names_it(tmp_path, file_name):
    folder = _tiny(tmp_path / "w")
    (folder / file_name).unlink()
    with pytest.raises(FileNotFoundError, match=str(folder / file_name)):
        load_weather_crowd(folder, n_dev=1, n_test=1)


def test_registry_without_data_dir_says_how_to_set_it():
    with pytest.raises(ValueError, match="data_dir"):
        load_dataset({"name": "weather_crowd", "loader": "weather_crowd", "path": "None/weather"})


def test_body_mismatch_between_files_raises(tmp_path):
    judgments = [(1, "9", "Positive", "11", "a different tweet"), (2, "9", "Negative", "12", "rain again"),
                 (3, "9", "Negative", "15", "cold"), (4, "9", "Positive", "16", "warm"), (5, "9", "Positive", "17", "nice")]
    with pytest.raises(ValueError, match="tweet 11 has a different body"):
        load_weather_crowd(_tiny(tmp_path / "w", judgments=judgments), n_dev=1, n_test=1)


def test_duplicate_judgment_raises(tmp_path):
    judgments = [(1, "9", "Positive", "11", 'sunny, "great"'), (2, "9", "Negative", "11", 'sunny, "great"'),
                 (3, "9", "Negative", "12", "rain again"), (4, "9", "Negative", "15", "cold"),
                 (5, "9", "Positive", "16", "warm"), (6, "9", "Positive", "17", "nice")]
    with pytest.raises(ValueError, match="worker 9 judged tweet 11 twice"):
        load_weather_crowd(_tiny(tmp_path / "w", judgments=judgments), n_dev=1, n_test=1)


def test_unjudged_tweet_raises(tmp_path):
    judgments = [(1, "9", "Positive", "11", 'sunny, "great"')]
    with pytest.raises(ValueError, match="no judgments for tweet"):
        load_weather_crowd(_tiny(tmp_path / "w", judgments=judgments), n_dev=1, n_test=1)


@pytest.mark.parametrize("kwargs, match", [
    ({"n_dev": 3, "n_test": 2}, "n_dev=3, n_test=2"),
    ({"n_dev": 0, "n_test": 1}, "n_dev=0"),
    ({"crowd_answers": "some"}, "crowd_answers is 'some'"),
])
def test_bad_parameters_raise(tmp_path, kwargs, match):
    with pytest.raises(ValueError, match=match):
        load_weather_crowd(_tiny(tmp_path / "w"), **{"n_dev": 1, "n_test": 1, **kwargs})


# --- the tutorial's loader on synthetic folders ---------------------------------------------------


def _tiny_shuffled_units(folder):
    """The tiny folder with _unit_id_s out of file order, and answers from 12 workers on every tweet."""
    _tiny(folder)
    gold_rows = list(csv.reader(read_text(folder / GOLD_FILE).splitlines()))[1:]
    units = {"11": 50, "12": 10, "13": 30, "14": 20, "15": 40, "16": 5, "17": 60}
    _write(folder / GOLD_FILE, GOLD_HEADER, [[units[r[3]]] + r[1:] for r in gold_rows])
    tweets = {"11": 'sunny, "great"', "12": "rain again", "15": "cold", "16": "warm", "17": "nice"}
    judgments = [(0, str(w), "Positive" if (w + int(t)) % 2 else "Negative", t, body)
                 for w in range(1, 13) for t, body in tweets.items()]
    _write(folder / JUDGMENTS_FILE, JUDGMENT_HEADER, judgments)
    return folder


def test_synthetic_tutorial_split_follows_unit_id_order(tmp_path):
    data = load_weather(_tiny_shuffled_units(tmp_path / "w"), n_dev=1, n_test=1, worker_lfs="one_per_worker", progress=False)
    by_unit = ["16", "12", "15", "11", "17"]  # selected tweets sorted by _unit_id_ (5, 10, 40, 50, 60)
    order = [by_unit[i] for i in np.random.RandomState(123).permutation(5)]
    assert [_tweet_id(i) for s in ("dev", "test", "train") for i in data[s].ids] == order
    assert data.lf_names[3:] == tuple(f"worker_{w}" for w in range(1, 13))
    # Hidden: dev 1 // 2 = 0 rows, all of test, train 3 // 2 = 1 row.
    assert (data["test"].L[:, 3:] == -1).all() and (data["train"].L[:1, 3:] == -1).all()
    assert (data["train"].L[1:, 3:] != -1).all() and (data["dev"].L[:, 3:] != -1).all()


def test_synthetic_tutorial_counts_only_visible_answers(tmp_path):
    # Each worker answered all 5 tweets, 3 of them visible: nobody has more than 10 visible answers.
    data = load_weather(_tiny_shuffled_units(tmp_path / "w"), n_dev=1, n_test=1, progress=False)
    assert data.lf_names == ("textblob_polarity_positive", "textblob_polarity_negative", "textblob_polarity_negative_2")


@pytest.mark.parametrize("kwargs, match", [
    ({"worker_lfs": "both"}, "worker_lfs is 'both'"),
    ({"n_dev": 0}, "n_dev=0"),
])
def test_tutorial_bad_parameters_raise(tmp_path, kwargs, match):
    with pytest.raises(ValueError, match=match):
        load_weather(_tiny(tmp_path / "w"), **{"n_dev": 1, "n_test": 1, "progress": False, **kwargs})


def test_unknown_answer_raises(tmp_path):
    judgments = [(1, "9", "Positive", "11", 'sunny, "great"'), (2, "9", "Maybe", "12", "rain again"),
                 (3, "9", "Negative", "15", "cold"), (4, "9", "Positive", "16", "warm"), (5, "9", "Positive", "17", "nice")]
    folder = _tiny(tmp_path / "w", judgments=judgments)
    for load in (load_weather, load_weather_crowd):
        with pytest.raises(ValueError, match="worker 9 answered 'Maybe' on tweet 12"):
            load(folder, n_dev=1, n_test=1)


def test_non_integer_unit_id_raises(tmp_path):
    folder = _tiny(tmp_path / "w")
    text = read_text(folder / GOLD_FILE).replace("\n2,", "\nunit-2,", 1)
    (folder / GOLD_FILE).write_text(text, encoding="utf-8")
    with pytest.raises(ValueError, match="line 3: _unit_id_ is 'unit-2'"):
        load_weather(folder, n_dev=1, n_test=1, progress=False)

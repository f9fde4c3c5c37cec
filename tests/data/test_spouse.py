"""Spouse: the rebuilt split, label mapping against the raw files, person names, error paths."""

import json
from pathlib import Path

import numpy as np
import pytest
from hydra import compose, initialize_config_dir
from omegaconf import OmegaConf

from liger.data.registry import load_dataset
from liger.data.spouse import CANDIDATE_TEXTS, SpouseCandidate, embedding_text, load_spouse, person_names, read_candidates, spouse_split
from liger.lfs.apply import apply_lfs
from liger.data.spouse import load_known_spouses
from liger.lfs.spouse import spouse_lfs

CONF = Path(__file__).resolve().parents[2] / "conf"
SPLITS = ("train", "dev", "test")


def _raw_lines(path):
    return [json.loads(line) for line in open(path, encoding="utf-8")]


def _source(row_id):
    """(file name, 0-based line) of a row id ``spouse:<file>:<line>``."""
    prefix, file_name, line = row_id.split(":")
    assert prefix == "spouse"
    return file_name, int(line)


def _marked(record) -> str:
    """The raw record's tokens with "[" and "]" tokens inserted around each person's span."""
    (a, b), (c, d) = record["person1_word_idx"], record["person2_word_idx"]
    t = record["tokens"]
    return " ".join(t[:a] + ["["] + t[a : b + 1] + ["]"] + t[b + 1 : c] + ["["] + t[c : d + 1] + ["]"] + t[d + 1 :])


# --- shared data ------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def folder(shared_data):
    return shared_data / "spouse"


@pytest.fixture(scope="module")
def spouse(folder):
    return load_spouse(folder, progress=False)


@pytest.fixture(scope="module")
def raw(folder):
    return {name: _raw_lines(folder / name) for name in ("dev.jsonl", "test.jsonl")}


@pytest.mark.shared_data
def test_train_is_all_of_dev_jsonl_without_labels(spouse, raw):
    train = spouse["train"]
    assert len(train) == 2811 and train.y is None
    assert [_source(i) for i in train.ids] == [("dev.jsonl", k) for k in range(2811)]
    assert list(train.texts) == [_marked(r) for r in raw["dev.jsonl"]]


@pytest.mark.shared_data
def test_dev_and_test_partition_test_jsonl_by_sentence(spouse, raw):
    records = raw["test.jsonl"]
    dev_lines = [_source(i) for i in spouse["dev"].ids]
    test_lines = [_source(i) for i in spouse["test"].ids]
    assert {f for f, _ in dev_lines + test_lines} == {"test.jsonl"}
    dev_set, test_set = {k for _, k in dev_lines}, {k for _, k in test_lines}
    assert not dev_set & test_set and dev_set | test_set == set(range(2701))
    # File order kept within each split.
    assert [k for _, k in dev_lines] == sorted(dev_set) and [k for _, k in test_lines] == sorted(test_set)
    dev_sentences = {records[k]["sentence"] for k in dev_set}
    assert not dev_sentences & {records[k]["sentence"] for k in test_set}
    # At least n_dev = 500, overshooting by less than one sentence's candidates.
    largest_group = max(sum(r["sentence"] == s for r in records) for s in dev_sentences)
    assert 500 <= len(dev_set) < 500 + largest_group


@pytest.mark.shared_data
@pytest.mark.parametrize("split", ["dev", "test"])
def test_labels_texts_and_names_match_the_raw_file(spouse, raw, split):
    records = [raw["test.jsonl"][_source(i)[1]] for i in spouse[split].ids]
    # Source convention: 1 spouse, -1 not, 0 unknown (counted as not, as the tutorial does).
    expected = [{1: 1, -1: 0, 0: 0}[r["label"]] for r in records]
    np.testing.assert_array_equal(spouse[split].y, expected)
    assert {r["label"] for r in records} == {1, -1, 0}  # all three source labels occur and were mapped
    names = tuple(
        tuple(" ".join(r["tokens"][a : b + 1]) for a, b in (r["person1_word_idx"], r["person2_word_idx"])) for r in records
    )
    assert spouse.extra["person_names"][split] == names
    # The default text is the candidate's: the sentence's tokens with its two people bracketed.
    assert list(spouse[split].texts) == [_marked(r) for r in records]


@pytest.mark.shared_data
def test_lfs_and_metric(spouse, folder):
    assert spouse.n_lfs == 9 and spouse.metric == "f1" and spouse.class_names == ("not_spouse", "spouse")
    assert "REBUILT SPLIT (not the paper's)" in spouse.description
    lfs = spouse_lfs(load_known_spouses(folder / "dbpedia_known_spouses.json"))
    rows = spouse_split(folder)["dev"]
    np.testing.assert_array_equal(spouse["dev"].L, apply_lfs(lfs, rows, progress=False))


@pytest.mark.shared_data
def test_split_is_deterministic_and_seeded(folder, spouse):
    again = spouse_split(folder)
    assert [c.row_id for c in again["dev"]] == list(spouse["dev"].ids)
    other = spouse_split(folder, split_seed=1)
    assert {c.row_id for c in other["dev"]} != set(spouse["dev"].ids)
    assert {c.row_id for c in other["dev"]} | {c.row_id for c in other["test"]} == set(spouse["dev"].ids) | set(spouse["test"].ids)
    assert len(spouse_split(folder, n_dev=1000)["dev"]) >= 1000


@pytest.mark.shared_data
def test_loads_through_its_config(shared_data, spouse):
    with initialize_config_dir(config_dir=str(CONF), version_base="1.3"):
        cfg = compose(config_name="config", overrides=["dataset=spouse", f"data_dir={shared_data}"])
    data = load_dataset(OmegaConf.to_container(cfg.dataset, resolve=True), progress=False)
    assert data.name == "spouse" and data.metric == "f1"
    for split in SPLITS:
        assert data[split].ids == spouse[split].ids


# --- synthetic folders --------------------------------------------------------------------------


def _record(sentence_id, label, p1=(0, 0), p2=(2, 3)):
    tokens = [f"A{sentence_id}", "and", "Bo", f"B{sentence_id}", "."]
    return {"sentence": " ".join(tokens), "tokens": tokens, "person1_word_idx": list(p1),
            "person2_word_idx": list(p2), "label": label}


def _tiny(folder, *, train=None, labeled=None, known=None):
    folder.mkdir(parents=True, exist_ok=True)
    train = train or [_record(0, 1), _record(1, -1)]
    # Two candidates share sentence 5: they must land in the same split.
    labeled = labeled or [_record(5, 1), _record(5, 0, p1=(2, 2), p2=(3, 3)), _record(6, -1), _record(7, 1), _record(8, 0)]
    for name, records in (("dev.jsonl", train), ("test.jsonl", labeled)):
        (folder / name).write_text("".join(json.dumps(r) + "\n" for r in records), encoding="utf-8")
    (folder / "dbpedia_known_spouses.json").write_text(json.dumps(known or [["A7", "Bo B7"]]), encoding="utf-8")
    return folder


def test_synthetic_split_groups_sentences_and_maps_labels(tmp_path):
    folder = _tiny(tmp_path / "s")
    for seed in range(10):
        data = load_spouse(folder, split_seed=seed, n_dev=2, progress=False)
        lines = {split: [_source(i)[1] for i in data[split].ids] for split in ("dev", "test")}
        assert sorted(lines["dev"] + lines["test"]) == [0, 1, 2, 3, 4]
        assert (0 in lines["dev"]) == (1 in lines["dev"])  # same sentence, same split
        assert len(lines["dev"]) in (2, 3)
        y = {k: v for split in ("dev", "test") for k, v in zip(lines[split], data[split].y)}
        assert y == {0: 1, 1: 0, 2: 0, 3: 1, 4: 0}
    assert data["train"].y is None and data["train"].ids == ("spouse:dev.jsonl:0", "spouse:dev.jsonl:1")


def test_synthetic_distant_supervision_reads_the_known_pairs(tmp_path):
    data = load_spouse(_tiny(tmp_path / "s"), n_dev=2, progress=False)
    column = data.lf_names.index("lf_distant_supervision")
    for split in ("dev", "test"):
        for row_id, vote in zip(data[split].ids, data[split].L[:, column]):
            assert vote == (1 if row_id == "spouse:test.jsonl:3" else -1)


def test_person_names_joins_span_tokens(tmp_path):
    rows = read_candidates(_tiny(tmp_path / "s") / "test.jsonl")
    assert person_names(rows)[:2] == [("A5", "Bo B5"), ("Bo", "B5")]


def test_missing_folder_names_it(tmp_path):
    with pytest.raises(FileNotFoundError, match=str(tmp_path / "nowhere")):
        load_spouse(tmp_path / "nowhere")


@pytest.mark.parametrize("file_name", ["dev.jsonl", "test.jsonl", "dbpedia_known_spouses.json"])
def test_missing_file_names_it(tmp_path, file_name):
    folder = _tiny(tmp_path / "s")
    (folder / file_name).unlink()
    with pytest.raises(FileNotFoundError, match=str(folder / file_name)):
        load_spouse(folder, n_dev=2, progress=False)


def test_registry_without_data_dir_says_how_to_set_it():
    with pytest.raises(ValueError, match="data_dir"):
        load_dataset({"name": "spouse", "loader": "spouse", "path": None})


@pytest.mark.parametrize("bad, match", [
    ({"label": 2}, "label is 2; expected 1, -1 or 0"),
    ({"label": True}, "label is True"),
    ({"person2_word_idx": [2, 9]}, r"person2_word_idx is \[2, 9\]"),
    ({"person1_word_idx": [2, 2]}, "does not end before person 2"),
    ({"extra": 1}, "has fields"),
])
def test_bad_records_raise_naming_file_and_line(tmp_path, bad, match):
    labeled = [_record(5, 1), {**_record(6, 1), **bad}, _record(7, -1)]
    folder = _tiny(tmp_path / "s", labeled=labeled)
    with pytest.raises(ValueError, match=match) as error:
        load_spouse(folder, n_dev=1, progress=False)
    assert f"{folder / 'test.jsonl'}, line 2" in str(error.value)


@pytest.mark.parametrize("n_dev", [0, 5])
def test_n_dev_out_of_range_raises(tmp_path, n_dev):
    with pytest.raises(ValueError, match=f"n_dev is {n_dev}"):
        load_spouse(_tiny(tmp_path / "s"), n_dev=n_dev, progress=False)


# --- candidate texts ---------------------------------------------------------------------------


def _candidates_of_one_sentence():
    tokens = ("Ann", "Lee", "met", "Bob", "Ray", "and", "Cy", ".")
    sentence = "Ann Lee met Bob Ray and Cy."
    return (SpouseCandidate("a", sentence, tokens, (0, 1), (3, 4), 1), SpouseCandidate("b", sentence, tokens, (3, 4), (6, 6), 0))


def test_candidate_texts_tell_two_candidates_of_one_sentence_apart():
    first, second = _candidates_of_one_sentence()
    assert embedding_text(first, "question") == "Ann Lee met Bob Ray and Cy. Are Ann Lee and Bob Ray spouses?"
    assert embedding_text(first, "marked") == "[ Ann Lee ] met [ Bob Ray ] and Cy ."
    assert embedding_text(second, "marked") == "Ann Lee met [ Bob Ray ] and [ Cy ] ."
    assert embedding_text(first, "sentence") == embedding_text(second, "sentence") == first.sentence
    for form in ("question", "marked"):
        assert embedding_text(first, form) != embedding_text(second, form)
    with pytest.raises(ValueError, match="candidate_text is 'bare'; expected one of"):
        embedding_text(first, "bare")


def test_two_candidates_of_one_sentence_get_different_minilm_vectors():
    from liger.embed import make_embedder

    texts = [embedding_text(c) for c in _candidates_of_one_sentence()]
    vectors = make_embedder("minilm").embed(texts)
    assert vectors.shape == (2, 384) and not np.allclose(vectors[0], vectors[1], atol=1e-3)


@pytest.mark.shared_data
def test_every_candidate_text_loads_and_the_config_chooses_it(folder):
    with initialize_config_dir(config_dir=str(CONF), version_base="1.3"):
        cfg = compose("config", overrides=["dataset=spouse", f"data_dir={folder.parent}", "dataset.candidate_text=question"])
    params = OmegaConf.to_container(cfg.dataset, resolve=True)
    question = load_dataset(params, progress=False)
    assert question["dev"].texts[0].endswith(" spouses?") and "texts: question" in question.description
    assert set(CANDIDATE_TEXTS) == {"question", "marked", "sentence"}
    with pytest.raises(ValueError, match="candidate_text is 'x'"):
        load_dataset({**params, "candidate_text": "x"}, progress=False)


@pytest.mark.shared_data
def test_cross_validation_groups_are_the_sentences(spouse, folder):
    rows = spouse_split(folder)
    for split in SPLITS:
        assert spouse[split].groups == tuple(c.sentence for c in rows[split])
    assert len(set(spouse["dev"].groups)) < len(spouse["dev"])  # some sentences hold several candidates

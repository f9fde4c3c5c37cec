"""``narrowed``: which published tables a study's new CSVs would shrink (then ``publish`` leaves them alone)."""

from __future__ import annotations

from liger.studies.common import narrowed

PUBLISHED = "# liger-run experiment=x\ndataset,embedding,score\nspam,minilm,1\nspam,tfidf,2\nsms,minilm,3\n"


def test_a_table_that_drops_a_dataset_or_embedding_is_named_with_what_it_drops(tmp_path):
    (tmp_path / "x.csv").write_text(PUBLISHED)
    fewer = "# liger-run experiment=x\ndataset,embedding,score\nspam,minilm,9\n"
    assert narrowed({"x.csv": fewer, "x.md": "anything"}, tmp_path) == {"x.csv": ["sms/minilm", "spam/tfidf"]}


def test_a_table_that_keeps_every_pair_or_has_no_scope_columns_is_not(tmp_path):
    (tmp_path / "x.csv").write_text(PUBLISHED)
    (tmp_path / "y.csv").write_text("level,score\n0.1,1\n0.2,2\n")
    more = "dataset,embedding,score\nspam,minilm,0\nspam,tfidf,0\nsms,minilm,0\ntrec,minilm,0\n"
    assert narrowed({"x.csv": more, "y.csv": "level,score\n0.1,5\n", "new.csv": "dataset\nspam\n"}, tmp_path) == {}


def test_a_table_that_drops_a_scope_column_is_named(tmp_path):
    (tmp_path / "x.csv").write_text(PUBLISHED)
    assert narrowed({"x.csv": "dataset,score\nspam,1\nsms,2\n"}, tmp_path) == {"x.csv": ["column embedding"]}

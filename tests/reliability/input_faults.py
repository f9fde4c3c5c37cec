"""Bad inputs, one per item of the issue's list, each fed to the real function that receives it.

A bad input must be refused with an error naming the bad value (and where it is) and what was
expected; where a sensible fallback exists, the fallback must happen and be recorded.
"""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path
from typing import Callable

import numpy as np

from liger.analysis.lf_summary import lf_summary
from liger.data.dataset import Dataset, Split
from liger.embed import load_precomputed
from liger.embed.base import Embedder
from liger.method.extension import extend_votes
from reliability.faults import Fault, error_fault, expect_error, require
from liger.labels import ABSTAIN, from_paper
from liger.method.liger import Liger
from liger.metrics import coverage
from liger.label_models.dawid_skene import DawidSkene
from liger.label_models.majority import MajorityVote
from liger.label_models.triplet import TripletLabelModel

N, M, DIM = 40, 4, 8


def toy(seed: int = 0, *, n: int = N, m: int = M, accuracy: float = 0.8) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(L, E, y): a binary task, every LF voting on about 60% of rows, E float32 with class-shifted means."""
    rng = np.random.default_rng(seed)
    y = rng.integers(0, 2, n)
    votes = rng.random((n, m)) < 0.6
    correct = rng.random((n, m)) < accuracy
    L = np.where(votes, np.where(correct, y[:, None], 1 - y[:, None]), ABSTAIN).astype(np.int64)
    E = (rng.normal(size=(n, DIM)) + 1.5 * y[:, None]).astype(np.float32)
    return L, E, y


def toy_dataset(**split_changes: dict) -> Dataset:
    """A small valid Dataset; ``split_changes={"dev": {"y": ...}}`` replaces fields of one split."""
    L, _, y = toy()
    rows = {"train": slice(0, 24), "dev": slice(24, 32), "test": slice(32, 40)}
    splits = {}
    for name, part in rows.items():
        split = Split(name, L[part], ids=tuple(f"{name}:{i}" for i in range(len(L[part]))),
                      y=None if name == "train" else y[part])
        splits[name] = replace(split, **split_changes.get(name, {}))
    return Dataset("toy", splits, lf_names=tuple(f"lf{j}" for j in range(M)), class_names=("ham", "spam"), metric="accuracy")


def _with(array: np.ndarray, index: tuple, value) -> np.ndarray:
    changed = array.copy()
    changed[index] = value
    return changed


def _save_npy_splits(scratch: Path, dataset: Dataset, train: np.ndarray) -> dict[str, Path]:
    """Precomputed embedding files for ``dataset``: ``train`` as given, valid dev and test arrays."""
    rng = np.random.default_rng(1)
    paths = {}
    for name in ("train", "dev", "test"):
        array = train if name == "train" else rng.normal(size=(len(dataset[name]), DIM)).astype(np.float32)
        paths[name] = scratch / f"{name}.npy"
        np.save(paths[name], array, allow_pickle=False)
    return paths


def _precomputed_fault(item: str, name: str, train: np.ndarray, error: type[Exception], *, value: str, expected: str) -> Fault:
    """``load_precomputed`` given a bad train embedding file."""
    def inject(scratch: Path) -> str:
        dataset = toy_dataset()
        paths = _save_npy_splits(scratch, dataset, train)
        observed = expect_error(lambda: load_precomputed(paths, dataset), error, value=value, expected=expected)
        return observed.replace(str(scratch), "<scratch>")

    return Fault("input", item, name, "liger.embed.load_precomputed (embedding=precomputed)",
                 f"{error.__name__} naming `{value}` and `{expected}`", inject)


def _fallback(item: str, name: str, where: str, expected: str, check: Callable[[], str], gap: str | None = None) -> Fault:
    return Fault("input", item, name, where, expected, lambda scratch: check(), gap)


def _liger_mv(**params) -> Liger:
    return Liger(params.pop("n_partitions", 1), params.pop("thresholds", None), label_model="majority_vote", **params)


# -- fallbacks ---------------------------------------------------------------------------------------
def _silent_lf_ignored(model: Callable[[], object], exact: bool) -> Callable[[], str]:
    """An LF that never votes: the model's posteriors equal those of the fit without it."""
    def check() -> str:
        L, _, _ = toy()
        silent = _with(L, (slice(None), 2), ABSTAIN)
        with_it = model().fit(silent).predict_proba(silent)
        without = model().fit(np.delete(silent, 2, axis=1)).predict_proba(np.delete(silent, 2, axis=1))
        gap = float(np.abs(with_it - without).max())
        require(gap == 0.0 if exact else gap <= 1e-9, f"posteriors moved by {gap:.3g} when the silent LF was added")
        return f"ignored: posteriors equal the fit without it (max difference {gap:.1e})"

    return check


def _silent_lf_not_extended() -> str:
    L, E, _ = toy()
    silent = _with(L, (slice(None), 2), ABSTAIN)
    out = extend_votes(silent, E, silent, E, -1.0)
    require(bool((out[:, 2] == ABSTAIN).all()), f"column 2 gained {int((out[:, 2] != ABSTAIN).sum())} votes")
    return f"stays abstained (0 of {len(out)} rows extended; other LFs extended {int((out != silent).sum())} cells)"


def _silent_lf_recorded() -> str:
    L, _, y = toy()
    row = lf_summary(_with(L, (slice(None), 2), ABSTAIN), [f"lf{j}" for j in range(M)], y)[2]
    require(row["coverage"] == 0.0 and row["polarity"] == [] and row["accuracy"] is None, f"lf_summary row: {row}")
    return f"lf_summary records it: coverage {row['coverage']}, polarity {row['polarity']}, accuracy {row['accuracy']}"


def _abstain_rows_get_prior(fit: Callable[[np.ndarray], object], L: np.ndarray | None = None,
                            precondition: Callable[[object], bool] | None = None) -> Callable[[], str]:
    def check() -> str:
        L_fit = toy()[0] if L is None else L
        model = fit(L_fit)
        if precondition is not None and not precondition(model):
            raise RuntimeError("precondition failed: the fitted triplet tables are not the kind this case needs")
        proba = model.predict_proba(np.full((3, L_fit.shape[1]), ABSTAIN))
        gap = float(np.abs(proba - model.class_balance_).max())
        require(gap <= 1e-12, f"all-abstain rows get {np.round(proba[0], 4).tolist()}; "
                              f"prior {np.round(model.class_balance_, 4).tolist()}")
        return f"class prior {np.round(model.class_balance_, 4).tolist()} (max difference {gap:.1e})"

    return check


def _dawid_skene_abstain_rows() -> str:
    model = DawidSkene().fit(toy()[0])
    proba = model.predict_proba(np.full((3, M), ABSTAIN))
    weights = model.class_balance_ * model.confusions_[:, :, -1].prod(axis=0)
    gap = float(np.abs(proba - weights / weights.sum()).max())
    require(gap <= 1e-12, f"all-abstain rows get {np.round(proba[0], 4).tolist()}; "
                          f"prior x abstain rates {np.round(weights / weights.sum(), 4).tolist()}")
    return (f"prior {np.round(model.class_balance_, 4).tolist()} x abstain rates -> {np.round(proba[0], 4).tolist()} "
            f"(max difference {gap:.1e})")


def _consistent_tables(model: TripletLabelModel) -> bool:
    # The repair renormalises tables with negative cells; untouched tables keep P_i(y) = the prior.
    return bool(np.allclose(model.joint_.sum(axis=1), model.class_balance_, rtol=0, atol=1e-12))


def triplet_task(*, repaired: bool) -> np.ndarray:
    """A label matrix whose fitted triplet tables need FlyingSquid's repair (or do not)."""
    if not repaired:
        L, _, _ = toy(3, n=4000, m=5, accuracy=0.85)  # large, well-specified: consistent tables
        return L
    L, _, _ = toy(1, n=60, m=5, accuracy=0.7)
    return L


def _liger_abstain_rows() -> str:
    L, E, y = toy()
    model = _liger_mv().fit(L, E, L_dev=L, E_dev=E, y_dev=y)
    L_query = _with(L[:5], (slice(0, 2), slice(None)), ABSTAIN)
    proba = model.predict_proba(L_query, E[:5])
    prior = model.part_models_[0].class_balance_
    require(np.allclose(proba[:2], prior, rtol=0, atol=1e-12),
            f"all-abstain rows got {proba[:2].tolist()}; prior {prior.tolist()}")
    share = 1.0 - coverage(L_query)
    return (f"part's class prior {np.round(prior, 4).tolist()}; the run records coverage "
            f"{coverage(L_query):.2f}, so {share:.2f} of rows fell back (no fallbacks_ entry)")


def _part_without_dev() -> str:
    L, E, y = toy()
    E = E.copy()
    E[20:] += 50.0  # two far-apart groups: k-means puts rows 20.. in their own part
    dev = np.arange(20)  # dev points only in the first group
    model = _liger_mv(n_partitions=2, min_part_size=5).fit(L, E, L_dev=L[dev], E_dev=E[dev], y_dev=y[dev])
    lonely = int(model.partition_.assign(E[20:21])[0])
    message = f"part {lonely}: no dev points; class balance chosen on all of dev"
    require(message in model.fallbacks_, f"fallbacks_ is {model.fallbacks_}")
    own, shared = model.part_models_[lonely].class_balance_, model.global_model_.class_balance_
    require(np.array_equal(own, shared), f"part {lonely} balance {own.tolist()}; global {shared.tolist()}")
    return f"global dev balance {np.round(shared, 2).tolist()}; fallbacks_ records '{message}'"


def _small_part() -> str:
    L, E, y = toy()
    E = E.copy()
    E[36:] += 50.0  # a part of four train points
    model = _liger_mv(n_partitions=2, min_part_size=5).fit(L, E)
    small = int(model.partition_.assign(E[36:37])[0])
    message = f"part {small}: 4 train points < 5; global label model"
    require(model.fallbacks_ == [message] and model.part_models_[small] is model.global_model_,
            f"fallbacks_ is {model.fallbacks_}")
    return f"global label model; fallbacks_ records '{message}'"


# -- configs -----------------------------------------------------------------------------------------
def _config_fault(name: str, overrides: list[str], error: type[Exception], *, value: str, expected: str) -> Fault:
    def call() -> None:
        from hydra import compose, initialize_config_dir

        from experiments.run import CONFIG_DIR
        from liger.harness.config_check import validate_config

        with initialize_config_dir(config_dir=CONFIG_DIR, version_base="1.3"):
            cfg = compose(config_name="config", overrides=["embedding=tfidf", *overrides])
        validate_config(cfg)

    where = f"liger.harness.config_check.validate_config (command line: {' '.join(overrides)})"
    return error_fault("a config value of the wrong type", name, where, call, error, value=value, expected=expected)


def input_faults() -> list[Fault]:
    L, E, y = toy()
    f64 = L.astype(np.float64)
    faults = [
        # label values out of range
        error_fault("label values out of range", "L value 2 in a binary task", "MajorityVote.fit",
                    lambda: MajorityVote(2).fit(_with(L, (3, 1), 2)), ValueError,
                    value="value 2 at row 3, column 1", expected="expected -1 (abstain) or a class in 0..1"),
        error_fault("label values out of range", "L value -2", "DawidSkene.fit (K=3)",
                    lambda: DawidSkene(3).fit(_with(L, (5, 0), -2)), ValueError,
                    value="value -2 at row 5, column 0", expected="a class in 0..2"),
        error_fault("label values out of range", "gold label 5", "Liger.fit (y_dev)",
                    lambda: _liger_mv().fit(L, E, L_dev=L, E_dev=E, y_dev=_with(y, 7, 5)), ValueError,
                    value="y_dev has value 5 at row 7", expected="expected a class in 0..1"),
        error_fault("label values out of range", "paper-convention vote 2", "liger.labels.from_paper",
                    lambda: from_paper(_with(np.where(L == 0, -1, np.where(L == ABSTAIN, 0, 1)), (1, 0), 2)), ValueError,
                    value="value 2 at (1, 0)", expected="expected -1, 0 or +1"),
        error_fault("label values out of range", "loader L value 3", "Dataset (every loader's output)",
                    lambda: toy_dataset(dev={"L": _with(L[24:32], (0, 1), 3)}), ValueError,
                    value="split 'dev') has value 3 at row 0, column 1", expected="expected -1 (abstain) or a class in 0..1"),
        # L and embeddings with different row counts or misaligned ids
        error_fault("L and embeddings with different row counts or misaligned ids", "E with 30 rows for 40 rows of L",
                    "liger.method.extension.extend_votes", lambda: extend_votes(L, E[:30], L, E, 0.5), ValueError,
                    value="E_query has 30 rows", expected="expected 40"),
        _precomputed_fault("L and embeddings with different row counts or misaligned ids", "train file with 20 rows for 24",
                           E[:20], ValueError, value="has 20 rows", expected="expected 24"),
        error_fault("L and embeddings with different row counts or misaligned ids", "E_train with 30 rows, no extension",
                    "Liger.fit", lambda: _liger_mv().fit(L, E[:30]), ValueError,
                    value="30 rows", expected="expected 40"),
        error_fault("L and embeddings with different row counts or misaligned ids", "E with 30 rows at prediction",
                    "Liger.predict", lambda: _liger_mv().fit(L, E).predict(L, E[:30]), ValueError,
                    value="30 rows", expected="expected 40"),
        error_fault("L and embeddings with different row counts or misaligned ids", "query and support dimensions differ",
                    "liger.method.extension.extend_votes", lambda: extend_votes(L, E[:, :4], L, E, 0.5), ValueError,
                    value="E_query has dimension 4 and E_support 8", expected="expected the same"),
        error_fault("L and embeddings with different row counts or misaligned ids", "dev L with 3 of 4 LFs",
                    "Liger.fit (L_dev)", lambda: _liger_mv().fit(L, E, L_dev=L[:, :3], E_dev=E, y_dev=y), ValueError,
                    value="L has 3 LF columns", expected="the model was fit on 4"),
        error_fault("L and embeddings with different row counts or misaligned ids", "3 row ids for 8 rows",
                    "Dataset (every loader's output)", lambda: toy_dataset(dev={"ids": ("a", "b", "c")}), ValueError,
                    value="3 row ids", expected="for 8 rows of L"),
        error_fault("L and embeddings with different row counts or misaligned ids", "a repeated row id",
                    "Dataset (every loader's output)",
                    lambda: toy_dataset(dev={"ids": tuple(f"dev:{i}" for i in range(7)) + ("dev:3",)}), ValueError,
                    value="'dev:3' repeats", expected="expected one id per row"),
        error_fault("L and embeddings with different row counts or misaligned ids", "7 gold labels for 8 rows",
                    "Dataset (every loader's output)", lambda: toy_dataset(dev={"y": y[24:31]}), ValueError,
                    value="has shape (7,)", expected="expected (8,)"),
        # NaN, inf or all-zero embedding rows
        error_fault("NaN, inf or all-zero embedding rows", "NaN in row 3", "liger.method.extension.extend_votes",
                    lambda: extend_votes(L, _with(E, (3, 2), np.nan), L, E, 0.5), ValueError,
                    value="E_query has a NaN or inf in row 3", expected="expected finite values"),
        _precomputed_fault("NaN, inf or all-zero embedding rows", "inf in row 5 of a file", _with(E[:24], (5, 0), np.inf),
                           ValueError, value="NaN or inf in row 5", expected="expected finite values"),
        error_fault("NaN, inf or all-zero embedding rows", "all-zero row 2", "liger.method.extension.extend_votes",
                    lambda: extend_votes(L, E, L, _with(E, 2, 0.0), 0.5), ValueError,
                    value="E_support row 2 is all zeros", expected="expected a nonzero row"),
        _precomputed_fault("NaN, inf or all-zero embedding rows", "all-zero row 0 of a file", _with(E[:24], 0, 0.0),
                           ValueError, value="row 0 is all zeros", expected="expected a nonzero row"),
        error_fault("NaN, inf or all-zero embedding rows", "a provider returning a NaN row", "Embedder.embed (every provider)",
                    lambda: _NanProvider().embed(["a", "b", "c"]), ValueError,
                    value="nan-provider embeddings has a NaN or inf in row 1", expected="expected finite values"),
        error_fault("NaN, inf or all-zero embedding rows", "NaN in E_train, no extension", "Liger.fit",
                    lambda: _liger_mv(n_partitions=2).fit(L, _with(E, (3, 2), np.nan)), ValueError,
                    value="row 3", expected="expected finite values"),
        error_fault("NaN, inf or all-zero embedding rows", "all-zero E_train row, no extension", "Liger.fit",
                    lambda: _liger_mv(n_partitions=2).fit(L, _with(E, 2, 0.0)), ValueError,
                    value="row 2 is all zeros", expected="expected a nonzero row"),
        # wrong dtypes
        error_fault("wrong dtypes", "float L", "MajorityVote.fit", lambda: MajorityVote().fit(f64), TypeError,
                    value="L has dtype float64", expected="expected an integer dtype"),
        error_fault("wrong dtypes", "boolean L", "TripletLabelModel.fit", lambda: TripletLabelModel().fit(L > 0), TypeError,
                    value="L has dtype bool", expected="expected an integer dtype"),
        error_fault("wrong dtypes", "string L from a loader", "Dataset (every loader's output)",
                    lambda: toy_dataset(dev={"L": L[24:32].astype(str)}), TypeError,
                    value="has dtype <U21", expected="expected an integer dtype"),
        error_fault("wrong dtypes", "integer embeddings", "liger.method.extension.extend_votes",
                    lambda: extend_votes(L, E.astype(np.int64), L, E, 0.5), TypeError,
                    value="E_query has dtype int64", expected="expected a float dtype"),
        _precomputed_fault("wrong dtypes", "integer embedding file", np.ones((24, DIM), dtype=np.int32), TypeError,
                           value="has dtype int32", expected="expected a float dtype"),
        error_fault("wrong dtypes", "float gold labels", "Liger.fit (y_dev)",
                    lambda: _liger_mv().fit(L, E, L_dev=L, E_dev=E, y_dev=y.astype(np.float64)), TypeError,
                    value="y_dev has dtype float64", expected="expected an integer dtype"),
        error_fault("wrong dtypes", "integer E_train, no extension", "Liger.fit",
                    lambda: _liger_mv().fit(L, E.astype(np.int64)), TypeError,
                    value="dtype int64", expected="expected a float dtype"),
        # empty splits
        error_fault("empty splits", "empty dev split", "Dataset (every loader's output)",
                    lambda: toy_dataset(dev={"L": L[:0], "ids": (), "y": y[:0]}), ValueError,
                    value="split 'dev' is empty", expected="expected at least one row"),
        error_fault("empty splits", "no rows for the triplet model", "TripletLabelModel.fit",
                    lambda: TripletLabelModel().fit(L[:0]), ValueError,
                    value="L has shape (0, 4)", expected="needs at least one row"),
        error_fault("empty splits", "no rows for Dawid-Skene", "DawidSkene.fit", lambda: DawidSkene().fit(L[:0]), ValueError,
                    value="L has shape (0, 4)", expected="needs at least one row"),
        error_fault("empty splits", "no train rows", "Liger.fit", lambda: _liger_mv().fit(L[:0], E[:0]), ValueError,
                    value="only 0 train points", expected="n_parts is 1"),
        # an LF that never votes
        _fallback("an LF that never votes", "ignored by majority vote", "MajorityVote.fit/predict_proba",
                  "fallback: ignored (posteriors equal the fit without it, exactly)", _silent_lf_ignored(MajorityVote, True)),
        _fallback("an LF that never votes", "ignored by Dawid-Skene", "DawidSkene.fit/predict_proba",
                  "fallback: ignored (posteriors equal the fit without it, to 1e-9)", _silent_lf_ignored(DawidSkene, False)),
        _fallback("an LF that never votes", "ignored by the triplet model", "TripletLabelModel.fit/predict_proba",
                  "fallback: ignored (posteriors equal the fit without it, to 1e-9)",
                  _silent_lf_ignored(TripletLabelModel, False)),
        _fallback("an LF that never votes", "nothing to extend", "liger.method.extension.extend_votes",
                  "fallback: its column stays abstained (no support to borrow from)", _silent_lf_not_extended),
        _fallback("an LF that never votes", "recorded", "liger.analysis.lf_summary.lf_summary (the run's lf_summary.json)",
                  "recorded: coverage 0, no polarity, accuracy undefined", _silent_lf_recorded),
        # rows where every LF abstains
        _fallback("rows where every LF abstains", "majority vote", "MajorityVote.predict_proba",
                  "fallback: the class prior",
                  _abstain_rows_get_prior(lambda L: MajorityVote().fit(L, class_balance=[0.3, 0.7]))),
        _fallback("rows where every LF abstains", "Dawid-Skene", "DawidSkene.predict_proba",
                  "fallback: P(Y | every LF abstains), the prior times each LF's abstain rate (abstain is an outcome)",
                  _dawid_skene_abstain_rows),
        _fallback("rows where every LF abstains", "triplet, consistent tables", "TripletLabelModel.predict_proba",
                  "fallback: the class prior", _abstain_rows_get_prior(TripletLabelModel().fit, triplet_task(repaired=False),
                                                                      _consistent_tables)),
        _fallback("rows where every LF abstains", "triplet, repaired tables", "TripletLabelModel.predict_proba",
                  "fallback: the class prior", _abstain_rows_get_prior(TripletLabelModel().fit, triplet_task(repaired=True),
                                                                      lambda model: not _consistent_tables(model))),
        _fallback("rows where every LF abstains", "Liger", "Liger.predict_proba",
                  "fallback: the part's class prior; recorded as coverage in metrics.json", _liger_abstain_rows),
        # a single class
        error_fault("a single class", "one class name", "Dataset (every loader's output)",
                    lambda: replace(toy_dataset(), class_names=("ham",)), ValueError,
                    value="has 1 classes", expected="expected at least 2"),
        error_fault("a single class", "n_classes=1 for a label model", "MajorityVote.fit",
                    lambda: MajorityVote(1).fit(np.zeros((4, 3), np.int64)),
                    ValueError, value="n_classes is 1", expected="expected an integer >= 2"),
        error_fault("a single class", "n_classes=1 for Liger", "Liger.fit",
                    lambda: Liger(1, None, label_model="majority_vote", n_classes=1).fit(np.zeros((4, 3), np.int64), E[:4]),
                    ValueError, value="n_classes is 1", expected="expected an integer >= 2"),
        # fewer than three LFs for the triplet method
        error_fault("fewer than three LFs for the triplet method", "2 LFs for the triplet model", "TripletLabelModel.fit",
                    lambda: TripletLabelModel().fit(L[:, :2]), ValueError, value="L has 2", expected="needs at least 3 LFs"),
        error_fault("fewer than three LFs for the triplet method", "2 LFs for Liger", "Liger.fit (label_model=triplet)",
                    lambda: Liger(1, 0.5).fit(L[:, :2], E), ValueError, value="L has 2", expected="needs at least 3 LFs"),
        # a part of the partition with no dev labels
        _fallback("a part of the partition with no dev labels", "part without dev points", "Liger.fit (y_dev)",
                  "fallback: the global dev balance, recorded in fallbacks_ (metrics.json 'fallbacks')", _part_without_dev),
        _fallback("a part of the partition with no dev labels", "part with too few train points", "Liger.fit",
                  "fallback: the global label model, recorded in fallbacks_", _small_part),
        # thresholds outside [-1, 1]
        error_fault("thresholds outside [-1, 1]", "threshold 1.5", "liger.method.extension.extend_votes",
                    lambda: extend_votes(L, E, L, E, 1.5), ValueError,
                    value="threshold 1.5 for LF 0 is outside [-1, 1]", expected="expected a cosine similarity"),
        error_fault("thresholds outside [-1, 1]", "threshold -1.2 for LF 2", "Liger.fit",
                    lambda: _liger_mv(thresholds=[0.1, 0.2, -1.2, 0.3]).fit(L, E), ValueError,
                    value="threshold -1.2 for LF 2 is outside [-1, 1]", expected="expected a cosine similarity"),
        error_fault("thresholds outside [-1, 1]", "threshold NaN", "liger.method.extension.extend_votes",
                    lambda: extend_votes(L, E, L, E, float("nan")), ValueError,
                    value="threshold nan for LF 0", expected="expected a cosine similarity"),
        error_fault("thresholds outside [-1, 1]", "3 thresholds for 4 LFs", "liger.method.extension.extend_votes",
                    lambda: extend_votes(L, E, L, E, [0.1, 0.2, 0.3]), ValueError,
                    value="thresholds have shape (3,)", expected="expected a scalar or (4,)"),
        # a config value of the wrong type
        _config_fault("seed is a word", ["seed=abc"], TypeError, value="seed is 'abc' (str)", expected="expected an integer"),
        _config_fault("seed is a boolean", ["seed=true"], TypeError,
                      value="seed is True (bool)", expected="expected an integer"),
        _config_fault("n_partitions not a list", ["method=liger", "method.n_partitions=3"], TypeError,
                      value="method.n_partitions is 3 (int)", expected="expected a list"),
        _config_fault("extension level a word", ["method=liger", "method.extension_levels=[high]"], ValueError,
                      value="method.extension_levels has 'high'", expected="expected null or a number in [0, 1]"),
        _config_fault("min_part_size a float", ["method=liger", "method.min_part_size=2.5"], TypeError,
                      value="method.min_part_size is 2.5 (float)", expected="expected an integer"),
        _config_fault("tune_on not a split name", ["protocol.tune_on=train"], ValueError,
                      value="protocol.tune_on is 'train'", expected="expected 'dev'"),
        _config_fault("label-model parameters not a mapping", ["method=label_model", "method.label_model_params.triplet=3"],
                      TypeError, value="'triplet': 3", expected="expected parameters keyed by label-model name"),
    ]
    return faults


class _NanProvider(Embedder):
    """A provider whose second vector is NaN (a model that overflowed on one text)."""

    def identity(self) -> dict:
        return {"provider": "nan-provider"}

    def encode(self, texts, *, progress: bool = False) -> np.ndarray:
        E = np.ones((len(texts), 3), dtype=np.float32)
        E[1, 0] = np.nan
        return E

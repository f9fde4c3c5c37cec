import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from liger.method.extension import NeighbourVotes, nearest_voting_neighbours
from liger.labels import ABSTAIN
from liger.method.tuning import EXTENSION_LEVELS, cross_validated_metric, per_lf_level_search, quantile_thresholds, stratified_folds

NEG_INF = -np.inf


def neighbours_from(columns: list[list[float]]) -> NeighbourVotes:
    """NeighbourVotes whose similarity column i is ``columns[i]`` (-inf padded); labels are all class 1."""
    n = max(len(column) for column in columns)
    similarity = np.full((n, len(columns)), NEG_INF)
    for lf, column in enumerate(columns):
        similarity[: len(column), lf] = column
    return NeighbourVotes(np.where(np.isfinite(similarity), 1, ABSTAIN), similarity)


def test_hand_example():
    neighbours = neighbours_from(
        [
            [0.3, NEG_INF, 0.1, 0.9, 0.5],  # finite sorted: 0.1 0.3 0.5 0.9 -> lower median 0.3
            [0.7, 0.2, -0.4],  # -0.4 0.2 0.7 -> median 0.2
            [NEG_INF, NEG_INF],  # no finite similarity -> 1.0
            [0.25],
        ]
    )
    np.testing.assert_array_equal(quantile_thresholds(neighbours, 0.5), [0.3, 0.2, 1.0, 0.25])
    np.testing.assert_array_equal(quantile_thresholds(neighbours, 0.0), [0.1, -0.4, 1.0, 0.25])
    np.testing.assert_array_equal(quantile_thresholds(neighbours, 1.0), [0.9, 0.7, 1.0, 0.25])


finite_similarity = st.floats(-1.0, 1.0)
column = st.lists(st.one_of(finite_similarity, st.just(NEG_INF)), min_size=1, max_size=15)


@settings(max_examples=200, deadline=None)
@given(st.lists(column, min_size=1, max_size=5))
def test_median_level_is_the_lower_median(columns):
    thresholds = quantile_thresholds(neighbours_from(columns), 0.5)
    for lf, values in enumerate(columns):
        finite = sorted(v for v in values if v != NEG_INF)
        expected = finite[(len(finite) - 1) // 2] if finite else 1.0
        assert thresholds[lf] == expected, (lf, finite)


@settings(max_examples=100, deadline=None)
@given(st.lists(st.floats(-1.0, 1.0), min_size=1, max_size=30, unique=True), st.sampled_from([x for x in EXTENSION_LEVELS if x is not None]))
def test_level_leaves_about_that_share_abstained(values, level):
    # Distinct similarities: the strict rule extends exactly those above the chosen order statistic,
    # which is sorted[floor(level * (n - 1))].
    neighbours = neighbours_from([values])
    threshold = quantile_thresholds(neighbours, level)[0]
    n = len(values)
    index = int(np.floor(level * (n - 1)))
    assert threshold == sorted(values)[index]
    extended = neighbours.extend(np.full((n, 1), ABSTAIN), threshold)
    assert (extended != ABSTAIN).sum() == n - 1 - index


def test_similarity_rounded_above_one_is_clipped():
    # Identical unit vectors can score 1 + 1 ulp in float64; a threshold must stay in [-1, 1].
    thresholds = quantile_thresholds(neighbours_from([[1.0 + 2e-16, 1.0 + 2e-16]]), 0.5)
    assert thresholds[0] == 1.0


def test_on_real_neighbours():
    rng = np.random.RandomState(0)
    L = rng.randint(-1, 2, size=(60, 3))
    L[:, 2] = ABSTAIN  # LF 2 never votes: no neighbour anywhere
    E = rng.standard_normal((60, 4))
    neighbours = nearest_voting_neighbours(L, E, L, E)
    thresholds = quantile_thresholds(neighbours, 0.5)
    for lf in range(2):
        finite = np.sort(neighbours.similarity[L[:, lf] == ABSTAIN, lf])
        assert np.isfinite(finite).all() and len(finite) > 5
        assert thresholds[lf] == finite[(len(finite) - 1) // 2]
    assert thresholds[2] == 1.0


@pytest.mark.parametrize("level", [-0.1, 1.5, np.nan])
def test_level_outside_unit_interval(level):
    with pytest.raises(ValueError, match=f"extension level is {level}; expected a quantile in \\[0, 1\\]"):
        quantile_thresholds(neighbours_from([[0.5]]), level)


def test_per_lf_search_finds_the_best_of_a_separable_score_and_counts_nothing_it_did_not_try():
    # A separable score: coordinate ascent must reach its exact maximum, level by level.
    target = (0.9, None, 0.3)
    weights = {None: 0.0, **{level: 1.0 - abs(level - 0.5) for level in EXTENSION_LEVELS if level is not None}}
    tried = []

    def score(levels):
        tried.append(levels)
        return sum(1.0 if v == t else -weights[v] * 0.01 for v, t in zip(levels, target))

    levels, value = per_lf_level_search(score, 3)
    assert levels == target and value == 3.0
    assert len(tried) == 1 + 2 * 3 * len(EXTENSION_LEVELS)


def test_stratified_folds_partition_the_rows():
    y = np.array([0] * 7 + [1] * 13)
    folds = stratified_folds(y, n_folds=5, seed=0)
    assert sorted(np.concatenate(folds).tolist()) == list(range(20))
    assert all(set(y[f]) == {0, 1} for f in folds)
    assert len(stratified_folds(np.array([0, 0, 1, 1, 1, 1]), n_folds=5, seed=0)) == 2  # the rarer class has 2


class _RecordingModel:
    """Stands in for a fitted Liger: remembers which rows tuned it and predicts row ids' parity."""

    n_classes = 2

    def __init__(self, tuned_on=None):
        self.tuned_on = tuned_on
        self.seen = []

    def with_dev_balance(self, L, E, y, neighbours):
        twin = _RecordingModel(tuned_on=set(E[:, 0].astype(int)))
        self.seen.append(twin)
        return twin

    def predict(self, L, E, neighbours=None):
        rows = E[:, 0].astype(int)
        assert not self.tuned_on & set(rows), "a held-out row was used to tune its own prediction"
        return rows % 2


def test_cross_validation_never_tunes_on_the_rows_it_predicts():
    y = np.arange(30) % 2
    E = np.arange(30, dtype=float)[:, None]
    folds = stratified_folds(y, n_folds=5, seed=1)
    fitted = _RecordingModel()
    assert cross_validated_metric(fitted, np.zeros((30, 3), int), E, y, None, folds, "accuracy") == 1.0
    assert len(fitted.seen) == 5
    assert all(len(model.tuned_on) == 24 for model in fitted.seen)


class _ConstantModel:
    """A three-class stand-in that predicts each row's id modulo 3 whatever it is tuned on."""

    n_classes = 3

    def with_dev_balance(self, L, E, y, neighbours):
        return self

    def predict(self, L, E, neighbours=None):
        return E[:, 0].astype(int) % 3


def test_cross_validated_f1_is_macro_for_three_classes():
    from sklearn.metrics import f1_score

    y = np.array([0, 1, 2, 0, 1, 2, 0, 1, 2, 1, 1, 0])
    E = np.array([0, 1, 2, 0, 2, 2, 1, 1, 0, 1, 0, 0], dtype=float)[:, None]
    folds = stratified_folds(y, n_folds=2, seed=0)
    value = cross_validated_metric(_ConstantModel(), np.zeros((12, 3), int), E, y, None, folds, "f1")
    assert value == f1_score(y, E[:, 0].astype(int) % 3, average="macro")


def test_grouped_folds_keep_each_group_in_one_fold_and_stratify():
    rng = np.random.default_rng(0)
    groups = np.repeat(np.arange(60), rng.integers(1, 4, 60))
    y = (rng.random(len(groups)) < 0.3).astype(int)
    folds = stratified_folds(y, n_folds=5, seed=1, groups=[f"sentence {g}" for g in groups])
    assert sorted(np.concatenate(folds).tolist()) == list(range(len(y)))
    fold_of_group = {}
    for k, held_out in enumerate(folds):
        for g in groups[held_out]:
            assert fold_of_group.setdefault(g, k) == k
    assert all(y[held_out].any() for held_out in folds)
    again = stratified_folds(y, n_folds=5, seed=1, groups=[f"sentence {g}" for g in groups])
    assert all(np.array_equal(a, b) for a, b in zip(folds, again))
    with pytest.raises(ValueError, match="3 group keys for"):
        stratified_folds(y, n_folds=5, seed=1, groups=["a", "b", "c"])

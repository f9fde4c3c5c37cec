"""The triplet model against a label matrix that realises a known distribution exactly.

Each vote pattern appears N * P(pattern) times, with N a power of two that makes every count an
integer, so the empirical moments equal the population ones and the method's estimates must be
exact up to floating-point rounding.
"""

from fractions import Fraction as F
from itertools import product
from math import prod

import numpy as np
import pytest

from liger.label_models.triplet import TripletLabelModel

PRIOR = F(1, 4)  # P(Y = +1)
COVERAGE = (F(1, 2), F(3, 4), F(1), F(1, 2))  # P(s_i != 0), independent of Y
ACCURACY = (F(3, 4), F(7, 8), F(5, 8), F(7, 8))  # P(s_i = Y | s_i != 0), the same for both classes
N = 2**17  # 4 (prior) * 8 * 32 * 8 * 16 (per-LF denominators)
M = len(COVERAGE)
SIGN_TO_INTERNAL = {1: 1, -1: 0, 0: -1}  # paper sign -> internal class (abstain -1)


def p_y(y):
    return PRIOR if y == 1 else 1 - PRIOR


def p_vote_given_y(i, s, y):
    if s == 0:
        return 1 - COVERAGE[i]
    return COVERAGE[i] * (ACCURACY[i] if s == y else 1 - ACCURACY[i])


def posterior_naive_bayes(pattern):
    scores = {y: p_y(y) * prod(p_vote_given_y(i, s, y) for i, s in enumerate(pattern)) for y in (-1, 1)}
    return [float(scores[y] / sum(scores.values())) for y in (-1, 1)]


def posterior_flyingsquid(pattern):
    scores = {y: prod(p_vote_given_y(i, s, y) * p_y(y) for i, s in enumerate(pattern)) / p_y(y) ** (M - 2) for y in (-1, 1)}
    return [float(scores[y] / sum(scores.values())) for y in (-1, 1)]


def true_accuracies():
    return np.array([float(c * (2 * a - 1)) for c, a in zip(COVERAGE, ACCURACY)])


def true_joint():
    """(m, 3, 2) P(s_i = v, Y = y), v index 0/1/2 for -1/0/+1, y index 0/1 for -1/+1."""
    return np.array(
        [[[float(p_vote_given_y(i, s, y) * p_y(y)) for y in (-1, 1)] for s in (-1, 0, 1)] for i in range(M)]
    )


@pytest.fixture(scope="module")
def exact():
    """(L, patterns): the exact label matrix and its distinct sign patterns (present ones only)."""
    patterns, counts = [], []
    for pattern in product((-1, 0, 1), repeat=M):
        count = N * sum(p_y(y) * prod(p_vote_given_y(i, s, y) for i, s in enumerate(pattern)) for y in (-1, 1))
        assert count.denominator == 1, f"N={N} does not make pattern {pattern} integral"
        if count:
            patterns.append(pattern)
            counts.append(int(count))
    assert sum(counts) == N
    internal = np.array([[SIGN_TO_INTERNAL[s] for s in p] for p in patterns], dtype=np.int64)
    return np.repeat(internal, counts, axis=0), patterns


BALANCE = [float(1 - PRIOR), float(PRIOR)]
SETTINGS = [(a, p) for a in ("median", "mean") for p in ("naive_bayes", "flyingsquid")]


@pytest.mark.parametrize("aggregate, posterior", SETTINGS)
def test_recovers_true_parameters(exact, aggregate, posterior):
    L, _ = exact
    model = TripletLabelModel(aggregate=aggregate, posterior=posterior).fit(L, class_balance=BALANCE)
    np.testing.assert_allclose(model.accuracies_, true_accuracies(), rtol=1e-9)
    np.testing.assert_allclose(model.joint_, true_joint(), rtol=1e-9, atol=1e-15)


@pytest.mark.parametrize("aggregate, posterior", SETTINGS)
def test_posterior_matches_brute_force(exact, aggregate, posterior):
    L, patterns = exact
    model = TripletLabelModel(aggregate=aggregate, posterior=posterior).fit(L, class_balance=BALANCE)
    oracle = posterior_naive_bayes if posterior == "naive_bayes" else posterior_flyingsquid
    rows = np.array([[SIGN_TO_INTERNAL[s] for s in p] for p in patterns])
    np.testing.assert_allclose(model.predict_proba(rows), [oracle(p) for p in patterns], rtol=1e-9)


def test_posteriors_differ():
    # Guards the test above: the two oracles disagree, so it tells the posteriors apart.
    assert not np.allclose(posterior_naive_bayes((1, 1, -1, 0)), posterior_flyingsquid((1, 1, -1, 0)))


def test_estimates_class_balance(exact):
    # With symmetric LFs, E[s_i] = a_i (2 pi - 1) holds exactly for every LF.
    model = TripletLabelModel().fit(exact[0])
    np.testing.assert_allclose(model.class_balance_, BALANCE, rtol=1e-9)
    np.testing.assert_allclose(model.joint_, true_joint(), rtol=1e-9, atol=1e-15)


@pytest.mark.parametrize("posterior", ["naive_bayes", "flyingsquid"])
def test_with_class_balance_equals_refit(exact, posterior):
    L, _ = exact
    fitted = TripletLabelModel(posterior=posterior).fit(L)
    before = fitted.class_balance_.copy()
    twin = fitted.with_class_balance([0.4, 0.6])
    direct = TripletLabelModel(posterior=posterior).fit(L, class_balance=[0.4, 0.6])
    np.testing.assert_allclose(twin.class_balance_, [0.4, 0.6])
    np.testing.assert_allclose(twin.joint_, direct.joint_, rtol=1e-12)
    np.testing.assert_allclose(twin.predict_proba(L[::997]), direct.predict_proba(L[::997]), rtol=1e-12)
    np.testing.assert_array_equal(fitted.class_balance_, before)  # the original is left alone


@pytest.mark.parametrize("posterior", ["naive_bayes", "flyingsquid"])
def test_rows_are_distributions(posterior):
    # Random LFs break the model's assumptions (negative cells get repaired); output must still be valid.
    L = np.random.RandomState(0).randint(-1, 2, size=(300, 5))
    proba = TripletLabelModel(posterior=posterior).fit(L).predict_proba(L)
    assert proba.shape == (300, 2) and np.all(proba >= 0)
    np.testing.assert_allclose(proba.sum(axis=1), 1.0, rtol=1e-12)


def test_predict_is_argmax(exact):
    L, _ = exact
    model = TripletLabelModel().fit(L, class_balance=BALANCE)
    np.testing.assert_array_equal(model.predict(L[::101]), model.predict_proba(L[::101]).argmax(axis=1))


@pytest.mark.parametrize(
    "model, columns, match",
    [
        (TripletLabelModel(), 2, "at least 3 LFs"),
        (TripletLabelModel(n_classes=3), 4, "binary"),
        (TripletLabelModel(aggregate="max"), 4, "aggregate"),
        (TripletLabelModel(posterior="bayes"), 4, "posterior"),
    ],
    ids=["two_lfs", "three_classes", "bad_aggregate", "bad_posterior"],
)
def test_fit_rejects(exact, model, columns, match):
    with pytest.raises(ValueError, match=match):
        model.fit(exact[0][:, :columns])


def test_predict_rejects_other_lf_count(exact):
    model = TripletLabelModel().fit(exact[0])
    with pytest.raises(ValueError, match="3 LF columns; the model was fit on 4"):
        model.predict_proba(exact[0][:5, :3])


def _triplet_accuracies_loop(M, aggregate):
    """The definition, one triplet at a time: the oracle for the vectorised estimator."""
    from itertools import combinations

    m = M.shape[0]
    out = np.zeros(m)
    for i in range(m):
        others = [j for j in range(m) if j != i]
        candidates = [np.sqrt(abs(M[i, j] * M[i, k] / M[j, k])) for j, k in combinations(others, 2) if M[j, k] != 0]
        if candidates:
            out[i] = (np.median if aggregate == "median" else np.mean)(candidates)
    return out


@pytest.mark.parametrize("aggregate", ["median", "mean"])
@pytest.mark.parametrize("seed", range(4))
def test_vectorised_triplet_accuracies_equal_the_loop_exactly(aggregate, seed):
    from liger.label_models.triplet import triplet_accuracies

    rng = np.random.default_rng(seed)
    m = int(rng.integers(3, 15))
    M = rng.uniform(-1, 1, (m, m))
    M = (M + M.T) / 2
    M[rng.random((m, m)) < 0.3] = 0.0  # pairs that never co-vote give no candidate
    M = np.triu(M) + np.triu(M, 1).T
    np.testing.assert_array_equal(triplet_accuracies(M, aggregate), _triplet_accuracies_loop(M, aggregate))


def test_rows_without_votes_get_the_prior_and_the_rest_the_repaired_tables_posterior():
    # A small noisy sample: FlyingSquid's repair of negative cells makes the tables' P_i(y) differ from the prior.
    rng = np.random.default_rng(1)
    y = rng.integers(0, 2, 60)
    votes, correct = rng.random((60, 5)) < 0.6, rng.random((60, 5)) < 0.7
    L = np.where(votes, np.where(correct, y[:, None], 1 - y[:, None]), -1)
    model = TripletLabelModel().fit(L)
    assert not np.allclose(model.joint_.sum(axis=1), model.class_balance_, atol=1e-9), "tables were not repaired"
    conditional = model.joint_ / model.joint_.sum(axis=1, keepdims=True)  # (m, 3, 2) P(s_i = v | y)
    for row in L[:20]:
        scores = model.class_balance_.copy()
        for i, vote in enumerate(row):
            scores = scores * conditional[i, {1: 2, 0: 0, -1: 1}[int(vote)]]
        # rtol: the model rounds each log-probability to a multiple of 2^-32 (exact, order-free sums)
        np.testing.assert_allclose(model.predict_proba(row[None])[0], scores / scores.sum(), rtol=1e-9)
    np.testing.assert_allclose(model.predict_proba(np.full((2, 5), -1)), [model.class_balance_] * 2, rtol=0, atol=1e-15)


@pytest.mark.parametrize("posterior", ["naive_bayes", "flyingsquid"])
def test_predict_with_balances_equals_refitting_the_prior_one_balance_at_a_time(posterior):
    rng = np.random.default_rng(3)
    L = np.where(rng.random((80, 6)) < 0.5, rng.integers(0, 2, (80, 6)), -1)
    model = TripletLabelModel(posterior=posterior).fit(L)
    balances = np.array([[b, 1 - b] for b in np.linspace(0.01, 0.96, 20)])
    expected = np.stack([model.with_class_balance(b).predict(L) for b in balances])
    np.testing.assert_array_equal(model.predict_with_balances(L, balances), expected)
    assert len({tuple(row) for row in expected}) > 1  # the balances really change predictions here


@pytest.mark.parametrize("posterior", ["naive_bayes", "flyingsquid"])
def test_a_rows_posterior_does_not_depend_on_the_other_rows(posterior):
    # BLAS may sum a row's LF terms in an order that depends on where the row sits; the model's sums are exact.
    rng = np.random.default_rng(5)
    L = np.where(rng.random((203, 41)) < 0.4, rng.integers(0, 2, (203, 41)), -1)
    model = TripletLabelModel(posterior=posterior).fit(L)
    batch = model.predict_proba(L)
    alone = np.concatenate([model.predict_proba(L[i : i + 1]) for i in range(len(L))])
    reversed_order = model.predict_proba(L[::-1])[::-1]
    np.testing.assert_array_equal(alone, batch)
    np.testing.assert_array_equal(reversed_order, batch)

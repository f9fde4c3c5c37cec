"""Dawid–Skene EM against a label matrix that realises a known distribution exactly, brute-force oracles, and
WRENCH's EM written out row by row.

Each vote pattern appears N * P(pattern) times, with N the least common denominator (a power of two), so
the empirical distribution of patterns is the model's own and the true parameters maximise the
likelihood; EM from majority vote must land on them. Abstaining there is independent of Y, so both
treatments of abstain (an outcome, or ignored) hold the truth.
"""

from fractions import Fraction as F
from itertools import product
from math import lcm, log, prod

import numpy as np
import pytest
from sklearn.exceptions import ConvergenceWarning

from liger.method.liger import make_label_model
from liger.label_models.dawid_skene import DawidSkene
from liger.label_models.majority import MajorityVote
from liger.synthetic import make_task

K = 3
BALANCE = (F(1, 2), F(1, 4), F(1, 4))  # P(Y = y)
COVERAGE = (F(1, 2), F(3, 4), F(1), F(1, 2))  # P(LF i votes), independent of Y
CONFUSIONS = (  # CONFUSIONS[i][y][v] = P(LF i votes v | Y = y, LF i votes); distinct, diagonally dominant
    ((F(3, 4), F(1, 8), F(1, 8)), (F(1, 8), F(3, 4), F(1, 8)), (F(1, 8), F(1, 8), F(3, 4))),
    ((F(5, 8), F(1, 4), F(1, 8)), (F(1, 8), F(3, 4), F(1, 8)), (F(1, 4), F(1, 8), F(5, 8))),
    ((F(7, 8), F(1, 16), F(1, 16)), (F(1, 4), F(1, 2), F(1, 4)), (F(1, 8), F(1, 8), F(3, 4))),
    ((F(1, 2), F(1, 4), F(1, 4)), (F(1, 16), F(7, 8), F(1, 16)), (F(1, 8), F(1, 4), F(5, 8))),
)
M = len(COVERAGE)
TRUE_BALANCE = np.array(BALANCE, dtype=float)
# confusions_[i, y, v], abstain in the last column: as an outcome, P(v | y) = coverage * P(v | y, votes) and
# P(abstain | y) = 1 - coverage; ignored, the vote cells are P(v | y, votes) and the abstain cell is 1.
TRUE_CONFUSIONS = {
    "outcome": np.array([[[COVERAGE[i] * c for c in row] + [1 - COVERAGE[i]] for row in CONFUSIONS[i]] for i in range(M)],
                        dtype=float),
    "ignore": np.array([[list(row) + [1] for row in CONFUSIONS[i]] for i in range(M)], dtype=float),
}
ABSTAINS = ["outcome", "ignore"]
TIGHT = dict(smoothing=0.0, max_iter=5000, tol=1e-12)  # EM run to its fixed point


def p_vote_given_y(i, v, y):
    return 1 - COVERAGE[i] if v == -1 else COVERAGE[i] * CONFUSIONS[i][y][v]


@pytest.fixture(scope="module")
def exact():
    """(L, patterns, counts): the exact label matrix, its distinct vote patterns and their counts."""
    probabilities = {}
    for pattern in product(range(-1, K), repeat=M):
        p = sum(BALANCE[y] * prod(p_vote_given_y(i, v, y) for i, v in enumerate(pattern)) for y in range(K))
        if p:
            probabilities[pattern] = p
    n = lcm(*(p.denominator for p in probabilities.values()))
    assert n == 2**18
    patterns = np.array(list(probabilities), dtype=np.int64)
    counts = np.array([int(p * n) for p in probabilities.values()])
    assert counts.sum() == n
    return np.repeat(patterns, counts, axis=0), patterns, counts


@pytest.fixture(scope="module", params=ABSTAINS)
def fitted_exact(exact, request):
    return DawidSkene(n_classes=K, abstain=request.param, **TIGHT).fit(exact[0])


@pytest.fixture(scope="module")
def three_class():
    """Synthetic K=3 data with abstains and LFs of unequal accuracy."""
    task = make_task(n_classes=3, n_lfs=5, accuracy=[0.9, 0.8, 0.7, 0.6, 0.55], coverage=0.5, random_state=1)
    return task.sample(2000, random_state=2)


def brute_force_posterior(row, confusions, balance):
    """P(y | row) ∝ balance[y] * Π_i confusions[i, y, row[i]]; an abstain (-1) reads the last column."""
    scores = [balance[y] * prod(confusions[i, y, v] for i, v in enumerate(row)) for y in range(len(balance))]
    return [s / sum(scores) for s in scores]


def mean_log_likelihood(patterns, counts, confusions, balance):
    """Per-row log-likelihood of the outputs (with abstain ignored its cells are 1: the votes given they are cast)."""
    total = 0.0
    for row, count in zip(patterns, counts):
        likelihood = sum(balance[y] * prod(confusions[i, y, v] for i, v in enumerate(row)) for y in range(len(balance)))
        total += count * log(likelihood)
    return total / counts.sum()


@pytest.mark.parametrize("abstain", ABSTAINS)
@pytest.mark.parametrize("given", [False, True], ids=["estimated_balance", "given_balance"])
def test_recovers_true_parameters(exact, given, abstain):
    model = DawidSkene(n_classes=K, abstain=abstain, **TIGHT).fit(exact[0], class_balance=TRUE_BALANCE if given else None)
    assert model.converged_ and model.n_iter_ < TIGHT["max_iter"]
    assert model.n_lfs_ == M and model.confusions_.shape == (M, K, K + 1)
    np.testing.assert_allclose(model.confusions_, TRUE_CONFUSIONS[abstain], atol=1e-4)
    np.testing.assert_allclose(model.class_balance_, TRUE_BALANCE, atol=1e-4)


def test_true_parameters_are_the_mle(exact, fitted_exact):
    _, patterns, counts = exact
    truth = TRUE_CONFUSIONS[fitted_exact.abstain]
    ll_true = mean_log_likelihood(patterns, counts, truth, TRUE_BALANCE)
    ll_fit = mean_log_likelihood(patterns, counts, fitted_exact.confusions_, fitted_exact.class_balance_)
    assert ll_true >= ll_fit - 1e-6
    assert ll_fit >= ll_true - 1e-6
    # Guards the check: moving off the truth costs measurable likelihood.
    perturbed = truth.copy()
    perturbed[0, 0, :K] = np.array([0.7, 0.15, 0.15]) * truth[0, 0, :K].sum()
    assert mean_log_likelihood(patterns, counts, perturbed, TRUE_BALANCE) < ll_true - 1e-4


@pytest.mark.parametrize("abstain", ABSTAINS)
@pytest.mark.parametrize("smoothing", [0.0, 0.01, 1.0])
def test_posterior_matches_brute_force(three_class, smoothing, abstain):
    model = DawidSkene(n_classes=3, abstain=abstain, smoothing=smoothing).fit(three_class.L)
    rows = np.unique(np.vstack([three_class.L, np.full((1, 5), -1)]), axis=0)  # every pattern, all-abstain included
    expected = [brute_force_posterior(row, model.confusions_, model.class_balance_) for row in rows]
    np.testing.assert_allclose(model.predict_proba(rows), expected, rtol=1e-9, atol=1e-15)


@pytest.mark.parametrize("abstain", ABSTAINS)
@pytest.mark.parametrize("smoothing", [0.01, 1.0])
def test_fit_is_a_fixed_point_of_smoothed_em(three_class, smoothing, abstain):
    # At convergence the parameters equal the smoothed counts of their own brute-force posteriors.
    L = three_class.L
    model = DawidSkene(n_classes=3, abstain=abstain, smoothing=smoothing, max_iter=5000, tol=1e-12).fit(L)
    assert model.converged_
    q = np.array([brute_force_posterior(row, model.confusions_, model.class_balance_) for row in L])
    outcomes = range(-1, 3) if abstain == "outcome" else range(3)
    counts = np.array([[[q[L[:, i] == v, y].sum() for v in outcomes] for y in range(3)] for i in range(5)]) + smoothing
    expected = counts / counts.sum(axis=2, keepdims=True)
    expected = np.concatenate([expected[:, :, 1:], expected[:, :, :1]] if abstain == "outcome" else
                              [expected, np.ones((5, 3, 1))], axis=2)
    # atol: one EM step from the fixed point; dropping the pseudo-counts would move cells by > 1e-5.
    np.testing.assert_allclose(model.confusions_, expected, atol=1e-7)
    # With abstain ignored, all-abstain rows have posterior = prior, so counting them leaves the fixed point alone.
    prior = (q.sum(axis=0) + smoothing) / (len(L) + 3 * smoothing)
    np.testing.assert_allclose(model.class_balance_, prior, atol=1e-7)


@pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")
def test_smoothing_keeps_cells_positive():
    L = np.array([[0, 0], [0, 1], [0, 1], [0, -1], [-1, 0]])  # LF 0 only ever votes 0
    assert np.all(DawidSkene(smoothing=0.0, max_iter=5).fit(L).confusions_[0, :, 1] == 0)
    assert np.all(DawidSkene(smoothing=0.01, max_iter=5).fit(L).confusions_[0, :, 1] > 0)


def test_given_class_balance_is_kept(three_class):
    balance = np.array([0.2, 0.5, 0.3])
    model = DawidSkene(n_classes=3).fit(three_class.L, class_balance=balance)
    np.testing.assert_array_equal(model.class_balance_, balance)
    free = DawidSkene(n_classes=3).fit(three_class.L)
    assert not np.allclose(free.class_balance_, balance, atol=0.02)  # guards: EM alone would move it


@pytest.mark.parametrize("balance", [None, [0.2, 0.5, 0.3]])
def test_all_abstain_rows(three_class, balance):
    # Ignored, abstains carry nothing: the prior. As an outcome: the prior times each LF's abstain rate.
    ignored = DawidSkene(n_classes=3, abstain="ignore").fit(three_class.L, class_balance=balance)
    np.testing.assert_allclose(ignored.predict_proba(np.full((2, 5), -1)), [ignored.class_balance_] * 2, rtol=1e-12)
    model = DawidSkene(n_classes=3).fit(three_class.L, class_balance=balance)
    weights = model.class_balance_ * model.confusions_[:, :, -1].prod(axis=0)
    proba = model.predict_proba(np.full((2, 5), -1))
    np.testing.assert_allclose(proba, [weights / weights.sum()] * 2, rtol=1e-12)
    assert not np.allclose(proba[0], model.class_balance_, atol=1e-3)  # guards: the abstain rates differ by class
    if balance is not None:
        np.testing.assert_allclose(ignored.predict_proba(np.full((1, 5), -1))[0], balance, rtol=1e-12)


@pytest.mark.parametrize("abstain, votes", [("outcome", [0, 0, 0, 1]), ("ignore", [1 / 3, 1 / 3, 1 / 3, 1])])
def test_all_abstain_matrix_gives_uniform_prior(abstain, votes):
    model = DawidSkene(n_classes=3, abstain=abstain).fit(np.full((4, 2), -1))
    assert model.converged_
    np.testing.assert_allclose(model.class_balance_, [1 / 3] * 3)
    np.testing.assert_allclose(model.confusions_, np.broadcast_to(votes, (2, 3, 4)))


@pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")
@pytest.mark.parametrize("abstain", ABSTAINS)
def test_rows_are_distributions(abstain):
    # Random votes break the model's assumptions; the output must still be valid.
    L = np.random.RandomState(0).randint(-1, 4, size=(400, 6))
    model = DawidSkene(n_classes=4, abstain=abstain, max_iter=200).fit(L)
    proba = model.predict_proba(L)
    assert proba.shape == (400, 4) and np.all(proba >= 0)
    np.testing.assert_allclose(proba.sum(axis=1), 1.0, rtol=1e-12)
    np.testing.assert_allclose(model.confusions_[:, :, : 4 if abstain == "ignore" else 5].sum(axis=2), 1.0, rtol=1e-12)


# tol=0 runs exactly max_iter steps, so both fits take the same number of EM steps.
FIXED_STEPS = dict(n_classes=3, max_iter=40, tol=0.0)


@pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")
@pytest.mark.parametrize("abstain", ABSTAINS)
def test_permuting_lfs_permutes_confusions(three_class, abstain):
    perm = [3, 0, 4, 2, 1]
    L = three_class.L
    model = DawidSkene(abstain=abstain, **FIXED_STEPS).fit(L)
    permuted = DawidSkene(abstain=abstain, **FIXED_STEPS).fit(L[:, perm])
    np.testing.assert_allclose(permuted.confusions_, model.confusions_[perm], rtol=1e-9, atol=1e-12)
    np.testing.assert_allclose(permuted.class_balance_, model.class_balance_, rtol=1e-9)
    np.testing.assert_allclose(permuted.predict_proba(L[:, perm]), model.predict_proba(L), rtol=1e-9, atol=1e-12)


@pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")
@pytest.mark.parametrize("abstain, cells", [("outcome", [0, 0, 0, 1]), ("ignore", [1 / 3, 1 / 3, 1 / 3, 1])])
def test_never_voting_lf_changes_nothing(three_class, abstain, cells):
    L = three_class.L
    silent = np.hstack([L, np.full((len(L), 1), -1)])
    model = DawidSkene(abstain=abstain, **FIXED_STEPS).fit(silent)
    np.testing.assert_allclose(model.confusions_[-1], np.broadcast_to(cells, (3, 4)))
    reference = DawidSkene(abstain=abstain, **FIXED_STEPS).fit(L)
    np.testing.assert_allclose(model.predict_proba(silent), reference.predict_proba(L), rtol=1e-9)


@pytest.mark.parametrize("abstain", ABSTAINS)
@pytest.mark.parametrize(
    "accuracy, coverage",
    [(0.8, 0.3), ([0.9, 0.85, 0.7, 0.6, 0.55], 0.5), ([0.95, 0.6, 0.6, 0.6, 0.6], 0.6)],
    ids=["equal_lfs", "graded_lfs", "one_expert"],
)
def test_binary_synthetic_at_least_majority_vote(accuracy, coverage, abstain):
    task = make_task(n_classes=2, n_lfs=5, accuracy=accuracy, coverage=coverage, random_state=0)
    split = task.sample(5000, random_state=1)
    model = DawidSkene(abstain=abstain).fit(split.L)
    assert model.converged_ and model.confusions_.shape == (5, 2, 3)
    ds = np.mean(model.predict(split.L) == split.y)
    mv = np.mean(MajorityVote().fit(split.L).predict(split.L) == split.y)
    assert ds >= mv - 0.02


def one_class_lfs(n=6000, seed=0):
    """(L, y): K=3, two LFs per class that vote only their class: on 40% of its rows, on 4% of the others."""
    rng = np.random.default_rng(seed)
    y = rng.choice(3, size=n, p=[0.5, 0.3, 0.2])
    own = np.repeat(np.arange(3), 2)
    fires = rng.random((n, 6)) < np.where(y[:, None] == own, 0.4, 0.04)
    return np.where(fires, own, -1), y


def test_one_class_lfs_need_the_abstain_outcome():
    # Each LF votes one class, so among its votes it says "my class" with probability 1 whatever Y: ignoring
    # abstains leaves EM nothing but its prior (trec's failure); the abstain outcome separates the classes.
    L, y = one_class_lfs()
    voted = (L != -1).any(axis=1)
    ignored = DawidSkene(n_classes=3, abstain="ignore").fit(L)
    assert np.allclose(ignored.confusions_[np.arange(6), :, np.repeat(np.arange(3), 2)], 1.0)
    assert len(np.unique(ignored.predict(L))) == 1
    outcome = DawidSkene(n_classes=3).fit(L)
    mv = MajorityVote(n_classes=3).fit(L).predict(L)
    assert np.mean(outcome.predict(L)[voted] == y[voted]) >= np.mean(mv[voted] == y[voted]) - 0.01
    # The abstain rates it learns are the generating ones: LF 0 (class 0) abstains on 60% of class 0, 96% of others.
    np.testing.assert_allclose(outcome.confusions_[0, :, -1], [0.6, 0.96, 0.96], atol=0.03)


def test_fit_is_deterministic_and_returns_self(three_class):
    model = DawidSkene(n_classes=3)
    assert model.fit(three_class.L) is model
    again = DawidSkene(n_classes=3).fit(three_class.L)
    np.testing.assert_array_equal(model.confusions_, again.confusions_)
    np.testing.assert_array_equal(model.predict(three_class.L), model.predict_proba(three_class.L).argmax(axis=1))


def test_warns_when_not_converged(three_class):
    with pytest.warns(ConvergenceWarning, match="max_iter=1"):
        model = DawidSkene(n_classes=3, max_iter=1, tol=0.0).fit(three_class.L)
    assert model.n_iter_ == 1 and not model.converged_


def test_make_label_model_builds_it():
    model = make_label_model("dawid_skene", 3, smoothing=0.5, max_iter=7, abstain="ignore")
    assert isinstance(model, DawidSkene)
    assert (model.n_classes, model.smoothing, model.max_iter, model.abstain) == (3, 0.5, 7, "ignore")
    with pytest.raises(ValueError, match="'dawid_skene'"):
        make_label_model("flyingsquid")


def test_defaults_are_wrenchs():
    model = DawidSkene()
    assert (model.abstain, model.smoothing, model.tol, model.max_iter) == ("outcome", 0.0, 1e-5, 10000)


@pytest.mark.parametrize(
    "model, L, match",
    [
        (DawidSkene(n_classes=1), np.zeros((3, 2), dtype=int), "n_classes is 1"),
        (DawidSkene(n_classes=3), np.array([[0, 1], [3, -1]]), "value 3 at row 1, column 0"),
        (DawidSkene(abstain="drop"), np.zeros((3, 2), dtype=int), "abstain is 'drop'; expected one of"),
        (DawidSkene(max_iter=0), np.zeros((3, 2), dtype=int), "max_iter is 0"),
        (DawidSkene(tol=-1.0), np.zeros((3, 2), dtype=int), "tol is -1.0"),
        (DawidSkene(smoothing=-0.1), np.zeros((3, 2), dtype=int), "smoothing is -0.1"),
        (DawidSkene(init="random"), np.zeros((3, 2), dtype=int), "init is 'random'"),
        (DawidSkene(), np.zeros((0, 2), dtype=int), r"shape \(0, 2\)"),
    ],
    ids=["one_class", "vote_out_of_range", "abstain", "max_iter", "tol", "smoothing", "init", "no_rows"],
)
def test_fit_rejects(model, L, match):
    with pytest.raises(ValueError, match=match):
        model.fit(L)


def test_fit_rejects_bad_class_balance():
    with pytest.raises(ValueError, match="class_balance"):
        DawidSkene(n_classes=3).fit(np.zeros((3, 2), dtype=int), class_balance=[0.5, 0.5])


def test_predict_rejects_other_lf_count(three_class):
    model = DawidSkene(n_classes=3).fit(three_class.L)
    with pytest.raises(ValueError, match="4 LF columns; the model was fit on 5"):
        model.predict_proba(three_class.L[:, :4])


# --------------------------------------------------------------------------- WRENCH's EM, row by row


def wrench_em(L, n_classes, max_iter=10000, tol=1e-5):
    """WRENCH's DawidSkene.fit (labelmodel/dawid_skene.py) as its loops read, on every row: (prior, error rates, iters).

    error_rates[i, y, o] with o = 0 for abstain and 1 + v for vote v (WRENCH's L + 1 offset). Posteriors start at
    the majority-vote shares (uniform without a vote); each iteration is an M-step (prior = mean posterior over
    all rows; error rates = posterior-weighted outcome counts, normalised over the K + 1 outcomes, no smoothing)
    then an E-step (products of probabilities); it stops once the prior and the error rates each moved by less
    than tol (L1) since the previous iteration.
    """
    n, m = L.shape
    posteriors = []
    for row in L:
        counts = [sum(v == y for v in row) for y in range(n_classes)]
        posteriors.append([c / sum(counts) for c in counts] if sum(counts) else [1 / n_classes] * n_classes)
    old = None
    for iteration in range(1, max_iter + 1):  # noqa: B007 (read after the loop)
        prior = [sum(q[y] for q in posteriors) / n for y in range(n_classes)]
        rates = np.zeros((m, n_classes, n_classes + 1))
        for r in range(n):
            for i in range(m):
                rates[i, :, L[r, i] + 1] += posteriors[r]
        rates /= rates.sum(axis=2, keepdims=True)
        posteriors = []
        for row in L:
            joint = [prior[y] * prod(rates[i, y, v + 1] for i, v in enumerate(row)) for y in range(n_classes)]
            posteriors.append([j / sum(joint) for j in joint])
        if old is not None and np.abs(np.subtract(prior, old[0])).sum() < tol and np.abs(rates - old[1]).sum() < tol:
            break
        old = prior, rates
    return np.array(prior), rates, iteration


@pytest.mark.parametrize("case", ["one_class_lfs", "three_class"])
def test_default_model_is_wrenchs_em(case, three_class):
    L = one_class_lfs(n=600)[0] if case == "one_class_lfs" else three_class.L[:600]
    prior, rates, iterations = wrench_em(L, 3)
    model = DawidSkene(n_classes=3).fit(L)
    assert model.n_iter_ == iterations and model.converged_
    np.testing.assert_allclose(model.class_balance_, prior, rtol=1e-9)
    np.testing.assert_allclose(model.confusions_, np.roll(rates, -1, axis=2), rtol=1e-9, atol=1e-15)


# --------------------------------------------------------------------------- the sparse EM against its loops


def looped_log_joint(L, confusions, prior):
    """The obvious version: start from log prior, add each LF's log C_i[:, output], LF by LF (abstain: the last column)."""
    log_confusions = np.log(np.maximum(confusions, 1e-300))
    scores = np.tile(np.log(np.maximum(prior, 1e-300)), (L.shape[0], 1))
    for i, outputs in enumerate(L.T):
        scores += log_confusions[i][:, outputs].T
    return scores


def looped_m_step(self, data, posteriors, balance):
    """The M-step as loops: each pattern's weight added to the cell of each LF's output, pattern by pattern."""
    K = self.n_classes
    weighted = posteriors * data.counts[:, None]
    counts = np.zeros((data.patterns.shape[1], K, K + 1))
    for row, weight in zip(data.patterns, weighted):
        for i, output in enumerate(row):
            counts[i, :, output] += weight
    if self.abstain == "outcome":
        confusions = counts + self.smoothing
    else:
        confusions = counts[:, :, :K] + self.smoothing
    totals = confusions.sum(axis=2, keepdims=True)
    confusions = np.where(totals > 0, confusions / np.where(totals > 0, totals, 1.0), 1.0 / confusions.shape[2])
    if self.abstain == "ignore":
        confusions = np.concatenate([confusions, np.ones((len(confusions), K, 1))], axis=2)
    if balance is not None:
        return confusions, balance.copy()
    rows = np.ones(len(weighted), bool) if self.abstain == "outcome" else np.any(data.patterns != -1, axis=1)
    class_counts = weighted[rows].sum(axis=0) + self.smoothing
    total = class_counts.sum()
    prior = class_counts / total if total > 0 else np.full(K, 1.0 / K)
    return confusions, prior


def test_distinct_rows_are_numpys_unique():
    from liger.label_models.dawid_skene import distinct_rows

    L = np.random.default_rng(0).integers(-1, 3, size=(3000, 9))
    L[1000:2000] = L[:1000]
    patterns, counts = distinct_rows(L, 3)
    expected_patterns, expected_counts = np.unique(L, axis=0, return_counts=True)
    np.testing.assert_array_equal(patterns, expected_patterns)
    np.testing.assert_array_equal(counts, expected_counts)


@pytest.mark.parametrize("n_classes, n_lfs, density", [(2, 3, 0.9), (3, 7, 0.5), (6, 68, 0.03), (6, 20, 1.0)])
def test_sparse_log_joint_equals_the_loop_bit_for_bit(n_classes, n_lfs, density):
    from liger.label_models.dawid_skene import _log_joint, outcome_matrix

    rng = np.random.default_rng(n_lfs)
    L = np.where(rng.random((500, n_lfs)) < density, rng.integers(0, n_classes, (500, n_lfs)), -1)
    confusions = rng.dirichlet(np.ones(n_classes + 1), size=(n_lfs, n_classes))
    confusions[0, 0, :] = 0.0  # zero cells: the floor applies in both
    prior = rng.dirichlet(np.ones(n_classes))
    np.testing.assert_array_equal(_log_joint(outcome_matrix(L, n_classes), confusions, prior),
                                  looped_log_joint(L, confusions, prior))


@pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")  # 50 steps, on purpose
@pytest.mark.parametrize("abstain", ABSTAINS)
@pytest.mark.parametrize("given", [False, True], ids=["estimated_balance", "given_balance"])
@pytest.mark.parametrize(("n_classes", "smoothing", "silent_lf"), [(4, 0.01, False), (2, 0.0, False), (3, 0.01, True)],
                         ids=["K4", "K2_unsmoothed", "K3_silent_lf"])
def test_fit_and_posterior_equal_the_looped_em_bit_for_bit(monkeypatch, given, n_classes, smoothing, silent_lf, abstain):
    import liger.label_models.dawid_skene as module

    task = make_task(n_classes=n_classes, n_lfs=9, accuracy=0.6, coverage=0.3, random_state=3)
    L = task.sample(3000, random_state=4).L.copy()
    if silent_lf:
        L[:, 4] = -1  # an LF that never votes
    balance = np.linspace(2.0, 1.0, n_classes) / np.linspace(2.0, 1.0, n_classes).sum() if given else None
    params = dict(n_classes=n_classes, abstain=abstain, max_iter=50, smoothing=smoothing)
    fast = DawidSkene(**params).fit(L, class_balance=balance)
    fast_proba = fast.predict_proba(L)
    monkeypatch.setattr(module, "_log_joint", lambda outcomes, confusions, prior: looped_log_joint(
        _looped_votes(outcomes, n_classes), confusions, prior))
    monkeypatch.setattr(DawidSkene, "_m_step", looped_m_step)
    slow = DawidSkene(**params).fit(L, class_balance=balance)
    np.testing.assert_array_equal(fast.confusions_, slow.confusions_)
    np.testing.assert_array_equal(fast.class_balance_, slow.class_balance_)
    assert (fast.n_iter_, fast.converged_) == (slow.n_iter_, slow.converged_)
    np.testing.assert_array_equal(fast_proba, slow.predict_proba(L))


def _looped_votes(outcomes, n_classes):
    """Invert outcome_matrix: its LF-outcome columns back to the (n, m) label matrix."""
    columns = outcomes.indices.reshape(outcomes.shape[0], -1)[:, 1:] - 1
    votes = columns % (n_classes + 1)
    return np.where(votes == n_classes, -1, votes)

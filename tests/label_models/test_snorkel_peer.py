"""Snorkel's LabelModel behind our interface: against Snorkel itself, a direct posterior, and known truths."""

from __future__ import annotations

import random
import sys
from fractions import Fraction as F
from itertools import product
from math import prod

import numpy as np
import pytest

pytest.importorskip("snorkel")

from snorkel.labeling.model import LabelModel as SnorkelReference  # noqa: E402

from liger.method.liger import BALANCE_GRID, Liger, make_label_model  # noqa: E402
from liger.label_models.snorkel_peer import SnorkelLabelModel  # noqa: E402
from liger.label_models.triplet import TripletLabelModel  # noqa: E402
from liger.synthetic import make_task  # noqa: E402

ACCURACY = np.array([0.9, 0.8, 0.75, 0.7, 0.85, 0.65])
COVERAGE = 0.5


def true_conditionals(coverage, accuracy, n_classes):
    """(m, K, K) P(LF i votes v | Y = y): coverage * accuracy on the diagonal, the rest split evenly."""
    m = len(accuracy)
    table = np.empty((m, n_classes, n_classes))
    for i, v, y in product(range(m), range(n_classes), range(n_classes)):
        table[i, v, y] = coverage[i] * (accuracy[i] if v == y else (1 - accuracy[i]) / (n_classes - 1))
    return table


def sampled(n_classes, n_points=20000, seed=0):
    task = make_task(n_lfs=len(ACCURACY), n_classes=n_classes, accuracy=ACCURACY, coverage=COVERAGE,
                     n_clusters=2 * n_classes, random_state=0)
    return task.sample(n_points, random_state=seed)


@pytest.fixture(scope="module")
def binary():
    return sampled(2)


@pytest.fixture(scope="module")
def fitted(binary):
    return SnorkelLabelModel(random_state=3).fit(binary.L)


def direct_posterior(model, L):
    """P(y | L) ∝ p_y Π over voting LFs of P(vote | y), one row and one class at a time."""
    out = np.empty((len(L), model.n_classes))
    for r, row in enumerate(L):
        scores = [model.class_balance_[y] * prod(model.conditional_probs_[i, v + 1, y] for i, v in enumerate(row) if v != -1)
                  for y in range(model.n_classes)]
        out[r] = np.array(scores) / sum(scores)
    return out


# -- against Snorkel and a direct evaluation -------------------------------------------------------
def test_matches_snorkels_own_fit_and_posterior(binary, fitted):
    reference = SnorkelReference(cardinality=2, verbose=False)
    reference.fit(binary.L, n_epochs=500, lr=0.01, seed=3, progress_bar=False)
    np.testing.assert_array_equal(fitted.conditional_probs_, reference.get_conditional_probs())
    np.testing.assert_array_equal(fitted.class_balance_, [0.5, 0.5])
    # Snorkel takes logs in float32 and multiplies raw probabilities; measured gap 6e-8.
    np.testing.assert_allclose(fitted.predict_proba(binary.L), reference.predict_proba(binary.L), atol=1e-6)


def test_posterior_equals_direct_product(binary, fitted):
    L = binary.L[:300]
    np.testing.assert_allclose(fitted.predict_proba(L), direct_posterior(fitted, L), rtol=1e-12)


def test_shapes_and_rows_sum_to_one(binary, fitted):
    proba = fitted.predict_proba(binary.L)
    assert proba.shape == (len(binary.L), 2) and fitted.n_lfs_ == binary.L.shape[1]
    assert fitted.conditional_probs_.shape == (binary.L.shape[1], 3, 2)
    np.testing.assert_allclose(proba.sum(axis=1), 1.0, rtol=1e-12)
    np.testing.assert_array_equal(fitted.predict(binary.L), np.argmax(proba, axis=1))


def test_deterministic_and_leaves_global_generators_alone(binary, fitted):
    torch = pytest.importorskip("torch")
    np.random.seed(11), random.seed(11), torch.manual_seed(11)
    expected = (np.random.get_state()[1].copy(), random.getstate(), torch.get_rng_state().clone(), torch.get_num_threads())
    again = SnorkelLabelModel(random_state=3).fit(binary.L)
    assert np.array_equal(np.random.get_state()[1], expected[0]) and random.getstate() == expected[1]
    assert torch.equal(torch.get_rng_state(), expected[2]) and torch.get_num_threads() == expected[3]
    np.testing.assert_array_equal(again.conditional_probs_, fitted.conditional_probs_)
    np.testing.assert_array_equal(again.predict_proba(binary.L), fitted.predict_proba(binary.L))


def test_fit_is_silent(binary, capfd, caplog):
    SnorkelLabelModel(n_epochs=50).fit(binary.L[:500])
    out, err = capfd.readouterr()
    assert (out, err) == ("", "") and not caplog.records


# -- class balance ---------------------------------------------------------------------------------
@pytest.mark.parametrize("n_classes, old, new", [(2, [0.5, 0.5], [0.2, 0.8]), (3, [0.2, 0.3, 0.5], [0.6, 0.3, 0.1])])
def test_with_class_balance_shifts_log_odds_by_the_prior_odds(n_classes, old, new):
    L = sampled(n_classes, n_points=3000).L
    model = SnorkelLabelModel(n_classes, n_epochs=200).fit(L, class_balance=old)
    np.testing.assert_array_equal(model.class_balance_, old)
    twin = model.with_class_balance(np.array(new))
    before, after = model.predict_proba(L), twin.predict_proba(L)
    # Bayes: the likelihoods are unchanged, so log P(y|L)/P(0|L) moves by log (new_y/new_0) / (old_y/old_0).
    shift = np.log(after / after[:, :1]) - np.log(before / before[:, :1])
    expected = np.log(np.array(new) / new[0]) - np.log(np.array(old) / old[0])
    np.testing.assert_allclose(shift, np.broadcast_to(expected, shift.shape), atol=1e-9)
    assert np.any(twin.predict(L) != model.predict(L)), "a prior this different should flip some predictions"
    np.testing.assert_array_equal(model.class_balance_, old)  # the original is untouched
    with pytest.raises(ValueError, match="expected entries in"):
        model.with_class_balance(np.array([1.0] + [0.0] * (n_classes - 1)))


def test_all_abstain_rows_get_the_prior(binary):
    model = SnorkelLabelModel(n_epochs=100).fit(binary.L, class_balance=[0.3, 0.7])
    silent = np.full((4, binary.L.shape[1]), -1)
    np.testing.assert_allclose(model.predict_proba(silent), np.tile([0.3, 0.7], (4, 1)), rtol=1e-12)
    np.testing.assert_allclose(model.with_class_balance(np.array([0.9, 0.1])).predict_proba(silent)[0], [0.9, 0.1])


def test_an_lf_that_never_voted_in_training_is_ignored(binary):
    L = np.column_stack([binary.L[:2000], np.full(2000, -1)])
    model = SnorkelLabelModel(n_epochs=100).fit(L)
    rows = L[:50].copy()
    abstaining = model.predict_proba(rows)
    for vote in (0, 1):
        rows[:, -1] = vote
        np.testing.assert_allclose(model.predict_proba(rows), abstaining, rtol=1e-12)


# -- recovering known parameters -------------------------------------------------------------------
EXACT_PRIOR = F(1, 4)  # P(Y = 1)
EXACT_COVERAGE = (F(1, 2), F(3, 4), F(1), F(1, 2))
EXACT_ACCURACY = (F(3, 4), F(7, 8), F(5, 8), F(7, 8))


def exact_label_matrix():
    """Each pattern N * P(pattern) times (N = 2**17 makes every count whole): the moments are the population's."""
    p_y = {0: 1 - EXACT_PRIOR, 1: EXACT_PRIOR}

    def p_vote(i, v, y):
        if v == -1:
            return 1 - EXACT_COVERAGE[i]
        return EXACT_COVERAGE[i] * (EXACT_ACCURACY[i] if v == y else 1 - EXACT_ACCURACY[i])

    patterns, counts, posteriors = [], [], []
    for pattern in product((-1, 0, 1), repeat=len(EXACT_COVERAGE)):
        joint = [p_y[y] * prod(p_vote(i, v, y) for i, v in enumerate(pattern)) for y in (0, 1)]
        count = 2**17 * sum(joint)
        assert count.denominator == 1
        if count:
            patterns.append(pattern), counts.append(int(count)), posteriors.append([float(j / sum(joint)) for j in joint])
    return np.repeat(np.array(patterns), counts, axis=0), np.array(patterns), np.array(posteriors)


def test_recovers_the_population_parameters_from_exact_moments():
    L, patterns, posteriors = exact_label_matrix()
    truth = true_conditionals([float(c) for c in EXACT_COVERAGE], [float(a) for a in EXACT_ACCURACY], 2)
    model = SnorkelLabelModel(n_epochs=2000).fit(L, class_balance=[0.75, 0.25])
    # Measured: 7e-6 after 2000 epochs (float32 optimisation); 9e-3 after 500.
    np.testing.assert_allclose(model.conditional_probs_[:, 1:, :], truth, atol=1e-4)
    np.testing.assert_allclose(model.predict_proba(patterns), posteriors, atol=1e-4)
    # Snorkel does not estimate the prior: left uniform, the same moments give tables off by 0.18 (measured).
    uniform = SnorkelLabelModel(n_epochs=500).fit(L)
    assert np.abs(uniform.conditional_probs_[:, 1:, :] - truth).max() > 0.1


@pytest.mark.parametrize("n_classes", [2, 3])
def test_recovers_conditional_probabilities_from_samples(n_classes):
    split = sampled(n_classes)
    model = SnorkelLabelModel(n_classes).fit(split.L)
    truth = true_conditionals([COVERAGE] * len(ACCURACY), ACCURACY, n_classes)
    # 20000 balanced points; measured max errors 0.011-0.019 over three samples for K = 2 and 3.
    np.testing.assert_allclose(model.conditional_probs_[:, 1:, :], truth, atol=0.03)
    assert model.predict_proba(split.L).shape == (len(split.L), n_classes)
    assert np.mean(model.predict(split.L) == split.y) > 0.85  # measured 0.865-0.880


def test_agrees_with_the_triplet_model_on_a_well_specified_task(binary, fitted):
    triplet = TripletLabelModel().fit(binary.L)
    # Measured agreement 0.981-0.998 over three samples; both near 0.866 accuracy.
    assert np.mean(triplet.predict(binary.L) == fitted.predict(binary.L)) > 0.97


# -- errors ----------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    "model, L, match",
    [
        (SnorkelLabelModel(), np.array([[0, 1, 2], [1, 1, 0]]), "value 2 at row 0, column 2"),
        (SnorkelLabelModel(), np.array([[0.0, 1.0, 1.0]]), "dtype float64"),
        (SnorkelLabelModel(), np.zeros((5, 2), dtype=int), "at least 3 LFs; L has 2"),
        (SnorkelLabelModel(), np.zeros((0, 3), dtype=int), "at least one row"),
        (SnorkelLabelModel(n_classes=1), np.zeros((5, 3), dtype=int), "n_classes is 1"),
        (SnorkelLabelModel(n_epochs=0), np.zeros((5, 3), dtype=int), "n_epochs is 0"),
        (SnorkelLabelModel(lr=-1.0), np.zeros((5, 3), dtype=int), "lr is -1.0"),
        (SnorkelLabelModel(optimizer="lbfgs"), np.zeros((5, 3), dtype=int), "optimizer is 'lbfgs'"),
        (SnorkelLabelModel(prec_init=[0.7, 0.7]), np.zeros((5, 3), dtype=int), "expected a number or 3 numbers"),
        (SnorkelLabelModel(mu_eps=0.7), np.zeros((5, 3), dtype=int), "mu_eps is 0.7"),
        (SnorkelLabelModel(random_state=None), np.zeros((5, 3), dtype=int), "random_state is None"),
    ],
)
def test_bad_input_is_named(model, L, match):
    with pytest.raises((ValueError, TypeError), match=match):
        model.fit(L)


def test_bad_class_balance_and_predict_input(fitted):
    with pytest.raises(ValueError, match=r"class_balance has shape \(3,\)"):
        SnorkelLabelModel().fit(np.zeros((5, 3), dtype=int), class_balance=[0.2, 0.3, 0.5])
    with pytest.raises(ValueError, match="L has 5 LF columns; the model was fit on 6"):
        fitted.predict_proba(np.zeros((2, 5), dtype=int))
    with pytest.raises(ValueError, match="value 3 at row 1, column 0"):
        fitted.predict(np.array([[0] * 6, [3] + [0] * 5]))


def test_missing_snorkel_names_the_install(monkeypatch):
    monkeypatch.setitem(sys.modules, "snorkel.labeling.model", None)  # makes the import fail
    with pytest.raises(ImportError, match=r"pip install snorkel==0\.10\.0"):
        SnorkelLabelModel().fit(np.zeros((5, 3), dtype=int))


# -- inside Liger --------------------------------------------------------------------------------
def test_registered_and_built_with_parameters():
    model = make_label_model("snorkel", 3, n_epochs=7, lr=0.05, random_state=2)
    assert isinstance(model, SnorkelLabelModel)
    assert (model.n_classes, model.n_epochs, model.lr, model.random_state) == (3, 7, 0.05, 2)


def test_liger_with_snorkel_chooses_the_class_balance_on_dev(binary):
    train, dev = slice(0, 2000), slice(2000, 2200)
    model = Liger(1, None, label_model="snorkel", label_model_params={"n_epochs": 100}).fit(
        binary.L[train], binary.E[train], L_dev=binary.L[dev], E_dev=binary.E[dev], y_dev=binary.y[dev]
    )
    part = model.part_models_[0]
    assert isinstance(part, SnorkelLabelModel) and isinstance(model.global_model_, SnorkelLabelModel)
    assert round(part.class_balance_[0], 2) in BALANCE_GRID
    np.testing.assert_array_equal(model.predict(binary.L[dev], binary.E[dev]), part.predict(binary.L[dev]))
    # The chosen balance is the best on dev (ties aside) among every grid balance.
    best = max(np.mean(part.with_class_balance(np.array([b, 1 - b])).predict(binary.L[dev]) == binary.y[dev])
               for b in BALANCE_GRID)
    assert np.mean(part.predict(binary.L[dev]) == binary.y[dev]) == best


def test_predict_with_balances_equals_swapping_the_prior_one_balance_at_a_time():
    rng = np.random.default_rng(5)
    L = np.where(rng.random((60, 5)) < 0.6, rng.integers(0, 2, (60, 5)), -1)
    model = SnorkelLabelModel(n_epochs=50).fit(L)
    balances = np.array([[b, 1 - b] for b in np.linspace(0.01, 0.96, 20)])
    expected = np.stack([model.with_class_balance(b).predict(L) for b in balances])
    np.testing.assert_array_equal(model.predict_with_balances(L, balances), expected)
    assert len({tuple(row) for row in expected}) > 1

import numpy as np
import pytest

from liger.label_models.majority import MajorityVote

# Binary rows and their vote shares worked out by hand; row 2 abstains everywhere.
L_BINARY = np.array([[1, 1, 0], [1, 0, -1], [-1, -1, -1], [0, 0, 0], [1, -1, -1]])
SHARES_BINARY = np.array([[1 / 3, 2 / 3], [1 / 2, 1 / 2], [np.nan, np.nan], [1, 0], [0, 1]])
ALL_ABSTAIN, TIE = 2, 1


@pytest.mark.parametrize("balance", [None, [0.3, 0.7]])
def test_binary_probabilities(balance):
    proba = MajorityVote().fit(L_BINARY, class_balance=balance).predict_proba(L_BINARY)
    # All-abstain rows fall back to the prior, or uniform without one.
    expected = SHARES_BINARY.copy()
    expected[ALL_ABSTAIN] = [0.5, 0.5] if balance is None else balance
    np.testing.assert_allclose(proba, expected, rtol=1e-12)


@pytest.mark.parametrize(
    "balance, tie_winner",
    [(None, 0), ([0.3, 0.7], 1), ([0.7, 0.3], 0), ([0.5, 0.5], 0)],
    ids=["uniform_lowest_index", "prior_favours_1", "prior_favours_0", "equal_prior_lowest_index"],
)
def test_binary_tie_rule(balance, tie_winner):
    pred = MajorityVote().fit(L_BINARY, class_balance=balance).predict(L_BINARY)
    assert pred[TIE] == tie_winner and pred[ALL_ABSTAIN] == tie_winner
    np.testing.assert_array_equal(pred[[0, 3, 4]], [1, 0, 1])


def test_three_classes():
    L = np.array([[0, 1, 2], [2, 2, -1], [1, 1, 0], [-1, -1, -1], [0, 0, 2], [0, 2, -1]])
    balance = [0.2, 0.5, 0.3]
    model = MajorityVote(n_classes=3).fit(L, class_balance=balance)
    third = 1 / 3
    expected = [[third, third, third], [0, 0, 1], [third, 2 * third, 0], balance, [2 * third, 0, third], [0.5, 0, 0.5]]
    np.testing.assert_allclose(model.predict_proba(L), expected, rtol=1e-12)
    # Three-way tie -> class 1 (largest prior); 0-vs-2 tie -> class 2 (prior 0.3 > 0.2).
    np.testing.assert_array_equal(model.predict(L), [1, 2, 1, 1, 0, 2])


def test_three_classes_equal_prior_tie_goes_to_lowest_index():
    L = np.array([[0, 2, -1], [2, 0, 1]])
    pred = MajorityVote(n_classes=3).fit(L, class_balance=[0.4, 0.2, 0.4]).predict(L)
    np.testing.assert_array_equal(pred, [0, 0])


def test_fit_returns_self():
    model = MajorityVote()
    assert model.fit(L_BINARY) is model


@pytest.mark.parametrize(
    "L, match",
    [(np.zeros((2, 2), dtype=int), "2 LF columns; the model was fit on 3"), (np.full((1, 3), 2), "value 2")],
)
def test_predict_rejects_bad_matrix(L, match):
    with pytest.raises(ValueError, match=match):
        MajorityVote().fit(L_BINARY).predict_proba(L)


@pytest.mark.parametrize("balance", [[0.5, 0.6], [1.0, 0.0], [0.2, 0.3, 0.5]])
def test_fit_rejects_bad_class_balance(balance):
    with pytest.raises(ValueError, match="class_balance"):
        MajorityVote().fit(L_BINARY, class_balance=balance)


# -- WRENCH's tie rule --------------------------------------------------------------------------------


def wrench_majority_proba(L, n_classes):
    """WRENCH's MajorityVoting.predict_proba as its loop reads: vote shares; a row without a vote counts 1 per class."""
    rows = []
    for row in L:
        counts = [float(sum(v == k for v in row)) for k in range(n_classes)]
        if sum(counts) == 0:
            counts = [1.0] * n_classes
        rows.append([c / sum(counts) for c in counts])
    return np.array(rows)


@pytest.mark.parametrize("n_classes", [2, 3, 6])
def test_wrench_tie_break_is_snorkels_probs_to_preds(n_classes):
    probs_to_preds = pytest.importorskip("snorkel.utils").probs_to_preds
    rng = np.random.default_rng(n_classes)
    L = np.where(rng.random((3000, 5)) < 0.4, rng.integers(0, n_classes, (3000, 5)), -1)
    model = MajorityVote(n_classes, tie_break="wrench").fit(L)
    np.testing.assert_array_equal(model.predict_proba(L), wrench_majority_proba(L, n_classes))
    expected = probs_to_preds(wrench_majority_proba(L, n_classes))
    np.testing.assert_array_equal(model.predict(L), expected)
    # Guards: many rows tie, and the hash sends some of them away from the lowest index the prior rule picks.
    prior_rule = MajorityVote(n_classes).fit(L).predict(L)
    assert 0 < np.sum(expected != prior_rule) < len(L)


def test_hashed_tie_break_matches_snorkel_on_near_ties():
    probs_to_preds = pytest.importorskip("snorkel.utils").probs_to_preds
    from liger.label_models.ties import hashed_tie_break

    rng = np.random.default_rng(0)
    proba = rng.dirichlet(np.ones(4), size=2000)
    # Near ties within and just outside Snorkel's tolerance of 1e-5.
    proba[::3, 1] = proba[::3, 0] + rng.choice([0.0, 5e-6, -5e-6, 2e-5], size=len(proba[::3]))
    np.testing.assert_array_equal(hashed_tie_break(proba), probs_to_preds(proba))


def test_wrench_tie_break_depends_on_row_position():
    # Identical all-abstain rows tie across both classes; the hash of the row index picks, so they differ.
    pred = MajorityVote(tie_break="wrench").fit(L_BINARY).predict(np.full((20, 3), -1))
    assert set(pred) == {0, 1}


def test_fit_rejects_unknown_tie_break():
    with pytest.raises(ValueError, match="tie_break is 'random'; expected one of"):
        MajorityVote(tie_break="random").fit(L_BINARY)

"""The temporal label model: windows, the chain posterior against brute force, T = 1 against the frame model."""

from __future__ import annotations

import itertools

import numpy as np
import pytest

from liger.label_models.temporal import (
    TemporalTripletLabelModel,
    chain_posteriors,
    estimate_persistence,
    lag_one_moments,
    window_ids,
)
from liger.label_models.triplet import TripletLabelModel


def markov_task(n_sequences, length, persistence, prior=0.4, accuracies=(0.75, 0.7, 0.8, 0.65, 0.7), coverage=0.6, seed=0):
    """Labels from P(y'|y) = r[y'=y] + (1-r) pi(y'); LFs conditionally independent given each frame's label."""
    rng = np.random.default_rng(seed)
    y, sequence, frame = [], [], []
    for s in range(n_sequences):
        label = int(rng.random() < prior)
        for t in range(length):
            if t and rng.random() >= persistence:
                label = int(rng.random() < prior)
            y.append(label)
            sequence.append(f"s{s}")
            frame.append(t)
    y = np.array(y)
    L = np.full((len(y), len(accuracies)), -1)
    for j, accuracy in enumerate(accuracies):
        votes = rng.random(len(y)) < coverage
        correct = rng.random(len(y)) < accuracy
        L[votes, j] = np.where(correct[votes], y[votes], 1 - y[votes])
    return L, y, np.array(sequence), np.array(frame)


def brute_force_windows(sequence, frame, window):
    """Reference: walk each sequence in frame order; a new window at every gap, sequence change or T frames."""
    ids = np.empty(len(frame), dtype=np.int64)
    current, filled, previous = -1, 0, None
    for row in sorted(range(len(frame)), key=lambda r: (list(dict.fromkeys(sequence)).index(sequence[r]), frame[r])):
        linked = previous is not None and sequence[previous] == sequence[row] and frame[row] == frame[previous] + 1
        if not linked or filled == window:
            current, filled = current + 1, 0
        ids[row] = current
        filled += 1
        previous = row
    return ids


def brute_force_marginals(log_likelihood, prior, persistence):
    """Exact marginals of one window by summing over all 2^T label paths."""
    pi = np.array([1 - prior, prior])
    A = persistence * np.eye(2) + (1 - persistence) * pi[None, :]
    T = len(log_likelihood)
    marginals = np.zeros((T, 2))
    for path in itertools.product((0, 1), repeat=T):
        p = pi[path[0]] * np.prod([A[a, b] for a, b in zip(path, path[1:])]) * np.exp(log_likelihood[np.arange(T), path].sum())
        for t, label in enumerate(path):
            marginals[t, label] += p
    return marginals / marginals.sum(axis=1, keepdims=True)


def test_windows_match_the_reference_and_never_cross_a_sequence_or_gap():
    rng = np.random.default_rng(1)
    sequence = np.repeat(["b", "a", "c"], [7, 11, 5])
    frame = np.concatenate([np.arange(7), np.r_[0:4, 6:13], np.arange(5)])  # a gap in sequence "a"
    shuffle = rng.permutation(len(frame))
    for window in (1, 2, 3, 4, 50):
        ids = window_ids(sequence[shuffle], frame[shuffle], window)
        np.testing.assert_array_equal(ids, brute_force_windows(sequence[shuffle], frame[shuffle], window))
        for w in np.unique(ids):
            rows = np.flatnonzero(ids == w)
            assert len(set(sequence[shuffle][rows])) == 1 and len(rows) <= window
            assert np.all(np.diff(np.sort(frame[shuffle][rows])) == 1)


def test_chain_posterior_equals_brute_force_enumeration():
    rng = np.random.default_rng(2)
    sequence = np.repeat(["x", "y"], [9, 4])
    frame = np.concatenate([np.arange(9), np.arange(4)])
    log_likelihood = rng.normal(0, 1.5, (13, 2))
    for window, persistence, prior in [(4, 0.8, 0.3), (3, 0.0, 0.6), (9, 0.95, 0.5)]:
        got = chain_posteriors(log_likelihood, prior_positive=prior, persistence=persistence,
                               sequence=sequence, frame=frame, window=window)
        ids = window_ids(sequence, frame, window)
        for w in np.unique(ids):
            rows = np.flatnonzero(ids == w)
            rows = rows[np.argsort(frame[rows])]
            np.testing.assert_allclose(got[rows], brute_force_marginals(log_likelihood[rows], prior, persistence), atol=1e-12)


@pytest.mark.parametrize("posterior", ["naive_bayes", "flyingsquid"])
def test_window_one_is_the_frame_model(posterior):
    L, _, sequence, frame = markov_task(8, 60, 0.9)
    frame_model = TripletLabelModel(posterior=posterior).fit(L)
    temporal = TemporalTripletLabelModel(window=1, posterior=posterior).fit(L, sequence=sequence, frame=frame)
    np.testing.assert_allclose(temporal.predict_proba(L, sequence=sequence, frame=frame), frame_model.predict_proba(L), atol=1e-12)
    np.testing.assert_array_equal(temporal.predict(L, sequence=sequence, frame=frame), frame_model.predict(L))
    # No persistence: any window length gives the frame model too.
    independent = TemporalTripletLabelModel(window=7, persistence=0.0, posterior=posterior).fit(L, sequence=sequence, frame=frame)
    np.testing.assert_allclose(independent.predict_proba(L, sequence=sequence, frame=frame), frame_model.predict_proba(L), atol=1e-12)
    balance = np.array([0.7, 0.3])
    np.testing.assert_allclose(temporal.with_class_balance(balance).predict_proba(L, sequence=sequence, frame=frame),
                               frame_model.with_class_balance(balance).predict_proba(L), atol=1e-12)


def test_log_likelihoods_plus_prior_give_the_triplet_posterior():
    L, _, _, _ = markov_task(3, 50, 0.8, seed=4)
    for posterior in ("naive_bayes", "flyingsquid"):
        model = TripletLabelModel(posterior=posterior).fit(L)
        scores = model.log_likelihoods(L) + np.log(model.class_balance_)
        proba = np.exp(scores - scores.max(axis=1, keepdims=True))
        np.testing.assert_allclose(proba / proba.sum(axis=1, keepdims=True), model.predict_proba(L), atol=1e-12)


def test_on_a_markov_chain_the_temporal_model_beats_the_frame_model():
    L, y, sequence, frame = markov_task(20, 100, 0.95, seed=5)
    frame_acc = np.mean(TripletLabelModel().fit(L).predict(L) == y)
    temporal = TemporalTripletLabelModel(window=9).fit(L, sequence=sequence, frame=frame)
    temporal_acc = np.mean(temporal.predict(L, sequence=sequence, frame=frame) == y)
    assert temporal.persistence_ > 0.8  # the chain is found in unlabeled data
    assert temporal_acc > frame_acc + 0.05, (frame_acc, temporal_acc)


def test_persistence_estimate_recovers_the_chain():
    accuracies = (0.85, 0.8, 0.9, 0.75)
    for r in (0.0, 0.5, 0.9):
        L, _, sequence, frame = markov_task(40, 200, r, prior=0.5, accuracies=accuracies, coverage=1.0, seed=6)
        M1, n_pairs = lag_one_moments(L, sequence, frame)
        assert n_pairs == 40 * 199  # neighbour pairs within sequences only
        a = 2 * np.array(accuracies) - 1  # E[s Y] with full coverage
        assert abs(estimate_persistence(M1, a, 0.5) - r) < 0.06


def test_row_order_does_not_matter_and_sequences_are_required():
    L, _, sequence, frame = markov_task(4, 30, 0.9, seed=7)
    model = TemporalTripletLabelModel(window=5).fit(L, sequence=sequence, frame=frame)
    shuffle = np.random.default_rng(0).permutation(len(L))
    np.testing.assert_allclose(model.predict_proba(L[shuffle], sequence=sequence[shuffle], frame=frame[shuffle]),
                               model.predict_proba(L, sequence=sequence, frame=frame)[shuffle], atol=1e-12)
    with pytest.raises(ValueError, match="sequence ids are required"):
        TemporalTripletLabelModel().fit(L, sequence=None)
    with pytest.raises(ValueError, match="window is 0"):
        TemporalTripletLabelModel(window=0).fit(L, sequence=sequence)
    with pytest.raises(ValueError, match="persistence is 1.5"):
        TemporalTripletLabelModel(persistence=1.5).fit(L, sequence=sequence)

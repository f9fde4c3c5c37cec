import numpy as np
import pytest
from sklearn.cluster import KMeans
from sklearn.datasets import make_blobs
from sklearn.metrics import pairwise_distances_argmin

from liger.method.partition import KMeansPartition


def blobs(n_points=300, n_blobs=3, random_state=0):
    # Centres 20 apart with unit spread: no point is nearer another blob's centre.
    centres = 20.0 * np.eye(n_blobs, 5)
    return make_blobs(n_points, centers=centres, cluster_std=1.0, random_state=random_state)


def test_one_part_holds_everything():
    E, _ = blobs()
    partition = KMeansPartition(1).fit(E)
    np.testing.assert_array_equal(partition.train_parts_, np.zeros(len(E)))
    np.testing.assert_allclose(partition.centres_, E.mean(axis=0, keepdims=True))
    far_away = np.random.RandomState(1).standard_normal((7, 5)) * 1e3
    np.testing.assert_array_equal(partition.assign(far_away), np.zeros(7))


@pytest.mark.parametrize("seed", range(3))
def test_parts_recover_separated_blobs(seed):
    E, blob = blobs(n_blobs=3, random_state=seed)
    parts = KMeansPartition(3, random_state=seed).fit(E).train_parts_
    # One part per blob and one blob per part: the partition is a relabelling of the blobs.
    mapping = {b: np.unique(parts[blob == b]) for b in range(3)}
    assert all(len(p) == 1 for p in mapping.values()), mapping
    assert sorted(int(p[0]) for p in mapping.values()) == [0, 1, 2]


@pytest.mark.parametrize("n_parts", [2, 4])
def test_assign_matches_sklearn(n_parts):
    rng = np.random.RandomState(n_parts)
    E_train, E_new = rng.standard_normal((200, 6)), rng.standard_normal((100, 6))
    partition = KMeansPartition(n_parts, n_init=3, random_state=5).fit(E_train)
    kmeans = KMeans(n_parts, n_init=3, random_state=5).fit(E_train)
    np.testing.assert_array_equal(partition.centres_, kmeans.cluster_centers_)
    np.testing.assert_array_equal(partition.assign(E_new), kmeans.predict(E_new))
    np.testing.assert_array_equal(partition.train_parts_, kmeans.predict(E_train))
    np.testing.assert_array_equal(partition.assign(E_new), pairwise_distances_argmin(E_new, partition.centres_))


def test_deterministic_for_a_seed():
    E = np.random.RandomState(0).standard_normal((150, 4))  # no structure: the seed decides
    first, second = KMeansPartition(5, random_state=3).fit(E), KMeansPartition(5, random_state=3).fit(E)
    np.testing.assert_array_equal(first.centres_, second.centres_)
    np.testing.assert_array_equal(first.train_parts_, second.train_parts_)


def test_as_many_parts_as_points():
    E = np.array([[0.0, 0.0], [5.0, 0.0], [0.0, 5.0]])
    parts = KMeansPartition(3).fit(E).train_parts_
    assert sorted(parts.tolist()) == [0, 1, 2]


@pytest.mark.parametrize(
    "n_parts, match",
    [
        (5, "n_parts is 5 but there are only 4 train points"),
        (0, "n_parts is 0; expected a positive integer"),
        (2.0, "n_parts is 2.0; expected a positive integer"),
    ],
)
def test_bad_n_parts(n_parts, match):
    with pytest.raises(ValueError, match=match):
        KMeansPartition(n_parts).fit(np.random.RandomState(0).standard_normal((4, 3)))


# -- backends for large inputs -----------------------------------------------------------------------
@pytest.mark.parametrize("backend", ["faiss", "minibatch"])
def test_backend_deterministic_for_a_seed(backend):
    E = np.random.RandomState(0).standard_normal((400, 8)).astype(np.float32)  # no structure: the seed decides
    first = KMeansPartition(5, n_init=2, random_state=3, backend=backend).fit(E)
    second = KMeansPartition(5, n_init=2, random_state=3, backend=backend).fit(E)
    np.testing.assert_array_equal(first.centres_, second.centres_)
    np.testing.assert_array_equal(first.train_parts_, second.train_parts_)


@pytest.mark.parametrize("backend", ["faiss", "minibatch"])
def test_backend_parts_are_nearest_centres(backend):
    rng = np.random.RandomState(1)
    E_train, E_new = rng.standard_normal((300, 6)).astype(np.float32), rng.standard_normal((50, 6))
    partition = KMeansPartition(4, n_init=2, random_state=0, backend=backend).fit(E_train)
    assert partition.centres_.shape == (4, 6)
    np.testing.assert_array_equal(partition.train_parts_, pairwise_distances_argmin(E_train, partition.centres_))
    np.testing.assert_array_equal(partition.assign(E_new), pairwise_distances_argmin(E_new, partition.centres_))


@pytest.mark.parametrize("backend", ["faiss", "minibatch"])
@pytest.mark.parametrize("seed", range(2))
def test_backend_recovers_separated_blobs(backend, seed):
    E, blob = blobs(n_points=600, n_blobs=3, random_state=seed)
    parts = KMeansPartition(3, n_init=3, random_state=seed, backend=backend).fit(E.astype(np.float32)).train_parts_
    mapping = {b: np.unique(parts[blob == b]) for b in range(3)}
    assert all(len(p) == 1 for p in mapping.values()), mapping
    assert sorted(int(p[0]) for p in mapping.values()) == [0, 1, 2]


def test_faiss_centres_are_the_means_of_their_parts():
    # At a k-means fixed point each centre is the mean of the points assigned to it.
    E, _ = blobs(n_points=300, n_blobs=3, random_state=2)
    partition = KMeansPartition(3, n_init=1, random_state=0, backend="faiss").fit(E.astype(np.float32))
    for part in range(3):
        np.testing.assert_allclose(partition.centres_[part], E[partition.train_parts_ == part].mean(axis=0), atol=1e-4)


def test_assign_in_chunks_matches_one_pass(monkeypatch):
    rng = np.random.RandomState(3)
    E_train, E_new = rng.standard_normal((200, 5)), rng.standard_normal((1000, 5))
    partition = KMeansPartition(6, n_init=1, random_state=0).fit(E_train)
    monkeypatch.setattr("liger.method.partition._ASSIGN_ROWS", 7)
    np.testing.assert_array_equal(partition.assign(E_new), pairwise_distances_argmin(E_new, partition.centres_))


def test_bad_backend():
    with pytest.raises(ValueError, match=r"backend is 'cuml'; expected one of \('sklearn', 'faiss', 'minibatch'\)"):
        KMeansPartition(2, backend="cuml").fit(np.random.RandomState(0).standard_normal((10, 3)))


def test_faiss_backend_needs_an_integer_seed():
    with pytest.raises(ValueError, match="random_state is None; the faiss backend expects an integer seed"):
        KMeansPartition(2, random_state=None, backend="faiss").fit(np.random.RandomState(0).standard_normal((10, 3)))

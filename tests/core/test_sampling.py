"""Samplers: grid lattice, per-instance streams, clipping and exact knn."""

import numpy as np
import pytest

from linearity_core import MeasureConfig
from linearity_core.errors import LinearityError
from linearity_core.measure import sampling
from linearity_core.measure.forward import sampler
from linearity_core.measure.sampling import (
    KnnIndex,
    grid_samples,
    infer_feature_range,
    instance_generators,
)


@pytest.fixture
def data():
    return np.random.default_rng(3).random((12, 4, 3, 2)).astype(np.float32)


def test_grid_samples_lie_on_the_lattice(data):
    fr = infer_feature_range(data)
    epsilon, res = 0.1, 50
    size = max(2, round(epsilon * res))
    v = grid_samples(
        data, fr, instance_generators(0, range(12)), n_samples=30, epsilon=epsilon, res=res
    )
    assert v.shape == (12, 30, 4, 3, 2)
    delta = np.abs(fr[:, 1] - fr[:, 0]) / res  # (n_features,)
    k = (v.reshape(12, 30, -1) - data.reshape(12, 1, -1)) / delta
    assert np.allclose(k, np.round(k), atol=1e-3)
    k = np.round(k).astype(int)
    assert np.all(k != 0)
    assert np.abs(k).max() == size  # every step 1..size is drawn, both signs
    assert set(np.unique(np.abs(k))) == set(range(1, size + 1))
    assert (k > 0).any() and (k < 0).any()


def test_grid_size_has_alibis_floor_of_two(data):
    fr = np.tile([0.0, 1.0], (24, 1))
    v = grid_samples(
        data, fr, instance_generators(0, range(12)), n_samples=50, epsilon=0.001, res=100
    )
    steps = np.round((v.reshape(12, 50, -1) - data.reshape(12, 1, -1)) * 100).astype(int)
    assert set(np.unique(np.abs(steps))) == {1, 2}


def test_streams_depend_on_seed_and_index_not_on_batching(data):
    fr = infer_feature_range(data)
    kw = {"n_samples": 5, "epsilon": 0.04, "res": 100}
    whole = grid_samples(data, fr, instance_generators(7, range(12)), **kw)
    part = grid_samples(data[4:8], fr, instance_generators(7, range(4, 8)), **kw)
    np.testing.assert_array_equal(whole[4:8], part)
    other_seed = grid_samples(data, fr, instance_generators(8, range(12)), **kw)
    assert not np.array_equal(whole, other_seed)


def test_clip_keeps_samples_in_the_feature_range(data):
    fr = infer_feature_range(data)
    v = grid_samples(
        data, fr, instance_generators(0, range(12)), n_samples=20, epsilon=0.5, res=10, clip=True
    )
    flat = v.reshape(12, 20, -1)
    assert np.all(flat >= fr[:, 0].astype(np.float32)) and np.all(flat <= fr[:, 1])
    unclipped = grid_samples(
        data, fr, instance_generators(0, range(12)), n_samples=20, epsilon=0.5, res=10
    )
    assert (unclipped.reshape(12, 20, -1) > fr[:, 1]).any()


def test_feature_range_rows_must_match_features(data):
    with pytest.raises(LinearityError, match="feature_range has 3 rows"):
        grid_samples(
            data,
            np.zeros((3, 2)),
            instance_generators(0, range(12)),
            n_samples=2,
            epsilon=0.04,
            res=100,
        )


def brute_force_neighbours(x, ref, k):
    d = ((x.reshape(len(x), 1, -1) - ref.reshape(1, len(ref), -1)) ** 2).sum(-1)
    return np.argsort(d, axis=1, kind="stable")[:, :k]


def test_knn_equals_brute_force_in_small_blocks(monkeypatch):
    rng = np.random.default_rng(0)
    ref = rng.random((300, 5, 5)).astype(np.float32)
    x = rng.random((40, 5, 5)).astype(np.float32)
    expected = brute_force_neighbours(x.astype(np.float64), ref.astype(np.float64), 7)
    monkeypatch.setattr(sampling, "KNN_BLOCK_BYTES", 4 * 300 * 3)  # 3 queries per block
    got = KnnIndex(ref).neighbours(x, 7)
    np.testing.assert_array_equal(got, expected)
    draw = sampler(x, MeasureConfig(method="knn", n_samples=7), None, KnnIndex(ref))
    np.testing.assert_array_equal(draw(0, 40, np.arange(40)), ref[expected])


def test_knn_of_a_reference_point_starts_with_itself():
    ref = np.random.default_rng(1).random((50, 6)).astype(np.float32)
    assert KnnIndex(ref).neighbours(ref[[3, 9]], 1).ravel().tolist() == [3, 9]


def test_knn_needs_enough_reference_points():
    with pytest.raises(LinearityError, match="at least nb_samples=5"):
        KnnIndex(np.zeros((4, 2), np.float32)).neighbours(np.zeros((1, 2)), 5)

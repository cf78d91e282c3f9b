"""The alibi-compatible measure over plain predict functions: oracles and bad input."""

import numpy as np
import pytest

from linearity_core import LinearityError, LinearityMeasure, linearity_measure
from linearity_core.measure.sampling import grid_samples as draw_grid
from linearity_core.measure.sampling import infer_feature_range, instance_generators

RNG = np.random.default_rng(0)
X_TAB = RNG.random((15, 6)).astype(np.float32)
X_IMG = RNG.random((10, 5, 5, 2)).astype(np.float32)
W = RNG.normal(size=(50, 3)).astype(np.float32)


def affine(v):
    flat = v.reshape(len(v), -1)
    return flat @ W[: flat.shape[1]] + 0.7


def square(v):
    return v**2


@pytest.mark.parametrize("agg", ["global", "pairwise"])
@pytest.mark.parametrize("method", ["grid", "knn"])
@pytest.mark.parametrize("x", [X_TAB, X_IMG], ids=["tabular", "image"])
def test_affine_map_scores_zero(agg, method, x):
    lin = linearity_measure(
        affine, x, X_train=x, method=method, agg=agg, nb_samples=5, model_type="regressor", seed=1
    )
    assert lin.shape == (len(x),)
    assert lin.max() <= 1e-5


def test_nonlinear_map_scores_above_zero():
    lin = linearity_measure(np.tanh, X_TAB * 5, X_train=X_TAB * 5, model_type="regressor", seed=0)
    assert lin.min() > 1e-4  # float error on an affine map is ~1e-7


def grid_of(x, seed, n):
    return draw_grid(
        x,
        infer_feature_range(x),
        instance_generators(seed, range(len(x))),
        n_samples=n,
        epsilon=0.04,
        res=100,
    )


def test_square_pairwise_oracle():
    v = grid_of(X_TAB, seed=4, n=8).astype(np.float64)  # (n, 8, d)
    expected = np.linalg.norm(0.25 * (X_TAB[:, None] - v) ** 2, axis=-1).mean(axis=1)
    lin = linearity_measure(
        square, X_TAB, X_train=X_TAB, agg="pairwise", nb_samples=8, model_type="regressor", seed=4
    )
    np.testing.assert_allclose(lin, expected, rtol=2e-3)


def test_square_global_oracle_is_norm_of_weighted_variance():
    v = grid_of(X_TAB, seed=5, n=8).astype(np.float64)
    a = np.full(8, 1 / 8)
    mean = np.einsum("s,nsd->nd", a, v)
    variance = np.einsum("s,nsd->nd", a, (v - mean[:, None]) ** 2)
    lin = linearity_measure(
        square, X_TAB, X_train=X_TAB, nb_samples=8, model_type="regressor", seed=5
    )
    np.testing.assert_allclose(lin, np.linalg.norm(variance, axis=-1), rtol=2e-3)


def test_custom_alphas_change_the_superposition():
    v = grid_of(X_TAB, seed=6, n=2).astype(np.float64)
    a0, a1 = 0.3, 0.7
    expected = np.linalg.norm(a0 * a1 * (X_TAB[:, None] - v) ** 2, axis=-1).mean(axis=1)
    lin = linearity_measure(
        square,
        X_TAB,
        X_train=X_TAB,
        agg="pairwise",
        nb_samples=2,
        alphas=np.array([a0, a1]),
        model_type="regressor",
        seed=6,
    )
    np.testing.assert_allclose(lin, expected, rtol=2e-3)


def softmax(v):
    z = affine(v)
    e = np.exp(z - z.max(axis=1, keepdims=True))
    return e / e.sum(axis=1, keepdims=True)


def test_classifier_scores_the_log_of_probabilities():
    # log softmax(affine) = affine - logsumexp(affine): nonlinear only through logsumexp.
    lin = linearity_measure(softmax, X_TAB, X_train=X_TAB, seed=2)

    def log_softmax(v):
        return np.log(softmax(v) + 1e-10)

    as_regressor = linearity_measure(
        log_softmax, X_TAB, X_train=X_TAB, seed=2, model_type="regressor"
    )
    np.testing.assert_allclose(lin, as_regressor, rtol=1e-3)  # float32 outputs


def test_classifier_mode_refuses_outputs_that_are_not_probabilities():
    with pytest.raises(LinearityError, match="model_type='regressor'"):
        linearity_measure(affine, X_TAB, X_train=X_TAB, seed=0)


def test_single_and_multi_output_regressors():
    one = linearity_measure(
        lambda v: np.tanh(v).sum(axis=1), X_TAB, X_train=X_TAB, model_type="regressor", seed=0
    )
    many = linearity_measure(
        lambda v: np.tanh(v), X_TAB, X_train=X_TAB, model_type="regressor", seed=0
    )
    assert one.shape == many.shape == (15,)
    assert np.all(one > 0) and np.all(many > 0)


def test_same_seed_same_scores_and_other_seed_differs():
    kw = {"X_train": X_TAB, "model_type": "regressor", "nb_samples": 5}
    a = linearity_measure(np.tanh, X_TAB, seed=9, **kw)
    np.testing.assert_array_equal(a, linearity_measure(np.tanh, X_TAB, seed=9, **kw))
    assert not np.array_equal(a, linearity_measure(np.tanh, X_TAB, seed=10, **kw))


def test_class_defaults_to_pairwise_and_matches_the_function():
    lm = LinearityMeasure(model_type="regressor", seed=3).fit(X_TAB)
    assert lm.config.agg == "pairwise"
    expected = linearity_measure(
        np.tanh, X_TAB, X_train=X_TAB, agg="pairwise", model_type="regressor", seed=3
    )
    np.testing.assert_array_equal(lm.score(np.tanh, X_TAB), expected)


def test_unfitted_class_works_on_images():
    # alibi built the default range from x.shape[1] (5 rows here), not 50 features.
    lin = LinearityMeasure(model_type="regressor", seed=0).score(np.tanh, X_IMG)
    fr = np.tile([0.0, 1.0], (50, 1))
    expected = linearity_measure(
        np.tanh, X_IMG, feature_range=fr, agg="pairwise", model_type="regressor", seed=0
    )
    np.testing.assert_array_equal(lin, expected)


BAD = [
    ({"nb_samples": 0}, "nb_samples must be at least 1"),
    ({"epsilon": 0.0}, "epsilon must be a positive"),
    ({"epsilon": -1.0}, "epsilon must be a positive"),
    ({"res": 0}, "res must be an integer of at least 1"),
    ({"alphas": np.ones(3)}, "alphas has 3 values"),
    ({"alphas": np.array([np.nan] * 10)}, "alphas must be finite"),
    ({"method": "tree"}, "unknown method 'tree'"),
    ({"agg": "max"}, "unknown agg 'max'"),
    ({"model_type": "ranker"}, "unknown model_type 'ranker'"),
]


@pytest.mark.parametrize(("kwargs", "message"), BAD)
def test_bad_parameters_raise_a_clear_error(kwargs, message):
    with pytest.raises(LinearityError, match=message):
        linearity_measure(np.tanh, X_TAB, X_train=X_TAB, **kwargs)


@pytest.mark.parametrize(
    ("x", "message"),
    [
        (np.where(X_TAB > 0.5, np.nan, X_TAB), "NaN or inf"),
        (np.where(X_TAB > 0.5, np.inf, X_TAB), "NaN or inf"),
        (X_TAB[:0], "x is empty"),
        (X_TAB[0], "batch of instances"),
    ],
)
def test_bad_instances_raise_a_clear_error(x, message):
    with pytest.raises(LinearityError, match=message):
        linearity_measure(np.tanh, x, X_train=X_TAB, model_type="regressor")


def test_knn_needs_reference_data():
    with pytest.raises(LinearityError, match="needs X_train"):
        linearity_measure(np.tanh, X_TAB, method="knn", model_type="regressor")
    with pytest.raises(LinearityError, match="at least nb_samples=10"):
        linearity_measure(np.tanh, X_TAB, method="knn", X_train=X_TAB[:4], model_type="regressor")


def test_grid_needs_a_feature_range():
    with pytest.raises(LinearityError, match="feature_range or X_train"):
        linearity_measure(np.tanh, X_TAB, model_type="regressor")

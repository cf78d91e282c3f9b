"""Keras engine: oracles per layer, common random numbers, streaming and cancellation."""

import keras
import numpy as np
import pytest

from linearity_core import LinearityError, MeasureConfig, RunConfig, linearity_measure
from linearity_core.measure.engine import compute_run, run_linearity
from tests.core.conftest import tiny_cnn


def config(agg="global", method="grid", n_samples=6, seed=0, **kw):
    measure = MeasureConfig(method=method, agg=agg, n_samples=n_samples, seed=seed)
    return RunConfig(measure=measure, n_instances=23, **kw)


def run(model, images, cfg, **kw):
    x, y = images
    return compute_run(model, x, y, cfg, x_reference=x, **kw)


@pytest.mark.parametrize("agg", ["global", "pairwise"])
@pytest.mark.parametrize("method", ["grid", "knn"])
def test_linear_layers_score_zero(cnn, images, agg, method):
    result = run(cnn, images, config(agg, method))
    scores = dict(zip(result.layer_names, result.scores.T, strict=True))
    assert scores["conv"].max() <= 1e-5
    assert scores["act"].mean() > 1e-4  # relu bends: the oracle can fail


def test_dense_on_a_linear_input_scores_zero():
    inp = keras.Input((7,))
    model = keras.Model(inp, keras.layers.Dense(5, name="dense")(inp))
    x = np.random.default_rng(1).random((9, 7)).astype(np.float32)
    result = compute_run(model, x, np.zeros(9), config(), x_reference=x)
    assert result.scores.max() <= 1e-5


def test_identity_layers_equal_the_layer_before(cnn, images):
    result = run(cnn, images, config())
    s = dict(zip(result.layer_names, result.scores.T, strict=True))
    np.testing.assert_array_equal(s["drop"], s["pool"])
    np.testing.assert_array_equal(s["flat"], s["pool"])
    kinds = {info.name: info.kind for info in result.layers}
    assert kinds == {
        "conv": "linear",
        "act": "activation",
        "pool": "pooling",
        "drop": "identity",
        "flat": "identity",
        "dense_1": "linear",
        "tanh": "activation",
        "dense_2": "linear",
        "softmax": "activation",
    }


def test_same_seed_same_scores_whatever_the_chunk_size(cnn, images):
    a = run(cnn, images, config(seed=3), chunk_size=23)
    b = run(cnn, images, config(seed=3), chunk_size=4)
    c = run(cnn, images, config(seed=3), chunk_size=23)
    np.testing.assert_array_equal(a.scores, c.scores)
    # float32 kernels may sum in another order for another batch size: equal to float error
    np.testing.assert_allclose(a.scores, b.scores, rtol=1e-4, atol=1e-6)
    d = run(cnn, images, config(seed=4))
    assert not np.allclose(a.scores[:, 1], d.scores[:, 1])


@pytest.mark.parametrize("agg", ["global", "pairwise"])
def test_engine_equals_the_function_layer_by_layer(cnn, images, agg):
    x, _ = images
    result = run(cnn, images, config(agg=agg, seed=5))
    for j, name in enumerate(result.layer_names):
        sub = keras.Model(cnn.inputs[0], cnn.get_layer(name).output)
        mode = "classifier" if name == "softmax" else "regressor"
        expected = linearity_measure(
            lambda v, sub=sub: sub(v, training=False).numpy(),
            x,
            X_train=x,
            agg=agg,
            nb_samples=6,
            seed=5,
            model_type=mode,
        )
        np.testing.assert_allclose(result.scores[:, j], expected, rtol=1e-4, atol=1e-6)


def test_output_is_scored_as_classifier_unless_logits_are_asked_for(cnn, images):
    probs = run(cnn, images, config())
    logits = run(cnn, images, config(logits=True))
    assert probs.layers[-1].mode == "classifier"
    assert logits.layers[-1].name == "softmax (logits)"
    assert logits.layers[-1].mode == "regressor"
    np.testing.assert_allclose(logits.scores[:, -1], logits.scores[:, -2], rtol=1e-6)
    assert not np.allclose(probs.scores[:, -1], logits.scores[:, -1])


def test_logits_of_a_dense_softmax_output(images):
    inp = keras.Input((6, 6, 1))
    h = keras.layers.Flatten(name="flat")(inp)
    h = keras.layers.Dense(8, activation="tanh", name="hidden")(h)
    out = keras.layers.Dense(3, activation="softmax", name="out")(h)
    model = keras.Model(inp, out)
    result = run(model, images, config(logits=True))
    assert result.layers[-1].name == "out (logits)"
    kernel, bias = model.get_layer("out").get_weights()
    pre = keras.Model(inp, model.get_layer("hidden").output)
    expected = linearity_measure(
        lambda v: pre(v).numpy() @ kernel + bias,
        images[0],
        X_train=images[0],
        nb_samples=6,
        seed=0,
        model_type="regressor",
    )
    np.testing.assert_allclose(result.scores[:, -1], expected, rtol=1e-4, atol=1e-6)


def test_chosen_layers_only(cnn, images):
    result = run(cnn, images, config(layers=("tanh", "conv")))
    assert result.layer_names == ["tanh", "conv"]
    with pytest.raises(LinearityError, match="unknown layer"):
        run(cnn, images, config(layers=("nope",)))


def test_unbuilt_sequential_model(images):
    model = keras.Sequential(
        [
            keras.layers.Flatten(name="flat"),
            keras.layers.Dense(4, name="d"),
            keras.layers.Activation("relu", name="r"),
        ]
    )
    result = run(model, images, config())
    assert result.layer_names == ["flat", "d", "r"]
    assert result.scores[:, 1].max() <= 1e-5


def test_a_nested_models_inner_layers_are_scored_in_graph_order(images):
    inner = keras.Sequential(
        [keras.Input((36,)), keras.layers.Dense(4, name="d"), keras.layers.ReLU(name="r")],
        name="inner",
    )
    inp = keras.Input((6, 6, 1))
    out = keras.layers.Activation("tanh", name="tanh")(inner(keras.layers.Flatten(name="f")(inp)))
    result = run(keras.Model(inp, out), images, config())
    assert result.layer_names == ["f", "inner/d", "inner/r", "tanh"]
    flat = keras.Sequential([keras.Input((6, 6, 1)), keras.layers.Flatten(), *inner.layers])
    alone = run(flat, images, config())  # the same layers, not nested: the same scores
    np.testing.assert_array_equal(result.scores[:, 1:3], alone.scores[:, 1:3])
    assert result.linear_layers().tolist() == [True, True, False, False]


def test_each_call_of_a_shared_layer_is_scored(images):
    inp = keras.Input((6, 6, 1))
    flat = keras.layers.Flatten(name="flatten")(inp)
    shared = keras.layers.Dense(36, name="shared")
    model = keras.Model(inp, keras.layers.ReLU(name="relu")(shared(shared(flat))))
    result = run(model, images, config())
    assert result.layer_names == ["flatten", "shared", "shared#2", "relu"]
    assert result.linear_layers().tolist() == [True, True, True, False]  # affine o affine


def test_bad_x_gives_clear_errors(cnn, images):
    x, y = images
    with pytest.raises(LinearityError, match="expects"):
        compute_run(cnn, np.zeros((3, 5, 5, 1), np.float32), y[:3], config(), x_reference=x)
    with pytest.raises(LinearityError, match="NaN"):
        compute_run(cnn, np.full_like(x, np.nan), y, config(), x_reference=x)
    with pytest.raises(LinearityError, match="empty"):
        compute_run(cnn, x[:0], y[:0], config(), x_reference=x)
    with pytest.raises(LinearityError, match="knn"):
        compute_run(cnn, x, y, config(method="knn"))


def test_snapshots_stream_then_finish(cnn, images):
    x, y = images
    snaps = list(run_linearity(cnn, x, y, config(), x_reference=x, chunk_size=5))
    assert [s.chunks_done for s in snaps] == [1, 2, 3, 4, 5]
    assert [s.instances_done for s in snaps] == [5, 10, 15, 20, 23]
    assert all(s.chunks_total == 5 for s in snaps)
    assert [s.done for s in snaps] == [False] * 4 + [True]
    assert snaps[0].result.partial and not snaps[-1].result.partial
    assert snaps[0].eta_s is not None and snaps[-1].eta_s == 0
    np.testing.assert_array_equal(snaps[1].result.scores, snaps[-1].result.scores[:10])
    partial_means = snaps[1].result.layer_summary()["mean"].to_numpy()
    np.testing.assert_allclose(partial_means, snaps[-1].result.scores[:10].mean(axis=0))


def test_a_stopped_run_returns_a_partial_result(cnn, images):
    x, y = images
    calls = iter([False, False, True])
    snaps = list(
        run_linearity(
            cnn, x, y, config(), x_reference=x, chunk_size=5, should_stop=lambda: next(calls)
        )
    )
    last = snaps[-1]
    assert last.stopped and last.done
    assert last.result.partial and len(last.result.scores) == 10
    assert last.result.n_planned == 23


def test_memory_budget_sets_the_chunk_size(cnn, images):
    x, y = images
    small = list(run_linearity(cnn, x, y, config(), x_reference=x, memory_budget=200_000))
    large = list(run_linearity(cnn, x, y, config(), x_reference=x, memory_budget=2**30))
    assert len(small) > 2 and len(large) == 2  # large: a small first chunk, then the rest
    assert large[0].instances_done == 8 and large[1].instances_done == 23
    np.testing.assert_allclose(
        small[-1].result.scores, large[-1].result.scores, rtol=1e-4, atol=1e-6
    )


def test_tidy_frame_and_summaries(cnn, images):
    result = run(cnn, images, config())
    frame = result.to_frame()
    assert list(frame.columns[:2]) == ["instance", "label"]
    assert {"predicted", "layer", "layer_index", "score"} <= set(frame.columns)
    assert len(frame) == 23 * len(result.layers)
    conv = frame[frame.layer == "act"]
    np.testing.assert_allclose(conv.score.to_numpy(), result.scores[:, 1])
    summary = result.layer_summary().set_index("layer")
    np.testing.assert_allclose(summary.loc["act", "mean"], result.scores[:, 1].mean())
    np.testing.assert_allclose(summary.loc["act", "std"], result.scores[:, 1].std(ddof=1))
    np.testing.assert_allclose(summary.loc["act", "sem"], result.scores[:, 1].std(ddof=1) / 23**0.5)
    np.testing.assert_allclose(summary.loc["act", "q50"], np.median(result.scores[:, 1]))
    by_class = result.class_summary("softmax")
    _, y = images
    for label in range(3):
        row = by_class[by_class.label == label]
        np.testing.assert_allclose(row["mean"], result.scores[y == label, -1].mean())
    probs = tiny_cnn()(images[0]).numpy()
    np.testing.assert_array_equal(result.predicted, probs.argmax(axis=1))


def test_a_chunk_that_cannot_fit_the_budget_is_refused_before_it_starts(cnn, images):
    x, y = images
    with pytest.raises(LinearityError, match=r"one instance needs about .* more than the memory"):
        next(run_linearity(cnn, x, y, config(), x_reference=x, memory_budget=1000))


def test_the_built_in_models_refuse_items_too_large_for_them():
    from linearity_core.models.training import build_model

    with pytest.raises(LinearityError, match=r"up to 49,152 values .* \(1000, 1000, 1\)"):
        build_model("seed_cnn", (1000, 1000, 1), 10, seed=0)


def test_the_scale_free_measure_ignores_a_layers_scale_and_equals_l_over_its_spread(images):
    """Multiplying a layer's output by 10 multiplies its raw score by 10 and leaves the
    scale-free one unchanged; it is exactly the raw score over the spread it names."""
    inp = keras.Input((6, 6, 1))
    h = keras.layers.Flatten(name="flat")(inp)
    h = keras.layers.Dense(5, activation="tanh", name="tanh")(h)
    h = keras.layers.Rescaling(10.0, name="times_10")(h)
    result = run(keras.Model(inp, h), images, config())
    raw, relative = result.scores, result.relative_scores()
    tanh, times_10 = 1, 2
    # to float32 error: the two layers' differences are rounded apart
    np.testing.assert_allclose(raw[:, times_10], 10 * raw[:, tanh], rtol=3e-4)
    np.testing.assert_allclose(relative[:, times_10], relative[:, tanh], rtol=3e-4)
    np.testing.assert_allclose(relative, raw / result.spreads, rtol=1e-12)
    assert (result.spreads[:, tanh] > 0).all()

"""The models analysts bring, each saved as .keras, uploaded through the Model page's code
path (``accept_model``) and run: a run after upload equals the same model in memory
exactly, exactly linear prefixes score float noise against their output's scale, and
layers that only pass values along equal the layer before them exactly."""

import io

import numpy as np
import pytest

from linearity_core import MeasureConfig, RunConfig
from linearity_core.errors import LinearityError
from linearity_core.measure.engine import compute_run
from linearity_core.service.catalog import accept_dataset, accept_model, load_dataset
from linearity_core.service.selection import Selection, load_model

keras = pytest.importorskip("keras")
CONFIG = RunConfig(measure=MeasureConfig(n_samples=4, seed=3), n_instances=10)


def images_dataset(shape, n_classes=3, n=(40, 10)):
    """A user dataset of random items of ``shape`` (values in [0, 255], as images come)."""
    rng = np.random.default_rng(0)
    buffer = io.BytesIO()
    np.savez(
        buffer,
        x_train=rng.integers(0, 256, (n[0], *shape)).astype(np.uint8),
        y_train=np.arange(n[0]) % n_classes,
        x_test=rng.integers(0, 256, (n[1], *shape)).astype(np.uint8),
        y_test=np.arange(n[1]) % n_classes,
    )
    return load_dataset(accept_dataset(buffer.getvalue(), "zoo.npz"))


def sequential(with_input):
    head = [keras.Input((8, 8, 1))] if with_input else []
    return keras.Sequential(
        [
            *head,
            keras.layers.Conv2D(4, 3, name="conv"),
            keras.layers.BatchNormalization(name="bn"),
            keras.layers.ReLU(name="relu"),
            keras.layers.Flatten(name="flat"),
            keras.layers.Dropout(0.2, name="drop"),
            keras.layers.Dense(3, activation="softmax", name="out"),
        ]
    )


def residual():
    inp = keras.Input((8, 8, 1))
    a = keras.layers.Conv2D(4, 3, padding="same", name="conv_a")(inp)
    b = keras.layers.BatchNormalization(name="bn")(a)
    c = keras.layers.Conv2D(4, 1, name="conv_b")(inp)
    s = keras.layers.Add(name="add")([b, c])  # a skip of linear branches: still linear
    r = keras.layers.ReLU(name="relu")(s)
    g = keras.layers.GlobalAveragePooling2D(name="gap")(r)
    return keras.Model(inp, keras.layers.Dense(3, activation="softmax", name="out")(g))


def nested():
    inner = keras.Sequential(
        [keras.Input((8, 8, 1)), keras.layers.Conv2D(4, 3, name="c"), keras.layers.ReLU(name="r")],
        name="block",
    )
    inp = keras.Input((8, 8, 1))
    h = keras.layers.Flatten(name="flat")(inner(inp))
    return keras.Model(inp, keras.layers.Dense(3, activation="softmax", name="out")(h))


def concatenated():
    inp = keras.Input((8, 8, 1))
    a = keras.layers.Conv2D(2, 3, padding="same", name="a")(inp)
    b = keras.layers.Conv2D(2, 1, name="b")(inp)
    cat = keras.layers.Concatenate(name="cat")([a, b])
    h = keras.layers.Flatten(name="flat")(keras.layers.Activation("tanh", name="tanh")(cat))
    return keras.Model(inp, keras.layers.Dense(3, activation="softmax", name="out")(h))


def fully_convolutional():
    inp = keras.Input((None, None, 1))
    h = keras.layers.Conv2D(3, 3, name="conv")(inp)
    h = keras.layers.ReLU(name="relu")(h)
    h = keras.layers.GlobalMaxPooling2D(name="gmp")(h)
    return keras.Model(inp, keras.layers.Softmax(name="out")(h))


ZOO = {
    "sequential_with_input": (lambda: sequential(True), ["conv", "bn"], [("drop", "flat")]),
    "sequential_built_by_call": (lambda: sequential(False), ["conv", "bn"], [("drop", "flat")]),
    "residual": (residual, ["conv_a", "bn", "conv_b", "add"], []),
    "nested": (nested, ["block/c"], []),
    "concatenate": (concatenated, ["a", "b", "cat"], []),
    "fully_convolutional": (fully_convolutional, ["conv"], []),
}


@pytest.mark.parametrize("name", list(ZOO))
def test_a_zoo_model_runs_after_upload_as_it_does_in_memory(name, tmp_path):
    make, linear, same_as_before = ZOO[name]
    data = images_dataset((8, 8, 1))
    keras.utils.set_random_seed(1)
    model = make()
    if not model.built:
        model(np.zeros((1, 8, 8, 1), np.float32))  # built by a call, as users do
    path = tmp_path / f"{name}.keras"
    model.save(path)
    key = accept_model(path.read_bytes(), path.name, data)  # the Model page's path
    handle = load_model(Selection(data.id, key), data)
    x, y = data.x_test, data.y_test
    uploaded = compute_run(handle.model, x, y, CONFIG, x_reference=data.x_train)
    in_memory = compute_run(model, x, y, CONFIG, x_reference=data.x_train)
    assert uploaded.layer_names == in_memory.layer_names
    np.testing.assert_array_equal(uploaded.scores, in_memory.scores)
    relative = uploaded.scores / uploaded.scales
    for layer in linear:
        j = uploaded.layer_names.index(layer)
        assert relative[:, j].max() <= 1e-4, (layer, relative[:, j].max())
        assert uploaded.linear_layers()[j]
    for later, before in same_as_before:
        a, b = (uploaded.layer_names.index(n) for n in (later, before))
        assert np.array_equal(uploaded.scores[:, a], uploaded.scores[:, b])
    assert not uploaded.linear_layers()[-1]  # the softmax output bends
    assert (uploaded.predicted >= 0).all()  # read as a classifier: classes predicted


def test_mobilenet_v2_uploads_and_runs_with_a_linear_stem(tmp_path):
    data = images_dataset((32, 32, 3), n=(20, 4))
    model = keras.applications.MobileNetV2(
        input_shape=(32, 32, 3), weights=None, classes=3, alpha=0.35
    )
    path = tmp_path / "mobilenet.keras"
    model.save(path)
    key = accept_model(path.read_bytes(), path.name, data)
    handle = load_model(Selection(data.id, key), data)
    config = RunConfig(measure=MeasureConfig(n_samples=2, seed=0), n_instances=4)
    uploaded = compute_run(handle.model, data.x_test, data.y_test, config, x_reference=data.x_train)
    names = uploaded.layer_names
    assert len(names) > 100 and names[-1] == "predictions"
    stem = [names.index(n) for n in ("Conv1", "bn_Conv1")]
    assert uploaded.linear_layers()[stem].all()  # conv and batch norm before any ReLU
    assert not uploaded.linear_layers()[names.index("out_relu")]  # finding 8: not "all 0"
    np.testing.assert_array_equal(
        uploaded.scores,
        compute_run(model, data.x_test, data.y_test, config, x_reference=data.x_train).scores,
    )


def test_a_model_with_two_inputs_is_refused_with_what_is_supported(tmp_path):
    data = images_dataset((8, 8, 1))
    a, b = keras.Input((8, 8, 1)), keras.Input((8, 8, 1))
    both = keras.layers.Add()([keras.layers.Flatten()(a), keras.layers.Flatten()(b)])
    keras.Model([a, b], keras.layers.Dense(3, activation="softmax")(both)).save(
        tmp_path / "two.keras"
    )
    with pytest.raises(LinearityError, match="2 inputs; only models with one input"):
        accept_model((tmp_path / "two.keras").read_bytes(), "two.keras", data)


def test_the_chosen_output_of_a_two_headed_model_decides_how_it_is_read(tmp_path):
    data = images_dataset((8, 8, 1))
    inp = keras.Input((8, 8, 1))
    h = keras.layers.Flatten(name="flat")(inp)
    value = keras.layers.Dense(1, name="value")(h)
    classes = keras.layers.Dense(3, activation="softmax", name="classes")(h)
    keras.Model(inp, [value, classes]).save(tmp_path / "two_heads.keras")
    key = accept_model((tmp_path / "two_heads.keras").read_bytes(), "two_heads.keras", data)
    from linearity_core.service.selection import upload_outputs

    assert upload_outputs(key) == ["value", "classes"]  # the first is the default
    handle = load_model(Selection(data.id, key), data)
    first = compute_run(handle.model, data.x_test, data.y_test, CONFIG, x_reference=data.x_train)
    assert first.layers[-1].mode == "regressor" and (first.predicted == -1).all()
    picked = RunConfig(measure=CONFIG.measure, n_instances=10, output="classes")
    chosen = compute_run(handle.model, data.x_test, data.y_test, picked, x_reference=data.x_train)
    by_name = {layer.name: layer.mode for layer in chosen.layers}
    assert by_name["classes"] == "classifier" and by_name["value"] == "regressor"
    assert (chosen.predicted >= 0).all()

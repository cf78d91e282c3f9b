"""ONNX models behind the same probe seam: the same network in Keras and in ONNX gives the
same per-layer scores, linear nodes score float noise, nodes that pass values along
equal the node before them, and hostile files are refused with a sentence."""

import io

import numpy as np
import pytest

from linearity_core import MeasureConfig, RunConfig
from linearity_core.errors import LinearityError
from linearity_core.measure.engine import compute_run
from linearity_core.service.catalog import accept_dataset, accept_model, load_dataset
from linearity_core.service.selection import Selection, load_model
from tests.core import onnx_graphs
from tests.core.test_models import SEED_LAYERS
from tests.npz import random_classes_npz

onnx = pytest.importorskip("onnx")
keras = pytest.importorskip("keras")
CONFIG = RunConfig(measure=MeasureConfig(n_samples=5, seed=2), n_instances=24)
# conv_1 ... softmax: the ONNX nodes carry the Keras layers' names.
SEED_CNN = SEED_LAYERS[1:]


@pytest.fixture(scope="module")
def seed_cnn():
    from linearity_core.models.architectures import ARCHITECTURES

    keras.utils.set_random_seed(0)
    model = ARCHITECTURES["seed_cnn"].build((28, 28, 1), 10)
    # Confident, as a trained model is: untrained, the softmax is near uniform and its
    # scores (about 1e-3) are too close to float noise for a relative comparison.
    kernel, bias = model.get_layer("dense_2").get_weights()
    model.get_layer("dense_2").set_weights([kernel * 8, bias])
    return model


@pytest.fixture(scope="module")
def images():
    rng = np.random.default_rng(0)
    return rng.random((24, 28, 28, 1)).astype(np.float32), rng.integers(0, 10, 24)


def same_scores(a, b):
    """Equal to float error layer by layer: rtol 1e-4 where a layer bends (plus 2e-6:
    TensorFlow's and onnxruntime's float32 forward passes differ by about 2e-6 in the
    probabilities, and a score is a difference of such values); where it is linear,
    float noise in both (its value is rounding, not a score)."""
    linear = a.linear_layers()
    assert np.array_equal(linear, b.linear_layers())
    np.testing.assert_allclose(a.scores[:, ~linear], b.scores[:, ~linear], rtol=1e-4, atol=2e-6)


def onnx_model(raw):
    from linearity_core.measure.onnx_model import OnnxModel

    return OnnxModel(raw)


def test_the_seed_cnn_in_onnx_scores_as_in_keras(seed_cnn, images):
    x, y = images
    keras_run = compute_run(seed_cnn, x, y, CONFIG, x_reference=x)
    model = onnx_model(onnx_graphs.seed_cnn_onnx(seed_cnn))
    assert model.layout((28, 28, 1)) == "nchw"  # channels first: the data is transposed
    onnx_run = compute_run(model, x, y, CONFIG, x_reference=x)
    assert onnx_run.layer_names == SEED_CNN == keras_run.layer_names
    assert [layer.kind for layer in onnx_run.layers] == [layer.kind for layer in keras_run.layers]
    same_scores(onnx_run, keras_run)
    np.testing.assert_array_equal(onnx_run.predicted, keras_run.predicted)
    assert onnx_run.layers[-1].mode == "classifier"  # a Softmax makes the output
    drop_1, maxp_1 = SEED_CNN.index("drop_1"), SEED_CNN.index("maxp_1")
    assert np.array_equal(onnx_run.scores[:, drop_1], onnx_run.scores[:, maxp_1])  # Identity
    flat, drop_2 = SEED_CNN.index("flat"), SEED_CNN.index("drop_2")
    assert np.array_equal(onnx_run.scores[:, flat], onnx_run.scores[:, drop_2])  # Flatten


def test_any_chunk_size_and_the_same_seed_give_the_same_scores(seed_cnn, images):
    x, y = images
    model = onnx_model(onnx_graphs.seed_cnn_onnx(seed_cnn))
    whole = compute_run(model, x, y, CONFIG, x_reference=x, chunk_size=24)
    again = compute_run(model, x, y, CONFIG, x_reference=x, chunk_size=24)
    chunks = compute_run(model, x, y, CONFIG, x_reference=x, chunk_size=5)
    np.testing.assert_array_equal(whole.scores, again.scores)
    # float32 kernels may sum in another order for another batch size: equal to float error
    np.testing.assert_allclose(whole.scores, chunks.scores, rtol=1e-4, atol=1e-6)


def test_a_graph_of_linear_nodes_scores_float_noise():
    rng = np.random.default_rng(1)
    x = (rng.random((16, 12)) * 255).astype(np.float32)  # raw pixel scale: noise is large
    model = onnx_model(onnx_graphs.linear_onnx())
    run = compute_run(model, x, np.zeros(16), CONFIG_16, x_reference=x)
    assert run.layer_names == ["matmul", "add", "flatten", "out"]
    assert run.linear_layers().all()
    assert (run.scores / run.scales).max() <= 1e-5
    assert np.array_equal(run.scores[:, 2], run.scores[:, 1])  # Flatten = the node before
    assert (run.predicted == -1).all()  # no softmax, no word from the user: a regressor


CONFIG_16 = RunConfig(measure=MeasureConfig(n_samples=5, seed=2), n_instances=16)


def fashion_like():
    raw = random_classes_npz((28, 28), 40, 20, 10)
    return load_dataset(accept_dataset(raw, "fashion_like.npz"))


def test_an_uploaded_onnx_model_runs_as_it_does_in_memory(seed_cnn):
    from linearity_core.measure.layer_table import layer_rows

    data = fashion_like()
    raw = onnx_graphs.seed_cnn_onnx(seed_cnn)
    key = accept_model(raw, "seed_cnn.onnx", data)
    handle = load_model(Selection(data.id, key), data)
    uploaded = compute_run(
        handle.model, data.x_test, data.y_test, CONFIG_16, x_reference=data.x_train
    )
    direct = compute_run(
        onnx_model(raw), data.x_test, data.y_test, CONFIG_16, x_reference=data.x_train
    )
    np.testing.assert_array_equal(uploaded.scores, direct.scores)
    rows = layer_rows(handle.model, data.input_shape)
    assert [r.name for r in rows] == SEED_CNN and rows[0].parameters == 64 * 4 + 64
    assert rows[4].inputs == ("drop_1",)


@pytest.mark.parametrize(
    ("make", "sentence"),
    [
        (lambda raw: raw[: len(raw) // 3], "not a readable .onnx file"),
        (onnx_graphs.with_external_data, "keeps its data in another file"),
        (onnx_graphs.with_custom_op, "custom domain 'com.example.evil'"),
        (onnx_graphs.with_huge_tensor, "declares 4.0 GB; the limit is 1 GB per tensor"),
    ],
)
def test_hostile_onnx_files_are_refused_with_a_sentence_and_nothing_is_stored(
    seed_cnn, make, sentence
):
    from linearity_core.models.uploads import list_uploads, uploads_dir

    data = fashion_like()
    hostile = make(onnx_graphs.seed_cnn_onnx(seed_cnn))
    with pytest.raises(LinearityError, match=sentence) as refused:
        accept_model(hostile, "model.onnx", data)
    assert len(str(refused.value)) < 300 and "\n" not in str(refused.value)
    assert list_uploads() == {} and not any(uploads_dir().glob("*.onnx"))


def test_an_onnx_model_for_other_items_is_refused(seed_cnn):
    rng = np.random.default_rng(0)
    buffer = io.BytesIO()
    shape = (32, 32, 3)
    np.savez(
        buffer,
        x_train=rng.random((10, *shape)),
        y_train=np.arange(10) % 10,
        x_test=rng.random((5, *shape)),
        y_test=np.arange(5) % 10,
    )
    data = load_dataset(accept_dataset(buffer.getvalue(), "colour.npz"))
    with pytest.raises(LinearityError, match=r"expects inputs of shape .*\(32, 32, 3\)"):
        accept_model(onnx_graphs.seed_cnn_onnx(seed_cnn), "seed_cnn.onnx", data)


FIXTURES = __import__("pathlib").Path(__file__).resolve().parents[1] / "fixtures"


def keras_twin_of_the_torch_cnn():
    """The PyTorch fixture's network in Keras, with its exported weights."""
    w = np.load(FIXTURES / "torch_cnn_weights.npz")
    inp = keras.Input((28, 28, 1))
    conv = keras.layers.Conv2D(4, 3, name="conv")
    h = keras.layers.ReLU(name="relu")(conv(inp))
    h = keras.layers.Flatten(name="flatten")(keras.layers.MaxPooling2D(2, name="pool")(h))
    fc = keras.layers.Dense(10, name="fc")
    out = keras.layers.Softmax(name="softmax")(fc(h))
    model = keras.Model(inp, out)
    conv.set_weights([w["conv_weight"].transpose(2, 3, 1, 0), w["conv_bias"]])
    # PyTorch flattens (c, h, w), Keras (h, w, c): reorder the linear layer's inputs.
    order = np.arange(4 * 13 * 13).reshape(4, 13, 13).transpose(1, 2, 0).reshape(-1)
    fc.set_weights([w["fc_weight"].T[order], w["fc_bias"]])
    return model


def test_a_real_pytorch_export_scores_as_the_same_network_in_keras(images):
    """tests/fixtures/torch_cnn.onnx is torch.onnx.export's own output (the script beside
    it made it): its nodes are named by the module path PyTorch kept."""
    x, y = images
    data = fashion_like()
    key = accept_model((FIXTURES / "torch_cnn.onnx").read_bytes(), "torch_cnn.onnx", data)
    handle = load_model(Selection(data.id, key), data)
    exported = compute_run(handle.model, x, y, CONFIG, x_reference=x)
    assert exported.layer_names == ["conv", "relu", "pool", "flatten", "fc", "softmax"]
    twin = compute_run(keras_twin_of_the_torch_cnn(), x, y, CONFIG, x_reference=x)
    same_scores(exported, twin)
    np.testing.assert_array_equal(exported.predicted, twin.predicted)
    assert exported.linear_layers().tolist() == [True, False, False, False, False, False]

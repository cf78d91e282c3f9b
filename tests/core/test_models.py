"""Architectures, training with progress, the model store and safe uploads."""

import io
import json
import resource
import shutil
import zipfile

import keras
import numpy as np
import pytest

from linearity_core import MeasureConfig, RunConfig
from linearity_core.data.datasets import Dataset, load_dataset
from linearity_core.data.registry import DatasetSpec
from linearity_core.data.sources import DEBIAN_FASHION_DIR
from linearity_core.errors import LinearityError
from linearity_core.measure.engine import compute_run
from linearity_core.models.architectures import ARCHITECTURES
from linearity_core.models.payload import model_fingerprint
from linearity_core.models.store import ModelRef, ModelStore
from linearity_core.models.training import build_model, train
from linearity_core.models.uploads import (
    load_uploaded_model,
    read_upload,
    save_upload,
    uploads_dir,
)

SEED_LAYERS = [
    "input",
    "conv_1",
    "relu_1",
    "maxp_1",
    "drop_1",
    "conv_2",
    "relu_2",
    "maxp_2",
    "drop_2",
    "flat",
    "dense_1",
    "relu_3",
    "drop_3",
    "dense_2",
    "softmax",
]


def test_seed_cnn_matches_the_notebook():
    model = build_model("seed_cnn", (28, 28, 1), 10, seed=0)
    assert [layer.name for layer in model.layers] == SEED_LAYERS
    assert model.count_params() == 822_410


@pytest.mark.parametrize("arch", [a for a in ARCHITECTURES if ARCHITECTURES[a].inputs != "signals"])
def test_every_architecture_adapts_to_cifar_shapes(arch):
    model = build_model(arch, (32, 32, 3), 10, seed=0)
    assert model.inputs[0].shape[1:] == (32, 32, 3)
    assert model.outputs[0].shape[1:] == (10,)
    assert model.layers[-1].name == "softmax"


def test_same_seed_same_untrained_weights():
    a = build_model("mlp", (28, 28, 1), 10, seed=3)
    b = build_model("mlp", (28, 28, 1), 10, seed=3)
    c = build_model("mlp", (28, 28, 1), 10, seed=4)
    assert model_fingerprint(a) == model_fingerprint(b) != model_fingerprint(c)


def test_fingerprint_tells_architectures_with_equal_weights_apart():
    relu = build_model("seed_cnn", (28, 28, 1), 10, seed=0)
    linear = build_model("seed_cnn_linear", (28, 28, 1), 10, seed=0)
    for a, b in zip(relu.weights, linear.weights, strict=True):
        np.testing.assert_array_equal(a.numpy(), b.numpy())  # the same seed, the same weights
    assert model_fingerprint(relu) != model_fingerprint(linear)


def test_linear_variant_is_linear_up_to_the_softmax():
    model = build_model("seed_cnn_linear", (12, 12, 1), 3, seed=0)
    x = np.random.default_rng(0).random((6, 12, 12, 1)).astype(np.float32)
    config = RunConfig(measure=MeasureConfig(n_samples=4, epsilon=1.0, seed=0), n_instances=6)
    result = compute_run(model, x, np.zeros(6), config, x_reference=x)
    scores = dict(zip(result.layer_names, result.scores.max(axis=0), strict=True))
    below_softmax = max(v for k, v in scores.items() if k != "softmax")
    assert below_softmax <= 1e-5
    assert scores["softmax"] > 100 * below_softmax


def small_dataset(n_train=3000, n_test=1000) -> Dataset:
    full = load_dataset("fashion_mnist")
    spec = DatasetSpec(
        "fashion_small",
        "small",
        full.class_names,
        full.input_shape,
        full.spec.load_raw,
        full.spec.available,
    )
    return Dataset(
        spec,
        full.x_train[:n_train],
        full.y_train[:n_train],
        full.x_test[:n_test],
        full.y_test[:n_test],
        "small",
    )


needs_fashion = pytest.mark.skipif(
    not DEBIAN_FASHION_DIR.is_dir(), reason="real Fashion-MNIST (dataset-fashion-mnist) absent"
)


@needs_fashion
def test_training_learns_and_reports_progress():
    data = small_dataset()
    updates = []
    trained = train("mlp", data, epochs=2, seed=0, on_progress=updates.append)
    assert trained.test_accuracy > 0.5  # chance is 0.1
    epoch_ends = [u for u in updates if u.epoch_end]
    assert [u.epoch for u in epoch_ends] == [1, 2]
    assert len(updates) == 2 * (-(-3000 // 64)) + 2  # every batch, then each epoch's end
    assert len(trained.history["val_accuracy"]) == 2
    assert trained.history["loss"][1] < trained.history["loss"][0]


@needs_fashion
def test_training_is_deterministic_and_can_be_stopped():
    data = small_dataset(n_train=640, n_test=200)
    a = train("mlp", data, epochs=1, seed=5)
    b = train("mlp", data, epochs=1, seed=5)
    assert model_fingerprint(a.model) == model_fingerprint(b.model)
    seen = []
    stopped = train(
        "mlp", data, epochs=3, seed=5, on_progress=seen.append, should_stop=lambda: len(seen) >= 2
    )
    assert stopped.stopped and max(u.epoch for u in seen) == 1


@needs_fashion
def test_model_store_reuses_and_retrains_corrupt_entries(tmp_path):
    data = small_dataset(n_train=640, n_test=200)
    store = ModelStore(tmp_path)
    ref = ModelRef("mlp", data.id, epochs=1, seed=0)
    _, meta = store.get_or_train(ref, data)
    assert meta["test_accuracy"] > 0.1 and meta["keras_version"] == keras.__version__
    assert len(meta["history"]["loss"]) == 1
    loaded = store.load(ref)
    assert loaded is not None
    assert model_fingerprint(loaded[0]) == meta["model_fingerprint"]
    model_path, _ = store.paths(ref)
    model_path.write_bytes(model_path.read_bytes()[:1000])
    assert store.load(ref) is None  # corrupt: never served
    _, again = store.get_or_train(ref, data)
    assert again["model_fingerprint"] == meta["model_fingerprint"]  # same seed, retrained


def upload_for(raw, name, item_shape):
    """An upload as the Model page takes it, checked against items of ``item_shape``."""
    from linearity_core.measure.keras_graph import check_fits

    model = load_uploaded_model(raw, name)
    check_fits(model, item_shape)
    return model


def save_keras(model, path):
    model.save(path)
    return path.read_bytes()


def test_lambda_upload_is_refused_and_its_code_never_runs(tmp_path):
    marker = tmp_path / "lambda-ran"

    # A real lambda expression, so the file carries its bytecode.
    side_effect = eval(f"lambda t: (open({str(marker)!r}, 'w').write('ran'), t)[1]")
    inp = keras.Input((28, 28, 1))
    model = keras.Model(inp, keras.layers.Lambda(side_effect, name="evil")(inp))
    raw = save_keras(model, tmp_path / "evil.keras")
    marker.unlink()  # building the model ran it once, here, on purpose
    with pytest.raises(LinearityError, match="Lambda"):
        upload_for(raw, "evil.keras", (28, 28, 1))
    assert not marker.exists()
    with pytest.raises(ValueError, match="safe_mode"):  # Keras's own guard, as a second line
        keras.models.load_model(tmp_path / "evil.keras", safe_mode=True)
    assert not marker.exists()


@keras.saving.register_keras_serializable(package="tests")
class Doubler(keras.layers.Layer):
    def call(self, x):
        return 2 * x


def test_custom_objects_are_refused(tmp_path):
    inp = keras.Input((28, 28, 1))
    raw = save_keras(keras.Model(inp, Doubler()(inp)), tmp_path / "custom.keras")
    with pytest.raises(LinearityError, match="custom object"):
        upload_for(raw, "custom.keras", (28, 28, 1))


def test_truncated_wrong_shape_and_h5_uploads(tmp_path):
    raw = save_keras(build_model("mlp", (28, 28, 1), 10, seed=0), tmp_path / "ok.keras")
    model = upload_for(raw, "ok.keras", (28, 28, 1))
    assert model.count_params() == build_model("mlp", (28, 28, 1), 10, 0).count_params()
    with pytest.raises(LinearityError, match="truncated"):
        upload_for(raw[: len(raw) // 2], "ok.keras", (28, 28, 1))
    with pytest.raises(
        LinearityError, match=r"expects inputs of shape \(28, 28, 1\).*\(32, 32, 3\)"
    ):
        upload_for(raw, "ok.keras", (32, 32, 3))
    with pytest.raises(LinearityError, match=r"\.h5 models are refused"):
        upload_for(raw, "old.h5", (28, 28, 1))
    with pytest.raises(LinearityError, match="the limit is"):
        upload_for(raw + bytes(101 * 2**20), "big.keras", (28, 28, 1))
    assert zipfile.is_zipfile(tmp_path / "ok.keras")


def config_bomb(megabytes: int) -> bytes:
    """A .keras zip whose config.json is `megabytes` MB of spaces, deflated to little."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        with archive.open("config.json", "w", force_zip64=True) as fh:
            block = b" " * 2**20
            for _ in range(megabytes):
                fh.write(block)
        archive.writestr("metadata.json", "{}")
    return buffer.getvalue()


def test_a_config_bomb_is_refused_before_it_is_read():
    """Finding 2: a 354 KB .keras whose config.json is 300 MB was read whole."""
    bomb = config_bomb(300)
    assert len(bomb) < 2**20
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    with pytest.raises(LinearityError, match=r"config\.json would unpack to 300 MB"):
        upload_for(bomb, "bomb.keras", (28, 28, 1))
    assert resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - before < 100 * 1024  # KiB


def test_a_removed_upload_is_a_clear_error(tmp_path):
    """Finding 7: an upload whose file was removed gave a raw FileNotFoundError."""
    raw = save_keras(build_model("mlp", (28, 28, 1), 10, seed=0), tmp_path / "m.keras")
    upload_id = save_upload(raw, "m.keras")
    (uploads_dir() / f"{upload_id}.keras").unlink()
    with pytest.raises(LinearityError, match=r"m\.keras is gone"):
        read_upload(upload_id)


def tiny_fashion_like(n_train=256, n_test=64) -> Dataset:
    rng = np.random.default_rng(0)
    spec = DatasetSpec("toy", "toy", tuple("abc"), (6, 6, 1), lambda: None, lambda: True)
    y_train, y_test = np.arange(n_train) % 3, np.arange(n_test) % 3
    x_train = rng.random((n_train, 6, 6, 1)) * 0.5 + y_train[:, None, None, None] * 0.25
    x_test = rng.random((n_test, 6, 6, 1)) * 0.5 + y_test[:, None, None, None] * 0.25
    return Dataset(
        spec, x_train.astype(np.float32), y_train, x_test.astype(np.float32), y_test, "toy"
    )


def test_every_epoch_is_kept_and_equals_training_that_long(tmp_path):
    data = tiny_fashion_like()
    store = ModelStore(tmp_path)
    _, meta = store.get_or_train(ModelRef("mlp", data.id, epochs=2, seed=0), data)
    first = store.meta(ModelRef("mlp", data.id, epochs=1, seed=0))
    assert first is not None  # "1 epoch" came free with "2 epochs"
    assert first["test_accuracy"] == meta["history"]["val_accuracy"][0]
    assert first["history"]["loss"] == meta["history"]["loss"][:1]
    alone = train("mlp", data, epochs=1, seed=0)
    assert model_fingerprint(alone.model) == first["model_fingerprint"]


def test_model_metadata_is_checksummed_and_names_its_ref(tmp_path, recwarn):
    """Finding 8: an edited accuracy was believed, and loads warned about the optimizer."""
    data = tiny_fashion_like()
    store = ModelStore(tmp_path)
    ref = ModelRef("mlp", data.id, epochs=1, seed=0)
    store.get_or_train(ref, data)
    assert store.load(ref) is not None
    assert not [w for w in recwarn if "optimizer" in str(w.message)]
    _, meta_path = store.paths(ref)
    doc = json.loads(meta_path.read_text())
    other = ModelRef("mlp", data.id, epochs=3, seed=0)
    other_dir = store.paths(other)[1].parent
    shutil.copytree(meta_path.parent, other_dir)  # another ref's folder, same content
    assert store.meta(other) is None
    doc["test_accuracy"] = 0.999
    meta_path.write_text(json.dumps(doc))
    assert store.meta(ref) is None and store.load(ref) is None


def test_teaching_notes_name_the_models_own_layers():
    import keras

    from linearity_core.measure.layer_table import layer_rows, teaching_names
    from tests.core.conftest import tiny_cnn

    names = teaching_names(layer_rows(tiny_cnn(), (6, 6, 1)))
    assert (names.linear, names.activation, names.pooling) == ("conv", "act", "pool")
    assert (names.identity, names.output) == (("drop", "flat"), "softmax")
    inp = keras.Input((4,))
    dense_only = keras.Model(inp, keras.layers.Dense(2, name="only")(inp))
    plain = teaching_names(layer_rows(dense_only, (4,)))
    assert plain.activation is None and plain.identity == ()
    assert plain.words()["activation"] == "an activation"  # said in words


def test_a_model_for_other_items_is_refused_with_a_sentence():
    with pytest.raises(LinearityError, match=r"1-D CNN takes 1-D signals, not items of shape"):
        build_model("cnn1d", (32, 32, 3), 10, seed=0)
    with pytest.raises(LinearityError, match=r"takes images .* not items of shape \(40,\)"):
        build_model("seed_cnn", (40,), 10, seed=0)

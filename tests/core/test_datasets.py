"""Dataset registry: Fashion-MNIST lookup order and errors, user npz validation."""

import io

import numpy as np
import pytest

from linearity_core import datasets
from linearity_core.datasets import (
    FASHION_FILES,
    load_dataset,
    parse_npz,
    save_user_npz,
    select_instances,
)
from linearity_core.errors import LinearityError
from linearity_core.idx import write_idx


@pytest.fixture
def tiny_fashion(tmp_path):
    rng = np.random.default_rng(0)
    folder = tmp_path / "fashion"
    folder.mkdir()
    arrays = {
        "x_train": rng.integers(0, 256, (30, 28, 28), dtype=np.uint8),
        "y_train": np.arange(30, dtype=np.uint8) % 10,
        "x_test": rng.integers(0, 256, (20, 28, 28), dtype=np.uint8),
        "y_test": np.arange(20, dtype=np.uint8) % 10,
    }
    for key, stem in FASHION_FILES.items():
        write_idx(folder / f"{stem}.gz", arrays[key])
    return folder, arrays


@pytest.fixture(autouse=True)
def fresh_cache():
    load_dataset.cache_clear()
    yield
    load_dataset.cache_clear()


def test_data_dir_comes_first_and_images_are_scaled(tiny_fashion, monkeypatch):
    folder, arrays = tiny_fashion
    monkeypatch.setenv("LINEARITY_DATA_DIR", str(folder))
    data = load_dataset("fashion_mnist")
    assert data.x_train.shape == (30, 28, 28, 1) and data.x_train.dtype == np.float32
    np.testing.assert_allclose(data.x_test[..., 0], arrays["x_test"] / 255.0, rtol=1e-6)
    np.testing.assert_array_equal(data.y_train, arrays["y_train"])
    assert data.class_names[0] == "T-shirt/top" and data.class_names[9] == "Ankle boot"
    assert len(data.fingerprint) == 16


def test_fingerprint_follows_the_data(tiny_fashion, monkeypatch):
    folder, arrays = tiny_fashion
    monkeypatch.setenv("LINEARITY_DATA_DIR", str(folder))
    first = load_dataset("fashion_mnist").fingerprint
    load_dataset.cache_clear()
    assert load_dataset("fashion_mnist").fingerprint == first
    changed = arrays["x_test"].copy()
    changed[0, 0, 0] ^= 1
    write_idx(folder / f"{FASHION_FILES['x_test']}.gz", changed)
    load_dataset.cache_clear()
    assert load_dataset("fashion_mnist").fingerprint != first


def test_no_source_lists_the_remedies(tmp_path, monkeypatch):
    monkeypatch.delenv("LINEARITY_DATA_DIR", raising=False)
    monkeypatch.setattr(datasets, "DEBIAN_FASHION_DIR", tmp_path / "none")
    monkeypatch.setattr(datasets, "KERAS_CACHE", tmp_path / "keras")
    import keras

    def offline():
        raise OSError("no network")

    monkeypatch.setattr(keras.datasets.fashion_mnist, "load_data", offline)
    with pytest.raises(LinearityError) as err:
        load_dataset("fashion_mnist")
    message = str(err.value)
    for remedy in ("apt-get install dataset-fashion-mnist", "internet", "LINEARITY_DATA_DIR"):
        assert remedy in message


def npz_bytes(**arrays) -> bytes:
    buffer = io.BytesIO()
    np.savez(buffer, **arrays)
    return buffer.getvalue()


def good_arrays(**override):
    rng = np.random.default_rng(0)
    arrays = {
        "x_train": rng.integers(0, 256, (12, 8, 8), dtype=np.uint8),
        "y_train": np.arange(12) % 3,
        "x_test": rng.integers(0, 256, (6, 8, 8), dtype=np.uint8),
        "y_test": np.arange(6) % 3,
        "class_names": np.array(["cat", "dog", "owl"]),
    }
    arrays.update(override)
    return {k: v for k, v in arrays.items() if v is not None}


def test_a_user_npz_is_registered_and_scaled():
    dataset_id = save_user_npz(npz_bytes(**good_arrays()), "my pets.npz")
    assert dataset_id.startswith("npz:my_pets-")
    assert dataset_id in datasets.list_datasets()
    data = load_dataset(dataset_id)
    assert data.class_names == ("cat", "dog", "owl")
    assert data.x_train.shape == (12, 8, 8, 1) and float(data.x_train.max()) <= 1.0


@pytest.mark.parametrize(
    ("override", "message"),
    [
        ({"y_test": None}, "lacks y_test"),
        ({"x_train": np.zeros((12,))}, "x_train has 1 dimensions"),
        ({"x_train": np.zeros((12, 2, 2, 2, 2))}, "x_train has 5 dimensions"),
        ({"x_test": np.zeros((6, 9, 9), np.uint8)}, "must match"),
        ({"x_train": np.full((12, 8, 8), np.nan)}, "NaN or inf"),
        ({"y_train": np.arange(12) * 1.0}, "integer class labels"),
        ({"y_train": np.arange(12)}, r"labels outside 0\.\.2"),
        ({"y_test": np.arange(5) % 3}, "one label per item"),
        ({"x_train": np.array([["a"] * 8] * 12)}, "must be numeric"),
    ],
)
def test_malformed_npz_gives_a_clear_error(override, message):
    with pytest.raises(LinearityError, match=message):
        parse_npz(npz_bytes(**good_arrays(**override)))


def test_npz_size_limit_and_garbage():
    with pytest.raises(LinearityError, match="the limit is"):
        parse_npz(npz_bytes(**good_arrays()), max_bytes=100)
    with pytest.raises(LinearityError, match=r"not a valid \.npz"):
        parse_npz(b"PK\x03\x04 not really")


class Explodes:
    """Unpickling this writes a marker: proof that code in an upload ran."""

    marker = None

    def __reduce__(self):
        return (Explodes.touch, (str(Explodes.marker),))

    @staticmethod
    def touch(path):
        with open(path, "w") as fh:  # noqa: PTH123 - runs only if unpickled
            fh.write("ran")


def test_object_arrays_are_refused_without_unpickling(tmp_path):
    Explodes.marker = tmp_path / "marker"
    evil = np.array([Explodes()], dtype=object)
    raw = npz_bytes(**good_arrays(class_names=evil))
    assert b"Explodes" in raw  # the payload really is a pickle of that class
    with pytest.raises(LinearityError, match="object arrays"):
        parse_npz(raw)
    assert not Explodes.marker.exists()


def test_select_instances_is_seeded_and_balanced():
    labels = np.repeat(np.arange(4), 50)
    a = select_instances(labels, n_instances=30, per_class=None, seed=1)
    assert len(set(a.tolist())) == 30
    np.testing.assert_array_equal(a, select_instances(labels, n_instances=30, per_class=None,
                                                      seed=1))  # fmt: skip
    per = select_instances(labels, n_instances=None, per_class=7, seed=1)
    assert np.bincount(labels[per]).tolist() == [7, 7, 7, 7]
    assert labels[per][:8].tolist() == [0, 1, 2, 3, 0, 1, 2, 3]  # classes grow together

"""Dataset registry: Fashion-MNIST lookup order and errors, user npz validation."""

import io
import resource
import zipfile

import numpy as np
import pytest

from linearity_core.data import datasets, npz, registry, user
from linearity_core.data.datasets import clear_dataset_cache, load_dataset, select_instances
from linearity_core.data.idx import write_idx
from linearity_core.data.npz import read_npz
from linearity_core.data.sources import FASHION_FILES
from linearity_core.errors import LinearityError
from linearity_core.service.catalog import accept_dataset


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
    clear_dataset_cache()
    yield
    clear_dataset_cache()


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
    clear_dataset_cache()
    assert load_dataset("fashion_mnist").fingerprint == first
    changed = arrays["x_test"].copy()
    changed[0, 0, 0] ^= 1
    write_idx(folder / f"{FASHION_FILES['x_test']}.gz", changed)
    clear_dataset_cache()
    assert load_dataset("fashion_mnist").fingerprint != first


def test_no_source_lists_the_remedies(no_fashion_source):
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
    dataset_id = accept_dataset(npz_bytes(**good_arrays()), "my pets.npz")
    assert dataset_id.startswith("npz:my_pets-")
    assert dataset_id in registry.list_datasets()
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
        read_npz(npz_bytes(**good_arrays(**override)))


def test_garbage_is_not_an_npz():
    with pytest.raises(LinearityError, match=r"not a valid \.npz"):
        read_npz(b"PK\x03\x04 not really")


def zero_bomb(megabytes: int) -> bytes:
    """A valid .npz whose x_train is `megabytes` MB of zeros, deflated to a few hundred KB."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for key, value in good_arrays().items():
            if key != "x_train":
                with archive.open(f"{key}.npy", "w") as fh:
                    np.lib.format.write_array(fh, np.asarray(value))
        header = io.BytesIO()
        shape = (megabytes * 2**20 // 64, 8, 8)
        np.lib.format.write_array_header_1_0(
            header, {"descr": "|u1", "fortran_order": False, "shape": shape}
        )
        with archive.open("x_train.npy", "w", force_zip64=True) as fh:
            fh.write(header.getvalue())
            block = bytes(2**20)
            for _ in range(megabytes):
                fh.write(block)
    return buffer.getvalue()


def peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def test_a_decompression_bomb_is_refused_before_it_is_read():
    bomb = zero_bomb(313)
    assert len(bomb) < 2 * 2**20  # small on the wire, 313 MB once decompressed
    before = peak_rss_mb()
    with pytest.raises(LinearityError, match="would decompress to 313 MB; the limit is 256 MB"):
        accept_dataset(bomb, "bomb.npz")
    assert peak_rss_mb() - before < 100  # nothing near 313 MB was ever allocated
    assert not any(d.startswith("npz:bomb") for d in registry.list_datasets())


def test_many_members_are_bounded_in_total(monkeypatch):
    monkeypatch.setattr(npz, "MAX_TOTAL_BYTES", 2000)
    with pytest.raises(LinearityError, match="in all"):
        read_npz(npz_bytes(**good_arrays(x_test=np.zeros((6, 8, 8)))))  # 3 KB of float64


def test_one_stray_label_is_refused_with_the_class_limit():
    labels = np.arange(12) % 3
    labels[5] = 200_000
    with pytest.raises(LinearityError, match="200,001 classes; at most 1,000"):
        read_npz(npz_bytes(**good_arrays(y_train=labels, class_names=None)))


def test_feature_vectors_are_a_dataset_too():
    arrays = good_arrays(
        x_train=np.random.default_rng(0).random((12, 20)),
        x_test=np.random.default_rng(1).random((6, 20)),
    )
    data = load_dataset(accept_dataset(npz_bytes(**arrays), "vectors.npz"))
    assert data.input_shape == (20,)


def test_an_upload_is_parsed_once(monkeypatch):
    calls = []
    real = user.read_npz
    monkeypatch.setattr(user, "read_npz", lambda raw: calls.append(1) or real(raw))
    dataset_id = accept_dataset(npz_bytes(**good_arrays()), "once.npz")
    load_dataset(dataset_id)
    load_dataset(dataset_id)
    assert len(calls) == 1


def test_the_dataset_cache_is_bounded(tmp_path):
    ids = [
        accept_dataset(npz_bytes(**good_arrays(y_test=np.arange(6) % k)), f"d{k}.npz")
        for k in (1, 2, 3)
    ]
    for dataset_id in ids:
        load_dataset(dataset_id)
    assert len(datasets._CACHE._items) == datasets.DATASET_CACHE_SIZE


def test_a_removed_dataset_file_is_a_clear_error():
    dataset_id = accept_dataset(npz_bytes(**good_arrays()), "gone.npz")
    clear_dataset_cache()
    (registry.user_datasets_dir() / f"{dataset_id[4:]}.npz").unlink()
    with pytest.raises(LinearityError, match="unknown dataset"):
        load_dataset(dataset_id)


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
    with pytest.raises(LinearityError, match="unpickling"):
        read_npz(raw)
    assert not Explodes.marker.exists()


def test_select_instances_is_seeded_and_balanced():
    labels = np.repeat(np.arange(4), 50)
    a = select_instances(labels, n_instances=30, per_class=None, seed=1)
    assert len(set(a.tolist())) == 30
    np.testing.assert_array_equal(
        a, select_instances(labels, n_instances=30, per_class=None, seed=1)
    )
    per = select_instances(labels, n_instances=None, per_class=7, seed=1)
    assert np.bincount(labels[per]).tolist() == [7, 7, 7, 7]
    assert labels[per][:8].tolist() == [0, 1, 2, 3, 0, 1, 2, 3]  # classes grow together

"""IDX parsing on files written here, and on Debian's real Fashion-MNIST where installed."""

import numpy as np
import pytest

from linearity_core.data.idx import read_idx, write_idx
from linearity_core.data.sources import DEBIAN_FASHION_DIR, FASHION_FILES
from linearity_core.errors import LinearityError


@pytest.mark.parametrize("name", ["images-idx3-ubyte", "images-idx3-ubyte.gz"])
def test_round_trip(tmp_path, name):
    images = np.random.default_rng(0).integers(0, 256, (7, 5, 4), dtype=np.uint8)
    write_idx(tmp_path / name, images)
    np.testing.assert_array_equal(read_idx(tmp_path / name, 3), images)


def test_truncated_file_names_the_file(tmp_path):
    path = tmp_path / "train-labels-idx1-ubyte"
    write_idx(path, np.arange(10, dtype=np.uint8))
    path.write_bytes(path.read_bytes()[:-3])
    with pytest.raises(LinearityError, match=r"train-labels-idx1-ubyte.*truncated"):
        read_idx(path, 1)


def test_wrong_magic_is_refused(tmp_path):
    path = tmp_path / "t10k-images-idx3-ubyte"
    write_idx(path, np.zeros((2, 3), np.uint8))  # a 2-d file where images need 3-d
    with pytest.raises(LinearityError, match="t10k-images-idx3-ubyte: not an IDX file of 3-d"):
        read_idx(path, 3)
    path.write_bytes(b"\x12\x34\x08\x03" + bytes(12))
    with pytest.raises(LinearityError, match="magic 12340803"):
        read_idx(path, 3)


def test_truncated_gzip_is_a_clear_error(tmp_path):
    path = tmp_path / "x.gz"
    write_idx(path, np.zeros((50, 28, 28), np.uint8))
    path.write_bytes(path.read_bytes()[:40])
    with pytest.raises(LinearityError, match=r"x\.gz: cannot read IDX file"):
        read_idx(path, 3)


@pytest.mark.skipif(not DEBIAN_FASHION_DIR.is_dir(), reason="dataset-fashion-mnist not installed")
def test_debian_fashion_mnist_files():
    def path(stem):
        return next(p for p in DEBIAN_FASHION_DIR.iterdir() if p.name.startswith(stem))

    train = read_idx(path(FASHION_FILES["x_train"]), 3)
    test = read_idx(path(FASHION_FILES["x_test"]), 3)
    assert train.shape == (60000, 28, 28) and test.shape == (10000, 28, 28)
    y_train = read_idx(path(FASHION_FILES["y_train"]), 1)
    y_test = read_idx(path(FASHION_FILES["y_test"]), 1)
    assert np.bincount(y_train).tolist() == [6000] * 10
    assert np.bincount(y_test).tolist() == [1000] * 10

"""Shared fixtures: every test gets its own empty LINEARITY_HOME."""

import io
import os

import numpy as np
import pytest

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")


@pytest.fixture(autouse=True)
def linearity_home(tmp_path, monkeypatch):
    home = tmp_path / "home"
    monkeypatch.setenv("LINEARITY_HOME", str(home))
    monkeypatch.setenv("LINEARITY_PREWARM", "0")  # tests that want it turn it on
    return home


@pytest.fixture
def tiny_dataset(linearity_home) -> str:
    """Three classes of 8x8 images told apart by brightness, saved as a user .npz dataset."""
    from linearity_core.service.catalog import accept_dataset

    rng = np.random.default_rng(0)
    y_train, y_test = np.arange(90) % 3, np.arange(30) % 3
    x_train = (rng.random((90, 8, 8)) * 80 + y_train[:, None, None] * 80).astype(np.uint8)
    x_test = (rng.random((30, 8, 8)) * 80 + y_test[:, None, None] * 80).astype(np.uint8)
    buffer = io.BytesIO()
    np.savez(
        buffer,
        x_train=x_train,
        y_train=y_train,
        x_test=x_test,
        y_test=y_test,
        class_names=np.array(["dark", "mid", "bright"]),
    )
    return accept_dataset(buffer.getvalue(), "tiny.npz")


@pytest.fixture
def no_fashion_source(tmp_path, monkeypatch):
    """Fashion-MNIST is nowhere: no Debian package, no Keras cache, no network."""
    import keras

    from linearity_core.data import sources

    monkeypatch.delenv("LINEARITY_DATA_DIR", raising=False)
    monkeypatch.setattr(sources, "DEBIAN_FASHION_DIR", tmp_path / "none")
    monkeypatch.setattr(sources, "KERAS_CACHE", tmp_path / "keras")

    def offline():
        raise OSError("no network")

    monkeypatch.setattr(keras.datasets.fashion_mnist, "load_data", offline)

"""Tiny real Keras models for engine tests (no downloads)."""

import numpy as np
import pytest


def tiny_cnn(activation="relu", seed=0):
    """The seed CNN's layout at toy size: conv, act, pool, dropout, flatten, dense, softmax."""
    import keras

    keras.utils.set_random_seed(seed)
    inp = keras.Input((6, 6, 1), name="input")
    h = keras.layers.Conv2D(4, 2, padding="same", name="conv")(inp)
    h = keras.layers.Activation(activation, name="act")(h)
    h = keras.layers.MaxPooling2D(2, name="pool")(h)
    h = keras.layers.Dropout(0.3, name="drop")(h)
    h = keras.layers.Flatten(name="flat")(h)
    h = keras.layers.Dense(8, name="dense_1")(h)
    h = keras.layers.Activation("tanh", name="tanh")(h)
    h = keras.layers.Dense(3, name="dense_2")(h)
    out = keras.layers.Activation("softmax", name="softmax")(h)
    return keras.Model(inp, out)


@pytest.fixture(scope="session")
def cnn():
    return tiny_cnn()


@pytest.fixture(scope="session")
def images():
    rng = np.random.default_rng(0)
    x = rng.random((23, 6, 6, 1)).astype(np.float32)
    y = rng.integers(0, 3, size=23)
    return x, y

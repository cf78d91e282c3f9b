"""Small random datasets written as the `.npz` a user uploads."""

import io

import numpy as np


def random_classes_npz(item_shape, n_train, n_test, n_classes, **extra) -> bytes:
    """uint8 items drawn at random, labels cycling 0..n_classes-1; ``extra`` arrays (say
    ``class_names``) go in too."""
    rng = np.random.default_rng(0)
    buffer = io.BytesIO()
    arrays = {
        f"x_{split}": rng.integers(0, 256, (n, *item_shape)).astype(np.uint8)
        for split, n in (("train", n_train), ("test", n_test))
    }
    labels = {
        f"y_{split}": np.arange(n) % n_classes
        for split, n in (("train", n_train), ("test", n_test))
    }
    np.savez(buffer, **arrays, **labels, **extra)
    return buffer.getvalue()

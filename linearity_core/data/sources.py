"""Where the built-in datasets' raw arrays come from.

Fashion-MNIST is looked for in order (DESIGN.md §4): ``$LINEARITY_DATA_DIR``, Debian's
``dataset-fashion-mnist``, the Keras cache, then a Keras download. MNIST and CIFAR-10
come through Keras.
"""

from collections.abc import Callable
from pathlib import Path

import numpy as np

from linearity_core.data.idx import read_idx
from linearity_core.errors import LinearityError
from linearity_core.paths import data_dir

Arrays = tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]
DEBIAN_FASHION_DIR = Path("/usr/share/datasets/fashion-mnist")
KERAS_CACHE = Path.home() / ".keras" / "datasets"
FASHION_FILES = {
    "x_train": "train-images-idx3-ubyte",
    "y_train": "train-labels-idx1-ubyte",
    "x_test": "t10k-images-idx3-ubyte",
    "y_test": "t10k-labels-idx1-ubyte",
}
FASHION_CLASSES = (
    "T-shirt/top",
    "Trouser",
    "Pullover",
    "Dress",
    "Coat",
    "Sandal",
    "Shirt",
    "Sneaker",
    "Bag",
    "Ankle boot",
)
CIFAR10_CLASSES = (
    "airplane",
    "automobile",
    "bird",
    "cat",
    "deer",
    "dog",
    "frog",
    "horse",
    "ship",
    "truck",
)


def fashion_dirs() -> list[Path]:
    """Where Fashion-MNIST is looked for, in order (DESIGN.md §4)."""
    dirs = [data_dir(), DEBIAN_FASHION_DIR, KERAS_CACHE / "fashion-mnist"]
    return [d for d in dirs if d is not None]


def _idx_file(directory: Path, stem: str) -> Path | None:
    for name in (stem, stem + ".gz"):
        if (directory / name).is_file():
            return directory / name
    return None


def find_fashion_dir() -> Path | None:
    for d in fashion_dirs():
        if all(_idx_file(d, stem) for stem in FASHION_FILES.values()):
            return d
    return None


def load_fashion_mnist() -> Arrays:
    directory = find_fashion_dir()
    if directory is None:
        try:
            import keras

            keras.datasets.fashion_mnist.load_data()  # downloads into the Keras cache
        except Exception as exc:
            raise LinearityError(
                "Fashion-MNIST was not found and could not be downloaded "
                f"({type(exc).__name__}). Remedies: install Debian's package "
                "(apt-get install dataset-fashion-mnist), connect to the internet once, or set "
                "LINEARITY_DATA_DIR to a folder with the four IDX files. Looked in: "
                + ", ".join(str(d) for d in fashion_dirs())
            ) from exc
        directory = find_fashion_dir()
        if directory is None:
            raise LinearityError("the Fashion-MNIST download did not produce the IDX files")
    files = {key: _idx_file(directory, stem) for key, stem in FASHION_FILES.items()}
    arrays = {
        key: read_idx(path, 3 if key.startswith("x") else 1)
        for key, path in files.items()
        if path is not None
    }
    for split in ("train", "test"):
        if len(arrays[f"x_{split}"]) != len(arrays[f"y_{split}"]):
            raise LinearityError(
                f"{files[f'x_{split}']} and {files[f'y_{split}']} hold different numbers of items"
            )
    return arrays["x_train"], arrays["y_train"], arrays["x_test"], arrays["y_test"]


def keras_loader(name: str) -> Callable[[], Arrays]:
    def load() -> Arrays:
        try:
            import keras

            (x_train, y_train), (x_test, y_test) = getattr(keras.datasets, name).load_data()
        except Exception as exc:
            raise LinearityError(
                f"{name} is not in the Keras cache ({KERAS_CACHE}) and could not be "
                f"downloaded ({type(exc).__name__}: {str(exc)[:120]}); connect to the "
                "internet once and it is cached, or pick another dataset"
            ) from exc
        return x_train, y_train.reshape(-1), x_test, y_test.reshape(-1)

    return load


def keras_cached(path: Path) -> Callable[[], bool]:
    return path.exists

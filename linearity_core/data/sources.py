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
MNIST1D_CLASSES = tuple(str(i) for i in range(10))
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


def load_mnist1d() -> Arrays:
    """MNIST-1D as the paper made it: ``make_dataset`` with its default arguments (4,000
    training and 1,000 test signals of length 40), built offline from the package's own
    templates. The package seeds NumPy's global generator; it is put back afterwards."""
    try:
        from mnist1d.data import get_dataset_args, make_dataset
    except ImportError as exc:
        raise LinearityError(
            "MNIST-1D needs the mnist1d package: pip install -r requirements.txt"
        ) from exc
    state = np.random.get_state()  # noqa: NPY002 - the package seeds the global generator
    try:
        data = make_dataset(get_dataset_args())
    finally:
        np.random.set_state(state)  # noqa: NPY002
    x_train, x_test = (np.asarray(data[k], np.float32) for k in ("x", "x_test"))
    y_train, y_test = (np.asarray(data[k], np.int64) for k in ("y", "y_test"))
    return x_train, y_train, x_test, y_test

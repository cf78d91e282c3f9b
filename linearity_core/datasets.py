"""Dataset registry and loaders: Fashion-MNIST (the default), MNIST, CIFAR-10, user npz.

Every loader returns images as float32 in [0, 1] with a channel axis, and int labels.
"""

import hashlib
import io
import zipfile
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

import numpy as np

from linearity_core.errors import LinearityError
from linearity_core.idx import read_idx
from linearity_core.paths import data_dir, linearity_home

Arrays = tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]
DEBIAN_FASHION_DIR = Path("/usr/share/datasets/fashion-mnist")
KERAS_CACHE = Path.home() / ".keras" / "datasets"
FASHION_FILES = {
    "x_train": "train-images-idx3-ubyte",
    "y_train": "train-labels-idx1-ubyte",
    "x_test": "t10k-images-idx3-ubyte",
    "y_test": "t10k-labels-idx1-ubyte",
}
FASHION_CLASSES = ("T-shirt/top", "Trouser", "Pullover", "Dress", "Coat", "Sandal", "Shirt",
                   "Sneaker", "Bag", "Ankle boot")  # fmt: skip
CIFAR10_CLASSES = ("airplane", "automobile", "bird", "cat", "deer", "dog", "frog", "horse",
                   "ship", "truck")  # fmt: skip
MAX_NPZ_BYTES = 1024 * 2**20
NPZ_KEYS = ("x_train", "y_train", "x_test", "y_test")


@dataclass(frozen=True)
class DatasetSpec:
    """What the registry knows about a dataset before loading it."""

    id: str
    name: str
    class_names: tuple[str, ...]
    input_shape: tuple[int, ...]
    load_raw: Callable[[], Arrays] = field(repr=False, compare=False)
    available: Callable[[], bool] = field(repr=False, compare=False)
    description: str = ""


@dataclass(frozen=True, eq=False)
class Dataset:
    """A loaded dataset with its content fingerprint (for cache keys)."""

    spec: DatasetSpec
    x_train: np.ndarray
    y_train: np.ndarray
    x_test: np.ndarray
    y_test: np.ndarray
    fingerprint: str

    @property
    def id(self) -> str:
        return self.spec.id

    @property
    def class_names(self) -> tuple[str, ...]:
        return self.spec.class_names

    @property
    def input_shape(self) -> tuple[int, ...]:
        return tuple(self.x_train.shape[1:])

    def split(self, name: str) -> tuple[np.ndarray, np.ndarray]:
        return (self.x_test, self.y_test) if name == "test" else (self.x_train, self.y_train)


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
    arrays = {key: read_idx(path, 3 if key.startswith("x") else 1)
              for key, path in files.items() if path is not None}  # fmt: skip
    for split in ("train", "test"):
        if len(arrays[f"x_{split}"]) != len(arrays[f"y_{split}"]):
            raise LinearityError(
                f"{files[f'x_{split}']} and {files[f'y_{split}']} hold different numbers of items"
            )
    return arrays["x_train"], arrays["y_train"], arrays["x_test"], arrays["y_test"]


def _keras_loader(name: str) -> Callable[[], Arrays]:
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


def _cached(path: Path) -> Callable[[], bool]:
    return path.exists


def _npz_available(path: Path) -> Callable[[], bool]:
    return path.is_file


def parse_npz(data: bytes | Path, max_bytes: int = MAX_NPZ_BYTES) -> tuple[Arrays, tuple[str, ...]]:
    """Validated arrays and class names of a user's ``.npz`` (never unpickles)."""
    raw = data.read_bytes() if isinstance(data, Path) else data
    if len(raw) > max_bytes:
        raise LinearityError(f"the .npz is {len(raw) / 2**20:.0f} MB; the limit is "
                             f"{max_bytes / 2**20:.0f} MB")  # fmt: skip
    if not zipfile.is_zipfile(io.BytesIO(raw)):
        raise LinearityError("not a valid .npz file (it is not a zip archive or is truncated)")
    try:
        with np.load(io.BytesIO(raw), allow_pickle=False) as npz:
            missing = [k for k in NPZ_KEYS if k not in npz.files]
            if missing:
                raise LinearityError(
                    f"the .npz lacks {', '.join(missing)}; it needs x_train, y_train, x_test, "
                    "y_test and optionally class_names"
                )
            arrays = {k: npz[k] for k in (*NPZ_KEYS, "class_names") if k in npz.files}
    except LinearityError:
        raise
    except ValueError as exc:
        if "allow_pickle" in str(exc):
            raise LinearityError(
                "the .npz holds object arrays, which would need unpickling; save plain "
                "numeric arrays (and class_names as strings) instead"
            ) from exc
        raise LinearityError(f"the .npz could not be read: {exc}") from exc
    except Exception as exc:
        raise LinearityError(f"the .npz could not be read ({exc}); is it truncated?") from exc
    return validate_arrays(arrays)


def validate_arrays(arrays: dict[str, np.ndarray]) -> tuple[Arrays, tuple[str, ...]]:
    x_train, y_train, x_test, y_test = (arrays[k] for k in NPZ_KEYS)
    for key, x in (("x_train", x_train), ("x_test", x_test)):
        if not np.issubdtype(x.dtype, np.number) or np.issubdtype(x.dtype, np.complexfloating):
            raise LinearityError(f"{key} must be numeric, got dtype {x.dtype}")
        if not 2 <= x.ndim <= 4:
            raise LinearityError(
                f"{key} has {x.ndim} dimensions; use (n, features), (n, h, w) or (n, h, w, c)"
            )
        if len(x) == 0:
            raise LinearityError(f"{key} is empty")
        if np.issubdtype(x.dtype, np.floating) and not np.all(np.isfinite(x)):
            raise LinearityError(f"{key} contains NaN or inf values")
    if x_train.shape[1:] != x_test.shape[1:]:
        raise LinearityError(f"x_train items are {x_train.shape[1:]} but x_test items are "
                             f"{x_test.shape[1:]}; they must match")  # fmt: skip
    names = tuple(str(n) for n in arrays["class_names"]) if "class_names" in arrays else None
    n_classes = len(names) if names else int(max(y_train.max(initial=0), y_test.max(initial=0))) + 1
    for key, y, x in (("y_train", y_train, x_train), ("y_test", y_test, x_test)):
        if not np.issubdtype(y.dtype, np.integer):
            raise LinearityError(f"{key} must hold integer class labels, got dtype {y.dtype}")
        y = y.reshape(-1) if y.ndim == 2 and y.shape[1] == 1 else y
        if y.ndim != 1 or len(y) != len(x):
            raise LinearityError(f"{key} must be one label per item: {y.shape} for {len(x)} items")
        if y.min() < 0 or y.max() >= n_classes:
            raise LinearityError(f"{key} has labels outside 0..{n_classes - 1}")
    return (x_train, y_train.reshape(-1), x_test, y_test.reshape(-1)), names or tuple(
        str(i) for i in range(n_classes)
    )


def user_datasets_dir() -> Path:
    return linearity_home() / "datasets"


def _npz_spec(path: Path) -> DatasetSpec:
    def load() -> Arrays:
        return parse_npz(path)[0]

    return DatasetSpec(f"npz:{path.stem}", f"{path.stem} (npz)", (), (), load,
                       _npz_available(path), "your own arrays")  # fmt: skip


BUILTIN = {
    spec.id: spec
    for spec in (
        DatasetSpec("fashion_mnist", "Fashion-MNIST", FASHION_CLASSES, (28, 28, 1),
                    load_fashion_mnist, lambda: find_fashion_dir() is not None,
                    "70,000 28×28 greyscale clothing images in 10 classes"),
        DatasetSpec("mnist", "MNIST", tuple(str(i) for i in range(10)), (28, 28, 1),
                    _keras_loader("mnist"), _cached(KERAS_CACHE / "mnist.npz"),
                    "70,000 28×28 handwritten digits (Keras download)"),
        DatasetSpec("cifar10", "CIFAR-10", CIFAR10_CLASSES, (32, 32, 3),
                    _keras_loader("cifar10"), _cached(KERAS_CACHE / "cifar-10-batches-py"),
                    "60,000 32×32 colour images in 10 classes (Keras download)"),
    )
}  # fmt: skip


def list_datasets() -> dict[str, DatasetSpec]:
    """Built-in datasets, then the user's saved ``.npz`` datasets."""
    user = {}
    if user_datasets_dir().is_dir():
        user = {s.id: s for s in map(_npz_spec, sorted(user_datasets_dir().glob("*.npz")))}
    return {**BUILTIN, **user}


def save_user_npz(data: bytes, name: str) -> str:
    """Validate and keep an uploaded ``.npz``; returns its dataset id."""
    parse_npz(data)
    stem = "".join(c if c.isalnum() or c in "-_" else "_" for c in Path(name).stem)[:40] or "data"
    stem = f"{stem}-{hashlib.sha256(data).hexdigest()[:8]}"
    user_datasets_dir().mkdir(parents=True, exist_ok=True)
    (user_datasets_dir() / f"{stem}.npz").write_bytes(data)
    return f"npz:{stem}"


def to_float_images(x: np.ndarray) -> np.ndarray:
    """float32 in [0, 1] for uint8 input, with a channel axis for (n, h, w) images."""
    out = x.astype(np.float32) / 255.0 if x.dtype == np.uint8 else x.astype(np.float32)
    return out[..., None] if out.ndim == 3 else out


def fingerprint(arrays: Any) -> str:
    digest = hashlib.sha256()
    for arr in arrays:
        arr = np.ascontiguousarray(arr)
        digest.update(f"{arr.dtype.str}{arr.shape}".encode())
        digest.update(arr.tobytes())
    return digest.hexdigest()[:16]


@cache
def load_dataset(dataset_id: str) -> Dataset:
    """Load, convert and fingerprint a dataset once per process."""
    specs = list_datasets()
    if dataset_id not in specs:
        raise LinearityError(f"unknown dataset {dataset_id!r}; choose one of {', '.join(specs)}")
    spec = specs[dataset_id]
    raw = spec.load_raw()
    x_train, y_train, x_test, y_test = raw
    class_names = spec.class_names
    if dataset_id.startswith("npz:"):
        class_names = parse_npz(user_datasets_dir() / f"{dataset_id[4:]}.npz")[1]
    x_train, x_test = to_float_images(x_train), to_float_images(x_test)
    spec = DatasetSpec(spec.id, spec.name, class_names, tuple(x_train.shape[1:]),
                       spec.load_raw, spec.available, spec.description)  # fmt: skip
    return Dataset(spec, x_train, y_train.astype(np.int64), x_test, y_test.astype(np.int64),
                   fingerprint(raw))  # fmt: skip


def select_instances(
    labels: np.ndarray, *, n_instances: int | None, per_class: int | None, seed: int | None
) -> np.ndarray:
    """Positions of the instances a run scores: a seeded random subset, or up to
    ``per_class`` of each class, interleaved class by class so that every class's
    histogram grows from the first chunk on.

    >>> labels = np.array([0, 1, 0, 1, 1])
    >>> labels[select_instances(labels, n_instances=None, per_class=2, seed=0)].tolist()
    [0, 1, 0, 1]
    """
    rng = np.random.default_rng(seed)
    if per_class is None:
        assert n_instances is not None
        return rng.choice(len(labels), size=min(n_instances, len(labels)), replace=False)
    chosen = [rng.permutation(np.flatnonzero(labels == c))[:per_class] for c in np.unique(labels)]
    rank = np.concatenate([np.arange(len(c)) for c in chosen])
    idx = np.concatenate(chosen)
    return idx[np.argsort(rank, kind="stable")]  # round-robin over classes

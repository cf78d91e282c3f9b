"""Dataset registry and loaders: Fashion-MNIST (the default), MNIST, CIFAR-10, user npz.

Every loader returns images as float32 in [0, 1] with a channel axis, and int labels.
"""

import threading
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from linearity_core.data.npz import NpzArrays, read_npz
from linearity_core.data.sources import (
    CIFAR10_CLASSES,
    FASHION_CLASSES,
    KERAS_CACHE,
    Arrays,
    find_fashion_dir,
    keras_cached,
    keras_loader,
    load_fashion_mnist,
)
from linearity_core.errors import LinearityError
from linearity_core.hashing import content_hash
from linearity_core.measure.config import RunConfig
from linearity_core.paths import linearity_home

# Loaded datasets kept in memory (Fashion-MNIST as float32 is 220 MB); older ones are dropped.
DATASET_CACHE_SIZE = 2


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

    def sampling_reference(self, config: RunConfig) -> np.ndarray:
        """What a run's samples are drawn against (the engine's ``x_reference``): grid
        takes its feature range from the run's split, knn its neighbours from the
        training set. Runs and the instance drill-down both use it, so they agree."""
        return self.split(config.split)[0] if config.measure.method == "grid" else self.x_train


def user_datasets_dir() -> Path:
    return linearity_home() / "datasets"


def _npz_spec(path: Path) -> DatasetSpec:
    def load() -> Arrays:
        npz = read_user_npz(path)
        return npz.x_train, npz.y_train, npz.x_test, npz.y_test

    return DatasetSpec(
        f"npz:{path.stem}", f"{path.stem} (npz)", (), (), load, path.is_file, "your own arrays"
    )


def read_user_npz(path: Path) -> NpzArrays:
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise LinearityError(
            f"the dataset file {path.name} cannot be read ({exc.strerror}); upload it again "
            "on the Data page"
        ) from exc
    try:
        return read_npz(raw)
    except LinearityError as exc:
        raise LinearityError(f"{path.name}: {exc}") from exc


BUILTIN = {
    spec.id: spec
    for spec in (
        DatasetSpec(
            "fashion_mnist",
            "Fashion-MNIST",
            FASHION_CLASSES,
            (28, 28, 1),
            load_fashion_mnist,
            lambda: find_fashion_dir() is not None,
            "70,000 28×28 greyscale clothing images in 10 classes",
        ),
        DatasetSpec(
            "mnist",
            "MNIST",
            tuple(str(i) for i in range(10)),
            (28, 28, 1),
            keras_loader("mnist"),
            keras_cached(KERAS_CACHE / "mnist.npz"),
            "70,000 28×28 handwritten digits (Keras download)",
        ),
        DatasetSpec(
            "cifar10",
            "CIFAR-10",
            CIFAR10_CLASSES,
            (32, 32, 3),
            keras_loader("cifar10"),
            keras_cached(KERAS_CACHE / "cifar-10-batches-py"),
            "60,000 32×32 colour images in 10 classes (Keras download)",
        ),
    )
}


def list_datasets() -> dict[str, DatasetSpec]:
    """Built-in datasets, then the user's saved ``.npz`` datasets."""
    user = {}
    if user_datasets_dir().is_dir():
        user = {s.id: s for s in map(_npz_spec, sorted(user_datasets_dir().glob("*.npz")))}
    return {**BUILTIN, **user}


def save_user_npz(data: bytes, name: str) -> str:
    """Validate and keep an uploaded ``.npz``; returns its dataset id.

    The file is parsed once: the dataset it makes goes straight into the cache.
    """
    npz = read_npz(data)
    stem = "".join(c if c.isalnum() or c in "-_" else "_" for c in Path(name).stem)[:40] or "data"
    stem = f"{stem}-{content_hash(data, length=8)}"
    user_datasets_dir().mkdir(parents=True, exist_ok=True)
    path = user_datasets_dir() / f"{stem}.npz"
    path.write_bytes(data)
    spec = _npz_spec(path)
    _CACHE.put(
        spec.id, _dataset(spec, npz.class_names, (npz.x_train, npz.y_train, npz.x_test, npz.y_test))
    )
    return spec.id


def to_float_images(x: np.ndarray) -> np.ndarray:
    """float32 in [0, 1] for uint8 input, with a channel axis for (n, h, w) images."""
    out = x.astype(np.float32) / 255.0 if x.dtype == np.uint8 else x.astype(np.float32)
    return out[..., None] if out.ndim == 3 else out


def fingerprint(arrays: Arrays) -> str:
    """Content hash of a dataset's raw arrays (part of every run key)."""
    return content_hash(*arrays, length=16)


class DatasetCache:
    """The most recently used datasets, at most ``size``; one load per id at a time."""

    def __init__(self, size: int):
        self.size = size
        self._items: OrderedDict[tuple[Path, str], Dataset] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, dataset_id: str, load: Callable[[], "Dataset"]) -> "Dataset":
        key = (linearity_home(), dataset_id)  # user datasets live in a home
        with self._lock:  # loads are rare and big: two sessions must not load one twice
            if key not in self._items:
                self._items[key] = load()
            self._items.move_to_end(key)
            while len(self._items) > self.size:
                self._items.popitem(last=False)
            return self._items[key]

    def put(self, dataset_id: str, dataset: "Dataset") -> None:
        self.get(dataset_id, lambda: dataset)

    def clear(self) -> None:
        with self._lock:
            self._items.clear()


_CACHE = DatasetCache(DATASET_CACHE_SIZE)


def _dataset(spec: DatasetSpec, class_names: tuple[str, ...], raw: Arrays) -> Dataset:
    x_train, y_train, x_test, y_test = raw
    x_train, x_test = to_float_images(x_train), to_float_images(x_test)
    spec = DatasetSpec(
        spec.id,
        spec.name,
        class_names,
        tuple(x_train.shape[1:]),
        spec.load_raw,
        spec.available,
        spec.description,
    )
    return Dataset(
        spec, x_train, y_train.astype(np.int64), x_test, y_test.astype(np.int64), fingerprint(raw)
    )


def load_dataset(dataset_id: str) -> Dataset:
    """The dataset, loaded, converted and fingerprinted once and then kept in a small cache.

    Parameters
    ----------
    dataset_id
        A built-in id (``fashion_mnist``, ``mnist``, ``cifar10``) or ``npz:NAME`` for a
        user's dataset; ``list_datasets()`` names them all.
    """
    specs = list_datasets()
    if dataset_id not in specs:
        raise LinearityError(f"unknown dataset {dataset_id!r}; choose one of {', '.join(specs)}")
    spec = specs[dataset_id]

    def load() -> Dataset:
        if dataset_id.startswith("npz:"):
            npz = read_user_npz(user_datasets_dir() / f"{dataset_id[4:]}.npz")
            return _dataset(
                spec, npz.class_names, (npz.x_train, npz.y_train, npz.x_test, npz.y_test)
            )
        return _dataset(spec, spec.class_names, spec.load_raw())

    return _CACHE.get(dataset_id, load)


def clear_dataset_cache() -> None:
    """Forget loaded datasets (tests switch homes; a user dataset may have been replaced)."""
    _CACHE.clear()


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

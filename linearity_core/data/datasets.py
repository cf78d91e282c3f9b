"""Loaded datasets: Fashion-MNIST (the default), MNIST, CIFAR-10, MNIST-1D and the
user's own, fingerprinted once and kept in a small cache.

Images come as float32 in [0, 1] with a channel axis, signals as float32 ``(n, length)``,
with int labels. A regression dataset (float targets) keeps its targets and labels each
item by the quarter of the training targets it falls in, so the per-class views show
how linearity changes from low to high targets.
"""

import threading
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Literal

import numpy as np

from linearity_core.data.npz import NpzArrays
from linearity_core.data.registry import USER_PREFIX, DatasetSpec, list_datasets
from linearity_core.data.sources import Arrays
from linearity_core.errors import LinearityError
from linearity_core.hashing import content_hash
from linearity_core.measure.config import RunConfig
from linearity_core.paths import linearity_home

# Loaded datasets kept in memory (Fashion-MNIST as float32 is 220 MB); older ones are dropped.
DATASET_CACHE_SIZE = 2
QUARTERS = ("lowest quarter", "second quarter", "third quarter", "highest quarter")
Task = Literal["classification", "regression"]


@dataclass(frozen=True, eq=False)
class Dataset:
    """A loaded dataset with its content fingerprint (for cache keys)."""

    spec: DatasetSpec
    x_train: np.ndarray
    y_train: np.ndarray
    x_test: np.ndarray
    y_test: np.ndarray
    fingerprint: str
    t_train: np.ndarray | None = None  # a regression dataset's targets, (n,) or (n, k)
    t_test: np.ndarray | None = None

    @property
    def id(self) -> str:
        return self.spec.id

    @property
    def class_names(self) -> tuple[str, ...]:
        return self.spec.class_names

    @property
    def input_shape(self) -> tuple[int, ...]:
        return tuple(self.x_train.shape[1:])

    @property
    def task(self) -> Task:
        return "regression" if self.t_train is not None else "classification"

    def split(self, name: str) -> tuple[np.ndarray, np.ndarray]:
        return (self.x_test, self.y_test) if name == "test" else (self.x_train, self.y_train)

    def targets(self, name: str) -> np.ndarray:
        """A regression dataset's targets of split ``name``."""
        found = self.t_test if name == "test" else self.t_train
        if found is None:
            raise LinearityError(f"{self.spec.name} is not a regression dataset")
        return found

    def sampling_reference(self, config: RunConfig) -> np.ndarray:
        """What a run's samples are drawn against (the engine's ``x_reference``): grid
        takes its feature range from the run's split, knn its neighbours from the
        training set. Runs and the instance drill-down both use it, so they agree."""
        return self.split(config.split)[0] if config.measure.method == "grid" else self.x_train


def to_float_images(x: np.ndarray) -> np.ndarray:
    """float32 in [0, 1] for uint8 input, with a channel axis for (n, h, w) images."""
    out = x.astype(np.float32) / 255.0 if x.dtype == np.uint8 else x.astype(np.float32)
    return out[..., None] if out.ndim == 3 else out


def fingerprint(arrays: Arrays) -> str:
    """Content hash of a dataset's raw arrays (part of every run key)."""
    return content_hash(*arrays, length=16)


def quarter_labels(train: np.ndarray, targets: np.ndarray) -> np.ndarray:
    """The quarter of the training targets (first column) each target falls in, 0..3.

    >>> quarter_labels(np.arange(8.0), np.array([0.0, 3.5, 7.0])).tolist()
    [0, 2, 3]
    """
    bounds = np.quantile(train.reshape(len(train), -1)[:, 0], [0.25, 0.5, 0.75])
    return np.searchsorted(bounds, targets.reshape(len(targets), -1)[:, 0], side="right")


def make_dataset(spec: DatasetSpec, arrays: NpzArrays) -> Dataset:
    """A dataset from validated arrays: classes, or regression targets."""
    raw = (arrays.x_train, arrays.y_train, arrays.x_test, arrays.y_test)
    x_train, x_test = to_float_images(arrays.x_train), to_float_images(arrays.x_test)
    shaped = replace(spec, input_shape=tuple(x_train.shape[1:]))
    if arrays.regression:
        t_train, t_test = arrays.y_train, arrays.y_test
        y_train, y_test = quarter_labels(t_train, t_train), quarter_labels(t_train, t_test)
        spec = replace(shaped, class_names=QUARTERS)
        return Dataset(spec, x_train, y_train, x_test, y_test, fingerprint(raw), t_train, t_test)
    spec = replace(shaped, class_names=arrays.class_names)
    y_train, y_test = arrays.y_train.astype(np.int64), arrays.y_test.astype(np.int64)
    return Dataset(spec, x_train, y_train, x_test, y_test, fingerprint(raw))


class DatasetCache:
    """The most recently used datasets, at most ``size``; one load per id at a time."""

    def __init__(self, size: int):
        self.size = size
        self._items: OrderedDict[tuple[Path, str], Dataset] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, dataset_id: str, load: Callable[[], Dataset]) -> Dataset:
        key = (linearity_home(), dataset_id)  # user datasets live in a home
        with self._lock:  # loads are rare and big: two sessions must not load one twice
            if key not in self._items:
                self._items[key] = load()
            self._items.move_to_end(key)
            while len(self._items) > self.size:
                self._items.popitem(last=False)
            return self._items[key]

    def put(self, dataset_id: str, dataset: Dataset) -> None:
        self.get(dataset_id, lambda: dataset)

    def clear(self) -> None:
        with self._lock:
            self._items.clear()


_CACHE = DatasetCache(DATASET_CACHE_SIZE)


def load_dataset(dataset_id: str) -> Dataset:
    """The dataset, loaded, converted and fingerprinted once and then kept in a small cache.

    Parameters
    ----------
    dataset_id
        A built-in id (``fashion_mnist``, ``mnist``, ``cifar10``, ``mnist1d``) or
        ``npz:NAME`` for a user's dataset; ``list_datasets()`` names them all.
    """
    specs = list_datasets()
    if dataset_id not in specs:
        raise LinearityError(f"unknown dataset {dataset_id!r}; choose one of {', '.join(specs)}")
    spec = specs[dataset_id]

    def load() -> Dataset:
        if dataset_id.startswith(USER_PREFIX):
            from linearity_core.data.user import read_user_dataset

            return make_dataset(spec, read_user_dataset(dataset_id))
        x_train, y_train, x_test, y_test = spec.load_raw()
        raw = NpzArrays(x_train, y_train.reshape(-1), x_test, y_test.reshape(-1), spec.class_names)
        return make_dataset(spec, raw)

    return _CACHE.get(dataset_id, load)


def remember_dataset(dataset_id: str, arrays: NpzArrays) -> Dataset:
    """Put a just-uploaded dataset into the cache, so it is not read back at once."""
    dataset = make_dataset(list_datasets()[dataset_id], arrays)
    _CACHE.put(dataset_id, dataset)
    return dataset


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
        if n_instances is None:
            raise LinearityError("give n_instances or per_class")
        return rng.choice(len(labels), size=min(n_instances, len(labels)), replace=False)
    chosen = [rng.permutation(np.flatnonzero(labels == c))[:per_class] for c in np.unique(labels)]
    rank = np.concatenate([np.arange(len(c)) for c in chosen])
    idx = np.concatenate(chosen)
    return idx[np.argsort(rank, kind="stable")]  # round-robin over classes

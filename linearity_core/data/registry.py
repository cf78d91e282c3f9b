"""What datasets there are, before any is loaded: the built-in ones and the user's own."""

import contextlib
import json
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

from linearity_core.data.sources import (
    CIFAR10_CLASSES,
    FASHION_CLASSES,
    KERAS_CACHE,
    MNIST1D_CLASSES,
    Arrays,
    find_fashion_dir,
    keras_cached,
    keras_loader,
    load_fashion_mnist,
    load_mnist1d,
)
from linearity_core.defaults import BATCH_SIZE
from linearity_core.paths import linearity_home

ItemKind = Literal["images", "signals"]
USER_PREFIX = "npz:"


@dataclass(frozen=True)
class TrainingRecipe:
    """How the built-in models train on a dataset: Adam at ``learning_rate``, batches of
    ``batch_size``, and ``repeats`` passes over the training split per epoch (so one
    epoch of a small dataset is a useful amount of training)."""

    batch_size: int = BATCH_SIZE
    learning_rate: float = 1e-3
    repeats: int = 1


# The notebook's: Adam's default rate, batch 64, one pass an epoch.
NOTEBOOK_RECIPE = TrainingRecipe()
# MNIST-1D's paper: Adam at 1e-2, batch 100, 6,000 steps; with 4,000 signals and 30
# passes an epoch, the notebook's 5 epochs are those 6,000 steps.
MNIST1D_RECIPE = TrainingRecipe(batch_size=100, learning_rate=1e-2, repeats=30)


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
    items: ItemKind = "images"  # how the Data page draws them, and which models fit
    training: TrainingRecipe = NOTEBOOK_RECIPE


def user_datasets_dir() -> Path:
    return linearity_home() / "datasets"


def _no_raw() -> Arrays:
    raise NotImplementedError("user datasets are read by data.user")


def user_spec(path: Path) -> DatasetSpec:
    """A saved user dataset: its id from the file, its name from the name the user gave."""
    name = f"{path.stem} (npz)"
    # Saved before names were kept, or the name file is gone: the file's name stays.
    with contextlib.suppress(OSError, ValueError, KeyError, TypeError):
        name = str(json.loads(path.with_suffix(".json").read_text())["name"])
    return DatasetSpec(
        f"{USER_PREFIX}{path.stem}", name, (), (), _no_raw, path.is_file, "your own data"
    )


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
        DatasetSpec(
            "mnist1d",
            "MNIST-1D",
            MNIST1D_CLASSES,
            (40,),
            load_mnist1d,
            lambda: True,
            "5,000 1-D signals of length 40 in 10 classes, made offline (Greydanus 2020)",
            items="signals",
            training=MNIST1D_RECIPE,
        ),
    )
}


def list_datasets() -> dict[str, DatasetSpec]:
    """Built-in datasets, then the user's saved datasets."""
    folder = user_datasets_dir()
    user = (
        {s.id: s for s in map(user_spec, sorted(folder.glob("*.npz")))} if folder.is_dir() else {}
    )
    return {**BUILTIN, **user}

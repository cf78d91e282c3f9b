"""Training with progress reports, cancellation and a fixed seed."""

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from linearity_core.data.datasets import Dataset
from linearity_core.errors import LinearityError
from linearity_core.models.architectures import ARCHITECTURES, compile_for_training

# Built-in models on larger items would need a dense layer of billions of weights (a
# 1000x1000 image made the seed CNN's first dense layer 4 GB).
MAX_BUILTIN_FEATURES = 128 * 128 * 3
# Evaluation takes at most this many bytes of input per batch.
EVAL_BATCH_BYTES = 16 * 2**20
# The live training chart gets a loss point every this many batches.
CURVE_EVERY = 5
# Called with (epoch, model, history) after every epoch, e.g. to keep a checkpoint.
EpochHook = Callable[[int, Any, dict[str, list[float]]], None]


@dataclass(frozen=True)
class TrainingProgress:
    """Where training stands; sent after every batch and every epoch."""

    epoch: int  # 1-based epoch in progress
    epochs: int
    batch: int  # batches done in this epoch
    batches: int
    loss: float
    accuracy: float
    history: dict[str, list[float]] = field(default_factory=dict)
    epoch_end: bool = False
    curve: tuple[tuple[float, float], ...] = ()  # (epochs so far, batch loss), from the start

    @property
    def fraction(self) -> float:
        return ((self.epoch - 1) + self.batch / max(1, self.batches)) / max(1, self.epochs)


@dataclass(frozen=True)
class TrainedModel:
    model: Any
    test_accuracy: float
    history: dict[str, list[float]]
    training_s: float
    stopped: bool = False


def build_model(
    arch_id: str,
    input_shape: tuple[int, ...],
    n_classes: int,
    seed: int,
    learning_rate: float = 1e-3,
) -> Any:
    """A freshly initialised model; the same seed gives the same weights."""
    if arch_id not in ARCHITECTURES:
        raise LinearityError(f"unknown model {arch_id!r}; choose one of {', '.join(ARCHITECTURES)}")
    arch = ARCHITECTURES[arch_id]
    if not arch.fits(tuple(input_shape)):
        takes = "1-D signals" if arch.inputs == "signals" else "images (height, width, channels)"
        raise LinearityError(
            f"{arch.name} takes {takes}, not items of shape {tuple(input_shape)}; pick a "
            "model that takes this dataset's items"
        )
    features = int(np.prod(input_shape))
    if features > MAX_BUILTIN_FEATURES:
        raise LinearityError(
            f"the built-in models take items of up to {MAX_BUILTIN_FEATURES:,} values "
            f"(128x128x3); these have {features:,} {tuple(input_shape)}, which would make "
            "their dense layer too large to hold. Resize the images, or upload your own model"
        )
    import keras

    keras.utils.set_random_seed(seed)
    try:
        model = arch.build(input_shape, n_classes)
    except ValueError as exc:
        raise LinearityError(
            f"{arch_id} cannot be built for inputs of shape {input_shape}: {exc}"
        ) from exc
    return compile_for_training(model, learning_rate)


def _progress_callback(
    epochs: int,
    batches: int,
    on_progress: Callable[[TrainingProgress], None] | None,
    should_stop: Callable[[], bool] | None,
    on_epoch: EpochHook | None,
) -> Any:
    import keras

    class Progress(keras.callbacks.Callback):
        def __init__(self) -> None:
            super().__init__()
            self.epoch = 0
            self.history: dict[str, list[float]] = {"loss": [], "accuracy": [], "val_accuracy": []}
            self.stopped = False
            self.curve: list[tuple[float, float]] = []  # a point every few batches

        def on_epoch_begin(self, epoch: int, logs: Any = None) -> None:
            self.epoch = epoch + 1

        def on_train_batch_end(self, batch: int, logs: Any = None) -> None:
            logs = logs or {}
            loss = float(logs.get("loss", np.nan))
            if batch % CURVE_EVERY == 0 or batch + 1 == batches:
                self.curve.append((self.epoch - 1 + (batch + 1) / batches, loss))
            if on_progress is not None:
                on_progress(
                    TrainingProgress(
                        self.epoch,
                        epochs,
                        batch + 1,
                        batches,
                        loss,
                        float(logs.get("accuracy", np.nan)),
                        self.copy(),
                        curve=tuple(self.curve),
                    )
                )
            if should_stop is not None and should_stop():
                self.stopped = True
                self.model.stop_training = True

        def copy(self) -> dict[str, list[float]]:
            return {key: list(values) for key, values in self.history.items()}

        def on_epoch_end(self, epoch: int, logs: Any = None) -> None:
            if self.stopped:  # Keras ends a stopped epoch early; it is no checkpoint
                return
            logs = logs or {}
            for key in self.history:
                self.history[key].append(float(logs.get(key, np.nan)))
            if on_progress is not None:
                on_progress(
                    TrainingProgress(
                        self.epoch,
                        epochs,
                        batches,
                        batches,
                        self.history["loss"][-1],
                        self.history["accuracy"][-1],
                        self.copy(),
                        epoch_end=True,
                        curve=tuple(self.curve),
                    )
                )
            if on_epoch is not None:
                on_epoch(self.epoch, self.model, self.copy())

    return Progress()


def train(
    arch_id: str,
    dataset: Dataset,
    *,
    epochs: int = 5,
    seed: int = 0,
    on_progress: Callable[[TrainingProgress], None] | None = None,
    should_stop: Callable[[], bool] | None = None,
    on_epoch: EpochHook | None = None,
    train_subset: int | None = None,
) -> TrainedModel:
    """Train with the dataset's recipe (the notebook's: Adam, batch 64); ``epochs=0``
    gives the untrained model.

    The test set doubles as validation data, so every epoch reports its accuracy.

    Parameters
    ----------
    arch_id
        An architecture of ``ARCHITECTURES``.
    dataset
        Trained on its training split, validated on its test split.
    epochs, seed
        How long, and from which initial weights and shuffles.
    on_progress
        Called after every batch and every epoch with a ``TrainingProgress``.
    should_stop
        Polled after every batch; True stops training (the result says ``stopped``).
    on_epoch
        Called as ``on_epoch(epoch, model, history)`` after each whole epoch.
    train_subset
        Train on the first items only (quick tests).
    """
    if epochs < 0:
        raise LinearityError(f"epochs must be 0 or more, got {epochs}")
    import keras

    n_classes = len(dataset.class_names)
    recipe = dataset.spec.training
    model = build_model(arch_id, dataset.input_shape, n_classes, seed, recipe.learning_rate)
    x, y = dataset.x_train, dataset.y_train
    if train_subset is not None:
        x, y = x[:train_subset], y[:train_subset]
    if recipe.repeats > 1:  # several passes make one epoch; fit shuffles across them
        x, y = np.concatenate([x] * recipe.repeats), np.concatenate([y] * recipe.repeats)
    y_test = keras.utils.to_categorical(dataset.y_test, n_classes)
    started = time.perf_counter()
    history: dict[str, list[float]] = {"loss": [], "accuracy": [], "val_accuracy": []}
    stopped = False
    if epochs > 0:
        batches = -(-len(x) // recipe.batch_size)
        callback = _progress_callback(epochs, batches, on_progress, should_stop, on_epoch)
        model.fit(
            x,
            keras.utils.to_categorical(y, n_classes),
            batch_size=recipe.batch_size,
            epochs=epochs,
            validation_data=(dataset.x_test, y_test),
            shuffle=True,
            callbacks=[callback],
            verbose=0,
        )
        history, stopped = callback.history, callback.stopped
    training_s = time.perf_counter() - started
    item_bytes = 4 * int(np.prod(dataset.input_shape))
    batch = max(8, min(512, EVAL_BATCH_BYTES // item_bytes))  # bounded by item size too
    _, accuracy = model.evaluate(dataset.x_test, y_test, batch_size=batch, verbose=0)
    return TrainedModel(model, float(accuracy), history, training_s, stopped)

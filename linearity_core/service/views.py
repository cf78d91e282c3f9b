"""What the pages show, one function per view, so a page keeps only widgets and layout:
a model's layer table and the names its notes use, the runs of a selection, the
instances a chart points at, one instance drilled into, and a model's accuracy."""

import threading
from collections import OrderedDict
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

import numpy as np

from linearity_core.analysis.errors import ErrorSummary, error_summary
from linearity_core.analysis.extremes import Extremes, class_extremes, worst_mistakes
from linearity_core.analysis.instance import InstanceProfile, instance_profile, instance_samples
from linearity_core.analysis.lesson import STEPS as LESSON
from linearity_core.analysis.lesson import Step, Verdict
from linearity_core.analysis.mistakes import MistakeSummary, mistake_summary
from linearity_core.analysis.overlay import MAX_RUNS as OVERLAY_MAX
from linearity_core.analysis.overlay import Overlay, overlay_runs
from linearity_core.analysis.sweep import growth, lattice_floor, sweep_epsilons, sweep_frame
from linearity_core.data.datasets import Dataset
from linearity_core.measure.config import RunConfig
from linearity_core.measure.layer_table import LayerRow, TeachingNames, layer_rows, teaching_names
from linearity_core.measure.probes import is_onnx, model_outputs
from linearity_core.measure.results import RunResult
from linearity_core.measure.sampling import KnnIndex
from linearity_core.service.runinfo import Listing, RunInfo
from linearity_core.service.runstore import RunStore
from linearity_core.service.selection import ModelHandle

__all__ = [
    "LESSON",
    "OVERLAY_MAX",
    "Extremes",
    "InstanceView",
    "LayerRow",
    "MistakeSummary",
    "Overlay",
    "Step",
    "TeachingNames",
    "Verdict",
    "class_extremes",
    "growth",
    "instance_view",
    "lattice_floor",
    "mistakes_of",
    "model_layers",
    "model_score",
    "overlay_runs",
    "runs_of",
    "sweep_epsilons",
    "sweep_frame",
    "teaching",
    "worst_mistakes",
]
# Items scored for a model's accuracy on the Model page: enough for two decimals.
ACCURACY_ITEMS = 2000


@lru_cache(maxsize=16)
def _rows(fingerprint: str, model: Any, shape: tuple[int, ...]) -> tuple[LayerRow, ...]:
    return tuple(layer_rows(model, shape))


def model_layers(handle: ModelHandle, dataset: Dataset) -> list[LayerRow]:
    """Every layer a run scores, in graph order, with its kind and what feeds it."""
    return list(_rows(handle.fingerprint, handle.model, dataset.input_shape))


def teaching(handle: ModelHandle, dataset: Dataset) -> TeachingNames:
    """The model's own layers that the teaching notes name."""
    return teaching_names(model_layers(handle, dataset))


def runs_of(handle: ModelHandle, dataset: Dataset) -> list[RunInfo]:
    """The stored runs of this model on this dataset, newest first: plain runs, then the
    runs made as part of an analysis (a sweep, an evolution)."""
    runs = [
        r
        for r in RunStore().list().runs
        if r.model_fingerprint == handle.fingerprint and r.data_fingerprint == dataset.fingerprint
    ]
    return [r for r in runs if not r.part_of] + [r for r in runs if r.part_of]


_MISTAKES: "OrderedDict[str, MistakeSummary]" = OrderedDict()
_ERRORS: "OrderedDict[str, ErrorSummary]" = OrderedDict()
SUMMARIES_KEPT = 32


def _once(cache: "OrderedDict[str, Any]", key: str, make: Any) -> Any:
    if key not in cache:
        cache[key] = make()
        while len(cache) > SUMMARIES_KEPT:
            cache.popitem(last=False)
    return cache[key]


def mistakes_of(key: str, result: RunResult) -> MistakeSummary:
    """The AUROC table of a finished run, computed once per run key (a redraw or a second
    session reuses it; two models never share one)."""
    return _once(_MISTAKES, key, lambda: mistake_summary(result))


def errors_of(key: str, result: RunResult) -> ErrorSummary:
    """A regression run's error table, computed once per run key."""
    return _once(_ERRORS, key, lambda: error_summary(result))


class _References:
    """Per dataset: the knn index of its training set, built once (not per redraw)."""

    def __init__(self, size: int = 2):
        self.size, self._lock = size, threading.Lock()
        self._items: OrderedDict[str, KnnIndex] = OrderedDict()

    def knn(self, dataset: Dataset) -> KnnIndex:
        key = f"{dataset.id}:{dataset.fingerprint}"
        with self._lock:
            if key not in self._items:
                self._items[key] = KnnIndex(dataset.x_train)
            self._items.move_to_end(key)
            while len(self._items) > self.size:
                self._items.popitem(last=False)
            return self._items[key]


_REFERENCES = _References()


@dataclass(frozen=True)
class InstanceView:
    """One instance of a run: its profile, image, the model's output and its samples."""

    profile: InstanceProfile
    image: np.ndarray
    output: np.ndarray  # the model's output for it (probabilities for a classifier)
    samples: np.ndarray  # the first samples it was scored on


def instance_view(
    handle: ModelHandle, dataset: Dataset, result: RunResult, index: int, k: int
) -> InstanceView:
    """Instance ``index`` of ``result`` drilled into; LinearityError if the run lacks it."""
    profile = instance_profile(result, index)
    x_split, _ = dataset.split(result.config.split)
    config: RunConfig = result.config
    if config.measure.method == "knn":
        rows = _REFERENCES.knn(dataset).neighbours(x_split[[index]], config.measure.n_samples)
        samples = dataset.x_train[rows[0][:k]]
    else:
        samples = instance_samples(x_split, dataset.sampling_reference(config), config, index, k)
    output = model_outputs(handle.model, x_split[[index]], config.output)[0]
    return InstanceView(profile, x_split[index], output, samples)


@lru_cache(maxsize=16)
def _score(fingerprint: str, data_fingerprint: str, model: Any, dataset: Dataset) -> float:
    x, y = dataset.x_test[:ACCURACY_ITEMS], dataset.y_test[:ACCURACY_ITEMS]
    out = model_outputs(model, x)
    if dataset.task == "regression":
        targets = dataset.targets("test")[: len(x)].reshape(len(x), -1)
        return float(np.sqrt(((out.reshape(len(x), -1) - targets) ** 2).mean()))
    return float((out.argmax(axis=1) == y).mean())


def model_score(handle: ModelHandle, dataset: Dataset) -> tuple[str, float, int]:
    """``(what, value, items)``: test accuracy (a classifier) or RMSE (a regressor) on up
    to ``ACCURACY_ITEMS`` test items of the selected data."""
    value = _score(handle.fingerprint, dataset.fingerprint, handle.model, dataset)
    what = "Test RMSE" if dataset.task == "regression" else "Test accuracy"
    return what, value, min(ACCURACY_ITEMS, len(dataset.x_test))


def answers(handle: ModelHandle, dataset: Dataset, split: str, rows: np.ndarray) -> list[str]:
    """The model's answer for items ``rows`` of ``split``: its class and confidence, or
    its value for a regressor."""
    x, _ = dataset.split(split)
    output = handle.selection.output if handle.selection is not None else None
    out = model_outputs(handle.model, x[rows], output)
    if dataset.task == "regression" or out.shape[1] != len(dataset.class_names):
        return [f"{v:.3g}" for v in out[:, 0]]
    probs = out if np.allclose(out.sum(axis=1), 1, atol=1e-3) else _softmax(out)
    labels = probs.argmax(axis=1)
    return [f"{dataset.class_names[c]} {100 * probs[k, c]:.0f}%" for k, c in enumerate(labels)]


def _softmax(z: np.ndarray) -> np.ndarray:
    e = np.exp(z - z.max(axis=1, keepdims=True))
    return np.asarray(e / e.sum(axis=1, keepdims=True))


def model_parameters(handle: ModelHandle) -> int:
    """How many weights the model has."""
    if is_onnx(handle.model):
        return sum(node.params for node in handle.model.nodes)
    return int(handle.model.count_params())


def stored_runs() -> Listing:
    """Every stored run (newest first), damaged entries named."""
    return RunStore().list()


def stored_run(key: str) -> RunResult | None:
    """A stored run by its key; None when it is gone or damaged."""
    return RunStore().load(key)


def delete_run(key: str) -> bool:
    """Move a run to the trash; ``restore_run`` brings it back for a week."""
    return RunStore().delete(key)


def restore_run(key: str) -> bool:
    return RunStore().restore(key)


LAYOUT_NOTES = {
    "nchw": "The model takes channels first (NCHW, as PyTorch does): each item is "
    "transposed from the data's (h, w, c) before it goes in.",
    "channel": "The model takes a channel axis the data lacks: each item gets one.",
    "flat": "The model takes flat vectors: each item is flattened before it goes in.",
}


def input_note(handle: ModelHandle, dataset: Dataset) -> str | None:
    """How the data's items are changed to fit the model's input, if they are."""
    if not is_onnx(handle.model):
        return None
    return LAYOUT_NOTES.get(handle.model.layout(dataset.input_shape))

"""Several runs' per-layer profiles on one axis: aligned by layer name where the runs
share their names, else by position (the seed CNN's activation variants name their
activations ``relu_1``, ``tanh_1``, ..., but stack the same layers in the same order)."""

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

import numpy as np

from linearity_core.errors import LinearityError
from linearity_core.measure.results import Measure, RunResult

MAX_RUNS = 6  # more lines than this cannot be told apart on one chart
Alignment = Literal["name", "position"]


@dataclass(frozen=True)
class Overlay:
    """Per run, the mean and standard error at each aligned slot (NaN where a run has no
    layer there); ``slots`` names the slots, ``layers[r][s]`` run ``r``'s layer in slot
    ``s`` ("" where it has none)."""

    by: Alignment
    slots: tuple[str, ...]
    runs: tuple[str, ...]
    layers: tuple[tuple[str, ...], ...]
    means: np.ndarray  # (runs, slots)
    sems: np.ndarray
    kinds: tuple[tuple[str, ...], ...]


def alignment(names: Sequence[Sequence[str]]) -> tuple[Alignment, list[str]]:
    """By name when every run's layers are among the longest run's (the same model with
    other layer picks or epochs); else by position. The slots are named after the longest
    run's layers (the first such run); each run's own names stay in ``Overlay.layers``.

    >>> alignment([["conv", "relu", "out"], ["conv", "out"]])
    ('name', ['conv', 'relu', 'out'])
    >>> alignment([["conv", "relu", "out"], ["conv", "tanh", "out"]])
    ('position', ['conv', 'relu', 'out'])
    """
    longest = max(names, key=len)
    by: Alignment = "name" if all(set(n) <= set(longest) for n in names) else "position"
    return by, list(longest)


def overlay_runs(
    results: Sequence[RunResult], labels: Sequence[str], measure: Measure = "raw"
) -> Overlay:
    """The runs' per-layer means on aligned slots (at most ``MAX_RUNS`` runs)."""
    if not 1 <= len(results) <= MAX_RUNS:
        raise LinearityError(f"overlay 1 to {MAX_RUNS} runs, not {len(results)}")
    names = [r.layer_names for r in results]
    by, slots = alignment(names)
    means = np.full((len(results), len(slots)), np.nan)
    sems = np.full_like(means, np.nan)
    layers, kinds = [], []
    for r, result in enumerate(results):
        summary = result.layer_summary(measure)
        where = [slots.index(n) for n in summary["layer"]] if by == "name" else range(len(summary))
        at = list(where)
        means[r, at] = summary["mean"].to_numpy()
        sems[r, at] = summary["sem"].to_numpy()
        row, kind_row = [""] * len(slots), [""] * len(slots)
        for s, name, kind in zip(at, summary["layer"], summary["kind"], strict=True):
            row[s], kind_row[s] = str(name), str(kind)
        layers.append(tuple(row))
        kinds.append(tuple(kind_row))
    return Overlay(by, tuple(slots), tuple(labels), tuple(layers), means, sems, tuple(kinds))

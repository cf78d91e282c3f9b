"""The instances a view points at: the most and least linear of a class at a layer, and
the most nonlinear mistakes."""

from dataclasses import dataclass

import numpy as np

from linearity_core.measure.results import RunResult


@dataclass(frozen=True)
class Extremes:
    """Rows of a run (not dataset indices): the most linear first, the least linear first."""

    most_linear: np.ndarray
    least_linear: np.ndarray


def class_extremes(result: RunResult, layer: str, label: int, k: int) -> Extremes:
    """The ``k`` most and least linear instances of class ``label`` at ``layer``.

    >>> from linearity_core.measure.results import toy_result
    >>> e = class_extremes(toy_result([[3.0], [1.0], [2.0]], labels=[0, 0, 1]), "out", 0, 1)
    >>> e.most_linear.tolist(), e.least_linear.tolist()
    ([1], [0])
    """
    j = result.layer_names.index(layer)
    rows = np.flatnonzero(result.labels == label)
    order = rows[np.argsort(result.scores[rows, j], kind="stable")]
    return Extremes(order[:k], order[::-1][:k])


def worst_mistakes(result: RunResult, layer: str, k: int) -> np.ndarray:
    """Rows of the ``k`` misclassified instances with the highest score at ``layer``."""
    j = result.layer_names.index(layer)
    wrong = np.flatnonzero(result.predicted != result.labels)
    return wrong[np.argsort(result.scores[wrong, j], kind="stable")[::-1]][:k]

"""One instance of a run, drilled into: its per-layer profile against its class's mean and
the run's mean, the samples it was scored on, and what the model answered."""

from dataclasses import dataclass
from typing import Any

import numpy as np

from linearity_core.errors import LinearityError
from linearity_core.measure.config import RunConfig
from linearity_core.measure.engine import chunk_plan
from linearity_core.measure.results import RunResult


@dataclass(frozen=True)
class InstanceProfile:
    """Scores of one instance (``index`` in its split) at every layer of a run."""

    index: int
    row: int  # its row in the run
    label: int
    predicted: int
    scores: np.ndarray  # (n_layers,)
    class_mean: np.ndarray  # (n_layers,) over the run's instances of the same label
    run_mean: np.ndarray  # (n_layers,) over all the run's instances
    rank: int  # 1 = the most nonlinear of the run at the output layer


def instance_profile(result: RunResult, index: int) -> InstanceProfile:
    """The profile of dataset instance ``index``; LinearityError if the run lacks it."""
    rows = np.flatnonzero(result.indices == index)
    if len(rows) == 0:
        raise LinearityError(f"instance {index} is not one of this run's {len(result.indices)}")
    row = int(rows[0])
    label = int(result.labels[row])
    output = result.scores[:, -1]
    return InstanceProfile(
        index=index,
        row=row,
        label=label,
        predicted=int(result.predicted[row]),
        scores=result.scores[row],
        class_mean=result.scores[result.labels == label].mean(axis=0),
        run_mean=result.scores.mean(axis=0),
        rank=int((output > output[row]).sum()) + 1,
    )


def instance_samples(
    x_split: np.ndarray, reference: np.ndarray, config: RunConfig, index: int, k: int
) -> np.ndarray:
    """The first ``k`` samples the run drew around instance ``index``, ``(k, *shape)``.

    The same samples as in the run, given the run's ``reference`` (its dataset's
    ``sampling_reference``): grid samples come from the instance's own stream and the
    feature range of ``reference``, knn samples are its nearest images in it.
    """
    plan = chunk_plan(x_split[[index]], np.array([index]), config.measure, None, reference)
    return plan.samples(0, 1)[0][:k]


def output_of(model: Any, image: np.ndarray) -> np.ndarray:
    """The model's output for one image: class probabilities for a softmax classifier."""
    return np.asarray(model(image[None].astype(np.float32), training=False))[0]

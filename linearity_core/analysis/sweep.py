"""At what neighbourhood size does each layer stop being linear? Per-layer linearity
against epsilon, on the same instances with the same per-instance streams."""

from dataclasses import replace

import numpy as np
import pandas as pd

from linearity_core import defaults
from linearity_core.errors import LinearityError
from linearity_core.measure.config import RunConfig
from linearity_core.measure.results import RunResult


def sweep_epsilons(low: float, high: float, count: int) -> tuple[float, ...]:
    """``count`` log-spaced values from ``low`` to ``high``, plus the notebook's 0.04 when
    it lies inside, so the sweep always contains the plain run.

    >>> sweep_epsilons(0.01, 0.16, 3)
    (0.01, 0.04, 0.16)
    """
    if not (0 < low < high) or count < 2:
        raise LinearityError("a sweep needs 0 < low < high and at least 2 epsilons")
    values = {round(float(v), 6) for v in np.geomspace(low, high, count)}
    if low <= defaults.EPSILON <= high:
        values.add(defaults.EPSILON)
    return tuple(sorted(values))


def sweep_configs(config: RunConfig, epsilons: tuple[float, ...]) -> list[RunConfig]:
    """The run config at each epsilon; everything else (instances, seed) unchanged."""
    return [replace(config, measure=replace(config.measure, epsilon=e)) for e in epsilons]


def sweep_frame(epsilons: tuple[float, ...], results: list[RunResult]) -> pd.DataFrame:
    """Tidy: one row per (epsilon, layer) with the mean score, its kind and whether the
    layer is linear there (float noise against its output's scale)."""
    frames = []
    for e, r in zip(epsilons, results, strict=True):
        summary = r.layer_summary()[["layer_index", "layer", "kind", "mean", "sem"]]
        frames.append(summary.assign(epsilon=e, linear=r.linear_layers()[summary["layer_index"]]))
    return pd.concat(frames, ignore_index=True)


def lattice_floor(res: int) -> float:
    """Below this epsilon the grid cannot take fewer than 2 steps: scores flatten there."""
    return 2.0 / res


def growth(frame: pd.DataFrame, floor: float = 0.0) -> pd.DataFrame:
    """Per layer, how its nonlinearity grows with epsilon: the slope of log L against
    log ε (fitted over the εs at or above ``floor``; about 1 for a kink such as ReLU, 2
    for a smooth curve), and the ε where L first reaches half of its largest value
    (log-interpolated). A linear layer gets neither.

    >>> f = pd.DataFrame({"layer_index": 0, "layer": "a", "epsilon": [0.01, 0.1, 1.0],
    ...                   "mean": [0.001, 0.01, 0.1], "linear": False})
    >>> row = growth(f).iloc[0]
    >>> round(float(row["slope"]), 3), round(float(row["half_at"]), 3)
    (1.0, 0.5)
    """
    rows = []
    for (_, layer), group in frame.groupby(["layer_index", "layer"], sort=True):
        group = group.sort_values("epsilon")
        if bool(group["linear"].all()):
            rows.append((layer, np.nan, np.nan, "linear: float noise at every ε"))
            continue
        eps, mean = group["epsilon"].to_numpy(float), group["mean"].to_numpy(float)
        use = (eps >= floor) & (mean > 0)
        slope = (
            float(np.polyfit(np.log(eps[use]), np.log(mean[use]), 1)[0])
            if use.sum() > 1
            else np.nan
        )
        half = 0.5 * mean.max()
        k = int(np.argmax(mean >= half))
        half_at = float(eps[k])
        if k > 0 and mean[k - 1] > 0:
            t = (np.log(half) - np.log(mean[k - 1])) / (np.log(mean[k]) - np.log(mean[k - 1]))
            half_at = float(np.exp(np.log(eps[k - 1]) + t * (np.log(eps[k]) - np.log(eps[k - 1]))))
        reads = "" if np.isnan(slope) else "kink-like" if slope < 1.5 else "smooth"
        rows.append((layer, slope, half_at, reads))
    return pd.DataFrame(rows, columns=["layer", "slope", "half_at", "reads"])

"""At what neighbourhood size does each layer stop being linear? Per-layer linearity
against epsilon, on the same instances with the same per-instance streams."""

from dataclasses import replace

import numpy as np
import pandas as pd

from linearity_core import defaults
from linearity_core.errors import LinearityError
from linearity_core.measure.config import RunConfig
from linearity_core.measure.results import RunResult

# A layer "breaks" where its score leaves this band around its value at the notebook's epsilon.
BAND = 0.10


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
    """Tidy: one row per (epsilon, layer) with the mean score and its kind."""
    frames = [
        r.layer_summary()[["layer_index", "layer", "kind", "mean", "sem"]].assign(epsilon=e)
        for e, r in zip(epsilons, results, strict=True)
    ]
    return pd.concat(frames, ignore_index=True)


def breaking_points(frame: pd.DataFrame, reference: float = defaults.EPSILON) -> pd.DataFrame:
    """Per layer, the epsilon above ``reference`` where the mean score first leaves
    ±BAND of its value at ``reference`` (log-interpolated); NaN when it never does."""
    rows = []
    for layer, group in frame.groupby("layer", sort=False):
        group = group.sort_values("epsilon")
        at_ref = group.loc[np.isclose(group["epsilon"], reference), "mean"]
        found = np.nan
        if len(at_ref) and at_ref.iloc[0] > 0:
            base = at_ref.iloc[0]
            above = group[group["epsilon"] >= reference]
            eps, ratio = above["epsilon"].to_numpy(), above["mean"].to_numpy() / base - 1
            outside = np.flatnonzero(np.abs(ratio) > BAND)
            if len(outside):
                k = outside[0]
                lo, hi = np.log(eps[k - 1]), np.log(eps[k])
                target = BAND * np.sign(ratio[k])
                t = (target - ratio[k - 1]) / (ratio[k] - ratio[k - 1])
                found = float(np.exp(lo + t * (hi - lo)))
        rows.append((layer, found))
    return pd.DataFrame(rows, columns=["layer", "breaks_at"])

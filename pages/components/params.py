"""The measure's parameters as widgets, with the notebook's defaults."""

from typing import Any

from linearity_core import defaults
from linearity_core.measure.config import MeasureConfig
from pages.components.state import choice, number


def measure_params(key: str, cols: list[Any]) -> MeasureConfig:
    """Samples, epsilon, resolution, sampling, aggregation and seed in six columns."""
    n_samples = number(
        cols[0],
        "Samples",
        f"{key}_samples",
        defaults.N_SAMPLES,
        1,
        500,
        help="Points drawn around each instance",
    )
    epsilon = number(
        cols[1],
        "Epsilon",
        f"{key}_epsilon",
        defaults.EPSILON,
        0.001,
        1.0,
        step=0.01,
        format="%.3f",
    )
    res = number(cols[2], "Resolution", f"{key}_res", defaults.RES, 1, 10_000)
    method = choice(cols[3], "Sampling", f"{key}_method", ["grid", "knn"])
    agg = choice(cols[4], "Aggregation", f"{key}_agg", ["global", "pairwise"])
    seed = number(cols[5], "Seed", f"{key}_seed", 0, 0, 2**31 - 1)
    return MeasureConfig(
        method=method,
        agg=agg,
        n_samples=int(n_samples),
        epsilon=float(epsilon),
        res=int(res),
        seed=int(seed),
    )

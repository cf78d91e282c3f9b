"""The measure's parameters as widgets, with the notebook's defaults, under the URL
schema's names."""

from collections.abc import Sequence
from typing import Any

import streamlit as st

from linearity_core import defaults
from linearity_core.measure.config import MeasureConfig
from linearity_core.measure.results import Measure
from pages.components.state import choice, number, view_param


def param_row(n: int) -> list[Any]:
    """``n`` places for fields, in one row that wraps by field on a narrow window."""
    row = st.container(horizontal=True, wrap=True, gap="small")
    return [row] * n


def instances_param(col: Any, page: str, n_test: int, default: int, help: str) -> int:
    """How many test images to score, at most the test split's size."""
    instances = number(
        col, "Instances", page, "instances", min(default, n_test), 1, n_test, help=help
    )
    return int(instances)


def measure_params(page: str, cols: Sequence[Any], with_epsilon: bool = True) -> MeasureConfig:
    """Samples, epsilon, resolution, sampling, aggregation and seed in six columns.

    Without ``with_epsilon`` (a page that sweeps it) there are five, and the notebook's
    epsilon is returned.
    """
    n_samples = number(
        cols[0],
        "Samples",
        page,
        "samples",
        defaults.N_SAMPLES,
        1,
        500,
        help="Points drawn around each instance",
    )
    epsilon = defaults.EPSILON
    if with_epsilon:
        epsilon = number(
            cols[1],
            "Epsilon",
            page,
            "epsilon",
            defaults.EPSILON,
            0.001,
            1.0,
            step=0.01,
            format="%.3f",
        )
    rest = cols[2:] if with_epsilon else cols[1:]
    res = number(rest[0], "Resolution", page, "res", defaults.RES, 1, 10_000)
    method = choice(rest[1], "Sampling", page, "method", ["grid", "knn"])
    agg = choice(rest[2], "Aggregation", page, "agg", ["global", "pairwise"])
    seed = number(
        rest[3], "Seed", page, "seed", 0, 0, 2**31 - 1, help="Of the samples and instances"
    )
    return MeasureConfig(
        method=method,
        agg=agg,
        n_samples=int(n_samples),
        epsilon=float(epsilon),
        res=int(res),
        seed=int(seed),
    )


# How scores are drawn; the run is the same either way, so switching costs nothing.
SCALES: dict[str, str] = {"raw": "raw (alibi's L)", "relative": "scale-free (L / spread)"}


def scale_param(col: Any, page: str) -> Measure:
    """Raw scores (alibi's, the default) or scale-free ones, which compare layers whose
    activations have different scales."""
    picked: Measure = choice(
        col,
        "Scores",
        page,
        "measure",
        list(SCALES),
        format_func=SCALES.__getitem__,
        help="Scale-free: each layer's L over the spread of its outputs over the same samples",
    )
    return picked


def scored_params(
    page: str, n_test: int, help: str, default: int = defaults.N_INSTANCES
) -> tuple[int, MeasureConfig, Measure]:
    """One row: how many test items, the measure's six parameters, and the Scores box."""
    cols = param_row(8)
    instances = instances_param(cols[0], page, n_test, default, help)
    return instances, measure_params(page, cols[1:]), scale_param(cols[0], page)


def per_layer_param(page: str) -> bool:
    """Whether a heatmap shows each layer against its own largest value."""
    return bool(
        view_param(
            st.checkbox,
            "Heatmap: each layer to its largest (class differences within a layer)",
            page,
            "normalised",
            False,
        )
    )

"""Heatmaps of mean scores with layers down: layer x class and layer x epoch, raw or with
each layer to its own largest value (so one layer's large scores do not hide the rest)."""

import numpy as np
import plotly.graph_objects as go

from linearity_core.measure.results import Measure, RunResult
from linearity_core.present.figures import TEMPLATE
from linearity_core.present.text import plain, plain_all


def per_layer(z: np.ndarray) -> np.ndarray:
    """Each row divided by its largest value, so differences within a layer show even
    when one layer's scores dwarf the others'.

    >>> per_layer(np.array([[1.0, 2.0], [10.0, 40.0], [0.0, 0.0]])).tolist()
    [[0.5, 1.0], [0.25, 1.0], [0.0, 0.0]]
    """
    top = np.nanmax(np.abs(z), axis=1, keepdims=True)
    return np.asarray(np.where(top > 0, z / np.where(top > 0, top, 1), 0.0))


def layer_class_heatmap(
    result: RunResult, measure: Measure = "raw", normalised: bool = False
) -> go.Figure:
    """Mean score for every (layer, class), from one run over all layers."""
    summary = result.class_summary(measure=measure)
    table = summary.pivot(index="layer_index", columns="label", values="mean")
    labels = sorted(table.columns)
    z = table[labels].to_numpy()
    columns = [plain(result.class_name(int(c))) for c in labels]
    layers = plain_all(result.layer_names[i] for i in table.index)
    fig = layer_heatmap(per_layer(z) if normalised else z, columns, layers, "class", normalised)
    title = "Mean linearity by layer and class" + (" (each layer to its largest)" * normalised)
    fig.update_layout(title=title, height=max(350, 28 * len(table)))
    return fig


def layer_heatmap(
    z: np.ndarray, columns: list[str], layers: list[str], axis: str, normalised: bool = False
) -> go.Figure:
    """Mean scores with layers down (first on top) and ``columns`` across, named ``axis``
    (both already shown as text)."""
    what = "share of the layer's largest" if normalised else "mean L"
    fig = go.Figure(
        go.Heatmap(
            z=z,
            x=columns,
            y=layers,
            colorscale="Viridis",
            colorbar={"title": what},
            hovertemplate=f"%{{y}} · {axis} %{{x}}<br>{what} %{{z:.4g}}<extra></extra>",
        )
    )
    fig.update_layout(template=TEMPLATE, xaxis_title=axis, yaxis={"autorange": "reversed"})
    return fig

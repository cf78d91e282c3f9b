"""Pure figure builders: a result in, a Plotly figure out. Nothing is recomputed here.

Names that come from data or uploads (layers, classes, models) are shown as text
(``present.text.plain``). Scores are the raw measure (alibi's) or the scale-free one.
"""

from collections.abc import Iterable, Sequence
from typing import Any

import numpy as np
import pandas as pd
import plotly.express as px
import plotly.graph_objects as go

from linearity_core.measure.results import Measure, RunResult
from linearity_core.present.text import plain, plain_all

# One colour per layer kind, on every chart; the output layer is red everywhere.
KIND_COLOURS = {
    "linear": "#4c78a8",
    "activation": "#f58518",
    "pooling": "#54a24b",
    "identity": "#b8b8b8",
    "other": "#9d755d",
}
OUTPUT_COLOUR = "#e45756"
# One colour per layer where lines are told apart by layer (the Epsilon chart).
LAYER_COLOURS = px.colors.qualitative.Dark24
COMPARE_COLOURS = ("#4c78a8", "#f58518")
TEMPLATE = "plotly_white"
SCORE_LABEL = "linearity L (lower = more linear)"
LABELS: dict[str, str] = {
    "raw": SCORE_LABEL,
    "relative": "scale-free L (L / spread of the layer's outputs)",
}


def progress_note(result: RunResult) -> str:
    if result.partial:
        return f" · {len(result.indices)} of {result.n_planned} instances"
    return f" · {len(result.indices)} instances"


def layer_colours(result: RunResult, kinds: Iterable[str], names: Iterable[str]) -> list[str]:
    output = result.output_layer
    return [
        OUTPUT_COLOUR if n == output else KIND_COLOURS[k] for n, k in zip(names, kinds, strict=True)
    ]


def layer_bars(
    result: RunResult,
    title: str | None = None,
    measure: Measure = "raw",
    highlight: Sequence[str] = (),
) -> go.Figure:
    """Mean linearity per layer with standard-error bars; colour = layer kind, output in
    red; with ``highlight``, the other layers are faded."""
    summary = result.layer_summary(measure)
    names = plain_all(summary["layer"])
    reads = np.where(summary["linear"], "linear: float noise", summary["kind"])
    opacity = [1.0 if not highlight or n in highlight else 0.25 for n in summary["layer"]]
    fig = go.Figure(
        go.Bar(
            x=names,
            y=summary["mean"],
            marker_opacity=opacity,
            marker_color=layer_colours(result, summary["kind"], summary["layer"]),
            error_y={"type": "data", "array": summary["sem"], "visible": True},
            customdata=np.stack([reads, summary["std"], summary["n"]], axis=1),
            hovertemplate="<b>%{x}</b> (%{customdata[0]})<br>mean %{y:.4g} ± %{error_y.array:.2g}"
            "<br>std %{customdata[1]:.3g}, n = %{customdata[2]}<extra></extra>",
            name="mean L",
            showlegend=False,
        )
    )
    for kind, colour in KIND_COLOURS.items():  # legend entries for the colours
        if kind in set(summary["kind"]):
            fig.add_trace(go.Bar(x=[None], y=[None], marker_color=colour, name=kind))
    fig.add_trace(go.Bar(x=[None], y=[None], marker_color=OUTPUT_COLOUR, name="output layer"))
    fig.update_layout(
        template=TEMPLATE,
        title={"text": plain(title or "Linearity per layer") + progress_note(result)},
        xaxis_title="layer",
        yaxis_title=LABELS[measure],
        bargap=0.25,
        barmode="overlay",
        legend={"orientation": "h", "y": -0.25, "yanchor": "top", "x": 0, "xanchor": "left"},
        margin={"t": 60},
    )
    fig.update_xaxes(categoryorder="array", categoryarray=names)
    return fig


def layer_skeleton(names: Sequence[str], title: str) -> go.Figure:
    """The layers a run will score, before it has: the axes the bars will grow on."""
    fig = go.Figure(go.Bar(x=plain_all(names), y=[0] * len(names), marker_color="#e8e8e8"))
    fig.update_layout(
        template=TEMPLATE,
        title=f"{plain(title)} · press Run",
        xaxis_title="layer",
        yaxis={"title": SCORE_LABEL, "range": [0, 1]},
        margin={"t": 60},
    )
    return fig


def class_histograms(
    result: RunResult, layer: str, bins: int = 30, measure: Measure = "raw"
) -> go.Figure:
    """One histogram per class (facets with shared axes) of a layer's scores."""
    frame = result.to_frame()
    frame = frame[frame["layer"] == layer].assign(
        value=lambda f: f["relative" if measure == "relative" else "score"],
        class_name=lambda f: plain_all(f["class_name"]),
    )
    order = [plain(result.class_name(c)) for c in sorted(set(result.labels.tolist()))]
    wrap = 5 if len(order) > 6 else len(order) or 1
    fig = px.histogram(
        frame,
        x="value",
        facet_col="class_name",
        facet_col_wrap=wrap,
        nbins=bins,
        category_orders={"class_name": order},
        template=TEMPLATE,
        color_discrete_sequence=[KIND_COLOURS["linear"]],
        hover_data=["instance"],
    )
    fig.for_each_annotation(lambda a: a.update(text=a.text.split("=", 1)[-1]))
    fig.update_layout(
        title=f"Distribution per class · {plain(layer)}" + progress_note(result),
        bargap=0.05,
        margin={"t": 80},
    )
    fig.update_xaxes(title_text="")
    return fig


def class_means(result: RunResult, layer: str, measure: Measure = "raw") -> go.Figure:
    """Mean score per class with standard-error bars."""
    summary = result.class_summary(layer, measure)
    fig = go.Figure(
        go.Bar(
            x=plain_all(summary["class_name"]),
            y=summary["mean"],
            marker_color="#72b7b2",
            error_y={"type": "data", "array": summary["sem"], "visible": True},
            hovertemplate="<b>%{x}</b><br>mean %{y:.4g} ± %{error_y.array:.2g}<extra></extra>",
        )
    )
    fig.update_layout(
        template=TEMPLATE,
        title=f"Mean per class · {plain(layer)}",
        xaxis_title="class",
        yaxis_title=LABELS[measure],
    )
    return fig


def class_counts(y_train: np.ndarray, y_test: np.ndarray, class_names: Sequence[str]) -> go.Figure:
    n = len(class_names)
    frame = pd.DataFrame(
        {
            "class": plain_all(class_names) * 2,
            "count": np.concatenate(
                [np.bincount(y_train, minlength=n), np.bincount(y_test, minlength=n)]
            ),
            "split": ["train"] * n + ["test"] * n,
        }
    )
    return px.bar(
        frame,
        x="class",
        y="count",
        color="split",
        barmode="group",
        template=TEMPLATE,
        color_discrete_sequence=list(COMPARE_COLOURS),
        title="Items per class",
    )


def training_curves(
    history: dict[str, Any], curve: Sequence[tuple[float, float]] = ()
) -> go.Figure:
    """Loss and accuracy per epoch, plus the live batch loss (``curve``: epochs so far and
    loss) while training runs, so the chart has data from the first batches on."""
    fig = go.Figure()
    if curve:
        fig.add_trace(
            go.Scatter(
                x=[x for x, _ in curve],
                y=[y for _, y in curve],
                name="loss (batch)",
                line={"color": "#b8b8b8", "width": 1},
            )
        )
    epochs = np.arange(1, len(history.get("loss", [])) + 1)
    for key, colour in (("loss", "#4c78a8"), ("accuracy", "#54a24b"), ("val_accuracy", "#f58518")):
        if history.get(key):
            fig.add_trace(
                go.Scatter(
                    x=epochs, y=history[key], name=key, mode="lines+markers", line={"color": colour}
                )
            )
    fig.update_layout(
        template=TEMPLATE,
        title="Training",
        xaxis={"title": "epoch", "rangemode": "nonnegative"},
        yaxis_title="loss / accuracy",
        height=320,
    )
    return fig

"""Pure figure builders: a result in, a Plotly figure out. Nothing is recomputed here."""

from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd
import plotly.express as px
import plotly.graph_objects as go

from linearity_core.measure.results import RunResult

KIND_COLOURS = {
    "linear": "#4c78a8",
    "activation": "#f58518",
    "pooling": "#54a24b",
    "identity": "#b8b8b8",
    "other": "#9d755d",
}
OUTPUT_COLOUR = "#e45756"
COMPARE_COLOURS = ("#4c78a8", "#f58518")
TEMPLATE = "plotly_white"
SCORE_LABEL = "linearity L (lower = more linear)"


def _progress_note(result: RunResult) -> str:
    if result.partial:
        return f" · {len(result.indices)} of {result.n_planned} instances"
    return f" · {len(result.indices)} instances"


def layer_bars(result: RunResult, title: str | None = None) -> go.Figure:
    """Mean linearity per layer with standard-error bars; colour = layer kind, output in red."""
    summary = result.layer_summary()
    output = result.output_layer
    colours = [
        OUTPUT_COLOUR if name == output else KIND_COLOURS[kind]
        for name, kind in zip(summary["layer"], summary["kind"], strict=True)
    ]
    fig = go.Figure(
        go.Bar(
            x=summary["layer"],
            y=summary["mean"],
            marker_color=colours,
            error_y={"type": "data", "array": summary["sem"], "visible": True},
            customdata=np.stack([summary["kind"], summary["std"], summary["n"]], axis=1),
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
        title=(title or "Linearity per layer") + _progress_note(result),
        xaxis_title="layer",
        yaxis_title=SCORE_LABEL,
        bargap=0.25,
        barmode="overlay",
        legend={"orientation": "h", "y": 1.02, "yanchor": "bottom", "x": 1, "xanchor": "right"},
        margin={"t": 80},
    )
    fig.update_xaxes(categoryorder="array", categoryarray=list(summary["layer"]))
    return fig


def class_histograms(result: RunResult, layer: str, bins: int = 30) -> go.Figure:
    """One histogram per class (facets with shared axes) of a layer's scores."""
    frame = result.to_frame()
    frame = frame[frame["layer"] == layer]
    order = [result.class_name(c) for c in sorted(set(result.labels.tolist()))]
    wrap = 5 if len(order) > 6 else len(order) or 1
    fig = px.histogram(
        frame,
        x="score",
        facet_col="class_name",
        facet_col_wrap=wrap,
        nbins=bins,
        category_orders={"class_name": order},
        template=TEMPLATE,
        color_discrete_sequence=["#4c78a8"],
        hover_data=["instance"],
    )
    fig.for_each_annotation(lambda a: a.update(text=a.text.split("=", 1)[-1]))
    fig.update_layout(
        title=f"Distribution per class · {layer}" + _progress_note(result),
        bargap=0.05,
        margin={"t": 80},
    )
    fig.update_xaxes(title_text="")
    return fig


def class_means(result: RunResult, layer: str) -> go.Figure:
    """Mean score per class with standard-error bars."""
    summary = result.class_summary(layer)
    fig = go.Figure(
        go.Bar(
            x=summary["class_name"],
            y=summary["mean"],
            marker_color="#72b7b2",
            error_y={"type": "data", "array": summary["sem"], "visible": True},
            hovertemplate="<b>%{x}</b><br>mean %{y:.4g} ± %{error_y.array:.2g}<extra></extra>",
        )
    )
    fig.update_layout(
        template=TEMPLATE,
        title=f"Mean per class · {layer}",
        xaxis_title="class",
        yaxis_title=SCORE_LABEL,
    )
    return fig


def layer_class_heatmap(result: RunResult) -> go.Figure:
    """Mean score for every (layer, class), from one run over all layers."""
    summary = result.class_summary()
    table = summary.pivot(index="layer_index", columns="class_name", values="mean")
    classes = [result.class_name(c) for c in sorted(set(result.labels.tolist()))]
    table = table[[c for c in classes if c in table.columns]]
    layers = [result.layer_names[i] for i in table.index]
    fig = layer_heatmap(table.to_numpy(), list(table.columns), layers, "class")
    fig.update_layout(title="Mean linearity by layer and class", height=max(350, 28 * len(table)))
    return fig


def layer_heatmap(z: np.ndarray, columns: list[str], layers: list[str], axis: str) -> go.Figure:
    """Mean scores with layers down (first on top) and ``columns`` across, named ``axis``."""
    fig = go.Figure(
        go.Heatmap(
            z=z,
            x=columns,
            y=layers,
            colorscale="Viridis",
            colorbar={"title": "mean L"},
            hovertemplate=f"%{{y}} · {axis} %{{x}}<br>mean %{{z:.4g}}<extra></extra>",
        )
    )
    fig.update_layout(template=TEMPLATE, xaxis_title=axis, yaxis={"autorange": "reversed"})
    return fig


def compare_layer_bars(a: RunResult, b: RunResult, names: Sequence[str]) -> go.Figure:
    """Grouped bars of two runs, aligned by layer position."""
    fig = go.Figure()
    sa, sb = a.layer_summary(), b.layer_summary()
    depth = max(len(sa), len(sb))
    labels = [
        " / ".join(dict.fromkeys([s["layer"].iloc[i] for s in (sa, sb) if i < len(s)]))
        for i in range(depth)
    ]
    for summary, name, colour in zip((sa, sb), names, COMPARE_COLOURS, strict=True):
        fig.add_trace(
            go.Bar(
                x=labels[: len(summary)],
                y=summary["mean"],
                name=name,
                marker_color=colour,
                error_y={"type": "data", "array": summary["sem"], "visible": True},
                customdata=summary["layer"],
                hovertemplate="%{customdata}: %{y:.4g}<extra>" + name + "</extra>",
            )
        )
    fig.update_layout(
        template=TEMPLATE,
        barmode="group",
        title="Linearity per layer, compared",
        xaxis_title="layer",
        yaxis_title=SCORE_LABEL,
        legend={"orientation": "h", "y": 1.02, "yanchor": "bottom"},
    )
    return fig


def compare_class_distributions(a: RunResult, b: RunResult, names: Sequence[str]) -> go.Figure:
    """Per-class score distributions of two runs' output layers, overlaid."""
    frames = []
    for result, name in zip((a, b), names, strict=True):
        frame = result.to_frame()
        frame = frame[frame["layer"] == result.output_layer].assign(run=name)
        frames.append(frame)
    data = pd.concat(frames, ignore_index=True)
    order = [a.class_name(c) for c in sorted(set(a.labels.tolist()) | set(b.labels.tolist()))]
    fig = px.histogram(
        data,
        x="score",
        color="run",
        facet_col="class_name",
        facet_col_wrap=5,
        barmode="overlay",
        opacity=0.6,
        nbins=30,
        template=TEMPLATE,
        category_orders={"class_name": order},
        color_discrete_sequence=list(COMPARE_COLOURS),
    )
    fig.for_each_annotation(lambda ann: ann.update(text=ann.text.split("=", 1)[-1]))
    fig.update_layout(title="Output-layer distributions per class, compared")
    fig.update_xaxes(title_text="")
    return fig


def class_counts(y_train: np.ndarray, y_test: np.ndarray, class_names: Sequence[str]) -> go.Figure:
    n = len(class_names)
    frame = pd.DataFrame(
        {
            "class": list(class_names) * 2,
            "count": np.concatenate(
                [np.bincount(y_train, minlength=n), np.bincount(y_test, minlength=n)]
            ),
            "split": ["train"] * n + ["test"] * n,
        }
    )
    fig = px.bar(
        frame,
        x="class",
        y="count",
        color="split",
        barmode="group",
        template=TEMPLATE,
        color_discrete_sequence=list(COMPARE_COLOURS),
        title="Images per class",
    )
    return fig


def training_curves(
    history: dict[str, Any], batch_loss: Sequence[float] = (), batches_per_epoch: int = 1
) -> go.Figure:
    """Loss and accuracy per epoch, plus the live per-batch loss while training runs."""
    fig = go.Figure()
    if batch_loss:
        fig.add_trace(
            go.Scatter(
                x=np.arange(1, len(batch_loss) + 1) / batches_per_epoch,
                y=list(batch_loss),
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
        xaxis_title="epoch",
        yaxis_title="loss / accuracy",
        height=320,
    )
    return fig

"""Figures of the analyses: AUROC by layer, mistakes against correct answers, the sweep."""

import numpy as np
import pandas as pd
import plotly.graph_objects as go

from linearity_core import defaults
from linearity_core.analysis.errors import ErrorSummary
from linearity_core.analysis.mistakes import MistakeSummary
from linearity_core.measure.results import RunResult
from linearity_core.present.figures import (
    KIND_COLOURS,
    LAYER_COLOURS,
    SCORE_LABEL,
    TEMPLATE,
    layer_colours,
)
from linearity_core.present.heatmaps import layer_heatmap, per_layer
from linearity_core.present.text import plain, plain_all

RIGHT, WRONG = "#4c78a8", "#e45756"


def auroc_by_layer(summary: MistakeSummary) -> go.Figure:
    """AUROC per layer with its 95% bootstrap interval; 0.5 is chance."""
    t = summary.table
    fig = go.Figure(
        go.Scatter(
            x=plain_all(t["layer"]),
            y=t["auroc"],
            mode="lines+markers",
            marker={"color": [KIND_COLOURS[k] for k in t["kind"]], "size": 10},
            line={"color": "#888"},
            error_y={
                "type": "data",
                "array": t["high"] - t["auroc"],
                "arrayminus": t["auroc"] - t["low"],
                "visible": True,
            },
            hovertemplate="%{x}: AUROC %{y:.3f}<extra></extra>",
        )
    )
    fig.add_hline(y=0.5, line_dash="dot", annotation_text="chance")
    fig.update_layout(
        template=TEMPLATE,
        title=f"Does linearity flag mistakes? AUROC by layer · {summary.n_mistakes} mistakes",
        xaxis_title="layer",
        yaxis_title="AUROC (misclassified vs correct)",
    )
    fig.update_xaxes(categoryorder="array", categoryarray=plain_all(t["layer"]))
    return fig


def mistake_histograms(result: RunResult, layer: str) -> go.Figure:
    """A layer's scores of correct and misclassified instances, overlaid and normalised."""
    j = result.layer_names.index(layer)
    wrong = result.predicted != result.labels
    fig = go.Figure()
    for name, rows, colour in (("correct", ~wrong, RIGHT), ("misclassified", wrong, WRONG)):
        fig.add_trace(
            go.Histogram(
                x=result.scores[rows, j],
                name=f"{name} ({int(rows.sum())})",
                histnorm="probability density",
                opacity=0.6,
                marker_color=colour,
            )
        )
    fig.update_layout(
        template=TEMPLATE,
        barmode="overlay",
        title=f"Correct vs misclassified · {plain(layer)}",
        xaxis_title=SCORE_LABEL,
        yaxis_title="density",
    )
    return fig


def sweep_lines(frame: pd.DataFrame, rates: pd.DataFrame) -> go.Figure:
    """Mean linearity against epsilon, log-log, one line (and colour) per layer. A linear
    layer (float noise at every ε, by the one relative rule) is 0: it has no point on a
    log axis and is named in the legend instead."""
    fig = go.Figure()
    slopes = dict(zip(rates["layer"], rates["slope"], strict=True))
    for k, (_, group) in enumerate(frame.groupby("layer_index", sort=True)):
        group = group.sort_values("epsilon")
        name, kind = plain(group["layer"].iloc[0]), group["kind"].iloc[0]
        colour = LAYER_COLOURS[k % len(LAYER_COLOURS)]
        if bool(group["linear"].all()):
            fig.add_trace(
                go.Scatter(
                    x=[None],
                    y=[None],
                    mode="markers",
                    name=f"{name} (linear: 0)",
                    marker={"color": colour, "symbol": "line-ew-open"},
                )
            )
            continue
        slope = slopes.get(group["layer"].iloc[0], np.nan)
        fig.add_trace(
            go.Scatter(
                x=group["epsilon"],
                y=group["mean"].where(~group["linear"]),
                mode="lines+markers",
                name=name,
                line={"color": colour},
                hovertemplate=f"{name} ({kind})<br>ε %{{x:.4g}}: L %{{y:.4g}}"
                + ("" if np.isnan(slope) else f"<br>grows like ε^{slope:.2f}")
                + "<extra></extra>",
            )
        )
    fig.add_vline(x=defaults.EPSILON, line_dash="dot", annotation_text="notebook's ε = 0.04")
    fig.update_layout(
        template=TEMPLATE,
        title="Linearity against the neighbourhood size ε",
        xaxis={"type": "log", "title": "epsilon"},
        yaxis={"type": "log", "title": SCORE_LABEL},
    )
    return fig


def evolution_bars(epochs: tuple[int, ...], results: list[RunResult]) -> go.Figure:
    """Per-layer bars, animated over training epochs (play/pause and an epoch slider)."""
    summaries = [r.layer_summary() for r in results]
    top = max(float((s["mean"] + s["sem"]).max()) for s in summaries) * 1.1

    def bars(summary: pd.DataFrame) -> go.Bar:
        return go.Bar(
            x=plain_all(summary["layer"]),
            y=summary["mean"],
            marker_color=layer_colours(results[0], summary["kind"], summary["layer"]),
            error_y={"type": "data", "array": summary["sem"], "visible": True},
        )

    frames = [go.Frame(data=[bars(s)], name=str(e)) for e, s in zip(epochs, summaries, strict=True)]
    step = {"frame": {"duration": 700, "redraw": True}, "transition": {"duration": 300}}
    fig = go.Figure(data=[bars(summaries[0])], frames=frames)
    fig.update_layout(
        template=TEMPLATE,
        title="Linearity per layer, epoch by epoch",
        xaxis_title="layer",
        yaxis={"title": SCORE_LABEL, "range": [0, top]},
        updatemenus=[
            {
                "type": "buttons",
                "direction": "left",
                "x": 0,
                "y": 1.15,
                "buttons": [
                    {
                        "label": "▶ Play",
                        "method": "animate",
                        "args": [None, {**step, "fromcurrent": True}],
                    },
                    {
                        "label": "❚❚ Pause",
                        "method": "animate",
                        "args": [[None], {"frame": {"duration": 0}, "mode": "immediate"}],
                    },
                ],
            }
        ],
        margin={"b": 120},
        sliders=[
            {
                "active": 0,
                "currentvalue": {"prefix": "epoch "},
                "pad": {"t": 60},
                "steps": [
                    {
                        "label": str(e),
                        "method": "animate",
                        "args": [[str(e)], {"mode": "immediate", **step}],
                    }
                    for e in epochs
                ],
            }
        ],
    )
    return fig


def evolution_heatmap(epochs: tuple[int, ...], results: list[RunResult]) -> go.Figure:
    """Mean linearity for every (layer, epoch)."""
    table = np.stack([r.layer_summary()["mean"].to_numpy() for r in results], axis=1)
    fig = layer_heatmap(
        per_layer(table), [str(e) for e in epochs], plain_all(results[0].layer_names), "epoch", True
    )
    fig.update_layout(title="Layer × epoch (each layer to its largest)")
    return fig


def accuracy_curve(epochs: tuple[int, ...], accuracies: list[float]) -> go.Figure:
    fig = go.Figure(go.Scatter(x=list(epochs), y=accuracies, mode="lines+markers"))
    fig.update_layout(
        template=TEMPLATE,
        title="Test accuracy",
        xaxis_title="epoch",
        yaxis={"title": "accuracy", "range": [0, 1]},
        height=320,
    )
    return fig


def error_quarters(summary: ErrorSummary, layer: str) -> go.Figure:
    """A regressor's mean score at ``layer`` for each quarter of the prediction error."""
    rows = summary.by_quarter[summary.by_quarter["layer"] == layer]
    fig = go.Figure(go.Bar(x=rows["quarter"], y=rows["mean"], marker_color="#72b7b2"))
    fig.update_layout(
        template=TEMPLATE,
        title=f"Linearity by prediction error · {plain(layer)}",
        xaxis_title="instances by their prediction error",
        yaxis_title=SCORE_LABEL,
    )
    return fig

"""Figures that compare runs: two side by side, or up to six overlaid."""

from collections.abc import Sequence

import pandas as pd
import plotly.express as px
import plotly.graph_objects as go

from linearity_core.analysis.overlay import Overlay
from linearity_core.measure.results import Measure, RunResult
from linearity_core.present.figures import COMPARE_COLOURS, LABELS, SCORE_LABEL, TEMPLATE
from linearity_core.present.text import plain, plain_all


def compare_layer_bars(a: RunResult, b: RunResult, names: Sequence[str]) -> go.Figure:
    """Grouped bars of two runs, aligned by layer position."""
    fig = go.Figure()
    sa, sb = a.layer_summary(), b.layer_summary()
    depth = max(len(sa), len(sb))
    labels = [
        " / ".join(dict.fromkeys([plain(s["layer"].iloc[i]) for s in (sa, sb) if i < len(s)]))
        for i in range(depth)
    ]
    for summary, name, colour in zip((sa, sb), names, COMPARE_COLOURS, strict=True):
        fig.add_trace(
            go.Bar(
                x=labels[: len(summary)],
                y=summary["mean"],
                name=plain(name),
                marker_color=colour,
                error_y={"type": "data", "array": summary["sem"], "visible": True},
                customdata=plain_all(summary["layer"]),
                hovertemplate="%{customdata}: %{y:.4g}<extra>" + plain(name) + "</extra>",
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
        frame = frame[frame["layer"] == result.output_layer].assign(
            run=plain(name), class_name=lambda f: plain_all(f["class_name"])
        )
        frames.append(frame)
    data = pd.concat(frames, ignore_index=True)
    order = [
        plain(a.class_name(c)) for c in sorted(set(a.labels.tolist()) | set(b.labels.tolist()))
    ]
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


# One colour per run, told apart in a room and by colour-blind viewers (Okabe-Ito).
OVERLAY_COLOURS = ("#0072b2", "#e69f00", "#009e73", "#cc79a7", "#56b4e9", "#d55e00")


def overlay_profiles(overlay: Overlay, title: str, measure: Measure = "raw") -> go.Figure:
    """One line per run through its layers' mean scores, on the aligned slots."""
    fig = go.Figure()
    slots = plain_all(overlay.slots)
    for r, name in enumerate(overlay.runs):
        fig.add_trace(
            go.Scatter(
                x=slots,
                y=overlay.means[r],
                mode="lines+markers",
                name=plain(name),
                line={"color": OVERLAY_COLOURS[r % len(OVERLAY_COLOURS)], "width": 3},
                marker={"size": 9},
                error_y={"type": "data", "array": overlay.sems[r], "visible": True},
                customdata=plain_all(overlay.layers[r]),
                hovertemplate="%{customdata}: %{y:.4g}<extra>" + plain(name) + "</extra>",
                connectgaps=True,
            )
        )
    aligned = "layers by name" if overlay.by == "name" else "layers by position"
    fig.update_layout(
        template=TEMPLATE,
        title=f"{plain(title)} · {len(overlay.runs)} runs, {aligned}",
        xaxis_title="layer",
        yaxis_title=LABELS[measure],
        legend={"orientation": "h", "y": -0.25, "yanchor": "top", "x": 0, "xanchor": "left"},
        margin={"t": 60},
    )
    fig.update_xaxes(categoryorder="array", categoryarray=slots)
    return fig

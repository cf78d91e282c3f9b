"""Figures of one instance: its per-layer profile and the model's answer."""

from collections.abc import Sequence

import numpy as np
import plotly.graph_objects as go

from linearity_core.analysis.instance import InstanceProfile
from linearity_core.present.figures import SCORE_LABEL, TEMPLATE
from linearity_core.present.text import plain, plain_all

INSTANCE_COLOUR = "#e45756"


def profile_lines(profile: InstanceProfile, layers: Sequence[str], class_name: str) -> go.Figure:
    """The instance's score at every layer, drawn against its class's mean and the run's."""
    fig = go.Figure()
    for name, values, style in (
        ("run mean", profile.run_mean, {"color": "#bab0ac", "dash": "dot"}),
        (f"{plain(class_name)} mean", profile.class_mean, {"color": "#4c78a8", "dash": "dash"}),
        (f"test #{profile.index}", profile.scores, {"color": INSTANCE_COLOUR, "width": 3}),
    ):
        fig.add_trace(
            go.Scatter(
                x=plain_all(layers),
                y=values,
                name=name,
                mode="lines+markers",
                line=style,
                hovertemplate="%{x}<br>L = %{y:.4g}<extra>" + name + "</extra>",
            )
        )
    fig.update_layout(
        template=TEMPLATE,
        title=f"Test #{profile.index} layer by layer",
        xaxis_title="layer",
        yaxis_title=SCORE_LABEL,
        legend={"orientation": "h", "y": -0.25},
    )
    return fig


def answer_bars(
    output: np.ndarray, class_names: Sequence[str], label: int, predicted: int
) -> go.Figure:
    """The model's output per class; the true class and the predicted one are marked."""
    colours = [
        "#54a24b" if c == label else INSTANCE_COLOUR if c == predicted else "#bab0ac"
        for c in range(len(output))
    ]
    fig = go.Figure(
        go.Bar(
            x=plain_all(list(class_names)[: len(output)]),
            y=output,
            marker_color=colours,
            hovertemplate="%{x}: %{y:.3f}<extra></extra>",
        )
    )
    right = "right" if label == predicted else "wrong"
    answer = class_names[predicted] if 0 <= predicted < len(class_names) else "none"
    true = class_names[label] if 0 <= label < len(class_names) else str(label)
    fig.update_layout(
        template=TEMPLATE,
        title=f"Model's answer: {plain(answer)} ({right}; true: {plain(true)})",
        yaxis={"title": "probability", "range": [0, 1]},
        height=320,
    )
    return fig

"""Layers page: per-layer linearity, live while the run goes, with teaching notes."""

import streamlit as st

from linearity_core.measure.config import RunConfig
from linearity_core.measure.results import RunResult
from linearity_core.present.figures import layer_bars, layer_skeleton
from linearity_core.present.notes import layers_notes
from linearity_core.service.runs import plan_run
from linearity_core.service.views import model_layers, teaching
from pages.components.charts import chart
from pages.components.jobs import run_panel, trained_or_offer
from pages.components.layout import chart_and_notes
from pages.components.loaders import dataset_or_stop
from pages.components.params import scored_params
from pages.components.presenting import parameters, presenting
from pages.components.state import page_start, show_url_notes, view_param

sel = page_start(
    __file__, "Layers", "How linear each layer is: mean linearity per layer, live while it runs."
)
data = dataset_or_stop(sel)
with parameters("layers"):
    instances, measure, scale = scored_params(
        "layers", len(data.x_test), "Random test images to score"
    )
    logits = view_param(
        st.checkbox,
        "Score the output's logits instead of its probabilities (white box)",
        "layers",
        "logits",
        False,
    )
handle = trained_or_offer(sel, data, "layers")
names = [row.name for row in model_layers(handle, data)]
# Presenting, the choice stays as the link made it, out of the room's sight.
with st.expander("Layers to score") if not presenting() else st.container(height=1, border=False):
    picked = view_param(
        st.multiselect,
        "Layers (all when none are picked)",
        "layers",
        "layers",
        [],
        options=names,
        help="Score only some layers; the run is then its own, cached apart",
    )
show_url_notes()  # about the parameters just read from the link

chart_col, notes = chart_and_notes()
notes.markdown(layers_notes(teaching(handle, data)))
title = f"{handle.label} on {data.spec.name}"


def render(result: RunResult, tag: str) -> None:
    chart(layer_bars(result, title=title, measure=scale), f"layer_bars_{tag}", f"layers {title}")


layers = tuple(n for n in names if n in picked) or None
config = RunConfig(
    measure=measure, n_instances=int(instances), logits=logits, layers=layers, output=sel.output
)


def empty_chart() -> None:
    """The layers the run will score (it also has the browser load its charts now, so the
    first bars appear as soon as they are computed)."""
    st.plotly_chart(layer_skeleton(list(layers or names), title), key="layer_bars_empty")


with chart_col:
    plan = plan_run(data, handle, config)
    run_panel(plan, render, key="layers", page="layers", placeholder=empty_chart)

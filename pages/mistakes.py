"""Mistakes page: does linearity flag the model's mistakes, and at which layer best?"""

import numpy as np
import streamlit as st

from linearity_core.analysis.mistakes import MistakeSummary, mistake_summary
from linearity_core.measure.config import RunConfig
from linearity_core.measure.results import RunResult
from linearity_core.models.store import teaching_layers
from linearity_core.present.analysis_figures import auroc_by_layer, mistake_histograms
from linearity_core.present.images import image_grid
from linearity_core.service.runs import run_key_for
from pages.components.charts import chart
from pages.components.jobs import run_panel, training_panel
from pages.components.links import instance_links
from pages.components.loaders import dataset_or_stop, handle_or_stop
from pages.components.params import instances_param, measure_params
from pages.components.state import page_start, show_url_notes

SHOWN = 12
NOTES = """
**Reading the chart**

Each point asks: if you ranked the test images by this layer's score, how often would a
misclassified image rank above a correct one? 0.5 is chance; above it mistakes sit where
the network bends most, below it they are the *more* linear ones, which tells just as
much. {linear} scores 0 for every image, so it has no point; {output} reads the decision
itself. The layer list starts at the layer farthest from 0.5.
"""

sel = page_start(__file__, "Mistakes", "Does linearity flag the model's mistakes? AUROC by layer.")
data = dataset_or_stop(sel)
with st.expander("Parameters", expanded=True):
    cols = st.columns(7)
    instances = instances_param(
        cols[0],
        "mistakes",
        len(data.x_test),
        1000,
        "Random test images; more images, more mistakes to learn from",
    )
    measure = measure_params("mistakes", cols[1:])
show_url_notes()
handle = handle_or_stop(sel, data)
if handle is None:
    training_panel(sel, data, key="mistakes")
    st.stop()


@st.cache_data(max_entries=8, show_spinner="Bootstrapping the AUROC…")
def summary_of(_result: RunResult, created: str, n: int, config: RunConfig) -> MistakeSummary:
    return mistake_summary(_result)


def render(result: RunResult, tag: str) -> None:
    if tag == "live":
        st.caption(f"{len(result.indices)} instances scored; the AUROC comes when all are in.")
        return
    summary = summary_of(result, result.created_at, len(result.indices), result.config)
    if summary.too_few:
        st.warning(
            f"Only {summary.n_mistakes} mistakes (and {summary.n_correct} correct answers) "
            "among these instances: too few to tell. Score more instances, or pick a less "
            "trained model, which makes more mistakes."
        )
    chart(auroc_by_layer(summary), f"auroc_{tag}", "auroc by layer")
    layer = st.selectbox(
        "Layer",
        result.layer_names,
        index=result.layer_names.index(summary.best_layer),
        key="mistakes_layer",
        help="Defaults to the layer whose AUROC is farthest from 0.5",
    )
    chart(mistake_histograms(result, layer), f"mistake_hist_{tag}", f"mistakes {layer}")
    j = result.layer_names.index(layer)
    wrong = np.flatnonzero(result.predicted != result.labels)
    order = wrong[np.argsort(result.scores[wrong, j])[::-1]][:SHOWN]
    if len(order):
        st.markdown(f"**Most nonlinear mistakes at {layer}**")
        names = data.class_names
        captions = [f"{names[result.labels[r]]} → {names[result.predicted[r]]}" for r in order]
        hovers = [
            f"test #{result.indices[r]}<br>true {names[result.labels[r]]}, predicted "
            f"{names[result.predicted[r]]}<br>L = {result.scores[r, j]:.4g}"
            for r in order
        ]
        chart(
            image_grid(data.x_test[result.indices[order]], captions, hovers),
            f"mistake_images_{tag}",
            f"mistakes images {layer}",
        )
        if tag == "final":
            instance_links(result.indices[order].tolist(), run_key)
    st.dataframe(summary.table, hide_index=True)


chart_col, notes = st.columns([3, 1])
notes.markdown(NOTES.format(**teaching_layers(handle.model)))
with chart_col:
    config = RunConfig(measure=measure, n_instances=int(instances))
    run_key = run_key_for(data, handle.fingerprint, config)
    run_panel(data, handle, config, render, key="mistakes", page="mistakes")

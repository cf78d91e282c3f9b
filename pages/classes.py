"""Classes page: per-class linearity for a layer, a layer x class heatmap, extreme images."""

import numpy as np
import streamlit as st

from linearity_core import defaults
from linearity_core.measure.config import RunConfig
from linearity_core.measure.results import RunResult
from linearity_core.present.figures import class_histograms, class_means, layer_class_heatmap
from linearity_core.present.images import image_grid
from linearity_core.service.runs import run_key_for
from pages.components.charts import chart
from pages.components.jobs import run_panel, training_panel
from pages.components.links import instance_links
from pages.components.loaders import dataset_or_stop, handle_or_stop
from pages.components.params import measure_params
from pages.components.state import number, page_start, show_url_notes

EXTREMES = 8

sel = page_start(
    __file__,
    "Classes",
    "How linearity differs between classes: histograms, means and a layer × class heatmap, "
    "all layers from one run.",
)
data = dataset_or_stop(sel)
with st.expander("Parameters", expanded=True):
    largest = int(np.bincount(data.y_test).max())
    cols = st.columns(7)
    per_class = number(
        cols[0],
        "Per class",
        "classes_per_class",
        min(defaults.N_INSTANCES, largest),
        1,
        largest,
        help="Test images of each class to score",
    )
    measure = measure_params("classes", cols[1:])
show_url_notes()  # about the parameters just read from the link

handle = handle_or_stop(sel, data)
if handle is None:
    training_panel(sel, data, key="classes")
    st.stop()

layer_names = [layer.name for layer in handle.model.layers if type(layer).__name__ != "InputLayer"]
layer_col, class_col = st.columns(2)
layer = layer_col.selectbox(
    "Layer",
    layer_names,
    index=len(layer_names) - 1,
    key="classes_layer",
    help="Defaults to the output layer",
)
picked = class_col.selectbox(
    "Class for the most and least linear images", data.class_names, key="classes_pick"
)


def extremes(result: RunResult, tag: str) -> None:
    j = result.layer_names.index(layer)
    rows = np.flatnonzero(result.labels == data.class_names.index(picked))
    if len(rows) == 0:
        return
    order = rows[np.argsort(result.scores[rows, j])]
    for title, chosen in (
        ("Most linear", order[:EXTREMES]),
        ("Least linear", order[::-1][:EXTREMES]),
    ):
        idx = result.indices[chosen]
        captions = [f"L = {result.scores[r, j]:.3g}" for r in chosen]
        hovers = [
            f"test #{i}<br>{picked}<br>L = {result.scores[r, j]:.4g}"
            for i, r in zip(idx, chosen, strict=True)
        ]
        st.markdown(f"**{title}: {picked} · {layer}**")
        chart(image_grid(data.x_test[idx], captions, hovers), f"{title}_{tag}", f"{title} {picked}")
        if tag == "final":  # stored: the Instance page can open it
            instance_links(idx.tolist(), run_key)


def render(result: RunResult, tag: str) -> None:
    chart(class_histograms(result, layer), f"histograms_{tag}", f"histograms {layer}")
    chart(class_means(result, layer), f"means_{tag}", f"class means {layer}")
    chart(layer_class_heatmap(result), f"heatmap_{tag}", "layer class heatmap")
    extremes(result, tag)


config = RunConfig(measure=measure, per_class=int(per_class))
run_key = run_key_for(data, handle.fingerprint, config)
run_panel(data, handle, config, render, key="classes", page="classes")

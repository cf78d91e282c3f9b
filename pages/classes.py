"""Classes page: per-class linearity for a layer, a layer x class heatmap, extreme images."""

import numpy as np
import streamlit as st

from linearity_core import RunConfig
from linearity_core.figures import class_histograms, class_means, image_grid, layer_class_heatmap
from linearity_core.results import RunResult
from pages.panels import handle_or_stop, measure_params, number, run_panel, training_panel
from pages.shared import dataset_or_stop, page_start

EXTREMES = 8

sel = page_start("classes", "Classes", "How linearity differs between classes: histograms, "
                 "means and a layer × class heatmap, all layers from one run.")  # fmt: skip
data = dataset_or_stop(sel)
with st.expander("Parameters", expanded=True):
    largest = int(np.bincount(data.y_test).max())
    cols = st.columns(7)
    per_class = number(cols[0], "Per class", "classes_per_class", min(100, largest), 1, largest,
                       help="Test images of each class to score")  # fmt: skip
    measure = measure_params("classes", cols[1:])

handle = handle_or_stop(sel, data)
if handle is None:
    training_panel(sel, data, key="classes")
    st.stop()
assert handle is not None

layer_names = [layer.name for layer in handle.model.layers if type(layer).__name__ != "InputLayer"]
cols = st.columns(2)
layer = cols[0].selectbox("Layer", layer_names, index=len(layer_names) - 1, key="classes_layer",
                          help="Defaults to the output layer")  # fmt: skip
picked = cols[1].selectbox("Class for the most and least linear images", data.class_names,
                           key="classes_pick")  # fmt: skip


def extremes(result: RunResult, tag: str) -> None:
    x_test = data.x_test
    j = result.layer_names.index(layer)
    label = data.class_names.index(picked)
    rows = np.flatnonzero(result.labels == label)
    if len(rows) == 0:
        return
    order = rows[np.argsort(result.scores[rows, j])]
    for title, chosen in (
        ("Most linear", order[:EXTREMES]),
        ("Least linear", order[::-1][:EXTREMES]),
    ):
        idx = result.indices[chosen]
        captions = [f"L = {result.scores[r, j]:.3g}" for r in chosen]
        hovers = [f"test #{i}<br>{picked}<br>L = {result.scores[r, j]:.4g}"
                  for i, r in zip(idx, chosen, strict=True)]  # fmt: skip
        st.markdown(f"**{title}: {picked} · {layer}**")
        st.plotly_chart(image_grid(x_test[idx], captions, hovers), key=f"{title}_{tag}")


def render(result: RunResult, tag: str) -> None:
    st.plotly_chart(class_histograms(result, layer), key=f"histograms_{tag}")
    st.plotly_chart(class_means(result, layer), key=f"means_{tag}")
    st.plotly_chart(layer_class_heatmap(result), key=f"heatmap_{tag}")
    extremes(result, tag)


config = RunConfig(measure=measure, per_class=int(per_class))
run_panel(sel, data, handle, config, render, key="classes")

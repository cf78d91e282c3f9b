"""Classes page: per-class linearity for a layer, a layer x class heatmap, extreme images."""

import numpy as np
import streamlit as st

from linearity_core import defaults
from linearity_core.measure.config import RunConfig
from linearity_core.measure.results import RunResult
from linearity_core.present.figures import class_histograms, class_means
from linearity_core.present.heatmaps import layer_class_heatmap
from linearity_core.present.images import item_grid
from linearity_core.present.text import md
from linearity_core.service.runs import plan_run
from linearity_core.service.views import class_extremes, model_layers
from pages.components.charts import chart, chart_downloads
from pages.components.jobs import run_panel, trained_or_offer
from pages.components.links import instance_links
from pages.components.loaders import dataset_or_stop
from pages.components.params import measure_params, param_row, per_layer_param, scale_param
from pages.components.presenting import parameters, presenting
from pages.components.state import choice, number, page_start, show_url_notes, view_param

EXTREMES = 8

sel = page_start(
    __file__,
    "Classes",
    "How linearity differs between classes: histograms, means and a layer × class heatmap, "
    "all layers from one run.",
)
data = dataset_or_stop(sel)
signals = data.spec.items == "signals"  # 1-D items are drawn as lines
handle = trained_or_offer(sel, data, "classes")
layer_names = [row.name for row in model_layers(handle, data)]
parameters_box = parameters("classes")
with parameters_box:
    largest = int(np.bincount(data.y_test).max())
    cols = param_row(7)
    per_class = number(
        cols[0],
        "Per class",
        "classes",
        "per_class",
        min(defaults.N_INSTANCES, largest),
        1,
        largest,
        help="Test images of each class to score",
    )
    measure = measure_params("classes", cols[1:])
    scale = scale_param(cols[0], "classes")
    normalised = per_layer_param("classes")
# Presenting, the picks fold away with the parameters (the view keeps the screen).
picks = parameters_box if presenting() else st.container()
layer_col, class_col = picks.columns(2)
layer = view_param(
    layer_col.selectbox,
    "Layer",
    "classes",
    "layer",
    layer_names[-1],
    options=layer_names,
    help="Defaults to the output layer",
)
picked = choice(
    class_col,
    "Class for the most and least linear images",
    "classes",
    "class",
    list(data.class_names),
)
show_url_notes()  # about the parameters just read from the link
plan = plan_run(
    data, handle, RunConfig(measure=measure, per_class=int(per_class), output=sel.output)
)


def extremes(result: RunResult, tag: str) -> None:
    j = result.layer_names.index(layer)
    found = class_extremes(result, layer, data.class_names.index(picked), EXTREMES)
    for title, rows in (("Most linear", found.most_linear), ("Least linear", found.least_linear)):
        if len(rows) == 0:
            continue
        idx = result.indices[rows]
        captions = [f"#{i} · L = {result.scores[r, j]:.3g}" for i, r in zip(idx, rows, strict=True)]
        st.markdown(f"**{title}: {md(picked)} · {md(layer)}**")
        grid = item_grid(data.x_test[idx], captions, captions, signals=signals)
        chart(grid, f"{title}_{tag}", f"{title} {picked}", downloads=False)
        if tag == "final":  # stored: the Instance page can open it
            instance_links(idx.tolist(), plan.key, sel)
        chart_downloads(grid, f"{title}_{tag}", f"{title} {picked}")


def render(result: RunResult, tag: str) -> None:
    # Presenting, one chart at a time fills the screen; otherwise they follow each other.
    places = (
        st.tabs(["Distributions", "Means", "Layer × class", "Images"]) if presenting() else None
    )
    with places[0] if places else st.container():
        chart(
            class_histograms(result, layer, measure=scale),
            f"histograms_{tag}",
            f"histograms {layer}",
        )
    with places[1] if places else st.container():
        chart(class_means(result, layer, scale), f"means_{tag}", f"class means {layer}")
    with places[2] if places else st.container():
        chart(
            layer_class_heatmap(result, scale, normalised), f"heatmap_{tag}", "layer class heatmap"
        )
    with places[3] if places else st.container():
        extremes(result, tag)


run_panel(plan, render, key="classes", page="classes")

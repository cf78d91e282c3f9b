"""Mistakes page: does linearity flag the model's mistakes, and at which layer best? For
a regression dataset: does linearity follow the prediction error?"""

import numpy as np
import streamlit as st

from linearity_core.measure.config import RunConfig
from linearity_core.measure.results import RunResult
from linearity_core.present.analysis_figures import (
    auroc_by_layer,
    error_quarters,
    mistake_histograms,
)
from linearity_core.present.images import item_grid
from linearity_core.present.notes import mistakes_notes
from linearity_core.present.text import md
from linearity_core.service.runs import plan_run
from linearity_core.service.views import errors_of, mistakes_of, teaching, worst_mistakes
from pages.components.charts import chart, chart_downloads
from pages.components.jobs import run_panel, trained_or_offer
from pages.components.layout import chart_and_notes
from pages.components.links import instance_links
from pages.components.loaders import dataset_or_stop
from pages.components.params import instances_param, measure_params, param_row
from pages.components.presenting import parameters
from pages.components.state import page_start, show_url_notes, view_param

SHOWN = 12

sel = page_start(__file__, "Mistakes", "Does linearity flag the model's mistakes? AUROC by layer.")
data = dataset_or_stop(sel)
signals = data.spec.items == "signals"  # 1-D items are drawn as lines
with parameters("mistakes"):
    cols = param_row(7)
    instances = instances_param(
        cols[0],
        "mistakes",
        len(data.x_test),
        1000,
        "Random test images; more images, more mistakes to learn from",
    )
    measure = measure_params("mistakes", cols[1:])
show_url_notes()
handle = trained_or_offer(sel, data, "mistakes")
plan = plan_run(
    data, handle, RunConfig(measure=measure, n_instances=int(instances), output=sel.output)
)


def layer_pick(result: RunResult, best: str, help: str) -> str:
    layer: str = view_param(
        st.selectbox, "Layer", "mistakes", "layer", best, options=result.layer_names, help=help
    )
    return layer


def regression_view(result: RunResult, tag: str) -> None:
    summary = errors_of(plan.key, result)
    st.caption(
        "A regression dataset has no mistakes to count: the view asks instead whether a "
        "layer's score follows each instance's prediction error (Spearman correlation)."
    )
    layer = layer_pick(result, summary.best_layer, "Defaults to the strongest correlation")
    chart(error_quarters(summary, layer), f"errors_{tag}", f"errors {layer}")
    st.dataframe(summary.table, hide_index=True)


def classifier_view(result: RunResult, tag: str) -> None:
    if (result.predicted < 0).all():
        st.warning(
            "This model's output predicts no classes (it is read as a regressor), so there "
            "are no mistakes to look at. Upload it with its output read as logits, or pick "
            "a classifier."
        )
        return
    summary = mistakes_of(plan.key, result)
    if summary.too_few:
        st.warning(
            f"Only {summary.n_mistakes} mistakes (and {summary.n_correct} correct answers) "
            "among these instances: too few to tell. Score more instances, or pick a less "
            "trained model, which makes more mistakes."
        )
    chart(auroc_by_layer(summary), f"auroc_{tag}", "auroc by layer")
    layer = layer_pick(result, summary.best_layer, "Defaults to the AUROC farthest from 0.5")
    chart(mistake_histograms(result, layer), f"mistake_hist_{tag}", f"mistakes {layer}")
    rows = worst_mistakes(result, layer, SHOWN)
    if len(rows):
        st.markdown(f"**Most nonlinear mistakes at {md(layer)}**")
        names, j = data.class_names, result.layer_names.index(layer)
        true, said = result.labels[rows], result.predicted[rows]
        captions = [
            f"#{i} · {names[t]} → {names[p]}"
            for i, t, p in zip(result.indices[rows], true, said, strict=True)
        ]
        hovers = [
            f"test #{result.indices[r]}\ntrue {names[result.labels[r]]}, predicted "
            f"{names[result.predicted[r]]}\nL = {result.scores[r, j]:.4g}"
            for r in rows
        ]
        grid = item_grid(data.x_test[result.indices[rows]], captions, hovers, signals=signals)
        chart(grid, f"mistake_images_{tag}", f"mistakes images {layer}", downloads=False)
        instance_links(np.asarray(result.indices[rows]).tolist(), plan.key, sel)
        chart_downloads(grid, f"mistake_images_{tag}", f"mistakes images {layer}")
    st.dataframe(summary.table, hide_index=True)


def render(result: RunResult, tag: str) -> None:
    if tag == "live":
        st.caption(f"{len(result.indices)} instances scored; the view comes when all are in.")
        return
    (regression_view if data.task == "regression" else classifier_view)(result, tag)


chart_col, notes = chart_and_notes()
notes.markdown(mistakes_notes(teaching(handle, data)))
with chart_col:
    run_panel(plan, render, key="mistakes", page="mistakes")

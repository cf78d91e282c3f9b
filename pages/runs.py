"""Runs page: every stored run (dashboard and CLI); open, compare, download or delete."""

from functools import partial

import pandas as pd
import streamlit as st

from linearity_core.measure.results import RunResult
from linearity_core.present.figures import (
    class_histograms,
    compare_class_distributions,
    compare_layer_bars,
    layer_bars,
)
from linearity_core.service.reports import comparison_report_html, run_report_html
from linearity_core.service.runstore import RunInfo, RunStore
from pages.components.charts import chart
from pages.components.state import page_start

page_start(__file__, "Runs", "Every stored run: open, compare, download or delete.")
store = RunStore()
listing = store.list()
if listing.damaged:
    st.warning(
        f"{len(listing.damaged)} stored run file(s) are damaged and are left out: "
        f"{', '.join(listing.damaged)}. Run them again to recompute them."
    )
if not listing.runs:
    st.info(
        "No stored runs yet. Start one on the **Layers** or **Classes** page, or from the "
        "command line: `python -m linearity_core run --out results`."
    )
    st.stop()


def scores_csv(result: RunResult) -> str:
    return result.to_frame().to_csv(index=False)


def describe(run: RunInfo) -> dict:
    measure = run.config.measure
    return {
        "date": run.when,
        "dataset": run.dataset,
        "model": run.model,
        "instances": run.n_planned,
        "selection": run.selection,
        "layers": run.n_layers,
        "samples": measure.n_samples,
        "epsilon": measure.epsilon,
        "res": measure.res,
        "method": measure.method,
        "agg": measure.agg,
        "seed": measure.seed,
        "duration (s)": round(run.total_s, 2),
        "key": run.key,
    }


st.dataframe(pd.DataFrame([describe(r) for r in listing.runs]), hide_index=True)
labels = {r.key: f"{r.when} · {r.model} · {r.dataset} · {r.selection}" for r in listing.runs}
keys = list(labels)

open_tab, compare_tab = st.tabs(["Open a run", "Compare two runs"])
with open_tab:
    key = st.selectbox("Run", keys, format_func=labels.__getitem__, key="runs_open")
    result = store.load(key)
    if result is None:
        st.error("This run's file is damaged; it was removed. Run it again to recompute it.")
    else:
        name = f"{result.model} on {result.dataset}"
        chart(layer_bars(result, title=name), "runs_bars", f"layers {name}")
        chart(class_histograms(result, result.output_layer), "runs_hist", f"classes {name}")
        cols = st.columns(4)
        cols[0].download_button(
            "Report (HTML)",
            lambda: run_report_html(key),
            f"report-{key}.html",
            "text/html",
            on_click="ignore",
            help="One file with the figures, tables and parameters; opens with no network",
        )
        cols[1].download_button(
            "Scores (CSV)",
            partial(scores_csv, result),
            f"run-{key}.csv",
            "text/csv",
            on_click="ignore",
        )
        cols[2].download_button(
            "Run (JSON)",
            partial(result.to_json, key=key),
            f"run-{key}.json",
            "application/json",
            on_click="ignore",
        )
        if cols[3].button("Delete this run", key="runs_delete"):
            store.delete(key)
            st.toast("Run deleted")
            st.rerun()

with compare_tab:
    if len(keys) < 2:
        st.info(
            "Store at least two runs to compare them, for example the ReLU and the "
            "no-activation seed CNN, or a model before and after training."
        )
    else:
        left, right = st.columns(2)
        key_a = left.selectbox("Run A", keys, format_func=labels.__getitem__, key="cmp_a")
        key_b = right.selectbox("Run B", keys, index=1, format_func=labels.__getitem__, key="cmp_b")
        a, b = store.load(key_a), store.load(key_b)
        if a is None or b is None:
            st.error("One of these runs is damaged and was removed; run it again.")
        else:
            names = [f"A: {a.model}", f"B: {b.model}"]
            chart(compare_layer_bars(a, b, names), "cmp_bars", "compare layers")
            chart(compare_class_distributions(a, b, names), "cmp_hist", "compare classes")
            st.download_button(
                "Comparison report (HTML)",
                lambda: comparison_report_html(key_a, key_b),
                f"compare-{key_a}-{key_b}.html",
                "text/html",
                on_click="ignore",
            )

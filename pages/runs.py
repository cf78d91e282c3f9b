"""Runs page: every stored run (dashboard and CLI); open, compare, download or delete."""

import pandas as pd
import streamlit as st

from linearity_core.figures import (
    class_histograms,
    compare_class_distributions,
    compare_layer_bars,
    layer_bars,
)
from linearity_core.store import RunStore, StoredRun
from pages.shared import page_start

page_start("runs", "Runs", "Every stored run: open, compare, download or delete.")
store = RunStore()
runs = store.list()
if not runs:
    st.info("No stored runs yet. Start one on the **Layers** or **Classes** page, or from the "
            "command line: `python -m linearity_core run --out results`.")  # fmt: skip
    st.stop()


def describe(run: StoredRun) -> dict:
    meta, measure = run.meta, run.meta["config"]["measure"]
    config = run.meta["config"]
    return {
        "date": meta["created_at"][:16].replace("T", " "),
        "dataset": meta["dataset"],
        "model": meta["model"],
        "instances": meta["n_planned"],
        "selection": f"{config['per_class']} per class" if config["per_class"]
        else f"{config['n_instances']} instances",
        "layers": len(meta["layers"]),
        "samples": measure["n_samples"],
        "epsilon": measure["epsilon"],
        "res": measure["res"],
        "method": measure["method"],
        "agg": measure["agg"],
        "seed": measure["seed"],
        "duration (s)": round(meta["timings"]["total_s"], 2),
        "key": run.key,
    }  # fmt: skip


table = pd.DataFrame([describe(r) for r in runs])
st.dataframe(table, hide_index=True)
labels = {r.key: f"{d['date']} · {d['model']} · {d['dataset']} · {d['selection']}"
          for r, d in zip(runs, (describe(r) for r in runs), strict=True)}  # fmt: skip
keys = list(labels)

open_tab, compare_tab = st.tabs(["Open a run", "Compare two runs"])
with open_tab:
    key = st.selectbox("Run", keys, format_func=labels.__getitem__, key="runs_open")
    result = store.load(key)
    if result is None:
        st.error("This run's file is damaged; it was removed. Run it again to recompute it.")
    else:
        bars = layer_bars(result, title=f"{result.model} on {result.dataset}")
        hist = class_histograms(result, result.output_layer)
        st.plotly_chart(bars)
        st.plotly_chart(hist)
        cols = st.columns(5)
        cols[0].download_button("Scores (CSV)", result.to_frame().to_csv(index=False),
                                f"run-{key}.csv", "text/csv")  # fmt: skip
        cols[1].download_button("Run (JSON)", result.to_json(), f"run-{key}.json",
                                "application/json")  # fmt: skip
        cols[2].download_button("Layer chart (HTML)", bars.to_html(include_plotlyjs="cdn"),
                                f"layers-{key}.html", "text/html")  # fmt: skip
        cols[3].download_button("Class chart (HTML)", hist.to_html(include_plotlyjs="cdn"),
                                f"classes-{key}.html", "text/html")  # fmt: skip
        if cols[4].button("Delete this run", key="runs_delete"):
            store.delete(key)
            st.toast("Run deleted")
            st.rerun()

with compare_tab:
    if len(keys) < 2:
        st.info("Store at least two runs to compare them, for example the ReLU and the "
                "no-activation seed CNN, or a model before and after training.")  # fmt: skip
    else:
        cols = st.columns(2)
        key_a = cols[0].selectbox("Run A", keys, format_func=labels.__getitem__, key="cmp_a")
        key_b = cols[1].selectbox("Run B", keys, index=1, format_func=labels.__getitem__,
                                  key="cmp_b")  # fmt: skip
        a, b = store.load(key_a), store.load(key_b)
        if a is None or b is None:
            st.error("One of these runs is damaged and was removed; run it again.")
        else:
            names = [f"A: {a.model}", f"B: {b.model}"]
            st.plotly_chart(compare_layer_bars(a, b, names))
            st.plotly_chart(compare_class_distributions(a, b, names))

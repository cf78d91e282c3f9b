"""Runs page: every stored run (dashboard and CLI); open, compare, download or delete."""

import time
from functools import partial

import pandas as pd
import streamlit as st

from linearity_core.measure.results import RunResult
from linearity_core.present.compare_figures import compare_class_distributions, compare_layer_bars
from linearity_core.present.figures import class_histograms, layer_bars
from linearity_core.present.text import md
from linearity_core.service.reports import comparison_report_html, run_report_html
from linearity_core.service.runinfo import RunInfo
from linearity_core.service.views import (
    OVERLAY_MAX,
    delete_run,
    restore_run,
    stored_run,
    stored_runs,
)
from pages.components.charts import chart
from pages.components.overlay import overlay_chart
from pages.components.params import scale_param
from pages.components.state import page_start, view_param

UNDO_S = 600  # how long this session offers Undo (the trash keeps a run for a week)

page_start(__file__, "Runs", "Every stored run: open, compare, download or delete.")
listing = stored_runs()
if listing.damaged:
    st.warning(
        f"{len(listing.damaged)} stored run file(s) are damaged and are left out: "
        f"{md(', '.join(listing.damaged))}. Run them again to recompute them."
    )
if listing.outdated:
    st.caption(
        f"{listing.outdated} run(s) stored by an older version are not listed; they are "
        "computed again when asked for."
    )
deleted: dict[str, tuple[str, float]] = st.session_state.setdefault("deleted_runs", {})
for key, (_, when) in list(deleted.items()):
    if time.time() - when > UNDO_S:
        del deleted[key]
if not listing.runs and not deleted:
    st.info(
        "No stored runs yet. Start one on the **Layers** or **Classes** page, or from the "
        "command line: `python -m linearity_core run --out results`."
    )
    st.stop()


def describe(run: RunInfo) -> dict:
    measure = run.config.measure
    return {
        "date": run.when,
        "dataset": run.dataset,
        "model": run.model,
        "selection": run.selection,
        "samples": measure.n_samples,
        "epsilon": measure.epsilon,
        "res": measure.res,
        "method": measure.method,
        "agg": measure.agg,
        "seed": measure.seed,
        "layers": run.n_layers,
        "duration (s)": round(run.total_s, 2),
        "part of": run.part_of.split(":")[0] if run.part_of else "",
        "key": run.key,
    }


plain = [r for r in listing.runs if not r.part_of]
parts = [r for r in listing.runs if r.part_of]
st.dataframe(pd.DataFrame([describe(r) for r in plain]), hide_index=True)
if parts:
    with st.expander(f"{len(parts)} runs made as part of an analysis (sweeps, evolutions)"):
        st.dataframe(pd.DataFrame([describe(r) for r in parts]), hide_index=True)
labels = {r.key: r.label for r in plain + parts}
labels.update({k: f"{label} (deleted)" for k, (label, _) in deleted.items()})
keys = list(labels)


def scores_csv(result: RunResult) -> str:
    return result.to_frame().to_csv(index=False)


def base_url() -> str:
    """The dashboard's own address, so a report's link can be followed from the file."""
    here = st.context.url or ""
    return here.rsplit("/runs", 1)[0] if here.endswith("/runs") else here.rstrip("/")


def deleted_panel(key: str) -> None:
    st.info(f"This run was deleted: {md(deleted[key][0])}. It stays in the trash for a week.")
    if st.button("Undo", key="runs_undo", type="primary"):
        restore_run(key)
        del deleted[key]
        st.toast("Run restored")
        st.rerun()


def open_run(key: str) -> None:
    if key in deleted:
        deleted_panel(key)
        return
    result = stored_run(key)
    if result is None:
        st.error("This run's file is damaged; it was removed. Run it again to recompute it.")
        return
    name = f"{result.model} on {result.dataset}"
    chart(layer_bars(result, title=name), "runs_bars", f"layers {name}")
    chart(class_histograms(result, result.output_layer), "runs_hist", f"classes {name}")
    cols = st.columns(4)
    cols[0].download_button(
        "Report (HTML)",
        partial(run_report_html, key, base_url()),
        f"report-{key}.html",
        "text/html",
        on_click="ignore",
        help="One file with the figures, tables and parameters; opens with no network",
    )
    cols[1].download_button(
        "Scores (CSV)", partial(scores_csv, result), f"run-{key}.csv", "text/csv", on_click="ignore"
    )
    cols[2].download_button(
        "Run (JSON)",
        partial(result.to_json, key=key),
        f"run-{key}.json",
        "application/json",
        on_click="ignore",
    )
    if st.session_state.get("runs_confirm") == key:
        st.warning("Delete this run? It can be restored from the trash for a week.")
        yes, no = st.columns([1, 6])
        if yes.button("Delete", key="runs_delete_yes", type="primary"):
            delete_run(key)
            deleted[key] = (labels[key], time.time())
            st.session_state.runs_confirm = None
            st.rerun()
        if no.button("Cancel", key="runs_delete_no"):
            st.session_state.runs_confirm = None
            st.rerun()
    elif cols[3].button("Delete this run", key="runs_delete"):
        st.session_state.runs_confirm = key
        st.rerun()


open_tab, compare_tab, overlay_tab = st.tabs(
    ["Open a run", "Compare two runs", f"Overlay up to {OVERLAY_MAX}"]
)
with open_tab:
    opened = view_param(
        st.selectbox,
        "Run",
        "runs",
        "opened",
        keys[0],
        options=keys,
        format_func=lambda k: labels[k],
    )
    open_run(opened)

with compare_tab:
    live = [k for k in keys if k not in deleted]
    if len(live) < 2:
        st.info(
            "Store at least two runs to compare them, for example the ReLU and the "
            "no-activation seed CNN, or a model before and after training."
        )
    else:
        left, right = st.columns(2)
        key_a = str(left.selectbox("Run A", live, format_func=lambda k: labels[k], key="cmp_a"))
        key_b = str(
            right.selectbox("Run B", live, index=1, format_func=lambda k: labels[k], key="cmp_b")
        )
        a, b = stored_run(key_a), stored_run(key_b)
        if a is None or b is None:
            st.error("One of these runs is damaged and was removed; run it again.")
        else:
            names = [f"A: {a.model}", f"B: {b.model}"]
            chart(compare_layer_bars(a, b, names), "cmp_bars", "compare layers")
            chart(compare_class_distributions(a, b, names), "cmp_hist", "compare classes")
            st.download_button(
                "Comparison report (HTML)",
                partial(comparison_report_html, key_a, key_b, base_url()),
                f"compare-{key_a}-{key_b}.html",
                "text/html",
                on_click="ignore",
            )

with overlay_tab:
    live = [k for k in keys if k not in deleted]
    picked = view_param(
        st.multiselect,
        f"Runs to overlay (up to {OVERLAY_MAX})",
        "runs",
        "runs",
        [],
        options=live,
        format_func=lambda k: labels[k],
        max_selections=OVERLAY_MAX,
        help="Layers line up by name when the runs share them (one model at several epochs "
        "or with other picks), else by position (variants of one layout)",
    )
    scale = scale_param(st, "runs")
    found = [stored_run(k) for k in picked[:OVERLAY_MAX]]
    if not picked:
        st.info(
            "Pick runs to draw their per-layer profiles in one chart, or press **Compare "
            "activations** on the **Overlay** page to make the seed CNN's four variants."
        )
    elif any(r is None for r in found):
        st.error("One of these runs is damaged and was removed; run it again.")
    else:
        results = [r for r in found if r is not None]
        overlay_chart(results, [labels[k] for k in picked], "runs_overlay", "Stored runs", scale)

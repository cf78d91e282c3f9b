"""Epsilon page: at what neighbourhood size does each layer stop being linear?"""

from functools import partial

import numpy as np
import streamlit as st

from linearity_core.analysis.sweep import breaking_points, sweep_epsilons, sweep_frame
from linearity_core.errors import LinearityError
from linearity_core.measure.config import RunConfig
from linearity_core.models.store import teaching_layers
from linearity_core.present.analysis_figures import sweep_lines
from linearity_core.service.analyses import (
    SweepProgress,
    stored_sweep,
    submit_sweep,
    sweep_job_id,
)
from pages.components.charts import chart
from pages.components.jobs import analysis_panel, training_panel
from pages.components.loaders import dataset_or_stop, handle_or_stop
from pages.components.params import instances_param, measure_params
from pages.components.state import number, page_start, show_url_notes

NOTES = """
**Reading the chart**

Each line is one layer, on log-log axes. Near ε = 0 a smooth network looks linear; as the
neighbourhood grows, activations such as {activation} cross their kinks and the score
rises, while {linear} stays at 0 (below the log axis) at any ε. The table gives
the ε where each layer's score leaves ±10% of its value at the notebook's ε = 0.04.
Below ε = 2 / resolution the lattice cannot get finer (alibi takes at least 2 steps), so
lines flatten there: raise the resolution to look closer.
"""

sel = page_start(__file__, "Epsilon", "At what neighbourhood size does each layer break?")
data = dataset_or_stop(sel)
with st.expander("Parameters", expanded=True):
    cols = st.columns(6)
    instances = instances_param(
        cols[0], "sweep", len(data.x_test), 200, "Random test images, the same at every ε"
    )
    measure = measure_params("sweep", cols[1:], with_epsilon=False)
    low_col, high_col, count_col = st.columns(3)
    low = number(low_col, "Smallest ε", "sweep_low", 0.005, 0.0001, 1.0, format="%.4f")
    high = number(high_col, "Largest ε", "sweep_high", 0.5, 0.001, 10.0, format="%.3f")
    count = number(count_col, "Epsilons", "sweep_count", 7, 2, 25)
show_url_notes()
handle = handle_or_stop(sel, data)
if handle is None:
    training_panel(sel, data, key="sweep")
    st.stop()
try:
    epsilons = sweep_epsilons(float(low), float(high), int(count))
except LinearityError as exc:
    st.error(str(exc))
    st.stop()
config = RunConfig(measure=measure, n_instances=int(instances))


def draw(progress: SweepProgress, tag: str) -> None:
    if not progress.results:
        return
    frame = sweep_frame(progress.epsilons[: len(progress.results)], list(progress.results))
    breaks = breaking_points(frame)
    chart(sweep_lines(frame, breaks), f"sweep_{tag}", "epsilon sweep")
    if tag == "final":
        table = breaks.assign(
            breaks_at=breaks["breaks_at"].map(
                lambda v: "stays within ±10%" if np.isnan(v) else f"{v:.3g}"
            )
        )
        st.dataframe(table, hide_index=True)


chart_col, notes = st.columns([3, 1])
notes.markdown(NOTES.format(**teaching_layers(handle.model)))
with chart_col:
    st.caption("Epsilons: " + ", ".join(f"{e:g}" for e in epsilons))
    analysis_panel(
        "sweep",
        sweep_job_id(data, handle, config, epsilons),
        partial(submit_sweep, data, handle, config, epsilons),
        partial(stored_sweep, data, handle, config, epsilons),
        draw,
        SweepProgress,
        lambda job: f"{100 * job.fraction:.0f}% of {len(epsilons)} runs",
        (
            "⚡ Every run of this sweep came from the cache.",
            "Press **Run sweep**: one run per ε, each cached like any run.",
        ),
    )

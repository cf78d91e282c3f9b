"""Epsilon page: at what neighbourhood size does each layer stop being linear?"""

from functools import partial

import streamlit as st

from linearity_core.errors import LinearityError
from linearity_core.measure.config import RunConfig
from linearity_core.present.analysis_figures import sweep_lines
from linearity_core.present.notes import sweep_notes
from linearity_core.present.text import md
from linearity_core.service import analyses, views
from pages.components.charts import chart
from pages.components.jobs import analysis_panel, client_id, trained_or_offer
from pages.components.layout import chart_and_notes
from pages.components.loaders import dataset_or_stop
from pages.components.params import instances_param, measure_params, param_row
from pages.components.presenting import parameters
from pages.components.state import number, page_start, show_url_notes

sel = page_start(__file__, "Epsilon", "At what neighbourhood size does each layer break?")
data = dataset_or_stop(sel)
with parameters("sweep"):
    cols = param_row(6)
    instances = instances_param(
        cols[0], "sweep", len(data.x_test), 200, "Random test images, the same at every ε"
    )
    measure = measure_params("sweep", cols[1:], with_epsilon=False)
    low_col, high_col, count_col = st.columns(3)
    low = number(low_col, "Smallest ε", "sweep", "low", 0.005, 0.0001, 1.0, format="%.4f")
    high = number(high_col, "Largest ε", "sweep", "high", 0.5, 0.001, 10.0, format="%.3f")
    count = number(count_col, "Epsilons", "sweep", "count", 7, 2, 25)
show_url_notes()
handle = trained_or_offer(sel, data, "sweep")
try:
    epsilons = views.sweep_epsilons(float(low), float(high), int(count))
except LinearityError as exc:
    st.error(md(exc))
    st.stop()
config = RunConfig(measure=measure, n_instances=int(instances), output=sel.output)


def draw(progress: analyses.SweepProgress, tag: str) -> None:
    if not progress.results:
        return
    frame = views.sweep_frame(progress.epsilons[: len(progress.results)], list(progress.results))
    rates = views.growth(frame, views.lattice_floor(measure.res))
    chart(sweep_lines(frame, rates), f"sweep_{tag}", "epsilon sweep")
    if tag == "final":
        st.dataframe(rates, hide_index=True)


chart_col, notes = chart_and_notes()
notes.markdown(sweep_notes(views.teaching(handle, data)))
with chart_col:
    st.caption("Epsilons: " + ", ".join(f"{e:g}" for e in epsilons))
    analysis_panel(
        "sweep",
        analyses.sweep_job_id(analyses.sweep_plans(data, handle, config, epsilons)),
        partial(analyses.submit_sweep, data, handle, config, epsilons, client=client_id()),
        partial(analyses.stored_sweep, data, handle, config, epsilons),
        draw,
        lambda job: f"{100 * job.fraction:.0f}% of {len(epsilons)} runs",
        (
            "⚡ Every run of this sweep came from the cache.",
            "Press **Run sweep**: one run per ε, each cached like any run.",
        ),
    )

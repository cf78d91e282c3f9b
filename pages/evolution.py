"""Training page: how nonlinearity grows while the network learns, epoch by epoch."""

import streamlit as st

from linearity_core import defaults
from linearity_core.measure.config import RunConfig
from linearity_core.present import analysis_figures as figures
from linearity_core.present.notes import evolution_notes
from linearity_core.service import analyses
from linearity_core.service.selection import Selection
from linearity_core.service.views import teaching
from pages.components.charts import chart
from pages.components.jobs import analysis_panel, client_id
from pages.components.layout import chart_and_notes
from pages.components.loaders import dataset_or_stop, handle_or_stop
from pages.components.params import instances_param, measure_params, param_row
from pages.components.presenting import parameters
from pages.components.state import number, page_start, show_url_notes

sel = page_start(__file__, "Training", "How nonlinearity grows while the network learns.")
data = dataset_or_stop(sel)
if sel.is_upload:
    st.info(
        "An uploaded model has no training history here: this view trains a built-in Keras "
        "model itself, keeping every epoch. Pick a built-in model in the sidebar."
    )
    st.stop()
with parameters("evolution"):
    cols = param_row(8)
    epochs = number(cols[0], "Epochs", "evolution", "epochs", defaults.EPOCHS, 1, 20)
    instances = instances_param(
        cols[1],
        "evolution",
        len(data.x_test),
        defaults.N_INSTANCES,
        "Random test images, the same at every epoch",
    )
    measure = measure_params("evolution", cols[2:])
show_url_notes()
ref = Selection(sel.dataset_id, sel.model_key, int(epochs)).model_ref()
config = RunConfig(measure=measure, n_instances=int(instances))


def draw(progress: analyses.EvolutionProgress, tag: str) -> None:
    if not progress.results:
        return
    done = progress.epochs[: len(progress.results)]
    chart(figures.evolution_bars(done, list(progress.results)), f"evo_bars_{tag}", "evolution bars")
    left, right = st.columns(2)
    with left:
        chart(
            figures.evolution_heatmap(done, list(progress.results)),
            f"evo_heat_{tag}",
            "layer epoch",
        )
    with right:
        chart(figures.accuracy_curve(done, list(progress.accuracies)), f"evo_acc_{tag}", "accuracy")


chart_col, notes = chart_and_notes()
untrained = handle_or_stop(Selection(sel.dataset_id, sel.model_key, 0), data)  # same layers
if untrained is not None:
    notes.markdown(evolution_notes(teaching(untrained, data)))
with chart_col:
    analysis_panel(
        "evolution",
        analyses.evolution_job_id(data, ref, config),
        lambda: analyses.submit_evolution(data, ref, config, client=client_id()),
        lambda: analyses.stored_evolution(data, ref, config),
        draw,
        lambda job: (
            "Training…"
            if job.snapshot is not None and job.snapshot.stage == "training"
            else "Scoring epochs…"
        ),
        (
            "⚡ Every epoch's model and run came from the stores.",
            f"Press **Run evolution**: trains {ref.label} (keeping every epoch) unless it is "
            f"stored, then scores {int(instances)} test images on epochs 0 to {int(epochs)}.",
        ),
    )

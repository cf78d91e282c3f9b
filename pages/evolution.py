"""Training page: how nonlinearity grows while the network learns, epoch by epoch."""

import streamlit as st

from linearity_core import defaults
from linearity_core.measure.config import RunConfig
from linearity_core.models.store import teaching_layers
from linearity_core.present.analysis_figures import (
    accuracy_curve,
    evolution_bars,
    evolution_heatmap,
)
from linearity_core.service.analyses import (
    EvolutionProgress,
    evolution_job_id,
    stored_evolution,
    submit_evolution,
)
from linearity_core.service.selection import Selection
from pages.components.charts import chart
from pages.components.jobs import analysis_panel
from pages.components.loaders import dataset_or_stop, handle_or_stop
from pages.components.params import instances_param, measure_params
from pages.components.state import number, page_start, show_url_notes

NOTES = """
**Reading the chart**

Press play: the same images and the same samples are scored on every checkpoint, from
the random weights of epoch 0 to the trained network, so only the weights change.
{linear} stays at 0 at any epoch (it is linear whatever its weights); watch how
{activation} and the output, {output}, move as the network learns to separate the classes.
"""

sel = page_start(__file__, "Training", "How nonlinearity grows while the network learns.")
data = dataset_or_stop(sel)
if sel.is_upload:
    st.info("An uploaded model has no training history: pick a built-in model in the sidebar.")
    st.stop()
with st.expander("Parameters", expanded=True):
    cols = st.columns(8)
    epochs = number(cols[0], "Epochs", "evolution_epochs", defaults.EPOCHS, 1, 20)
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


def draw(progress: EvolutionProgress, tag: str) -> None:
    if not progress.results:
        return
    done = progress.epochs[: len(progress.results)]
    chart(evolution_bars(done, list(progress.results)), f"evo_bars_{tag}", "evolution bars")
    left, right = st.columns(2)
    with left:
        chart(evolution_heatmap(done, list(progress.results)), f"evo_heat_{tag}", "layer epoch")
    with right:
        chart(accuracy_curve(done, list(progress.accuracies)), f"evo_acc_{tag}", "accuracy")


chart_col, notes = st.columns([3, 1])
untrained = handle_or_stop(Selection(sel.dataset_id, sel.model_key, 0), data)  # same layers
if untrained is not None:
    notes.markdown(NOTES.format(**teaching_layers(untrained.model)))
with chart_col:
    analysis_panel(
        "evolution",
        evolution_job_id(data, ref, config),
        lambda: submit_evolution(data, ref, config),
        lambda: stored_evolution(data, ref, config),
        draw,
        EvolutionProgress,
        lambda job: (
            "Training…" if getattr(job.snapshot, "stage", "") == "training" else "Scoring epochs…"
        ),
        (
            "⚡ Every epoch's model and run came from the stores.",
            f"Press **Run evolution**: trains {ref.label} (keeping every epoch) unless it is "
            f"stored, then scores {int(instances)} test images on epochs 0 to {int(epochs)}.",
        ),
    )

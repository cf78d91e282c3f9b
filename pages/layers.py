"""Layers page: per-layer linearity, live while the run goes, with teaching notes."""

import streamlit as st

from linearity_core import defaults
from linearity_core.measure.config import RunConfig
from linearity_core.measure.results import RunResult
from linearity_core.models.store import teaching_layers
from linearity_core.present.figures import layer_bars
from pages.components.charts import chart
from pages.components.jobs import run_panel, training_panel
from pages.components.loaders import dataset_or_stop, handle_or_stop
from pages.components.params import instances_param, measure_params
from pages.components.state import page_start, show_url_notes

NOTES = """
**Reading the chart**

- **{linear} scores 0.** It is the first linear layer: the output of an average of inputs
  is the average of their outputs, so nothing is left over.
- **Activations bend.** ReLU, tanh or sigmoid add the first nonlinearity; max pooling
  adds more.
- **Dropout and Flatten repeat their input's bar.** At inference dropout passes values
  through and flatten only reshapes them, so the measure cannot change.
- **Later linear layers are not 0.** They are linear maps, but they sit on top of
  nonlinear ones: what is measured is the network *up to* that layer.
- **The red bar is the softmax output,** measured on log-probabilities, as a classifier.
  Lower means the model's decision is more linear around the data.
"""


sel = page_start(
    __file__, "Layers", "How linear each layer is: mean linearity per layer, live while it runs."
)
data = dataset_or_stop(sel)
with st.expander("Parameters", expanded=True):
    cols = st.columns(7)
    instances = instances_param(
        cols[0], "layers", len(data.x_test), defaults.N_INSTANCES, "Random test images to score"
    )
    measure = measure_params("layers", cols[1:])
    logits = st.checkbox(
        "Score the output's logits instead of its probabilities (white box)", key="layers_logits"
    )
show_url_notes()  # about the parameters just read from the link

handle = handle_or_stop(sel, data)
if handle is None:
    training_panel(sel, data, key="layers")
    st.stop()

chart_col, notes = st.columns([3, 1])
notes.markdown(NOTES.format(**teaching_layers(handle.model)))


title = f"{handle.label} on {data.spec.name}"


def render(result: RunResult, tag: str) -> None:
    chart(layer_bars(result, title=title), f"layer_bars_{tag}", f"layers {title}")


config = RunConfig(measure=measure, n_instances=int(instances), logits=logits)
with chart_col:
    run_panel(data, handle, config, render, key="layers", page="layers")

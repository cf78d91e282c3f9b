"""Layers page: per-layer linearity, live while the run goes, with teaching notes."""

import streamlit as st

from linearity_core import RunConfig
from linearity_core.figures import layer_bars
from linearity_core.modelstore import describe_layers
from linearity_core.results import RunResult
from pages.panels import handle_or_stop, measure_params, number, run_panel, training_panel
from pages.shared import dataset_or_stop, page_start

NOTES = """
**Reading the chart**

- **{first} scores 0.** It is the first linear layer: the output of an average of inputs
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
    "layers",
    "Layers",
    "How linear each layer is: mean linearity per layer, live while the run goes.",
)
data = dataset_or_stop(sel)
with st.expander("Parameters", expanded=True):
    cols = st.columns(7)
    instances = number(cols[0], "Instances", "layers_instances", min(100, len(data.x_test)),
                       1, len(data.x_test), help="Random test images to score")  # fmt: skip
    measure = measure_params("layers", cols[1:])
    logits = st.checkbox("Score the output's logits instead of its probabilities (white box)",
                         key="layers_logits")  # fmt: skip

handle = handle_or_stop(sel, data)
if handle is None:
    training_panel(sel, data, key="layers")
    st.stop()
assert handle is not None

chart, notes = st.columns([3, 1])
first_linear = next((row["layer"] for row in describe_layers(handle.model)
                     if row["kind"] == "linear"), "The first layer")  # fmt: skip
notes.markdown(NOTES.format(first=first_linear))


def render(result: RunResult, tag: str) -> None:
    st.plotly_chart(layer_bars(result, title=f"{handle.label} on {data.spec.name}"),
                    key=f"layer_bars_{tag}")  # fmt: skip


config = RunConfig(measure=measure, n_instances=int(instances), logits=logits)
with chart:
    run_panel(sel, data, handle, config, render, key="layers")

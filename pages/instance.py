"""Instance page: why is this one image so nonlinear? Its profile, samples and answer."""

import numpy as np
import streamlit as st

from linearity_core.analysis.instance import instance_profile, instance_samples, output_of
from linearity_core.errors import LinearityError
from linearity_core.measure.results import RunResult
from linearity_core.models.store import teaching_layers
from linearity_core.present.images import image_grid
from linearity_core.present.instance_figures import answer_bars, profile_lines
from linearity_core.service.runstore import RunInfo, RunStore
from pages.components.charts import chart
from pages.components.loaders import dataset_or_stop, handle_or_stop
from pages.components.state import number, page_start, remembered, show_url_notes

SAMPLES_SHOWN = 7
NOTES = """
**Reading the profile**

The red line is this image, the dashed one its class's mean, the dotted one the run's.
Linear layers such as {linear} stay at 0 for every image; the first place the red line
leaves its class's is where this image sits near a kink, often {activation}. A high score
at {output} with a close call between two classes marks a borderline image: the decision
changes shape within ε of it.
"""

sel = page_start(__file__, "Instance", "Why is this one image so nonlinear?")
data = dataset_or_stop(sel)
handle = handle_or_stop(sel, data)
if handle is None:
    st.info("This model is not trained yet: train it on the Layers page, run it, then come back.")
    st.stop()
store = RunStore()
runs = [
    r
    for r in store.list().runs
    if r.model_fingerprint == handle.fingerprint and r.data_fingerprint == data.fingerprint
]
if not runs:
    st.info(
        "No stored run of this model on this dataset yet. Run one on the Layers, Classes or "
        "Mistakes page, then click an image's number (#…) to drill into it here."
    )
    st.stop()
by_key = {r.key: r for r in runs}


def run_label(key: str) -> str:
    info: RunInfo = by_key[key]
    m = info.config.measure
    return f"{info.when} · {info.selection} · {m.n_samples} samples · ε {m.epsilon:g} · {m.method}"


run_col, index_col = st.columns([3, 1])
keys = list(by_key)  # newest first
key = remembered(
    run_col.selectbox, "Run", "run", keys[0], keys.__contains__, options=keys, format_func=run_label
)
result: RunResult | None = store.load(key)
if result is None:
    st.error("This run could not be read back from the store; pick another one.")
    st.stop()
x_split, _ = data.split(result.config.split)
most_nonlinear = int(result.indices[np.argmax(result.scores[:, -1])])
index = int(number(index_col, "Test image", "instance", most_nonlinear, 0, len(x_split) - 1))
show_url_notes()
try:
    profile = instance_profile(result, index)
except LinearityError as exc:
    st.warning(
        f"Test image #{index}: {exc}. The run's most nonlinear image at the output is "
        f"#{most_nonlinear}; type it above, or click an image's number on another page."
    )
    st.stop()

names = data.class_names
chart_col, notes = st.columns([3, 1])
notes.markdown(NOTES.format(**teaching_layers(handle.model)))
with chart_col:
    st.markdown(
        f"**Test #{index}** · true **{names[profile.label]}** · predicted "
        f"**{names[profile.predicted] if profile.predicted >= 0 else 'none'}** · "
        f"rank {profile.rank} of {len(result.indices)} by its score at {result.output_layer}"
    )
    chart(profile_lines(profile, result.layer_names, names[profile.label]), "profile", "profile")
    image_col, answer_col = st.columns([1, 2])
    with image_col:
        captions = [f"#{index}"]
        chart(image_grid(x_split[[index]], captions, captions, columns=1), "image", "instance")
    with answer_col:
        output = output_of(handle.model, x_split[index])
        if len(output) == len(names):
            chart(answer_bars(output, names, profile.label, profile.predicted), "answer", "answer")
    reference = data.sampling_reference(result.config)
    samples = instance_samples(x_split, reference, result.config, index, SAMPLES_SHOWN)
    st.markdown(
        f"**{len(samples)} of the {result.config.measure.n_samples} samples it was scored on**"
    )
    labels = [f"sample {k + 1}" for k in range(len(samples))]
    chart(image_grid(samples, labels, labels), "samples", "samples")

"""Instance page: why is this one image so nonlinear? Its profile, samples and answer."""

import numpy as np
import streamlit as st

from linearity_core.errors import LinearityError
from linearity_core.present.images import item_grid
from linearity_core.present.instance_figures import answer_bars, profile_lines
from linearity_core.present.notes import instance_notes
from linearity_core.present.text import md
from linearity_core.service.views import instance_view, runs_of, stored_run, teaching
from pages.components.charts import chart
from pages.components.layout import chart_and_notes
from pages.components.loaders import dataset_or_stop, handle_or_stop
from pages.components.state import number, page_start, show_url_notes, view_param

SAMPLES_SHOWN = 7

sel = page_start(__file__, "Instance", "Why is this one image so nonlinear?")
data = dataset_or_stop(sel)
signals = data.spec.items == "signals"  # 1-D items are drawn as lines
handle = handle_or_stop(sel, data)
if handle is None:
    st.info("This model is not trained yet: train it on the Layers page, run it, then come back.")
    st.stop()
runs = runs_of(handle, data)  # plain runs first, newest first
if not runs:
    st.info(
        "No stored run of this model on this dataset yet. Run one on the Layers, Classes or "
        "Mistakes page, then click an image's number (#…) to drill into it here."
    )
    st.stop()
labels = {r.key: r.label for r in runs}
keys = list(labels)
run_col, index_col = st.columns([3, 1])
key = view_param(
    run_col.selectbox, "Run", "instance", "run", keys[0], options=keys, format_func=labels.get
)
result = stored_run(key)
if result is None:
    st.error("This run could not be read back from the store; pick another one.")
    st.stop()
x_split, _ = data.split(result.config.split)
most_nonlinear = int(result.indices[np.argmax(result.scores[:, -1])])
index = int(
    number(index_col, "Test image", "instance", "instance", most_nonlinear, 0, len(x_split) - 1)
)
show_url_notes()
try:
    view = instance_view(handle, data, result, index, SAMPLES_SHOWN)
except LinearityError as exc:
    st.warning(
        f"Test image #{index}: {md(exc)}. The run's most nonlinear image at the output is "
        f"#{most_nonlinear}; type it above, or click an image's number on another page."
    )
    st.stop()

profile = view.profile
names = data.class_names
true = result.class_name(profile.label)
said = result.class_name(profile.predicted) if profile.predicted >= 0 else "none"
chart_col, notes = chart_and_notes()
notes.markdown(instance_notes(teaching(handle, data)))
with chart_col:
    st.markdown(
        f"**Test #{index}** · true **{md(true)}** · predicted **{md(said)}** · rank "
        f"{profile.rank} of {len(result.indices)} by its score at {md(result.output_layer)}"
    )
    chart(profile_lines(profile, result.layer_names, true), "profile", "profile")
    image_col, answer_col = st.columns([1, 2])
    with image_col:
        captions = [f"#{index}"]
        grid = item_grid(x_split[[index]], captions, captions, columns=1, signals=signals)
        chart(grid, "image", "instance", compact=True)
    with answer_col:
        if len(view.output) == len(names) and data.task == "classification":
            bars = answer_bars(view.output, names, profile.label, profile.predicted)
            chart(bars, "answer", "answer")
    st.markdown(
        f"**{len(view.samples)} of the {result.config.measure.n_samples} samples it was scored on**"
    )
    sample_names = [f"sample {k + 1}" for k in range(len(view.samples))]
    chart(
        item_grid(view.samples, sample_names, sample_names, signals=signals), "samples", "samples"
    )

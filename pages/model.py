"""Model page: choose, train or upload a model; its training curves, layers and score."""

import pandas as pd
import streamlit as st

from linearity_core.present.figures import training_curves
from linearity_core.present.text import md
from linearity_core.service.catalog import accept_model
from linearity_core.service.selection import stored_meta, upload_outputs
from linearity_core.service.views import input_note, model_layers, model_parameters, model_score
from pages.components.charts import chart
from pages.components.jobs import trained_or_offer
from pages.components.loaders import dataset_or_stop, upload_panel
from pages.components.state import page_start, select

READINGS = {
    "auto": "Find out (a softmax at the end: probabilities)",
    "probabilities": "Probabilities (read as a classifier, on their log)",
    "logits": "Logits or values (read as they are; argmax is the class)",
}

sel = page_start(__file__, "Model", "Choose, train or upload a model; its layers and score.")
data = dataset_or_stop(sel)

with st.expander("Upload your own model (.keras or .onnx)", expanded=sel.is_upload):
    st.caption(
        "Keras 3 `.keras` files with built-in layers (Sequential, functional, nested; no "
        "Lambda layers or custom code, which would run on load), or `.onnx` files (PyTorch "
        "through `torch.onnx.export`) with standard operators. Legacy `.h5` files are "
        "refused: re-save them as `.keras`. The model must take one input that fits the "
        "selected dataset's items; a model with several outputs lets you pick the one "
        "scored."
    )
    reading = str(
        st.selectbox(
            "Its output is", list(READINGS), format_func=lambda r: READINGS[r], key="upload_reading"
        )
    )
    upload_panel(
        "Model file",
        ["keras", "onnx", "h5"],
        "model_upload",
        lambda raw, name: {"model": accept_model(raw, name, data, reading)},
    )

handle = trained_or_offer(sel, data, "model")

heads = upload_outputs(sel.model_key) if sel.is_upload else []
if len(heads) > 1:
    output = st.selectbox(
        "Output scored as the model's output",
        heads,
        index=heads.index(sel.output) if sel.output in heads else 0,
        key="model_output",
    )
    if output != (sel.output or heads[0]):
        select(output=output)

meta = stored_meta(sel) or {}
what, value, items = model_score(handle, data)
st.markdown(f"**{md(handle.label)}**")  # a long name wraps; in a metric it is cut
cols = st.columns(4)
cols[0].metric("Parameters", f"{model_parameters(handle):,}")
cols[1].metric(
    what,
    f"{100 * value:.2f}%" if what == "Test accuracy" else f"{value:.4g}",
    help=f"On the first {items:,} test items of {md(data.spec.name)}",
)
if "training_s" in meta:
    cols[2].metric("Training time", f"{meta['training_s']:.0f} s")
if meta.get("history", {}).get("loss"):
    chart(training_curves(meta["history"]), "training_curves", f"training {handle.label}")
elif sel.is_upload:
    st.caption(
        "An uploaded model is taken as it is: the Training view needs a built-in Keras "
        "model that the dashboard trains itself."
    )
else:
    st.info(
        "These are untrained weights (seed 0): pick another Training option in the sidebar "
        "to compare the network before and after training."
    )

if note := input_note(handle, data):
    st.caption(note)
st.subheader("Layers")
st.caption("Every layer a run scores, in graph order; a layer fed by two or more is a merge.")
rows = [row.as_dict() for row in model_layers(handle, data)]
st.dataframe(pd.DataFrame(rows), hide_index=True)

"""Model page: choose, train or upload a model; its training curves, layers and accuracy."""

import pandas as pd
import streamlit as st

from linearity_core.models.store import describe_layers
from linearity_core.models.uploads import load_uploaded_model, save_upload
from linearity_core.present.figures import training_curves
from linearity_core.service.selection import UPLOAD_PREFIX, stored_meta
from pages.components.charts import chart
from pages.components.jobs import training_panel
from pages.components.loaders import dataset_or_stop, handle_or_stop, upload_panel
from pages.components.state import page_start

sel = page_start(__file__, "Model", "Choose, train or upload a model; its layers and accuracy.")
data = dataset_or_stop(sel)

with st.expander("Upload your own .keras model", expanded=sel.is_upload):
    st.caption(
        "Only Keras 3 `.keras` files with built-in layers are accepted (no Lambda layers "
        "or custom code, which would run on load). Legacy `.h5` files are refused: "
        "re-save them as `.keras`. The input shape must match the dataset."
    )

    def accept(raw: bytes, name: str) -> dict[str, str]:
        load_uploaded_model(raw, name, data.input_shape)  # raises with the reason
        return {"model": UPLOAD_PREFIX + save_upload(raw, name)}

    upload_panel("Model file", ["keras", "h5"], "model_upload", accept)

handle = handle_or_stop(sel, data)
if handle is None:
    training_panel(sel, data, key="model")
    st.stop()

meta = stored_meta(sel) or {}
cols = st.columns(4)
cols[0].metric("Model", handle.label)
cols[1].metric("Parameters", f"{handle.model.count_params():,}")
if "test_accuracy" in meta:
    cols[2].metric("Test accuracy", f"{100 * meta['test_accuracy']:.2f}%")
    cols[3].metric("Training time", f"{meta['training_s']:.0f} s")
else:
    cols[2].metric("Test accuracy", "n/a", help="Accuracy is known for built-in models only")
if meta.get("history", {}).get("loss"):
    chart(training_curves(meta["history"]), "training_curves", f"training {handle.label}")
elif not sel.is_upload:
    st.info(
        "These are untrained weights (seed 0): pick another Training option in the sidebar "
        "to compare the network before and after training."
    )

st.subheader("Layers")
st.dataframe(pd.DataFrame(describe_layers(handle.model)), hide_index=True)

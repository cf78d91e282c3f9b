"""Model page: choose, train or upload a model; its training curves, layers and accuracy."""

import pandas as pd
import streamlit as st

from pages.panels import handle_or_stop, training_panel
from pages.shared import (
    UPLOAD_PREFIX,
    dataset_or_stop,
    page_start,
    stored_meta,
    upload_panel,
)

sel = page_start("model", "Model", "Choose, train or upload a model; its layers and test accuracy.")
data = dataset_or_stop(sel)

with st.expander("Upload your own .keras model", expanded=sel.is_upload):
    st.caption("Only Keras 3 `.keras` files with built-in layers are accepted (no Lambda layers "
               "or custom code, which would run on load). Legacy `.h5` files are refused: "
               "re-save them as `.keras`. The input shape must match the dataset.")  # fmt: skip

    def accept(raw: bytes, name: str) -> dict[str, str]:
        from linearity_core.uploads import load_uploaded_model, save_upload

        load_uploaded_model(raw, name, data.input_shape)  # raises with the reason
        return {"model": UPLOAD_PREFIX + save_upload(raw, name)}

    upload_panel("Model file", ["keras", "h5"], "model_upload", accept)

handle = handle_or_stop(sel, data)
if handle is None:
    training_panel(sel, data, key="model")
    st.stop()

from linearity_core.figures import training_curves  # noqa: E402 - needs the model loaded
from linearity_core.modelstore import describe_layers  # noqa: E402

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
    st.plotly_chart(training_curves(meta["history"]))
elif not sel.is_upload:
    st.info("These are untrained weights (seed 0): pick another Training option in the sidebar "
            "to compare the network before and after training.")  # fmt: skip

st.subheader("Layers")
st.dataframe(pd.DataFrame(describe_layers(handle.model)), hide_index=True)

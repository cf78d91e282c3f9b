"""Data page: class counts and a filterable, pageable gallery of sample images."""

import numpy as np
import streamlit as st

from linearity_core.figures import class_counts, image_grid
from pages.shared import dataset_or_stop, page_start, upload_panel

PER_PAGE = 32

sel = page_start(
    "data", "Data", "Class counts and a gallery of sample images, filterable by class."
)
with st.expander("Use your own dataset (.npz)"):
    st.caption("A `.npz` with `x_train`, `y_train`, `x_test`, `y_test` (images as (n, h, w), "
               "(n, h, w, c) or (n, features); integer labels) and optionally `class_names`. "
               "It is read without unpickling and checked before use.")  # fmt: skip

    def accept(raw: bytes, name: str) -> dict[str, str]:
        from linearity_core.datasets import save_user_npz

        return {"dataset": save_user_npz(raw, name)}

    upload_panel("Dataset file", ["npz"], "npz_upload", accept)
data = dataset_or_stop(sel)
st.markdown(f"**{data.spec.name}**: {len(data.x_train):,} training and "
            f"{len(data.x_test):,} test images of shape {data.input_shape}, "
            f"{len(data.class_names)} classes.")  # fmt: skip
st.plotly_chart(class_counts(data.y_train, data.y_test, data.class_names))

st.subheader("Gallery")
cols = st.columns([2, 1, 1, 1])
choice = cols[0].selectbox("Class", ["All classes", *data.class_names], key="gallery_class")
split = cols[1].radio("Split", ["test", "train"], horizontal=True, key="gallery_split")
if cols[3].button("Shuffle"):
    st.session_state.gallery_seed = st.session_state.get("gallery_seed", 0) + 1
x, y = data.split(split)
idx = np.arange(len(y)) if choice == "All classes" else np.flatnonzero(
    y == data.class_names.index(choice))  # fmt: skip
if seed := st.session_state.get("gallery_seed", 0):
    idx = np.random.default_rng(seed).permutation(idx)
pages = max(1, -(-len(idx) // PER_PAGE))
page = cols[2].number_input(f"Page (of {pages})", 1, pages, 1, key="gallery_page")
shown = idx[(page - 1) * PER_PAGE : page * PER_PAGE]
captions = [data.class_names[y[i]] for i in shown]
hovers = [f"{split} #{i}<br>{data.class_names[y[i]]} (label {y[i]})" for i in shown]
st.plotly_chart(image_grid(x[shown], captions, hovers))

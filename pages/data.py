"""Data page: class counts and a filterable, pageable gallery of sample images."""

import numpy as np
import streamlit as st

from linearity_core.data.datasets import save_user_npz
from linearity_core.present.figures import class_counts
from linearity_core.present.images import image_grid
from pages.components.charts import chart
from pages.components.loaders import dataset_or_stop, upload_panel
from pages.components.state import page_start

PER_PAGE = 32

sel = page_start(__file__, "Data", "Class counts and a gallery of sample images, by class.")
with st.expander("Use your own dataset (.npz)"):
    st.caption(
        "A `.npz` with `x_train`, `y_train`, `x_test`, `y_test` (images as (n, h, w), "
        "(n, h, w, c) or (n, features); integer labels 0..n_classes-1) and optionally "
        "`class_names`. It is read without unpickling and checked before use; it may "
        "unpack to at most 384 MB."
    )
    upload_panel(
        "Dataset file",
        ["npz"],
        "npz_upload",
        lambda raw, name: {"dataset": save_user_npz(raw, name)},
    )
data = dataset_or_stop(sel)
st.markdown(
    f"**{data.spec.name}**: {len(data.x_train):,} training and {len(data.x_test):,} test "
    f"items of shape {data.input_shape}, {len(data.class_names)} classes."
)
chart(class_counts(data.y_train, data.y_test, data.class_names), "class_counts", "class counts")

st.subheader("Gallery")
cols = st.columns([2, 1, 1, 1])
picked = cols[0].selectbox("Class", ["All classes", *data.class_names], key="gallery_class")
split = cols[1].radio("Split", ["test", "train"], horizontal=True, key="gallery_split")
if cols[3].button("Shuffle"):
    st.session_state.gallery_seed = st.session_state.get("gallery_seed", 0) + 1
x, y = data.split(split)
idx = (
    np.arange(len(y))
    if picked == "All classes"
    else np.flatnonzero(y == data.class_names.index(picked))
)
if seed := st.session_state.get("gallery_seed", 0):
    idx = np.random.default_rng(seed).permutation(idx)
pages = max(1, -(-len(idx) // PER_PAGE))
page = cols[2].number_input(f"Page (of {pages})", 1, pages, 1, key="gallery_page")
shown = idx[(page - 1) * PER_PAGE : page * PER_PAGE]
captions = [data.class_names[y[i]] for i in shown]
hovers = [f"{split} #{i}<br>{data.class_names[y[i]]} (label {y[i]})" for i in shown]
if len(shown):
    chart(image_grid(x[shown], captions, hovers), "gallery", f"gallery {split} {picked}")

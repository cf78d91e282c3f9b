"""Data page: class counts and a filterable, pageable gallery of the data's items, with
the selected model's answer under each; your own data added from a file."""

import numpy as np
import streamlit as st

from linearity_core.present.figures import class_counts
from linearity_core.present.images import class_signals, gallery_pictures, image_grid, signal_grid
from linearity_core.present.text import md
from linearity_core.service.catalog import accept_dataset
from linearity_core.service.views import answers
from pages.components.charts import chart, chart_downloads
from pages.components.loaders import dataset_or_stop, handle_or_none, upload_panel
from pages.components.state import choice, number, page_start, show_url_notes

PER_PAGE = 32
COLUMNS = 8

sel = page_start(__file__, "Data", "Class counts and a gallery of the data's items, by class.")
with st.expander("Use your own dataset (.npz, or a .zip of class folders)"):
    st.caption(
        "A `.npz` with `x_train`, `y_train`, `x_test`, `y_test` (items as (n, features), "
        "(n, h, w) or (n, h, w, c); integer labels 0..n_classes-1, or float targets for "
        "regression) and optionally `class_names`; or a `.zip` of images in one folder per "
        "class (`cat/1.png`), split into train and test unless it has `train/` and `test/` "
        "folders. Files are read without unpickling and checked before use; they may unpack "
        "to at most 384 MB."
    )
    name = st.text_input("Name it (optional)", key="dataset_name", max_chars=60)
    upload_panel(
        "Dataset file",
        ["npz", "zip"],
        "dataset_upload",
        lambda raw, file: {"dataset": accept_dataset(raw, file, name or None)},
    )
data = dataset_or_stop(sel)
kind = "signals" if data.spec.items == "signals" else "items"
st.markdown(
    f"**{md(data.spec.name)}**: {len(data.x_train):,} training and {len(data.x_test):,} test "
    f"{kind} of shape {data.input_shape}, {len(data.class_names)} "
    + ("quarters of the target." if data.task == "regression" else "classes.")
)
chart(class_counts(data.y_train, data.y_test, data.class_names), "class_counts", "class counts")
if data.spec.items == "signals":
    by_class = class_signals(data.x_test, data.y_test, data.class_names)
    chart(by_class, "class_signals", "signals by class")

st.subheader("Gallery")
cols = st.columns([2, 1, 1, 1])
picked = choice(cols[0], "Class", "data", "class", ["All classes", *data.class_names])
split = choice(cols[1], "Split", "data", "split", ["test", "train"])
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
page = int(number(cols[2], f"Page (of {pages})", "data", "page", 1, 1, pages))
show_url_notes()
shown = idx[(page - 1) * PER_PAGE : page * PER_PAGE]
handle = handle_or_none(sel, data)  # the model's answer under each item, when at hand
said = answers(handle, data, split, shown) if handle is not None else None
captions = []
for k, i in enumerate(shown):
    line = f"#{i}" + ("" if picked != "All classes" else f" · {data.class_names[y[i]]}")
    if data.task == "regression":
        line += f" · target {float(data.targets(split)[i].reshape(-1)[0]):.3g}"
    if said is not None:
        line += f" · model: {said[k]}"
    captions.append(line)
if len(shown) and data.spec.items == "signals":
    chart(signal_grid(x[shown], captions), "gallery", f"gallery {split} {picked}")
elif len(shown):
    pictures = gallery_pictures(x[shown])
    for row in range(0, len(shown), COLUMNS):
        for col, k in zip(
            st.columns(COLUMNS), range(row, min(row + COLUMNS, len(shown))), strict=False
        ):
            col.image(pictures[k], caption=captions[k], width="stretch")
    st.caption("Click an image's corner to see it large. Downloads draw the whole page.")
    hovers = [f"{split} #{i}\n{data.class_names[y[i]]} (label {y[i]})" for i in shown]
    chart_downloads(image_grid(x[shown], captions, hovers), "gallery", f"gallery {split} {picked}")

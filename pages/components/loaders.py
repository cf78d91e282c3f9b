"""Thin Streamlit wrappers around the core's one door (``linearity_core.service``):
cached model loading, and pages that stop with a clear message when loading fails."""

from collections.abc import Callable
from typing import Any

import streamlit as st

from linearity_core.data.datasets import Dataset, load_dataset
from linearity_core.errors import LinearityError
from linearity_core.service.selection import ModelHandle, Selection, load_model, stored_meta
from pages.components.state import select


def dataset_or_stop(sel: Selection) -> Dataset:
    """The selected dataset; a clear error (and the page stops) when it cannot be loaded."""
    try:
        with st.spinner("Loading dataset…"):
            return load_dataset(sel.dataset_id)
    except LinearityError as exc:
        st.error(f"The dataset could not be loaded. {exc}")
        st.stop()
        raise  # unreachable: st.stop() ends the script


@st.cache_resource(show_spinner="Loading model…", max_entries=4)
def _cached_model(
    dataset_id: str, model_key: str, epochs: int, stored: str | None, _dataset: Dataset
) -> ModelHandle | None:
    # ``stored`` (the stored model's fingerprint) is in the key: once a model has been
    # trained, the next look-up loads it instead of remembering that it was missing.
    return load_model(Selection(dataset_id, model_key, epochs), _dataset)


def handle_or_stop(sel: Selection, dataset: Dataset) -> ModelHandle | None:
    """The selected model; None when it still has to be trained; the page stops with a
    clear message when it cannot be used with this dataset."""
    meta = stored_meta(sel)
    stored = None if meta is None else str(meta["model_fingerprint"])
    try:
        return _cached_model(sel.dataset_id, sel.model_key, sel.epochs, stored, dataset)
    except LinearityError as exc:
        st.error(f"This model cannot be used with {dataset.spec.name}: {exc}")
        st.stop()
        raise


def upload_panel(
    label: str, types: list[str], key: str, accept: Callable[[bytes, str], dict[str, Any]]
) -> None:
    """A file uploader that acts as soon as a file has arrived: ``accept(raw, name)``
    checks and keeps it and returns the new selection; a refusal stays on screen while
    that file is in the uploader."""
    upload = st.file_uploader(label, type=types, key=key)
    if upload is None:
        return
    refusals = st.session_state.setdefault("upload_refusals", {})
    if upload.file_id not in refusals:
        try:
            selection = accept(upload.getvalue(), upload.name)
        except LinearityError as exc:
            refusals[upload.file_id] = f"{upload.name} was refused: {exc}"
        else:
            refusals[upload.file_id] = ""
            select(**selection)
    if refusals[upload.file_id]:
        st.error(refusals[upload.file_id])

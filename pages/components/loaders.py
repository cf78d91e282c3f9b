"""Thin Streamlit wrappers around the core's one door (``linearity_core.service``):
cached model loading, and pages that stop with a clear message when loading fails."""

from collections.abc import Callable

import streamlit as st

from linearity_core.errors import LinearityError
from linearity_core.present.text import md
from linearity_core.service.catalog import Dataset, load_dataset
from linearity_core.service.selection import ModelHandle, Selection, load_model, stored_meta
from pages.components.state import select


def dataset_or_stop(sel: Selection) -> Dataset:
    """The selected dataset; a clear error (and the page stops) when it cannot be loaded."""
    try:
        with st.spinner("Loading dataset…"):
            return load_dataset(sel.dataset_id)
    except LinearityError as exc:
        st.error(f"The dataset could not be loaded. {md(exc)}")
        st.stop()
        raise  # unreachable: st.stop() ends the script


def _cached_model(sel: Selection, dataset: Dataset) -> ModelHandle | None:
    with st.spinner("Loading model…"):
        return load_model(sel, dataset)  # kept in the core: jobs and pages share it


def handle_or_stop(sel: Selection, dataset: Dataset) -> ModelHandle | None:
    """The selected model; None when it still has to be trained; the page stops with a
    clear message when it cannot be used with this dataset."""
    try:
        return _cached_model(sel, dataset)
    except LinearityError as exc:
        st.error(f"This model cannot be used with {md(dataset.spec.name)}: {md(exc)}")
        st.stop()
        raise


def handle_or_none(sel: Selection, dataset: Dataset) -> ModelHandle | None:
    """The selected model when it is at hand (stored or untrained), else None, quietly:
    for pages that only decorate with it."""
    if stored_meta(sel) is None and sel.epochs != 0 and not sel.is_upload:
        return None
    try:
        return _cached_model(sel, dataset)
    except LinearityError:
        return None


def upload_panel(
    label: str, types: list[str], key: str, accept: Callable[[bytes, str], dict[str, str]]
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
            with st.spinner(f"Checking {upload.name}…"):
                selection = accept(upload.getvalue(), upload.name)
        except LinearityError as exc:
            refusals[upload.file_id] = f"{md(upload.name)} was refused: {md(exc)}"
        else:
            refusals[upload.file_id] = ""
            select(**selection)
    if refusals[upload.file_id]:
        st.error(refusals[upload.file_id])

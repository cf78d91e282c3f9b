"""Shared page parts: selection state (session + URL), the sidebar, cached loaders.

Heavy modules (TensorFlow through the model store) are imported inside functions, so
pages that need no model appear without waiting for TensorFlow.
"""

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import streamlit as st

from linearity_core.architectures import ARCHITECTURES
from linearity_core.datasets import Dataset, list_datasets, load_dataset
from linearity_core.errors import LinearityError

DEFAULT_DATASET, DEFAULT_MODEL, DEFAULT_EPOCHS = "fashion_mnist", "seed_cnn", 5
EPOCH_CHOICES = {0: "Untrained (random weights)", 1: "Quick: 1 epoch", 5: "Notebook: 5 epochs"}
MODEL_SEED = 0
UPLOAD_PREFIX = "upload:"


@dataclass(frozen=True)
class Selection:
    """What the sidebar selected: a dataset and a model (built-in + epochs, or an upload)."""

    dataset_id: str
    model_key: str
    epochs: int

    @property
    def is_upload(self) -> bool:
        return self.model_key.startswith(UPLOAD_PREFIX)


@dataclass(frozen=True)
class ModelHandle:
    """A loaded model with what a run key and the pages need to know about it."""

    model: Any
    fingerprint: str
    label: str
    meta: dict[str, Any]


def model_ref(sel: Selection) -> Any:
    from linearity_core.modelstore import ModelRef

    return ModelRef(sel.model_key, sel.dataset_id, sel.epochs, MODEL_SEED)


def stored_meta(sel: Selection) -> dict[str, Any] | None:
    """Metadata of a built-in model in the store (JSON only; no TensorFlow needed)."""
    from linearity_core.modelstore import ModelStore

    return None if sel.is_upload else ModelStore().meta(model_ref(sel))


def _model_options() -> list[str]:
    from linearity_core.uploads import list_uploads

    return list(ARCHITECTURES) + [UPLOAD_PREFIX + k for k in list_uploads()]


def _model_label(key: str) -> str:
    if key.startswith(UPLOAD_PREFIX):
        from linearity_core.uploads import list_uploads

        return f"Uploaded: {list_uploads().get(key[len(UPLOAD_PREFIX) :], key)}"
    return ARCHITECTURES[key].name


def _init_state(datasets: list[str], models: list[str]) -> None:
    """First run of a session: take the selection from the URL when it is valid."""
    if "dataset" in st.session_state:
        return
    params = st.query_params
    st.session_state.dataset = params.get("dataset", DEFAULT_DATASET)
    if st.session_state.dataset not in datasets:
        st.session_state.dataset = DEFAULT_DATASET
    st.session_state.model = params.get("model", DEFAULT_MODEL)
    if st.session_state.model not in models:
        st.session_state.model = DEFAULT_MODEL
    epochs = params.get("epochs", str(DEFAULT_EPOCHS))
    st.session_state.epochs = int(epochs) if epochs in {str(e) for e in EPOCH_CHOICES} else 5


def select(**values: Any) -> None:
    """Change the sidebar's selection (dataset, model, epochs) from a page, then rerun.

    Widget values cannot change once the sidebar has drawn them in this run, so the
    change is applied at the start of the next one.
    """
    st.session_state.pending_selection = values
    st.rerun()


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
            refusals[upload.file_id] = f"{upload.name} was refused. {exc}"
        else:
            refusals[upload.file_id] = ""
            select(**selection)
    if refusals[upload.file_id]:
        st.error(refusals[upload.file_id])


def sidebar() -> Selection:
    """Dataset and model pickers with a status line; mirrors the selection into the URL."""
    specs = list_datasets()
    models = _model_options()
    _init_state(list(specs), models)
    for key, value in st.session_state.pop("pending_selection", {}).items():
        st.session_state[key] = value
    with st.sidebar:
        st.selectbox("Dataset", list(specs), key="dataset",
                     format_func=lambda d: specs[d].name)  # fmt: skip
        st.selectbox("Model", models, key="model", format_func=_model_label)
        sel = Selection(st.session_state.dataset, st.session_state.model,
                        st.session_state.epochs)  # fmt: skip
        if not sel.is_upload:
            st.selectbox("Training", list(EPOCH_CHOICES), key="epochs",
                         format_func=lambda e: EPOCH_CHOICES[e] + (" ✓" if _stored(sel, e) else ""),
                         help="✓ = already trained and kept in the model store")  # fmt: skip
            sel = Selection(sel.dataset_id, sel.model_key, st.session_state.epochs)
        st.caption(status_line(sel))
    st.query_params.update(dataset=sel.dataset_id, model=sel.model_key, epochs=str(sel.epochs))
    return sel


def _stored(sel: Selection, epochs: int) -> bool:
    return stored_meta(Selection(sel.dataset_id, sel.model_key, epochs)) is not None


def status_line(sel: Selection) -> str:
    if sel.is_upload:
        return "Your uploaded model."
    meta = stored_meta(sel)
    if meta is None:
        if sel.epochs == 0:
            return "Untrained: random weights (seed 0)."
        return "Not trained yet: train it on the Model or Layers page."
    plural = "s" if sel.epochs > 1 else ""
    state = "Untrained" if sel.epochs == 0 else f"Trained for {sel.epochs} epoch{plural}"
    return f"{state} · test accuracy {100 * meta['test_accuracy']:.1f}%"


def dataset_or_stop(sel: Selection) -> Dataset:
    """The selected dataset; a clear error (and the page stops) when it cannot be loaded."""
    try:
        with st.spinner("Loading dataset…"):
            return load_dataset(sel.dataset_id)
    except LinearityError as exc:
        st.error(f"The dataset could not be loaded. {exc}")
        st.stop()
        raise  # unreachable: st.stop() ends the script


@st.cache_resource(show_spinner="Loading model…", max_entries=8)
def _stored_model(arch: str, dataset_id: str, epochs: int, seed: int) -> tuple[Any, dict] | None:
    from linearity_core.modelstore import ModelRef, ModelStore

    ref = ModelRef(arch, dataset_id, epochs, seed)
    store = ModelStore()
    if epochs == 0:  # untrained weights cost nothing to make: build and keep them
        return store.get_or_train(ref, load_dataset(dataset_id))
    return store.load(ref)


@st.cache_resource(show_spinner="Loading uploaded model…", max_entries=4)
def _uploaded_model(upload_id: str, input_shape: tuple[int, ...]) -> tuple[Any, str]:
    from linearity_core.modelstore import model_fingerprint
    from linearity_core.uploads import load_uploaded_model, read_upload

    raw, filename = read_upload(upload_id)
    model = load_uploaded_model(raw, filename, input_shape)
    return model, model_fingerprint(model)


def forget_models() -> None:
    """After training, so the next lookup finds the new model in the store."""
    _stored_model.clear()


def model_handle(sel: Selection, dataset: Dataset) -> ModelHandle | None:
    """The selected model, or None when a built-in model still has to be trained."""
    if sel.is_upload:
        upload_id = sel.model_key[len(UPLOAD_PREFIX) :]
        model, fingerprint = _uploaded_model(upload_id, dataset.input_shape)
        return ModelHandle(model, fingerprint, _model_label(sel.model_key), {})
    found = _stored_model(sel.model_key, sel.dataset_id, sel.epochs, MODEL_SEED)
    if found is None:
        return None
    model, meta = found
    return ModelHandle(model, meta["model_fingerprint"], meta["label"], meta)


def page_start(url_path: str, title: str, what: str) -> Selection:
    """Title and caption of a page, and the sidebar's selection.

    On a freshly started server, a deep link (say ``/layers?model=mlp``) is run by
    Streamlit's legacy ``pages/`` mode without the router in app.py; send it through the
    router once, which then comes back to this page with the same query parameters.
    """
    if "selection" not in st.session_state:
        st.session_state.deep_link = url_path
        st.switch_page("app.py", query_params=st.query_params.to_dict())
    st.title(title)
    st.caption(what)
    return st.session_state.selection  # type: ignore[no-any-return]

"""The one door from a choice of dataset and model to objects that can be run.

The dashboard's sidebar, the CLI and notebooks all resolve their selection here: a
built-in model (trained and stored, or untrained), or a user's upload (``.keras`` or
``.onnx``), checked against the data it is paired with.
"""

import threading
from collections import OrderedDict
from dataclasses import dataclass
from typing import Any

from linearity_core import defaults
from linearity_core.data.datasets import Dataset
from linearity_core.errors import LinearityError
from linearity_core.measure.probes import output_info
from linearity_core.models.architectures import ARCHITECTURES
from linearity_core.models.payload import model_fingerprint
from linearity_core.models.store import ModelRef, ModelStore
from linearity_core.models.uploads import list_uploads, load_uploaded_model, read_upload
from linearity_core.paths import linearity_home

UPLOAD_PREFIX = "upload:"


@dataclass(frozen=True)
class Selection:
    """A dataset and a model: a built-in architecture trained for ``epochs``, or an upload.

    >>> Selection("fashion_mnist", "upload:ab12", 5).is_upload
    True
    """

    dataset_id: str = defaults.DATASET
    model_key: str = defaults.MODEL
    epochs: int = defaults.EPOCHS
    seed: int = defaults.MODEL_SEED  # of a built-in model's initial weights
    output: str | None = None  # the output scored as "the output"; None: the first

    @property
    def is_upload(self) -> bool:
        return self.model_key.startswith(UPLOAD_PREFIX)

    @property
    def upload_id(self) -> str:
        return self.model_key.removeprefix(UPLOAD_PREFIX)

    def model_ref(self) -> ModelRef:
        if self.is_upload:
            raise LinearityError(
                "an uploaded model is not trained here, so it has no training state; its "
                "runs take it as it is"
            )
        if self.model_key not in ARCHITECTURES:
            raise LinearityError(
                f"unknown model {self.model_key!r}; choose one of {', '.join(model_keys())}"
            )
        return ModelRef(self.model_key, self.dataset_id, self.epochs, self.seed)


@dataclass(frozen=True)
class ModelHandle:
    """A loaded model with what a run key and the pages need to know about it."""

    model: Any
    fingerprint: str
    label: str
    meta: dict[str, Any]
    selection: Selection | None = None

    @property
    def key(self) -> str:
        return self.selection.model_key if self.selection is not None else ""

    @property
    def ref(self) -> dict[str, Any]:
        """Architecture, epochs and seed of a built-in model (empty for an upload)."""
        return {k: self.meta[k] for k in ("arch", "epochs", "seed") if k in self.meta}


def model_keys(input_shape: tuple[int, ...] | None = None) -> list[str]:
    """Every model that can be selected: the architectures (those that take items of
    ``input_shape``, when given), then the user's uploads."""
    archs = [k for k, a in ARCHITECTURES.items() if input_shape is None or a.fits(input_shape)]
    return archs + [UPLOAD_PREFIX + k for k in list_uploads()]


def model_label(key: str) -> str:
    if key.startswith(UPLOAD_PREFIX):
        upload = list_uploads().get(key.removeprefix(UPLOAD_PREFIX))
        return f"Uploaded: {upload.filename}" if upload else key
    return ARCHITECTURES[key].name if key in ARCHITECTURES else key


def upload_outputs(key: str) -> list[str]:
    """The output names of an uploaded model, as recorded when it was uploaded."""
    upload = list_uploads().get(key.removeprefix(UPLOAD_PREFIX))
    return list(upload.outputs) if upload is not None else []


def stored_meta(selection: Selection) -> dict[str, Any] | None:
    """Metadata of a stored built-in model (JSON only, no TensorFlow), or None."""
    return None if selection.is_upload else ModelStore().meta(selection.model_ref())


def check_pairing(model: Any, dataset: Dataset, output: str | None) -> None:
    """Refuse a model that cannot be read on this data: items of another shape, or class
    predictions past the dataset's classes (found here, not later on a view)."""
    width, predicts = output_info(model, dataset.input_shape, output)
    if dataset.task == "regression" and predicts:
        raise LinearityError(
            f"its output predicts {width} classes, but {dataset.spec.name} holds regression "
            "targets; pick a classification dataset or a regression model"
        )
    n_classes = len(dataset.class_names)
    if dataset.task == "classification" and predicts and width != n_classes:
        raise LinearityError(
            f"its output predicts {width} classes, but {dataset.spec.name} has {n_classes}; "
            "pick the dataset it was trained on"
        )


def load_upload(upload_id: str, dataset: Dataset, output: str | None = None) -> Any:
    """An uploaded model, loaded safely and checked against ``dataset``."""
    raw, upload = read_upload(upload_id)
    try:
        model = load_uploaded_model(raw, upload.filename, upload.reading)
        check_pairing(model, dataset, output)
    except LinearityError as exc:
        raise LinearityError(f"{upload.filename}: {exc}") from exc
    return model


# Loaded models kept for reuse, so the pages, the jobs and the prewarm share one object
# (and so one traced probe).
MODELS_KEPT = 4
_models: "OrderedDict[tuple[Any, ...], ModelHandle]" = OrderedDict()
_models_lock = threading.Lock()


def load_model(selection: Selection, dataset: Dataset) -> ModelHandle | None:
    """The selected model, ready to run; None when a built-in model is not trained yet.

    Untrained weights cost nothing to make, so they are built (and stored) on demand.
    Loaded models are kept (the last ``MODELS_KEPT``), keyed by what they were loaded
    from, so a model trained meanwhile is loaded afresh.
    """
    meta = stored_meta(selection)
    source = meta["model_fingerprint"] if meta else selection.model_key
    key = (linearity_home(), selection, dataset.fingerprint, source)
    with _models_lock:
        if key in _models:
            _models.move_to_end(key)
            return _models[key]
    handle = _load_model(selection, dataset)
    if handle is not None:
        with _models_lock:
            _models[key] = handle
            while len(_models) > MODELS_KEPT:
                _models.popitem(last=False)
    return handle


def _load_model(selection: Selection, dataset: Dataset) -> ModelHandle | None:
    if selection.is_upload:
        model = load_upload(selection.upload_id, dataset, selection.output)
        label = model_label(selection.model_key)
        return ModelHandle(model, model_fingerprint(model), label, {}, selection)
    ref = selection.model_ref()
    store = ModelStore()
    found = store.get_or_train(ref, dataset) if ref.epochs == 0 else store.load(ref)
    if found is None:
        return None
    model, meta = found
    return ModelHandle(model, meta["model_fingerprint"], meta["label"], meta, selection)

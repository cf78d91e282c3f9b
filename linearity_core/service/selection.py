"""The one door from a choice of dataset and model to objects that can be run.

The dashboard's sidebar, the CLI and notebooks all resolve their selection here: a
built-in model (trained and stored, or untrained), or a user's upload.
"""

from dataclasses import dataclass
from typing import Any

from linearity_core import defaults
from linearity_core.data.datasets import Dataset
from linearity_core.errors import LinearityError
from linearity_core.models.architectures import ARCHITECTURES
from linearity_core.models.store import ModelRef, ModelStore, model_fingerprint
from linearity_core.models.uploads import list_uploads, load_uploaded_model, read_upload

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

    @property
    def is_upload(self) -> bool:
        return self.model_key.startswith(UPLOAD_PREFIX)

    @property
    def upload_id(self) -> str:
        return self.model_key.removeprefix(UPLOAD_PREFIX)

    def model_ref(self) -> ModelRef:
        if self.is_upload:
            raise LinearityError("an uploaded model has no model ref")
        if self.model_key not in ARCHITECTURES:
            raise LinearityError(
                f"unknown model {self.model_key!r}; choose one of {', '.join(ARCHITECTURES)}"
            )
        return ModelRef(self.model_key, self.dataset_id, self.epochs, self.seed)


@dataclass(frozen=True)
class ModelHandle:
    """A loaded model with what a run key and the pages need to know about it."""

    model: Any
    fingerprint: str
    label: str
    meta: dict[str, Any]


def model_keys() -> list[str]:
    """Every model that can be selected: the architectures, then the user's uploads."""
    return list(ARCHITECTURES) + [UPLOAD_PREFIX + k for k in list_uploads()]


def model_label(key: str) -> str:
    if key.startswith(UPLOAD_PREFIX):
        return f"Uploaded: {list_uploads().get(key.removeprefix(UPLOAD_PREFIX), key)}"
    return ARCHITECTURES[key].name if key in ARCHITECTURES else key


def stored_meta(selection: Selection) -> dict[str, Any] | None:
    """Metadata of a stored built-in model (JSON only, no TensorFlow), or None."""
    return None if selection.is_upload else ModelStore().meta(selection.model_ref())


def load_model(selection: Selection, dataset: Dataset) -> ModelHandle | None:
    """The selected model, ready to run; None when a built-in model is not trained yet.

    Untrained weights cost nothing to make, so they are built (and stored) on demand.
    """
    if selection.is_upload:
        raw, filename = read_upload(selection.upload_id)
        try:
            model = load_uploaded_model(raw, filename, dataset.input_shape)
        except LinearityError as exc:
            raise LinearityError(f"{filename}: {exc}") from exc
        return ModelHandle(model, model_fingerprint(model), model_label(selection.model_key), {})
    ref = selection.model_ref()
    store = ModelStore()
    found = store.get_or_train(ref, dataset) if ref.epochs == 0 else store.load(ref)
    if found is None:
        return None
    model, meta = found
    return ModelHandle(model, meta["model_fingerprint"], meta["label"], meta)

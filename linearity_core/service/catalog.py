"""What can be picked, and the uploads that add to it: datasets and models as the pages
and the CLI list, load and accept them, with the same checks on both paths."""

from pathlib import Path

from linearity_core.data.datasets import Dataset, load_dataset, remember_dataset
from linearity_core.data.registry import DatasetSpec, list_datasets
from linearity_core.data.user import save_user_dataset
from linearity_core.errors import LinearityError
from linearity_core.measure.probes import output_names
from linearity_core.models.uploads import load_uploaded_model, save_upload
from linearity_core.service.selection import UPLOAD_PREFIX, check_pairing

__all__ = [
    "Dataset",
    "DatasetSpec",
    "accept_dataset",
    "accept_model",
    "list_datasets",
    "load_dataset",
]
MODEL_SUFFIXES = (".keras", ".onnx", ".h5", ".hdf5")
DATASET_SUFFIXES = (".npz", ".zip")


def accept_dataset(raw: bytes, filename: str, name: str | None = None) -> str:
    """Check and keep an uploaded dataset (``.npz`` or a ``.zip`` of class folders);
    returns its id. It is put straight into the cache: it was parsed once already."""
    dataset_id, arrays = save_user_dataset(raw, filename, name)
    remember_dataset(dataset_id, arrays)
    return dataset_id


def accept_model(
    raw: bytes, filename: str, dataset: Dataset, reading: str = "auto", output: str | None = None
) -> str:
    """Check an uploaded model (``.keras`` or ``.onnx``) against ``dataset`` and keep it;
    returns its model key (``upload:ID``)."""
    model = load_uploaded_model(raw, filename, reading)
    check_pairing(model, dataset, output)
    heads = tuple(output_names(model, dataset.input_shape))
    return UPLOAD_PREFIX + save_upload(raw, filename, reading, heads)


def accept_file(raw: bytes, filename: str, dataset: Dataset | None = None) -> tuple[str, str]:
    """A model or a dataset by its suffix (the CLI's ``import``): ``("model" | "dataset",
    id)``. A model is checked against ``dataset``."""
    suffix = Path(filename).suffix.lower()
    if suffix in DATASET_SUFFIXES:
        return "dataset", accept_dataset(raw, filename)
    if suffix in MODEL_SUFFIXES:
        if dataset is None:
            raise LinearityError("a model is checked against a dataset: pass --dataset")
        return "model", accept_model(raw, filename, dataset)
    raise LinearityError(
        f"{filename} is neither a model (.keras, .onnx) nor a dataset (.npz, .zip of class folders)"
    )

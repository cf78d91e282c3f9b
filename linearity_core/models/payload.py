"""A model as bytes and back (for Ray workers), and its fingerprint (for run keys).

Keras models travel as ``.keras`` files (no pickled Keras objects); ONNX models as their
own file. The fingerprint of a Keras model hashes its architecture and every weight, of
an ONNX model its file.
"""

import json
import tempfile
from pathlib import Path
from typing import Any, Literal

from linearity_core.hashing import content_hash
from linearity_core.measure.probes import is_onnx

ModelKind = Literal["keras", "onnx"]


def model_fingerprint(model: Any) -> str:
    """Hash of the architecture and of every weight's name, shape and values.

    Weights alone are not enough: the seed CNN and its linear variant, built from the same
    seed, hold identical weights but compute different functions.
    """
    if is_onnx(model):
        return str(model.fingerprint)
    config = json.dumps(model.get_config(), sort_keys=True, default=str)
    weights = [part for w in model.weights for part in (w.path, w.numpy())]
    reading = getattr(model, "linearity_reading", "auto")  # how its output is read
    extra = () if reading == "auto" else (reading,)
    return content_hash(config, *weights, *extra, length=16)


def keras_bytes(model: Any) -> bytes:
    """The model as a ``.keras`` file's bytes."""
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "model.keras"
        model.save(path)
        return path.read_bytes()


def model_payload(model: Any) -> tuple[ModelKind, bytes]:
    if is_onnx(model):
        return "onnx", bytes(model.raw)
    return "keras", keras_bytes(model)


def model_from_payload(kind: ModelKind, data: bytes) -> Any:
    """The model ``model_payload`` sent (a trusted copy: it was checked on upload)."""
    if kind == "onnx":
        from linearity_core.measure.onnx_model import OnnxModel

        return OnnxModel.from_bytes(data)
    import keras

    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "model.keras"
        path.write_bytes(data)
        return keras.saving.load_model(path, compile=False, safe_mode=True)

"""Safe loading of a user's ``.keras`` model.

A ``.keras`` file is a zip with ``config.json``. Before Keras sees it, the config is read
as plain JSON and refused if it names a Lambda layer or a class from outside Keras, so
no code of the upload ever runs. Keras then loads it with ``safe_mode=True`` as a second
line of defence. Legacy ``.h5`` files are refused: their Lambda layers hold marshalled
bytecode, and Keras 3's ``safe_mode`` does not cover that format.
"""

import io
import json
import tempfile
import zipfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from linearity_core.errors import LinearityError
from linearity_core.hashing import content_hash
from linearity_core.paths import atomic_write, linearity_home

MAX_MODEL_BYTES = 100 * 2**20  # matches server.maxUploadSize
# What the archive may decompress to, checked before anything is read: the config is
# small JSON (the seed CNN's is 6 KB); the weights are about the size of the upload.
MAX_CONFIG_BYTES = 8 * 2**20
MAX_UNPACKED_BYTES = 4 * MAX_MODEL_BYTES


def _walk(node: Any) -> Any:
    if isinstance(node, dict):
        yield node
        for value in node.values():
            yield from _walk(value)
    elif isinstance(node, list):
        for value in node:
            yield from _walk(value)


def unsafe_parts(config: Any) -> list[str]:
    """Lambda layers and classes from outside Keras named anywhere in a model config."""
    found = []
    for node in _walk(config):
        cls = node.get("class_name")
        if not isinstance(cls, str):
            continue
        module = node.get("module") or ""
        registered = node.get("registered_name") or ""
        if cls == "Lambda":
            found.append("a Lambda layer (arbitrary code)")
        elif module and not str(module).startswith("keras"):
            found.append(f"custom object {cls!r} from module {module!r}")
        elif isinstance(registered, str) and ">" in registered:
            found.append(f"custom object {registered!r}")
    return found


def check_keras_archive(raw: bytes, filename: str) -> dict[str, Any]:
    """The model config of an uploaded file, after every check that needs no Keras.

    Messages say what is wrong with the file; the caller names the file once.
    """
    suffix = Path(filename).suffix.lower()
    if suffix in (".h5", ".hdf5"):
        raise LinearityError(
            "legacy .h5 models are refused because they cannot be loaded safely; in Python run "
            "keras.models.load_model('model.h5').save('model.keras') and upload the .keras file"
        )
    if suffix != ".keras":
        raise LinearityError("it is not a model file: upload a .keras or an .onnx file")
    if len(raw) > MAX_MODEL_BYTES:
        raise LinearityError(
            f"it is {len(raw) / 2**20:.0f} MB; the limit is {MAX_MODEL_BYTES // 2**20} MB"
        )
    if not zipfile.is_zipfile(io.BytesIO(raw)):
        raise LinearityError("it is truncated or not a .keras file (not a zip archive)")
    try:
        with zipfile.ZipFile(io.BytesIO(raw)) as archive:
            check_unpacked_size(archive)  # raises LinearityError, which passes through
            config = json.loads(archive.read("config.json"))
    except LinearityError:
        raise
    except (KeyError, ValueError, zipfile.BadZipFile) as exc:
        raise LinearityError("it has no readable config.json; is it truncated?") from exc
    unsafe = unsafe_parts(config)
    if unsafe:
        raise LinearityError(
            f"it contains {'; '.join(sorted(set(unsafe)))}. Only built-in Keras layers can be "
            "loaded; rebuild the model without them"
        )
    return dict(config)


def check_unpacked_size(archive: zipfile.ZipFile) -> None:
    """Refuse a decompression bomb before reading it (zipfile stops at declared sizes)."""
    infos = {info.filename: info for info in archive.infolist()}
    config = infos.get("config.json")
    if config is not None and config.file_size > MAX_CONFIG_BYTES:
        raise LinearityError(
            f"its config.json would unpack to {config.file_size / 2**20:,.0f} MB; a model "
            f"config is at most {MAX_CONFIG_BYTES // 2**20} MB"
        )
    total = sum(info.file_size for info in infos.values())
    if total > MAX_UNPACKED_BYTES:
        raise LinearityError(
            f"it would unpack to {total / 2**20:,.0f} MB; the limit is "
            f"{MAX_UNPACKED_BYTES // 2**20} MB"
        )


def _custom_classes(config: Any) -> list[str]:
    """Classes a config names that Keras does not know (defined in the user's own code)."""
    import keras

    known = (
        keras.layers,
        keras.models,
        keras.activations,
        keras.initializers,
        keras.regularizers,
        keras.constraints,
        keras.losses,
        keras.metrics,
        keras.optimizers,
        keras.dtype_policies,
    )
    found = []
    for node in _walk(config):
        cls, module = node.get("class_name"), node.get("module")
        ours = isinstance(cls, str) and module is None and node.get("registered_name") == cls
        if ours and cls != "__keras_tensor__" and not any(hasattr(m, str(cls)) for m in known):
            found.append(str(cls))
    return sorted(set(found))


def load_keras_upload(raw: bytes, filename: str) -> Any:
    """A user's ``.keras`` model, checked and safely loaded (its fit to data is checked by
    ``check_pairing``)."""
    config = check_keras_archive(raw, filename)
    custom = _custom_classes(config)
    if custom:
        raise LinearityError(
            f"it uses the layer class {custom[0]!r}, which is not part of Keras; only built-in "
            "layers can be loaded (custom code would run on load), so rebuild the model from "
            "built-in layers"
        )
    import keras

    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "upload.keras"  # Keras picks the loader by suffix
        path.write_bytes(raw)
        try:
            return keras.models.load_model(path, safe_mode=True, compile=False)
        except Exception as exc:
            first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
            raise LinearityError(
                f"Keras could not load it ({first[:160]}); save it again with Keras 3"
            ) from exc


def load_onnx_upload(raw: bytes, reading: str = "auto") -> Any:
    """A user's ``.onnx`` model, checked and parsed (no code of it runs)."""
    from linearity_core.measure.onnx_model import OnnxModel
    from linearity_core.models.onnx_checks import check_onnx

    check_onnx(raw)
    return OnnxModel(raw, reading)  # type: ignore[arg-type]


def load_uploaded_model(raw: bytes, filename: str, reading: str = "auto") -> Any:
    """The uploaded model by its file's kind: ``.keras`` or ``.onnx``."""
    if Path(filename).suffix.lower() == ".onnx":
        return load_onnx_upload(raw, reading)
    model = load_keras_upload(raw, filename)
    if reading != "auto":
        model.linearity_reading = reading  # part of its fingerprint: see models.payload
    return model


def uploads_dir() -> Path:
    return linearity_home() / "uploads"


@dataclass(frozen=True)
class Upload:
    """An uploaded model as the store keeps it."""

    id: str
    filename: str
    reading: str = "auto"  # auto, probabilities or logits: how its output is read
    outputs: tuple[str, ...] = ()  # its output names, the first scored by default

    @property
    def suffix(self) -> str:
        return ".onnx" if self.filename.lower().endswith(".onnx") else ".keras"


def save_upload(
    raw: bytes, filename: str, reading: str = "auto", outputs: tuple[str, ...] = ()
) -> str:
    """Keep an accepted upload under its content hash; returns its id. The file is
    written first and the record last, each atomically: a failed write lists nothing."""
    digest = content_hash(raw, reading, length=12)
    upload = Upload(digest, Path(filename).name, reading)
    record = json.dumps(
        {"filename": upload.filename, "id": digest, "reading": reading, "outputs": list(outputs)}
    )
    try:
        atomic_write(uploads_dir() / f"{digest}{upload.suffix}", lambda fh: fh.write(raw))
        atomic_write(uploads_dir() / f"{digest}.json", lambda fh: fh.write(record.encode()))
    except OSError as exc:
        reason = "the disk is full" if exc.errno == 28 else exc.strerror or str(exc)
        raise LinearityError(
            f"it could not be saved ({reason}); free some space and retry"
        ) from exc
    return digest


def list_uploads() -> dict[str, Upload]:
    """Uploaded models by id."""
    out = {}
    for meta in sorted(uploads_dir().glob("*.json")):
        try:
            doc = json.loads(meta.read_text())
            reading, outputs = str(doc.get("reading", "auto")), tuple(doc.get("outputs", ()))
            out[meta.stem] = Upload(meta.stem, str(doc["filename"]), reading, outputs)
        except (OSError, ValueError, KeyError, TypeError):
            continue
    return out


def read_upload(upload_id: str) -> tuple[bytes, Upload]:
    uploads = list_uploads()
    if upload_id not in uploads:
        raise LinearityError(f"no uploaded model {upload_id!r}; upload it again on the Model page")
    upload = uploads[upload_id]
    try:
        return (uploads_dir() / f"{upload_id}{upload.suffix}").read_bytes(), upload
    except OSError as exc:
        raise LinearityError(
            f"the file of the uploaded model {upload.filename} is gone ({exc.strerror}); "
            "upload it again on the Model page"
        ) from exc

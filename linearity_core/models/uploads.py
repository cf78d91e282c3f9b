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
from pathlib import Path
from typing import Any

from linearity_core.errors import LinearityError
from linearity_core.hashing import content_hash
from linearity_core.paths import linearity_home

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
        raise LinearityError("it is not a .keras model file")
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


def load_uploaded_model(raw: bytes, filename: str, input_shape: tuple[int, ...]) -> Any:
    """A user's ``.keras`` model, checked and safely loaded, whose input fits the dataset."""
    check_keras_archive(raw, filename)
    import keras

    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "upload.keras"  # Keras picks the loader by suffix
        path.write_bytes(raw)
        try:
            model = keras.models.load_model(path, safe_mode=True, compile=False)
        except Exception as exc:
            raise LinearityError(f"Keras could not load it: {exc}") from exc
    try:
        shape = tuple(model.inputs[0].shape[1:])
    except (AttributeError, IndexError, TypeError) as exc:
        raise LinearityError("the model has no defined input") from exc
    if shape != tuple(input_shape):
        raise LinearityError(
            f"it expects inputs of shape {shape}, but the dataset's images are "
            f"{tuple(input_shape)}; pick the matching dataset or another model"
        )
    return model


def uploads_dir() -> Path:
    return linearity_home() / "uploads"


def save_upload(raw: bytes, filename: str) -> str:
    """Keep an accepted upload under its content hash; returns its id."""
    digest = content_hash(raw, length=12)
    folder = uploads_dir()
    folder.mkdir(parents=True, exist_ok=True)
    (folder / f"{digest}.keras").write_bytes(raw)
    (folder / f"{digest}.json").write_text(json.dumps({"filename": filename, "id": digest}))
    return digest


def list_uploads() -> dict[str, str]:
    """Uploaded model ids and their original file names."""
    out = {}
    for meta in sorted(uploads_dir().glob("*.json")):
        try:
            out[meta.stem] = json.loads(meta.read_text())["filename"]
        except (OSError, ValueError, KeyError):
            continue
    return out


def read_upload(upload_id: str) -> tuple[bytes, str]:
    names = list_uploads()
    if upload_id not in names:
        raise LinearityError(f"no uploaded model {upload_id!r}; upload it again on the Model page")
    try:
        return (uploads_dir() / f"{upload_id}.keras").read_bytes(), names[upload_id]
    except OSError as exc:
        raise LinearityError(
            f"the file of the uploaded model {names[upload_id]} is gone ({exc.strerror}); "
            "upload it again on the Model page"
        ) from exc

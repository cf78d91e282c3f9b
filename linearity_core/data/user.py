"""The user's own datasets: an uploaded ``.npz`` or ``.zip`` of class folders, checked,
then kept as one ``.npz`` (written atomically) with the name the user gave it."""

import io
import json
from pathlib import Path

import numpy as np

from linearity_core.data.folders import read_image_folders
from linearity_core.data.npz import NpzArrays, read_npz
from linearity_core.data.registry import USER_PREFIX, user_datasets_dir
from linearity_core.errors import LinearityError
from linearity_core.hashing import content_hash
from linearity_core.paths import atomic_write

SUFFIXES = (".npz", ".zip")


def parse_upload(raw: bytes, filename: str) -> tuple[NpzArrays, bytes]:
    """The validated arrays of an uploaded file and the ``.npz`` bytes that keep them."""
    suffix = Path(filename).suffix.lower()
    if suffix == ".npz":
        return read_npz(raw), raw
    if suffix == ".zip":
        arrays = read_image_folders(raw)
        buffer = io.BytesIO()
        np.savez(
            buffer,
            x_train=arrays.x_train,
            y_train=arrays.y_train,
            x_test=arrays.x_test,
            y_test=arrays.y_test,
            class_names=np.array(arrays.class_names),
        )
        return arrays, buffer.getvalue()
    raise LinearityError(
        "a dataset is a .npz of arrays or a .zip of class folders of images; "
        f"{suffix or 'a file without a suffix'} is neither"
    )


def save_user_dataset(raw: bytes, filename: str, name: str | None = None) -> tuple[str, NpzArrays]:
    """Validate and keep an uploaded dataset; returns its id and its arrays.

    ``name`` (default: the file's name without its suffix) is how the pickers show it.
    Both files are written atomically, the data first, so a failed write lists nothing.
    """
    arrays, data = parse_upload(raw, filename)
    shown = (name or Path(filename).stem).strip() or "data"
    stem = "".join(c if c.isalnum() or c in "-_" else "_" for c in shown)[:40] or "data"
    stem = f"{stem}-{content_hash(data, length=8)}"
    folder = user_datasets_dir()
    try:
        atomic_write(
            folder / f"{stem}.json", lambda fh: fh.write(json.dumps({"name": shown}).encode())
        )
        atomic_write(folder / f"{stem}.npz", lambda fh: fh.write(data))
    except OSError as exc:
        (folder / f"{stem}.json").unlink(missing_ok=True)
        reason = "the disk is full" if exc.errno == 28 else exc.strerror or str(exc)
        raise LinearityError(
            f"it could not be saved ({reason}); free some space and upload it again"
        ) from exc
    return f"{USER_PREFIX}{stem}", arrays


def read_user_dataset(dataset_id: str) -> NpzArrays:
    """The arrays of a saved user dataset."""
    path = user_datasets_dir() / f"{dataset_id.removeprefix(USER_PREFIX)}.npz"
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise LinearityError(
            f"the dataset file {path.name} cannot be read ({exc.strerror}); upload it again "
            "on the Data page"
        ) from exc
    try:
        return read_npz(raw)
    except LinearityError as exc:
        raise LinearityError(f"{path.name}: {exc}") from exc


def tidy_user_datasets() -> None:
    """Remove the temporary files of uploads that a killed process left behind."""
    from linearity_core.paths import remove_stale_temp

    remove_stale_temp(user_datasets_dir())

"""A user's ``.npz`` dataset, read safely: bounded before anything is decompressed, never
unpickled, validated before use.

An ``.npz`` is a zip of ``.npy`` members. Every member's declared size is checked against
the limits before it is read, and Python's zipfile stops at the declared size, so a
decompression bomb is refused having cost nothing.
"""

import io
import zipfile
from collections import Counter
from dataclasses import dataclass
from typing import IO

import numpy as np

from linearity_core.errors import LinearityError

KEYS = ("x_train", "y_train", "x_test", "y_test")
OPTIONAL = ("class_names",)
# What an upload may hold once decompressed: any one member, and all of them together.
MAX_MEMBER_BYTES = 256 * 2**20
MAX_TOTAL_BYTES = 384 * 2**20
# Far more classes than any dataset here has; a stray label must not make a million facets.
MAX_CLASSES = 1000
HEADER_READERS = {
    (1, 0): np.lib.format.read_array_header_1_0,
    (2, 0): np.lib.format.read_array_header_2_0,
}


# float32 holds magnitudes up to about 3.4e38; larger values would become inf in a model.
FLOAT32_MAX = float(np.finfo(np.float32).max)


@dataclass(frozen=True)
class NpzArrays:
    """The validated content of a user's dataset file: class labels, or, for regression
    (float targets), the targets themselves with ``class_names`` empty."""

    x_train: np.ndarray
    y_train: np.ndarray
    x_test: np.ndarray
    y_test: np.ndarray
    class_names: tuple[str, ...]

    @property
    def regression(self) -> bool:
        return not self.class_names


def _open_member(archive: zipfile.ZipFile, info: zipfile.ZipInfo) -> np.ndarray:
    with archive.open(info) as fh:
        return _read_npy(fh, info.file_size, info.filename)


def _read_npy(fh: IO[bytes], size: int, name: str) -> np.ndarray:
    """Read one ``.npy`` member whose header must agree with its declared size."""
    try:
        version = np.lib.format.read_magic(fh)
        read_header = HEADER_READERS.get(version)
        if read_header is None:
            raise ValueError(f"unsupported .npy format version {version}")
        shape, fortran, dtype = read_header(fh)  # bounded: numpy caps the header's size
    except ValueError as exc:
        raise LinearityError(f"{name} is not a valid .npy array ({exc})") from exc
    if dtype.hasobject:
        raise LinearityError(
            f"{name} holds Python objects, which would need unpickling; save plain numeric "
            "arrays (and class_names as strings) instead"
        )
    nbytes = int(np.prod(shape, dtype=np.int64)) * dtype.itemsize
    if nbytes > size:
        raise LinearityError(f"{name} claims {nbytes:,} bytes but holds {size:,}; it is corrupt")
    data = fh.read(nbytes)
    if len(data) != nbytes:
        raise LinearityError(f"{name} is truncated")
    array = np.frombuffer(data, dtype=dtype)
    return array.reshape(shape, order="F" if fortran else "C")


def read_npz(raw: bytes) -> NpzArrays:
    """Validated arrays of a user's ``.npz`` file (its bytes).

    >>> buf = io.BytesIO()
    >>> np.savez(buf, x_train=np.zeros((2, 3)), y_train=[0, 1], x_test=np.ones((1, 3)),
    ...          y_test=[1])
    >>> read_npz(buf.getvalue()).class_names
    ('0', '1')
    """
    if not zipfile.is_zipfile(io.BytesIO(raw)):
        raise LinearityError("it is not a valid .npz file (not a zip archive, or truncated)")
    try:
        with zipfile.ZipFile(io.BytesIO(raw)) as archive:
            members = {info.filename.removesuffix(".npy"): info for info in archive.infolist()}
            check_sizes(list(members.values()))
            missing = [k for k in KEYS if k not in members]
            if missing:
                raise LinearityError(
                    f"it lacks {', '.join(missing)}; a dataset needs x_train, y_train, x_test, "
                    "y_test and optionally class_names"
                )
            arrays = {
                k: _open_member(archive, members[k]) for k in (*KEYS, *OPTIONAL) if k in members
            }
    except (zipfile.BadZipFile, EOFError, OSError) as exc:
        raise LinearityError(f"it could not be read ({exc}); is it truncated?") from exc
    return validate(arrays)


def check_sizes(members: list[zipfile.ZipInfo]) -> None:
    """Refuse an archive whose members would decompress past the limits."""
    for info in members:
        if info.file_size > MAX_MEMBER_BYTES:
            raise LinearityError(
                f"{info.filename} would decompress to {info.file_size / 2**20:,.0f} MB; the "
                f"limit is {MAX_MEMBER_BYTES // 2**20} MB per array"
            )
    total = sum(info.file_size for info in members)
    if total > MAX_TOTAL_BYTES:
        raise LinearityError(
            f"the arrays would decompress to {total / 2**20:,.0f} MB; the limit is "
            f"{MAX_TOTAL_BYTES // 2**20} MB in all"
        )


def validate(arrays: dict[str, np.ndarray]) -> NpzArrays:
    """Check shapes, dtypes, values and labels. Integer labels make a classification
    dataset (a flat int64 vector); float targets, ``(n,)`` or ``(n, k)``, a regression one."""
    for key in ("x_train", "x_test"):
        check_items(key, arrays[key])
    if arrays["x_train"].shape[1:] != arrays["x_test"].shape[1:]:
        raise LinearityError(
            f"x_train items are {arrays['x_train'].shape[1:]} but x_test items are "
            f"{arrays['x_test'].shape[1:]}; they must match"
        )
    ys = {key: arrays[key] for key in KEYS[1::2]}
    if (
        all(np.issubdtype(y.dtype, np.floating) for y in ys.values())
        and "class_names" not in arrays
    ):
        targets = {key: _targets(key, y, len(arrays[f"x_{key[2:]}"])) for key, y in ys.items()}
        return NpzArrays(
            arrays["x_train"], targets["y_train"], arrays["x_test"], targets["y_test"], ()
        )
    labels = {key: _labels(key, y, len(arrays[f"x_{key[2:]}"])) for key, y in ys.items()}
    largest = max(int(y.max(initial=0)) for y in labels.values())
    names = _class_names(arrays.get("class_names"))
    n_classes = len(names) if names is not None else largest + 1
    if n_classes > MAX_CLASSES:
        raise LinearityError(
            f"the labels name {n_classes:,} classes; at most {MAX_CLASSES:,} are supported. "
            "Labels must be 0..n_classes-1; check for a stray value"
        )
    for key, y in labels.items():
        if y.min(initial=0) < 0 or largest >= n_classes:
            raise LinearityError(
                f"{key} has labels outside 0..{n_classes - 1}"
                + (f" (class_names names {n_classes} classes)" if names is not None else "")
            )
    class_names = names if names is not None else tuple(map(str, range(n_classes)))
    return NpzArrays(
        arrays["x_train"], labels["y_train"], arrays["x_test"], labels["y_test"], class_names
    )


def check_items(key: str, x: np.ndarray) -> None:
    """Items must be numeric, (n, features) to (n, h, w, c), non-empty, finite and within
    float32's range."""
    if not np.issubdtype(x.dtype, np.number) or np.issubdtype(x.dtype, np.complexfloating):
        raise LinearityError(f"{key} must be numeric, got dtype {x.dtype}")
    if not 2 <= x.ndim <= 4:
        raise LinearityError(
            f"{key} has {x.ndim} dimensions; use (n, features), (n, h, w) or (n, h, w, c)"
        )
    if len(x) == 0:
        raise LinearityError(f"{key} is empty")
    if np.issubdtype(x.dtype, np.floating):
        if not np.all(np.isfinite(x)):
            raise LinearityError(f"{key} contains NaN or inf values")
        if np.abs(x).max() > FLOAT32_MAX:
            raise LinearityError(
                f"{key} holds values up to {np.abs(x).max():.3g}, beyond float32's range "
                f"(±{FLOAT32_MAX:.3g}) that models compute in; rescale the data"
            )


def _class_names(names: np.ndarray | None) -> tuple[str, ...] | None:
    if names is None:
        return None
    if names.ndim != 1:
        raise LinearityError(
            f"class_names must be a list of names, one per class (shape (n_classes,)); it "
            f"has shape {names.shape}"
        )
    out = tuple(str(n) for n in names)
    twice = [name for name, count in Counter(out).items() if count > 1]
    if twice:
        raise LinearityError(
            f"class_names names {twice[0]!r} more than once; every class needs its own name"
        )
    return out


def _labels(key: str, y: np.ndarray, n_items: int) -> np.ndarray:
    if not np.issubdtype(y.dtype, np.integer):
        raise LinearityError(
            f"{key} must hold integer class labels, got dtype {y.dtype}; float targets make a "
            "regression dataset, but then class_names must be left out"
        )
    y = y.reshape(-1) if y.ndim == 2 and y.shape[1] == 1 else y
    if y.ndim != 1 or len(y) != n_items:
        raise LinearityError(f"{key} must be one label per item: {y.shape} for {n_items} items")
    return y.astype(np.int64)


def _targets(key: str, y: np.ndarray, n_items: int) -> np.ndarray:
    if y.ndim not in (1, 2) or len(y) != n_items:
        raise LinearityError(
            f"{key} must be one target per item, (n,) or (n, k): {y.shape} for {n_items} items"
        )
    if not np.all(np.isfinite(y)) or np.abs(y).max(initial=0) > FLOAT32_MAX:
        raise LinearityError(f"{key} holds NaN, inf or values beyond float32's range")
    return y.astype(np.float64)

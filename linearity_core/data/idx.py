"""Reader for the IDX files of (Fashion-)MNIST, checked against their headers."""

import gzip
from pathlib import Path

import numpy as np

from linearity_core.errors import LinearityError

# Magic number = 0x0000 | type code | number of dimensions; type 0x08 is unsigned byte.
UBYTE = 0x08


def read_idx(path: Path, ndim: int) -> np.ndarray:
    """The uint8 array stored in an IDX file (gzipped or not), validated against its header.

    ``ndim`` is 3 for images and 1 for labels.
    """
    try:
        opener = gzip.open if path.suffix == ".gz" else open
        with opener(path, "rb") as fh:
            raw = fh.read()
    except (OSError, EOFError) as exc:
        raise LinearityError(f"{path}: cannot read IDX file ({exc}); it may be truncated") from exc
    if len(raw) < 4 + 4 * ndim:
        raise LinearityError(f"{path}: too short for an IDX header; the file is truncated")
    zero, dtype, dims = int.from_bytes(raw[:2], "big"), raw[2], raw[3]
    if zero != 0 or dtype != UBYTE or dims != ndim:
        raise LinearityError(
            f"{path}: not an IDX file of {ndim}-d unsigned bytes "
            f"(magic {raw[:4].hex()}, expected 000008{ndim:02x})"
        )
    shape = tuple(int.from_bytes(raw[4 + 4 * i : 8 + 4 * i], "big") for i in range(ndim))
    payload = raw[4 + 4 * ndim :]
    expected = int(np.prod(shape))
    if len(payload) != expected:
        raise LinearityError(
            f"{path}: header says {shape} = {expected} bytes but the file holds {len(payload)}; "
            "it is truncated or corrupt, so download or reinstall it"
        )
    return np.frombuffer(payload, dtype=np.uint8).reshape(shape)


def write_idx(path: Path, array: np.ndarray) -> None:
    """Write a uint8 array as an IDX file (gzipped when the name ends in .gz)."""
    arr = np.ascontiguousarray(array, dtype=np.uint8)
    header = bytes([0, 0, UBYTE, arr.ndim]) + b"".join(d.to_bytes(4, "big") for d in arr.shape)
    opener = gzip.open if path.suffix == ".gz" else open
    with opener(path, "wb") as fh:
        fh.write(header + arr.tobytes())

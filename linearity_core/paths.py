"""Where data, models and cached runs live on disk, and how files there are written."""

import logging
import os
import tempfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import IO, Any

log = logging.getLogger(__name__)


def linearity_home() -> Path:
    """Root of the model and run stores: ``$LINEARITY_HOME`` or a per-user cache directory.

    >>> isinstance(linearity_home(), Path)
    True
    """
    env = os.environ.get("LINEARITY_HOME")
    if env:
        return Path(env).expanduser()
    cache = os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache"
    return Path(cache) / "linearity"


def data_dir() -> Path | None:
    """The user's own dataset directory, ``$LINEARITY_DATA_DIR``, if set."""
    env = os.environ.get("LINEARITY_DATA_DIR")
    return Path(env).expanduser() if env else None


def atomic_write(path: Path, write: Callable[[IO[bytes]], Any], durable: bool = True) -> None:
    """Call ``write(file)`` on a temporary file beside ``path``, then move it into place.

    ``durable=False`` skips the fsync: still atomic for readers, but a power cut may lose it
    (right for checkpoints, which are rewritten every chunk).
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as fh:
            write(fh)
            fh.flush()
            if durable:
                os.fsync(fh.fileno())
        os.replace(tmp, path)  # noqa: PTH105 - the atomic rename is the point here
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


# A temporary file this old belongs to no write still going.
STALE_TMP_S = 3600


def remove_stale_temp(folder: Path, older_than_s: float = STALE_TMP_S) -> None:
    """Remove ``atomic_write``'s temporary files that a killed process left in ``folder``."""
    import time

    now = time.time()
    for path in folder.glob(".*.tmp"):
        try:
            if now - path.stat().st_mtime > older_than_s:
                path.unlink()
        except OSError as exc:
            log.warning("could not remove %s (%s)", path, exc)


def remove_quietly(path: Path) -> None:
    """Remove a damaged entry if we can; a directory or a read-only store only logs."""
    try:
        path.unlink(missing_ok=True)
    except OSError as exc:
        log.warning("could not remove %s (%s)", path, exc)


@contextmanager
def quiet_stderr() -> Iterator[None]:
    """Send file descriptor 2 to /dev/null for a moment.

    TensorFlow's C++ start-up lines ("Could not find cuda drivers", absl's warning) are
    written before its logging honours ``TF_CPP_MIN_LOG_LEVEL``; they are noise in a log.
    """
    import sys

    sys.stderr.flush()
    saved = os.dup(2)
    try:
        with Path(os.devnull).open("wb") as null:
            os.dup2(null.fileno(), 2)
            yield
    finally:
        os.dup2(saved, 2)
        os.close(saved)


def import_tensorflow_quietly() -> None:
    """Import TensorFlow and Keras once, without their start-up chatter."""
    with quiet_stderr():
        import keras  # noqa: F401
        import tensorflow  # noqa: F401

"""Where data, models and cached runs live on disk."""

import os
from pathlib import Path


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

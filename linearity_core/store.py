"""Persistent run store: content-addressed, atomic, pickle-free.

Each run is one ``.npz`` file (``allow_pickle=False``) holding the score arrays and a
JSON document with the config, layers, provenance and a checksum of the arrays. Writes go
to a temporary file first and are then ``os.replace``d, so a reader never sees half a file
and two writers to one key leave one valid entry.
"""

import hashlib
import json
import logging
import os
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from linearity_core.config import MEASURE_VERSION, RunConfig
from linearity_core.paths import linearity_home
from linearity_core.results import RunResult

log = logging.getLogger(__name__)
ARRAY_NAMES = ("indices", "labels", "predicted", "scores")


def run_key(
    config: RunConfig, dataset_id: str, data_fingerprint: str, model_fingerprint: str
) -> str:
    """Content hash of everything that determines a run's scores.

    >>> len(run_key(RunConfig(), "d", "0", "0"))
    24
    """
    doc = {
        "config": config.to_dict(),
        "dataset": dataset_id,
        "data": data_fingerprint,
        "model": model_fingerprint,
        "measure_version": MEASURE_VERSION,
    }
    return hashlib.sha256(json.dumps(doc, sort_keys=True).encode()).hexdigest()[:24]


def arrays_checksum(arrays: dict[str, np.ndarray]) -> str:
    digest = hashlib.sha256()
    for name in ARRAY_NAMES:
        arr = np.ascontiguousarray(arrays[name])
        digest.update(f"{name}{arr.dtype.str}{arr.shape}".encode())
        digest.update(arr.tobytes())
    return digest.hexdigest()


def atomic_write(path: Path, write: Any) -> None:
    """Call ``write(file)`` on a temporary file beside ``path``, then move it into place."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as fh:
            write(fh)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)  # noqa: PTH105 - the atomic rename is the point here
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


@dataclass(frozen=True)
class StoredRun:
    """One entry of the store's listing."""

    key: str
    meta: dict[str, Any]
    path: Path


class RunStore:
    """Runs on disk under ``root`` (default ``$LINEARITY_HOME/runs``)."""

    def __init__(self, root: Path | None = None):
        self.root = Path(root) if root is not None else linearity_home() / "runs"

    def path(self, key: str) -> Path:
        return self.root / f"{key}.npz"

    def save(self, key: str, result: RunResult, extra: dict[str, Any] | None = None) -> None:
        arrays = result.arrays()
        meta = {**result.meta(), "key": key, "checksum": arrays_checksum(arrays), **(extra or {})}
        payload = {**arrays, "meta": np.array(json.dumps(meta))}
        atomic_write(self.path(key), lambda fh: np.savez(fh, **payload))  # type: ignore[arg-type]

    def _read(self, path: Path) -> tuple[dict[str, Any], dict[str, np.ndarray]]:
        with np.load(path, allow_pickle=False) as data:
            meta = json.loads(str(data["meta"]))
            arrays = {name: data[name] for name in ARRAY_NAMES}
        if meta.get("checksum") != arrays_checksum(arrays):
            raise ValueError("checksum mismatch")
        return meta, arrays

    def load(self, key: str) -> RunResult | None:
        """The stored run, or None when absent; a corrupt entry is logged, removed, never served."""
        path = self.path(key)
        if not path.exists():
            return None
        try:
            meta, arrays = self._read(path)
            return RunResult.from_parts(meta, arrays)
        except Exception as exc:  # any damage: truncated zip, bad JSON, wrong arrays
            log.warning("run store: entry %s is corrupt (%s); it will be recomputed", path, exc)
            path.unlink(missing_ok=True)
            return None

    def meta(self, key: str) -> dict[str, Any] | None:
        try:
            return self._read(self.path(key))[0]
        except Exception:
            return None

    def list(self) -> list[StoredRun]:
        """Every readable run, newest first."""
        runs = []
        for path in sorted(self.root.glob("*.npz")):
            try:
                meta, _ = self._read(path)
            except Exception as exc:
                log.warning("run store: skipping unreadable entry %s (%s)", path, exc)
                continue
            runs.append(StoredRun(path.stem, meta, path))
        return sorted(runs, key=lambda r: r.meta.get("created_at", ""), reverse=True)

    def delete(self, key: str) -> bool:
        path = self.path(key)
        existed = path.exists()
        path.unlink(missing_ok=True)
        return existed

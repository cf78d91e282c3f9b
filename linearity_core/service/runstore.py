"""Persistent run store: content-addressed, verified, atomic, pickle-free.

Each run is one ``.npz`` file (``allow_pickle=False``) holding the score arrays and a JSON
document with the config, layers and provenance. One checksum covers the arrays and the
document, and an entry is served only for the key and config it was stored under, so a
tampered or misplaced file is a miss, never wrong data. Writes go to a temporary file
first and are then ``os.replace``d: a reader never sees half a file.
"""

import json
import logging
import os
import time
import zipfile
from pathlib import Path
from typing import Any

import numpy as np

from linearity_core.errors import LinearityError
from linearity_core.hashing import content_hash
from linearity_core.measure.config import MEASURE_VERSION, RunConfig
from linearity_core.measure.results import ARRAY_NAMES, RunResult
from linearity_core.paths import atomic_write, linearity_home, remove_quietly, remove_stale_temp
from linearity_core.service.runinfo import Listing, RunInfo

log = logging.getLogger(__name__)
# Bump when the entry layout changes; older entries are then misses and are recomputed.
STORE_FORMAT = 3
# A deleted run stays in the trash this long, so Undo can bring it back.
TRASH_KEEP_S = 7 * 24 * 3600


class OutdatedEntry(ValueError):
    """An entry written by an older version of the store: not damage, just a miss."""


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
    return content_hash(json.dumps(doc, sort_keys=True), length=24)


def entry_checksum(meta: dict[str, Any], arrays: dict[str, np.ndarray]) -> str:
    """One checksum over the arrays and every metadata field but itself."""
    doc = json.dumps({k: v for k, v in meta.items() if k != "checksum"}, sort_keys=True)
    named = [part for name in ARRAY_NAMES for part in (name, np.asarray(arrays[name]))]
    return content_hash(doc, *named)


class RunStore:
    """Runs on disk under ``root`` (default ``$LINEARITY_HOME/runs``)."""

    def __init__(self, root: Path | None = None):
        self.root = Path(root) if root is not None else linearity_home() / "runs"

    def path(self, key: str, partial: bool = False) -> Path:
        return (self.root / "partial" if partial else self.root) / f"{key}.npz"

    def save(self, key: str, result: RunResult, extra: dict[str, Any] | None = None) -> None:
        """Store a finished run under ``key``; raises ``OSError`` when the store is not writable."""
        self._write(self.path(key), key, result, extra, durable=True)

    def save_partial(self, key: str, result: RunResult) -> None:
        """Checkpoint the finished chunks of a run that is still going (or was stopped)."""
        self._write(self.path(key, partial=True), key, result, None, durable=False)

    def load_partial(self, key: str, config: RunConfig) -> RunResult | None:
        """The checkpoint of an unfinished run of ``config``, to resume from."""
        return self.load(key, config, partial=True)

    def drop_partial(self, key: str) -> None:
        remove_quietly(self.path(key, partial=True))

    def _write(
        self, path: Path, key: str, result: RunResult, extra: dict[str, Any] | None, durable: bool
    ) -> None:
        arrays = result.arrays()
        meta = {**result.meta(), **(extra or {}), "key": key, "format": STORE_FORMAT}
        meta["checksum"] = entry_checksum(meta, arrays)
        payload = {**arrays, "meta": np.array(json.dumps(meta))}
        atomic_write(path, lambda fh: np.savez(fh, **payload), durable)  # type: ignore[arg-type]

    def _read(self, path: Path) -> tuple[dict[str, Any], dict[str, np.ndarray]]:
        with np.load(path, allow_pickle=False) as data:
            meta = json.loads(str(data["meta"]))
            if isinstance(meta, dict) and meta.get("format") != STORE_FORMAT:
                raise OutdatedEntry(f"it was stored in format {meta.get('format')!r}")
            arrays = {name: data[name] for name in ARRAY_NAMES}
        if not isinstance(meta, dict) or meta.get("checksum") != entry_checksum(meta, arrays):
            raise ValueError("checksum mismatch")
        if meta.get("key") != path.stem:
            raise ValueError(f"it was stored under key {meta.get('key')!r}")
        return meta, arrays

    def load(
        self, key: str, config: RunConfig | None = None, partial: bool = False
    ) -> RunResult | None:
        """The stored run, or None when absent or not what was asked for.

        A damaged entry, or one stored for another key or config, is logged, removed and
        never served.
        """
        path = self.path(key, partial)
        if not path.is_file():
            return None
        try:
            meta, arrays = self._read(path)
            result = RunResult.from_parts(meta, arrays)
            if config is not None and result.config != config:
                raise ValueError("its config differs from the one asked for")
            finished = not result.partial and len(result.indices) == result.n_planned
            if not partial and not finished:
                raise ValueError("it is not a finished run")
        except Exception as exc:  # any damage: truncated zip, bad JSON, wrong arrays
            log.warning("run store: entry %s is unusable (%s); it will be recomputed", path, exc)
            remove_quietly(path)
            return None
        return result

    def info(self, key: str) -> RunInfo | None:
        """What the listing knows of one stored run; None when there is none, and a
        LinearityError naming what is wrong when its entry cannot be read."""
        path = self.path(key)
        if not path.is_file():
            return None
        try:
            return RunInfo.from_meta(key, self._read(path)[0])
        except (OSError, ValueError, KeyError, zipfile.BadZipFile, LinearityError) as exc:
            raise LinearityError(f"the stored run {key} cannot be read: {exc}") from exc

    def list(self) -> Listing:
        """Every readable run, newest first; damaged entries are named, not fatal."""
        runs, damaged, outdated = [], [], 0
        for path in sorted(self.root.glob("*.npz")):
            try:
                runs.append(RunInfo.from_meta(path.stem, self._read(path)[0]))
            except OutdatedEntry:
                outdated += 1
            except Exception as exc:
                log.warning("run store: skipping unreadable entry %s (%s)", path, exc)
                damaged.append(path.name)
        return Listing(sorted(runs, key=lambda r: r.created_at, reverse=True), damaged, outdated)

    def trash_path(self, key: str) -> Path:
        return self.root / "trash" / f"{key}.npz"

    def delete(self, key: str) -> bool:
        """Move a run to the trash (``restore`` brings it back, bit for bit); True when
        there was one."""
        path = self.path(key)
        if not path.is_file():
            return False
        self.trash_path(key).parent.mkdir(parents=True, exist_ok=True)
        os.replace(path, self.trash_path(key))  # noqa: PTH105 - atomic, same filesystem
        os.utime(self.trash_path(key))  # the trash keeps it from the time of deletion
        return True

    def restore(self, key: str) -> bool:
        """Bring a deleted run back from the trash; True when it was there."""
        trashed = self.trash_path(key)
        if not trashed.is_file():
            return False
        os.replace(trashed, self.path(key))  # noqa: PTH105
        return True

    def tidy(self, keep_s: float = TRASH_KEEP_S) -> None:
        """Empty the trash of runs deleted more than ``keep_s`` ago, and remove the
        temporary files of writes that a killed process left behind."""
        now = time.time()
        for path in self.root.glob("trash/*.npz"):
            if now - path.stat().st_mtime > keep_s:
                remove_quietly(path)
        for folder in (self.root, self.root / "partial"):
            remove_stale_temp(folder)

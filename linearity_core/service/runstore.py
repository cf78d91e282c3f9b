"""Persistent run store: content-addressed, verified, atomic, pickle-free.

Each run is one ``.npz`` file (``allow_pickle=False``) holding the score arrays and a JSON
document with the config, layers and provenance. One checksum covers the arrays and the
document, and an entry is served only for the key and config it was stored under, so a
tampered or misplaced file is a miss, never wrong data. Writes go to a temporary file
first and are then ``os.replace``d: a reader never sees half a file.
"""

import json
import logging
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from linearity_core.errors import LinearityError
from linearity_core.hashing import content_hash
from linearity_core.measure.config import MEASURE_VERSION, RunConfig
from linearity_core.measure.results import RunResult, layers_from_meta
from linearity_core.paths import atomic_write, linearity_home, remove_quietly

log = logging.getLogger(__name__)
ARRAY_NAMES = ("indices", "labels", "predicted", "scores")
# Bump when the entry layout changes; older entries are then misses and are recomputed.
STORE_FORMAT = 2


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


@dataclass(frozen=True)
class RunInfo:
    """What the listing shows of a stored run, parsed and type-checked from its metadata."""

    key: str
    config: RunConfig
    dataset: str
    model: str
    n_planned: int
    n_layers: int
    created_at: str
    total_s: float
    model_fingerprint: str = ""
    data_fingerprint: str = ""
    model_ref: dict[str, Any] | None = None  # arch, epochs, seed of a built-in model

    @classmethod
    def from_meta(cls, key: str, meta: dict[str, Any]) -> "RunInfo":
        try:
            info = cls(
                key=key,
                config=RunConfig.from_dict(meta["config"]),
                dataset=str(meta["dataset"]),
                model=str(meta["model"]),
                n_planned=int(meta["n_planned"]),
                n_layers=len(layers_from_meta(meta["layers"])),
                created_at=meta["created_at"],
                total_s=float(meta["timings"]["total_s"]),
                model_fingerprint=str(meta.get("model_fingerprint", "")),
                data_fingerprint=str(meta.get("data_fingerprint", "")),
                model_ref=meta.get("model_ref"),
            )
        except (KeyError, TypeError, ValueError) as exc:
            raise LinearityError(f"its metadata is damaged ({type(exc).__name__}: {exc})") from exc
        if not isinstance(info.created_at, str) or len(info.created_at) < 16:
            raise LinearityError(f"its creation time {info.created_at!r} is not a timestamp")
        return info

    @property
    def when(self) -> str:
        """``YYYY-MM-DD HH:MM`` (UTC)."""
        return self.created_at[:16].replace("T", " ")

    @property
    def selection(self) -> str:
        if self.config.per_class:
            return f"{self.config.per_class} per class"
        return f"{self.config.n_instances} instances"


@dataclass(frozen=True)
class Listing:
    """Every readable run, newest first, and the file names of damaged entries."""

    runs: list[RunInfo]
    damaged: list[str]


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
        """What the listing knows of one stored run, or None."""
        try:
            return RunInfo.from_meta(key, self._read(self.path(key))[0])
        except Exception:
            return None

    def list(self) -> Listing:
        """Every readable run, newest first; damaged entries are named, not fatal."""
        runs, damaged = [], []
        for path in sorted(self.root.glob("*.npz")):
            try:
                runs.append(RunInfo.from_meta(path.stem, self._read(path)[0]))
            except Exception as exc:
                log.warning("run store: skipping unreadable entry %s (%s)", path, exc)
                damaged.append(path.name)
        return Listing(sorted(runs, key=lambda r: r.created_at, reverse=True), damaged)

    def delete(self, key: str) -> bool:
        path = self.path(key)
        existed = path.exists()
        remove_quietly(path)
        return existed

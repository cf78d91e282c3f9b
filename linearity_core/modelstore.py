"""Trained models on disk, keyed by (architecture, dataset, epochs, seed).

Each entry is a ``.keras`` file and a JSON file with its metadata and the file's SHA-256.
Both are written atomically, metadata last; an entry whose file does not match its
checksum, or does not load, is retrained, never served.
"""

import hashlib
import json
import logging
import shutil
from collections.abc import Callable
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np

from linearity_core.architectures import ARCHITECTURES
from linearity_core.datasets import Dataset
from linearity_core.errors import LinearityError
from linearity_core.paths import linearity_home
from linearity_core.store import atomic_write
from linearity_core.training import TrainingProgress, train

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class ModelRef:
    """A built-in model: which architecture, trained on what, for how long, from which seed."""

    arch: str
    dataset: str
    epochs: int = 5
    seed: int = 0

    @property
    def slug(self) -> str:
        return f"{self.arch}__{self.dataset.replace(':', '-')}__e{self.epochs}__s{self.seed}"

    @property
    def label(self) -> str:
        name = ARCHITECTURES[self.arch].name if self.arch in ARCHITECTURES else self.arch
        state = "untrained" if self.epochs == 0 else f"{self.epochs} epoch{'s' * (self.epochs > 1)}"
        return f"{name}, {state}"


def model_fingerprint(model: Any) -> str:
    """Hash of the architecture and of every weight's name, shape and values.

    Weights alone are not enough: the seed CNN and its linear variant, built from the same
    seed, hold identical weights but compute different functions.
    """
    digest = hashlib.sha256()
    digest.update(json.dumps(model.get_config(), sort_keys=True, default=str).encode())
    for w in model.weights:
        value = np.ascontiguousarray(w.numpy())
        digest.update(f"{w.path}{value.dtype.str}{value.shape}".encode())
        digest.update(value.tobytes())
    return digest.hexdigest()[:16]


def file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        for block in iter(lambda: fh.read(2**20), b""):
            digest.update(block)
    return digest.hexdigest()


def describe_layers(model: Any) -> list[dict[str, Any]]:
    """One row per layer: name, type, output shape, parameters and kind."""
    from linearity_core.probes import layer_kind

    rows = []
    for layer in model.layers:
        try:
            shape = str(tuple(layer.output.shape[1:]))
        except (AttributeError, ValueError):
            shape = "?"
        rows.append({"layer": layer.name, "type": type(layer).__name__,
                     "output shape": shape, "parameters": int(layer.count_params()),
                     "kind": layer_kind(layer)})  # fmt: skip
    return rows


class ModelStore:
    """Built-in models under ``$LINEARITY_HOME/models``."""

    def __init__(self, root: Path | None = None):
        self.root = Path(root) if root is not None else linearity_home() / "models"

    def paths(self, ref: ModelRef) -> tuple[Path, Path]:
        base = self.root / ref.slug
        return base / "model.keras", base / "meta.json"

    def meta(self, ref: ModelRef) -> dict[str, Any] | None:
        """The entry's metadata; None when absent, unreadable or from an older version
        (without a model fingerprint), so that the model is trained again."""
        _, meta_path = self.paths(ref)
        try:
            meta = dict(json.loads(meta_path.read_text()))
        except (OSError, ValueError):
            return None
        return meta if "model_fingerprint" in meta else None

    def has(self, ref: ModelRef) -> bool:
        return self.meta(ref) is not None

    def load(self, ref: ModelRef) -> tuple[Any, dict[str, Any]] | None:
        """The stored model and its metadata, or None (absent or corrupt, then removed)."""
        model_path, _ = self.paths(ref)
        meta = self.meta(ref)
        if meta is None or not model_path.exists():
            return None
        try:
            if file_sha256(model_path) != meta["sha256"]:
                raise ValueError("checksum mismatch")
            import keras

            model = keras.models.load_model(model_path, safe_mode=True)
        except Exception as exc:
            log.warning("model store: %s is corrupt (%s); it will be retrained", ref.slug, exc)
            shutil.rmtree(model_path.parent, ignore_errors=True)
            return None
        return model, meta

    def save(self, ref: ModelRef, model: Any, meta: dict[str, Any]) -> dict[str, Any]:
        import tempfile

        model_path, meta_path = self.paths(ref)
        model_path.parent.mkdir(parents=True, exist_ok=True)
        with tempfile.TemporaryDirectory(dir=model_path.parent) as tmp:
            staged = Path(tmp) / "model.keras"  # keras needs the suffix
            model.save(staged)
            sha = file_sha256(staged)
            atomic_write(model_path, lambda fh: fh.write(staged.read_bytes()))
        meta = {**meta, "sha256": sha}
        atomic_write(meta_path, lambda fh: fh.write(json.dumps(meta, indent=2).encode()))
        return meta

    def list(self) -> list[dict[str, Any]]:
        metas = []
        for meta_path in sorted(self.root.glob("*/meta.json")):
            try:
                metas.append(json.loads(meta_path.read_text()))
            except (OSError, ValueError):
                continue
        return metas

    def get_or_train(
        self,
        ref: ModelRef,
        dataset: Dataset,
        on_progress: Callable[[TrainingProgress], None] | None = None,
        should_stop: Callable[[], bool] | None = None,
    ) -> tuple[Any, dict[str, Any]]:
        """The stored model, or a newly trained one that is then stored (unless stopped)."""
        found = self.load(ref)
        if found is not None:
            return found
        trained = train(ref.arch, dataset, epochs=ref.epochs, seed=ref.seed,
                        on_progress=on_progress, should_stop=should_stop)  # fmt: skip
        if trained.stopped:
            raise LinearityError("training was stopped; nothing was stored")
        import keras

        meta = {
            **asdict(ref),
            "label": ref.label,
            "test_accuracy": trained.test_accuracy,
            "history": trained.history,
            "training_s": trained.training_s,
            "keras_version": keras.__version__,
            "parameters": int(trained.model.count_params()),
            "data_fingerprint": dataset.fingerprint,
            "model_fingerprint": model_fingerprint(trained.model),
            "created_at": datetime.now(UTC).isoformat(timespec="seconds"),
        }
        return trained.model, self.save(ref, trained.model, meta)

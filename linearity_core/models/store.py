"""Trained models on disk, keyed by (architecture, dataset, epochs, seed).

Each entry is a ``.keras`` file and a JSON file with its metadata. The metadata holds the
file's SHA-256 and a checksum of itself, and names the ref it was stored for; an entry
that fails any of these checks, or does not load, is retrained, never served. Training to
N epochs stores every epoch on the way, so "1 epoch" comes free with "5 epochs".
"""

import contextlib
import errno
import json
import logging
import os
import shutil
import tempfile
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from linearity_core.data.datasets import Dataset
from linearity_core.errors import LinearityError
from linearity_core.hashing import content_hash
from linearity_core.models.architectures import ARCHITECTURES
from linearity_core.models.payload import model_fingerprint
from linearity_core.models.training import TrainingProgress, train
from linearity_core.paths import linearity_home

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class ModelRef:
    """A built-in model: which architecture, trained on what, for how long, from which seed.

    >>> ModelRef("seed_cnn", "fashion_mnist", 5).label
    'Seed CNN (ReLU), 5 epochs'
    """

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

    def at_epoch(self, epoch: int) -> "ModelRef":
        return ModelRef(self.arch, self.dataset, epoch, self.seed)


def load_keras_bytes(data: bytes) -> Any:
    """A stored ``.keras`` file's model, loaded safely for inference."""
    import keras

    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "model.keras"
        path.write_bytes(data)
        return keras.models.load_model(path, safe_mode=True, compile=False)


def _meta_checksum(meta: dict[str, Any]) -> str:
    return content_hash(
        json.dumps({k: v for k, v in meta.items() if k != "checksum"}, sort_keys=True)
    )


class ModelStore:
    """Built-in models under ``$LINEARITY_HOME/models``.

    >>> ModelStore(Path("/tmp/none")).meta(ModelRef("mlp", "fashion_mnist")) is None
    True
    """

    def __init__(self, root: Path | None = None):
        self.root = Path(root) if root is not None else linearity_home() / "models"

    def paths(self, ref: ModelRef) -> tuple[Path, Path]:
        base = self.root / ref.slug
        return base / "model.keras", base / "meta.json"

    def _verified(self, meta_path: Path, ref: ModelRef | None = None) -> dict[str, Any] | None:
        try:
            meta = json.loads(meta_path.read_text())
        except (OSError, ValueError):
            return None
        if not isinstance(meta, dict) or meta.get("checksum") != _meta_checksum(meta):
            return None
        if ref is not None and any(meta.get(k) != v for k, v in asdict(ref).items()):
            return None  # another model's metadata, copied or moved here
        return meta

    def meta(self, ref: ModelRef) -> dict[str, Any] | None:
        """The entry's verified metadata; None when absent, damaged or not this ref's."""
        return self._verified(self.paths(ref)[1], ref)

    def has(self, ref: ModelRef) -> bool:
        return self.meta(ref) is not None

    def load(self, ref: ModelRef) -> tuple[Any, dict[str, Any]] | None:
        """The stored model and its metadata, or None (absent or damaged: the next save
        replaces it). A reader never deletes: an entry is only ever replaced whole.

        Loaded for inference (``compile=False``): the optimizer's state is not needed.
        """
        model_path, _ = self.paths(ref)
        meta = self.meta(ref)
        if meta is None:
            return None
        try:
            data = model_path.read_bytes()  # one read: the hash and the load see one file
            if content_hash(data) != meta["sha256"]:
                raise ValueError("checksum mismatch")
            model = load_keras_bytes(data)
        except Exception as exc:
            log.warning("model store: %s is unusable (%s); it will be retrained", ref.slug, exc)
            return None
        return model, meta

    def save(self, ref: ModelRef, model: Any, meta: dict[str, Any]) -> dict[str, Any]:
        """Store the model and its metadata as one entry, atomically: both are written in a
        new folder that is then renamed into place, so a reader sees the whole old entry
        or the whole new one. When another process stored this ref first, its entry is
        kept (a lost race costs the write, never a model)."""
        self.root.mkdir(parents=True, exist_ok=True)
        staging = Path(tempfile.mkdtemp(dir=self.root, prefix=f".{ref.slug}."))
        try:
            model.save(staging / "model.keras")  # keras needs the suffix
            data = (staging / "model.keras").read_bytes()
            meta = {**meta, **asdict(ref), "label": ref.label, "sha256": content_hash(data)}
            meta["checksum"] = _meta_checksum(meta)
            (staging / "meta.json").write_text(json.dumps(meta, indent=2))
            self._put_in_place(ref, staging)
        except OSError as exc:
            reason = "the disk is full" if exc.errno == errno.ENOSPC else exc.strerror or exc
            raise LinearityError(
                f"{ref.label} could not be saved to {self.root} ({reason}); free some space "
                "or set LINEARITY_HOME to a writable folder"
            ) from exc
        finally:
            shutil.rmtree(staging, ignore_errors=True)
        return self.meta(ref) or meta

    def _put_in_place(self, ref: ModelRef, staging: Path) -> None:
        final = self.root / ref.slug
        if self.load_check(ref):
            return  # another writer finished first: keep its entry
        if final.exists():  # damaged or partial: move it aside, then replace it
            aside = Path(tempfile.mkdtemp(dir=self.root, prefix=f".{ref.slug}.old."))
            with contextlib.suppress(OSError):
                os.replace(final, aside / "entry")  # noqa: PTH105
            shutil.rmtree(aside, ignore_errors=True)
        try:
            os.rename(staging, final)  # noqa: PTH104 - atomic for a whole folder
        except OSError as exc:
            if exc.errno not in (errno.ENOTEMPTY, errno.EEXIST) or not self.load_check(ref):
                raise  # a real failure, not a writer that got there first

    def load_check(self, ref: ModelRef) -> bool:
        """True when a whole, verified entry of ``ref`` is in place (without loading it)."""
        model_path, _ = self.paths(ref)
        meta = self.meta(ref)
        try:
            return meta is not None and content_hash(model_path.read_bytes()) == meta["sha256"]
        except OSError:
            return False

    def list(self) -> list[dict[str, Any]]:
        """Verified metadata of every stored model."""
        paths = [p for p in sorted(self.root.glob("*/meta.json")) if p.parent.name[0] != "."]
        found = (self._verified(path) for path in paths)
        return [meta for meta in found if meta is not None]

    def tidy(self, older_than_s: float = 3600) -> None:
        """Remove the staging folders of saves that a killed process left behind."""
        now = time.time()
        for folder in self.root.glob(".*"):
            if folder.is_dir() and now - folder.stat().st_mtime > older_than_s:
                shutil.rmtree(folder, ignore_errors=True)

    def get_or_train(
        self,
        ref: ModelRef,
        dataset: Dataset,
        on_progress: Callable[[TrainingProgress], None] | None = None,
        should_stop: Callable[[], bool] | None = None,
    ) -> tuple[Any, dict[str, Any]]:
        """The stored model, or a newly trained one that is then stored (unless stopped).

        Every epoch on the way is stored too, with that epoch's test accuracy; it equals
        training that many epochs from scratch with the same seed.
        """
        found = self.load(ref)
        if found is not None:
            return found
        started = datetime.now(UTC)

        def describe(model: Any, history: dict[str, list[float]], accuracy: float) -> dict:
            import keras

            return {
                "test_accuracy": accuracy,
                "history": history,
                "training_s": (datetime.now(UTC) - started).total_seconds(),
                "keras_version": keras.__version__,
                "parameters": int(model.count_params()),
                "data_fingerprint": dataset.fingerprint,
                "model_fingerprint": model_fingerprint(model),
                "created_at": datetime.now(UTC).isoformat(timespec="seconds"),
            }

        def keep_epoch(epoch: int, model: Any, history: dict[str, list[float]]) -> None:
            checkpoint = ref.at_epoch(epoch)
            if epoch < ref.epochs and not self.has(checkpoint):
                self.save(checkpoint, model, describe(model, history, history["val_accuracy"][-1]))

        trained = train(
            ref.arch,
            dataset,
            epochs=ref.epochs,
            seed=ref.seed,
            on_progress=on_progress,
            should_stop=should_stop,
            on_epoch=keep_epoch,
        )
        if trained.stopped:
            raise LinearityError("training was stopped; the epochs finished so far are stored")
        meta = describe(trained.model, trained.history, trained.test_accuracy)
        return trained.model, self.save(ref, trained.model, meta)

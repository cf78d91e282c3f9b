"""Trained models on disk, keyed by (architecture, dataset, epochs, seed).

Each entry is a ``.keras`` file and a JSON file with its metadata. The metadata holds the
file's SHA-256 and a checksum of itself, and names the ref it was stored for; an entry
that fails any of these checks, or does not load, is retrained, never served. Training to
N epochs stores every epoch on the way, so "1 epoch" comes free with "5 epochs".
"""

import json
import logging
import shutil
import tempfile
from collections.abc import Callable
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from linearity_core.data.datasets import Dataset
from linearity_core.errors import LinearityError
from linearity_core.hashing import content_hash
from linearity_core.models.architectures import ARCHITECTURES
from linearity_core.models.training import TrainingProgress, train
from linearity_core.paths import atomic_write, linearity_home

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


def model_fingerprint(model: Any) -> str:
    """Hash of the architecture and of every weight's name, shape and values.

    Weights alone are not enough: the seed CNN and its linear variant, built from the same
    seed, hold identical weights but compute different functions.
    """
    config = json.dumps(model.get_config(), sort_keys=True, default=str)
    weights = [part for w in model.weights for part in (w.path, w.numpy())]
    return content_hash(config, *weights, length=16)


def file_sha256(path: Path) -> str:
    return content_hash(path.read_bytes())


def describe_layers(model: Any) -> list[dict[str, Any]]:
    """One row per layer: name, type, output shape, parameters and kind."""
    from linearity_core.measure.probes import layer_kind

    rows = []
    for layer in model.layers:
        try:
            shape = str(tuple(layer.output.shape[1:]))
        except (AttributeError, ValueError):
            shape = "?"
        rows.append(
            {
                "layer": layer.name,
                "type": type(layer).__name__,
                "output shape": shape,
                "parameters": int(layer.count_params()),
                "kind": layer_kind(layer),
            }
        )
    return rows


def teaching_layers(model: Any) -> dict[str, str]:
    """Names for teaching notes: the first linear layer, the first activation, the output.

    A kind the model lacks is described in words ("a linear layer").
    """
    rows = describe_layers(model)
    first = {
        kind: next((r["layer"] for r in rows if r["kind"] == kind), f"{article} {kind} layer")
        for kind, article in (("linear", "a"), ("activation", "an"))
    }
    return {**first, "output": rows[-1]["layer"] if rows else "the output"}


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
        """The stored model and its metadata, or None (absent or corrupt, then removed).

        Loaded for inference (``compile=False``): the optimizer's state is not needed.
        """
        model_path, _ = self.paths(ref)
        meta = self.meta(ref)
        if meta is None or not model_path.exists():
            return None
        try:
            if file_sha256(model_path) != meta["sha256"]:
                raise ValueError("checksum mismatch")
            import keras

            model = keras.models.load_model(model_path, safe_mode=True, compile=False)
        except Exception as exc:
            log.warning("model store: %s is corrupt (%s); it will be retrained", ref.slug, exc)
            shutil.rmtree(model_path.parent, ignore_errors=True)
            return None
        return model, meta

    def save(self, ref: ModelRef, model: Any, meta: dict[str, Any]) -> dict[str, Any]:
        model_path, meta_path = self.paths(ref)
        model_path.parent.mkdir(parents=True, exist_ok=True)
        with tempfile.TemporaryDirectory(dir=model_path.parent) as tmp:
            staged = Path(tmp) / "model.keras"  # keras needs the suffix
            model.save(staged)
            data = staged.read_bytes()
            atomic_write(model_path, lambda fh: fh.write(data))
        meta = {**meta, **asdict(ref), "label": ref.label, "sha256": content_hash(data)}
        meta["checksum"] = _meta_checksum(meta)
        atomic_write(meta_path, lambda fh: fh.write(json.dumps(meta, indent=2).encode()))
        return meta

    def list(self) -> list[dict[str, Any]]:
        """Verified metadata of every stored model."""
        found = (self._verified(path) for path in sorted(self.root.glob("*/meta.json")))
        return [meta for meta in found if meta is not None]

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

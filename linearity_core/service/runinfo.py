"""What the Runs page and the views know of a stored run before loading its scores."""

from dataclasses import dataclass
from typing import Any

from linearity_core.errors import LinearityError
from linearity_core.measure.config import RunConfig
from linearity_core.measure.results import layers_from_meta


def config_label(config: RunConfig) -> str:
    """What tells a run apart from its neighbours: instances, samples, ε, method, seed.

    >>> config_label(RunConfig())
    '100 instances · 20 samples · ε 0.04 · grid/global · seed 0'
    """
    m = config.measure
    count = f"{config.per_class}/class" if config.per_class else f"{config.n_instances} instances"
    parts = [count, f"{m.n_samples} samples", f"ε {m.epsilon:g}", f"{m.method}/{m.agg}"]
    parts.append(f"seed {m.seed}")
    if config.logits:
        parts.append("logits")
    if config.layers:
        parts.append(f"{len(config.layers)} layers")
    if config.output:
        parts.append(f"output {config.output}")
    return " · ".join(parts)


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
    model_key: str = ""  # the selection's model key (a built-in id or upload:ID)
    part_of: str = ""  # the analysis (sweep, evolution) it was computed for, if any

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
                model_key=str(meta.get("model_key", "")),
                part_of=str(meta.get("part_of") or ""),
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
    def label(self) -> str:
        """What tells this run apart from its neighbours in a list."""
        part = f" · part of a {self.part_of.split(':')[0]}" if self.part_of else ""
        return f"{self.when} · {self.model} · {self.dataset} · {config_label(self.config)}{part}"

    @property
    def selection(self) -> str:
        if self.config.per_class:
            return f"{self.config.per_class} per class"
        return f"{self.config.n_instances} instances"


@dataclass(frozen=True)
class Listing:
    """Every readable run, newest first, the file names of damaged entries, and how many
    entries an older version wrote (they are recomputed when asked for)."""

    runs: list[RunInfo]
    damaged: list[str]
    outdated: int = 0

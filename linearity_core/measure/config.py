"""Immutable, validated settings of the measure and of a run.

Input is parsed into these objects before any computing starts, so every later step can
trust it.
"""

import math
from dataclasses import asdict, dataclass, field, fields
from typing import Any, Literal, get_args

import numpy as np

from linearity_core import defaults
from linearity_core.errors import LinearityError

Method = Literal["grid", "knn"]
Agg = Literal["global", "pairwise"]
ModelType = Literal["classifier", "regressor"]

# Bump when a change to the measure would change stored scores; it is part of every run key.
MEASURE_VERSION = "1"
# Added inside the log so that a zero probability stays finite (alibi's constant).
LOG_EPS = 1e-10


def _check_choice(name: str, value: str, allowed: tuple[str, ...]) -> None:
    if value not in allowed:
        raise LinearityError(f"unknown {name} {value!r}; use one of {', '.join(allowed)}")


@dataclass(frozen=True)
class MeasureConfig:
    """How each instance is scored: sampling, aggregation and coefficients.

    >>> MeasureConfig(n_samples=20).resolved_alphas().sum()
    np.float32(1.0)
    """

    method: Method = "grid"
    agg: Agg = "global"
    n_samples: int = 10
    epsilon: float = 0.04
    res: int = 100
    alphas: tuple[float, ...] | None = None
    clip: bool = False
    seed: int | None = 0

    def __post_init__(self) -> None:
        _check_choice("method", self.method, get_args(Method))
        _check_choice("agg", self.agg, get_args(Agg))
        if isinstance(self.n_samples, bool) or int(self.n_samples) != self.n_samples:
            raise LinearityError(f"nb_samples must be an integer, got {self.n_samples!r}")
        if self.n_samples < 1:
            raise LinearityError(f"nb_samples must be at least 1, got {self.n_samples}")
        if not (math.isfinite(self.epsilon) and self.epsilon > 0):
            raise LinearityError(f"epsilon must be a positive number, got {self.epsilon}")
        if int(self.res) != self.res or self.res < 1:
            raise LinearityError(f"res must be an integer of at least 1, got {self.res}")
        if self.seed is not None and (int(self.seed) != self.seed or self.seed < 0):
            raise LinearityError(f"seed must be a non-negative integer, got {self.seed!r}")
        if self.alphas is not None:
            alphas = tuple(float(a) for a in np.asarray(self.alphas, dtype=float).ravel())
            expected = self.n_samples if self.agg == "global" else 2
            if len(alphas) != expected:
                raise LinearityError(
                    f"alphas has {len(alphas)} values; {self.agg} aggregation needs {expected}"
                    + (" (one per sample)" if self.agg == "global" else " (a0 for x, a1 for v)")
                )
            if not all(math.isfinite(a) for a in alphas):
                raise LinearityError("alphas must be finite numbers")
            object.__setattr__(self, "alphas", alphas)

    def resolved_alphas(self) -> np.ndarray:
        """The coefficients actually used: 1/n per sample (global) or (0.5, 0.5) (pairwise)."""
        if self.alphas is not None:
            return np.asarray(self.alphas, dtype=np.float32)
        if self.agg == "global":
            return np.full(self.n_samples, 1.0 / self.n_samples, dtype=np.float32)
        return np.array([0.5, 0.5], dtype=np.float32)

    @property
    def inputs_per_instance(self) -> int:
        """Forward-pass inputs per instance: x, its samples, and their superpositions."""
        mixes = 1 if self.agg == "global" else self.n_samples
        return 1 + self.n_samples + mixes


@dataclass(frozen=True)
class RunConfig:
    """A whole run: the measure, which instances, which layers, and how the output is read."""

    measure: MeasureConfig = field(
        default_factory=lambda: MeasureConfig(
            n_samples=defaults.N_SAMPLES, epsilon=defaults.EPSILON, res=defaults.RES
        )
    )
    n_instances: int | None = None  # defaults.N_INSTANCES when per_class is not given either
    per_class: int | None = None
    layers: tuple[str, ...] | None = None
    logits: bool = False
    split: Literal["test", "train"] = "test"
    output: str | None = None  # which output of a multi-output model; None: the first

    def __post_init__(self) -> None:
        if self.n_instances is None and self.per_class is None:
            object.__setattr__(self, "n_instances", defaults.N_INSTANCES)
        if self.n_instances is not None and self.per_class is not None:
            raise LinearityError("give n_instances or per_class, not both")
        count = self.n_instances if self.n_instances is not None else self.per_class
        if count is None or int(count) != count or count < 1:
            raise LinearityError(f"the number of instances must be at least 1, got {count!r}")
        _check_choice("split", self.split, ("test", "train"))
        if self.layers is not None:
            object.__setattr__(self, "layers", tuple(self.layers))

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> "RunConfig":
        """The config ``to_dict`` wrote; every field must be there, so that a damaged
        stored entry is refused rather than silently filled with defaults."""
        data = dict(_exact_fields(cls, data))
        measure = dict(_exact_fields(MeasureConfig, data.pop("measure")))
        if measure.get("alphas") is not None:
            measure["alphas"] = tuple(measure["alphas"])
        if data.get("layers") is not None:
            data["layers"] = tuple(data["layers"])
        return cls(measure=MeasureConfig(**measure), **data)


def _exact_fields(cls: type, data: Any) -> dict[str, Any]:
    names = {f.name for f in fields(cls)}
    if not isinstance(data, dict) or set(data) != names:
        got = sorted(data) if isinstance(data, dict) else type(data).__name__
        raise LinearityError(f"a stored {cls.__name__} needs exactly {sorted(names)}; got {got}")
    return data

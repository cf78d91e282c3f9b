"""Run results as frozen dataclasses, their tidy frames and summaries.

Compute once, plot many times: figures and tables are derived from a ``RunResult``,
never recomputed.
"""

import json
from dataclasses import asdict, dataclass, field
from typing import Any, Literal

import numpy as np
import pandas as pd

from linearity_core.measure.config import RunConfig

LayerKind = Literal["linear", "activation", "pooling", "identity", "other"]
Measure = Literal["raw", "relative"]  # alibi's scores, or each divided by its layer's spread
QUANTILES = (0.05, 0.25, 0.5, 0.75, 0.95)
ARRAY_NAMES = ("indices", "labels", "predicted", "scores", "scales", "spreads", "errors")
# A layer is linear when every score is float noise against its output's own scale: at
# most this fraction of the norm of f(M(x)). Exactly linear layers measure 1e-7 (conv,
# batch norm, skips, concatenations) to 2e-6 (MobileNetV2's stem); the softmax of a
# network with no activation, nonlinear but barely, 5e-5.
LINEAR_RTOL = 1e-5


@dataclass(frozen=True)
class LayerInfo:
    """What a scored layer is: name, Keras class, output shape and kind."""

    name: str
    class_name: str
    output_shape: tuple[int | None, ...]
    kind: LayerKind
    mode: Literal["classifier", "regressor"] = "regressor"


@dataclass(frozen=True)
class Timings:
    """Seconds spent, over every sitting of the run (a stopped run resumed later has two)."""

    total_s: float = 0.0
    sampling_s: float = 0.0
    forward_s: float = 0.0
    n_chunks: int = 0
    chunk_size: int = 0
    sittings: int = 1


@dataclass(frozen=True)
class RunResult:
    """Scores of a run, ``[n_instances, n_layers]``, with everything needed to read them."""

    config: RunConfig
    indices: np.ndarray  # (n,) positions in the dataset split
    labels: np.ndarray  # (n,) true labels
    predicted: np.ndarray  # (n,) predicted labels, -1 where the output is not a classifier
    scores: np.ndarray  # (n, n_layers)
    layers: tuple[LayerInfo, ...]
    timings: Timings = field(default_factory=Timings)
    partial: bool = False
    n_planned: int = 0
    dataset: str = ""
    model: str = ""
    class_names: tuple[str, ...] = ()
    created_at: str = ""
    scales: np.ndarray | None = None  # (n, n_layers) norm of f(M(x)): the output's scale
    spreads: np.ndarray | None = None  # (n, n_layers) RMS distance of f(M(v_i)) from their mean
    errors: np.ndarray | None = None  # (n,) a regressor's prediction error; NaN otherwise

    def __post_init__(self) -> None:
        missing = np.full(self.scores.shape, np.nan)
        for name, fill in (("scales", missing), ("spreads", missing)):
            if getattr(self, name) is None:
                object.__setattr__(self, name, fill)
        if self.errors is None:
            object.__setattr__(self, "errors", np.full(len(self.scores), np.nan))

    def relative_scores(self) -> np.ndarray:
        """The scale-free measure, ``(n, n_layers)``: each score divided by the spread of
        the layer's outputs over the same samples (0 where both are 0). Multiplying a
        layer's output by a constant leaves it unchanged."""
        spreads = np.asarray(self.spreads)
        with np.errstate(divide="ignore", invalid="ignore"):
            rel = np.where(spreads > 0, self.scores / spreads, 0.0)
        return np.asarray(rel, dtype=np.float64)

    def linear_layers(self) -> np.ndarray:
        """Per layer, True when its scores are float noise relative to its output's scale
        (``LINEAR_RTOL``): the one rule every view uses to call a layer linear."""
        scales = np.nan_to_num(np.asarray(self.scales, dtype=np.float64), nan=0.0)  # unknown
        noise = self.scores <= LINEAR_RTOL * scales + 1e-30
        return np.asarray(noise.all(axis=0)) if len(self.scores) else np.zeros(0, bool)

    def values(self, measure: Measure = "raw") -> np.ndarray:
        """Scores as drawn: ``raw`` (alibi's measure) or ``relative`` (scale-free)."""
        return self.relative_scores() if measure == "relative" else self.scores

    @property
    def layer_names(self) -> list[str]:
        return [layer.name for layer in self.layers]

    @property
    def output_layer(self) -> str:
        return self.layers[-1].name

    def class_name(self, label: int) -> str:
        return self.class_names[label] if 0 <= label < len(self.class_names) else str(label)

    def to_frame(self) -> pd.DataFrame:
        """Tidy frame: one row per (instance, layer)."""
        n, n_layers = self.scores.shape
        return pd.DataFrame(
            {
                "instance": np.repeat(self.indices, n_layers),
                "label": np.repeat(self.labels, n_layers),
                "class_name": [
                    self.class_name(int(lab)) for lab in np.repeat(self.labels, n_layers)
                ],
                "predicted": np.repeat(self.predicted, n_layers),
                "layer": np.tile(self.layer_names, n),
                "layer_index": np.tile(np.arange(n_layers), n),
                "score": self.scores.reshape(-1),
                "relative": self.relative_scores().reshape(-1),
                "scale": np.asarray(self.scales).reshape(-1),
                "spread": np.asarray(self.spreads).reshape(-1),
                "error": np.repeat(np.asarray(self.errors), n_layers),
            }
        )

    def layer_summary(self, measure: Measure = "raw") -> pd.DataFrame:
        """Per layer, in model order: mean, std, standard error and quantiles of the raw
        (or the scale-free) scores, the layer's kind and whether it is linear."""
        column = "relative" if measure == "relative" else "score"
        frame = summarise(self.to_frame(), ["layer_index", "layer"], column)
        frame["kind"] = [self.layers[i].kind for i in frame["layer_index"]]
        frame["linear"] = self.linear_layers()[frame["layer_index"]]
        return frame

    def class_summary(self, layer: str | None = None, measure: Measure = "raw") -> pd.DataFrame:
        """Per (layer, class): the same statistics; one layer if ``layer`` is given."""
        frame = self.to_frame()
        if layer is not None:
            frame = frame[frame["layer"] == layer]
        column = "relative" if measure == "relative" else "score"
        return summarise(frame, ["layer_index", "layer", "label", "class_name"], column)

    def meta(self) -> dict[str, Any]:
        """JSON-ready description: config, layers, timings, provenance."""
        return {
            "config": self.config.to_dict(),
            "layers": [asdict(layer) for layer in self.layers],
            "timings": asdict(self.timings),
            "partial": self.partial,
            "n_planned": self.n_planned,
            "dataset": self.dataset,
            "model": self.model,
            "class_names": list(self.class_names),
            "created_at": self.created_at,
        }

    def arrays(self) -> dict[str, np.ndarray]:
        return {name: np.asarray(getattr(self, name)) for name in ARRAY_NAMES}

    @classmethod
    def from_parts(cls, meta: dict[str, Any], arrays: dict[str, np.ndarray]) -> "RunResult":
        layers = layers_from_meta(meta["layers"])
        return cls(
            config=RunConfig.from_dict(meta["config"]),
            layers=layers,
            timings=Timings(**meta["timings"]),
            partial=meta["partial"],
            n_planned=meta["n_planned"],
            dataset=meta["dataset"],
            model=meta["model"],
            class_names=tuple(meta["class_names"]),
            created_at=meta["created_at"],
            **{k: arrays[k] for k in ARRAY_NAMES},
        )

    def to_json(self, key: str = "") -> str:
        """Config, layer info, summaries and timings as JSON (the CLI's ``run.json``)."""
        doc = {**self.meta(), "key": key} if key else self.meta()
        doc["layer_summary"] = self.layer_summary().to_dict(orient="records")
        doc["class_summary"] = self.class_summary().to_dict(orient="records")
        return json.dumps(doc, indent=2, default=_json_default)


def layers_from_meta(rows: Any) -> tuple[LayerInfo, ...]:
    """The layers of stored metadata; raises TypeError or KeyError when they are damaged."""
    if not isinstance(rows, list) or not rows:
        raise TypeError(f"layers must be a non-empty list, got {type(rows).__name__}")
    return tuple(LayerInfo(**{**row, "output_shape": tuple(row["output_shape"])}) for row in rows)


def summarise(frame: pd.DataFrame, by: list[str], column: str = "score") -> pd.DataFrame:
    """Mean, std, standard error, count and quantiles of ``column`` per group."""
    grouped = frame.groupby(by, sort=True)[column]
    out = grouped.agg(mean="mean", std="std", n="count").reset_index()
    out["std"] = out["std"].fillna(0.0)
    out["sem"] = out["std"] / np.sqrt(out["n"])
    quantiles = grouped.quantile(np.array(QUANTILES)).unstack()
    quantiles.columns = [f"q{int(q * 100):02d}" for q in QUANTILES]
    return out.merge(quantiles.reset_index(), on=by)


def _json_default(value: Any) -> Any:
    if isinstance(value, np.generic):
        return value.item()
    raise TypeError(f"cannot serialise {type(value).__name__}")


def toy_result(scores: Any, labels: Any = None, layers: tuple[str, ...] = ("out",)) -> RunResult:
    """A small finished result for examples: ``scores`` is ``(n, n_layers)``.

    >>> toy_result([[0.5], [0.25]]).layer_summary()["mean"].tolist()
    [0.375]
    """
    values = np.asarray(scores, dtype=np.float64)
    n = len(values)
    labels = np.zeros(n, np.int64) if labels is None else np.asarray(labels, np.int64)
    infos = tuple(LayerInfo(name, "Dense", (1,), "other") for name in layers)
    return RunResult(
        RunConfig(n_instances=n), np.arange(n), labels, labels.copy(), values, infos, n_planned=n
    )

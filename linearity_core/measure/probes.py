"""The probe seam: per-layer scores of a chunk (instances and their samples) in one pass.

One contract, one backend per kind of model: ``keras_probe`` builds a Keras feature model,
``onnx_probe`` runs an onnxruntime session whose outputs are the selected nodes. Samples,
random streams, chunks, keys, jobs, resume and Ray know only this contract.
"""

import threading
from dataclasses import dataclass
from functools import lru_cache
from typing import Any, NamedTuple, Protocol

import numpy as np

from linearity_core.measure.config import Agg, RunConfig
from linearity_core.measure.results import LayerInfo


class ProbeKey(NamedTuple):
    """What a probe is built from besides the model; a remote worker rebuilds it from this."""

    layers: tuple[str, ...] | None
    n_samples: int
    alphas: tuple[float, ...]
    agg: Agg
    logits: bool
    input_shape: tuple[int, ...]
    output: str | None = None

    @classmethod
    def of(cls, config: RunConfig, input_shape: tuple[int, ...]) -> "ProbeKey":
        m = config.measure
        alphas = tuple(m.resolved_alphas().tolist())
        return cls(
            config.layers,
            m.n_samples,
            alphas,
            m.agg,
            config.logits,
            tuple(input_shape),
            config.output,
        )

    @property
    def per_instance(self) -> int:
        """Forward inputs per instance: x, its samples, and their superpositions."""
        return 1 + self.n_samples + (1 if self.agg == "global" else self.n_samples)


@dataclass(frozen=True)
class ProbeOutput:
    """A chunk's ``(c, n_layers)`` scores, each layer's output scale (the norm of
    f(M(x))) and spread (the RMS distance of f(M(v_i)) from their mean), and the chosen
    output's values ``(c, n_out)``."""

    scores: np.ndarray
    scales: np.ndarray
    spreads: np.ndarray
    final: np.ndarray

    def predicted(self, labels: bool) -> np.ndarray:
        """Predicted labels ``(c,)``; -1 where the output does not predict classes."""
        if labels and self.final.shape[1] > 1:
            return self.final.argmax(axis=1).astype(np.int64)
        return np.full(len(self.final), -1, dtype=np.int64)


class Probe(Protocol):
    """What every backend provides."""

    key: ProbeKey
    layers: tuple[LayerInfo, ...]
    is_classifier: bool  # the output is read as probabilities (log, as a classifier)
    predicts_labels: bool  # its argmax is a predicted class (probabilities or logits)
    input_shape: tuple[int, ...]

    @property
    def model(self) -> Any: ...

    def __call__(self, batch: np.ndarray) -> ProbeOutput: ...

    def bytes_per_instance(self) -> int: ...


def is_onnx(model: Any) -> bool:
    return type(model).__name__ == "OnnxModel"


def build_probe(model: Any, key: ProbeKey) -> Probe:
    if is_onnx(model):
        from linearity_core.measure.onnx_probe import OnnxProbe

        return OnnxProbe(model, key)
    from linearity_core.measure.keras_probe import KerasProbe

    return KerasProbe(model, key)


# Traced probes kept for reuse (each holds a compiled graph); older ones are dropped.
PROBE_CACHE_SIZE = 6
_probe_lock = threading.Lock()


@lru_cache(maxsize=PROBE_CACHE_SIZE)
def _cached_probe(model: Any, key: ProbeKey) -> Probe:
    probe = build_probe(model, key)
    probe(np.zeros((key.per_instance, *key.input_shape), np.float32))  # trace once
    return probe


def probe_for(model: Any, key: ProbeKey) -> Probe:
    """The probe for ``model`` and ``key``, built and traced once, then reused
    (``clear_probes`` forgets them)."""
    with _probe_lock:  # two sessions may ask at once; build and trace each probe once
        return _cached_probe(model, key)


def layer_probe(model: Any, config: RunConfig, input_shape: tuple[int, ...]) -> Probe:
    """The probe for ``model`` and ``config``'s measure (see ``probe_for``)."""
    return probe_for(model, ProbeKey.of(config, input_shape))


def clear_probes() -> None:
    _cached_probe.cache_clear()


def output_names(model: Any, item_shape: tuple[int, ...]) -> list[str]:
    """The names of the model's outputs, the first being "the output" by default."""
    if is_onnx(model):
        return list(model.heads)
    from linearity_core.measure.keras_graph import trace_model

    return [name for name, _ in trace_model(model, tuple(item_shape)).heads]


def output_info(model: Any, item_shape: tuple[int, ...], output: str | None) -> tuple[int, bool]:
    """``(n_out, classifier)`` of the chosen output: its width, and whether it predicts
    classes (probabilities, or logits the user declared)."""
    probe = build_probe(
        model, ProbeKey(None, 1, (1.0,), "global", False, tuple(item_shape), output)
    )
    return int(model_outputs(model, np.zeros((1, *item_shape), np.float32), output).shape[1]), (
        probe.predicts_labels
    )


def model_outputs(model: Any, x: np.ndarray, output: str | None = None) -> np.ndarray:
    """The chosen output of ``model`` for instances ``x``, ``(n, n_out)``, in batches."""
    if is_onnx(model):
        from linearity_core.measure.onnx_probe import onnx_outputs

        return onnx_outputs(model, x, output)
    from linearity_core.measure.keras_probe import keras_outputs

    return keras_outputs(model, x, output)

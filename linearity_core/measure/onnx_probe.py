"""ONNX backend of the probe seam: PyTorch (and anything else exported to ONNX) scored
layer by layer with onnxruntime.

A session over a copy of the graph (see ``onnx_model``) runs each chunk once; the
measure's reduction is written into that graph (``onnx_scoring``), so onnxruntime frees
each layer's activations once they are reduced and returns a few numbers per instance.
"""

import numpy as np

from linearity_core.errors import LinearityError
from linearity_core.measure.forward import reduction_weights, spread_samples
from linearity_core.measure.keras_probe import LIVE_LAYERS
from linearity_core.measure.layer_table import LayerRow
from linearity_core.measure.onnx_model import OnnxModel, OnnxNode, session_of
from linearity_core.measure.onnx_scoring import Target, from_sums, scoring_proto
from linearity_core.measure.probes import ProbeKey, ProbeOutput
from linearity_core.measure.results import LayerInfo

# Nodes whose output holds the same values, in the same order, as their first input.
SAME_VALUES = {"Identity", "Dropout", "Flatten", "Reshape", "Squeeze", "Unsqueeze"}
PREDICT_BATCH = 256


class OnnxProbe:
    """Scores of selected nodes for a chunk of instances, from one session run."""

    def __init__(self, model: OnnxModel, key: ProbeKey):
        self.key, self.input_shape, self._model = key, key.input_shape, model
        model.layout(key.input_shape)  # the data must fit before anything runs
        self._head = model.head(key.output)
        self.is_classifier = model.classifier(self._head)
        self.predicts_labels = self.is_classifier or model.reading == "logits"
        chosen = _select(model, key.layers)
        head_node = model.producer(self._head)
        self._log = [n is head_node and self.is_classifier for n in chosen]
        # A node that only passes values along is scored on the node it takes them from.
        self._source = [_values_source(model, n).output for n in chosen]
        shapes = self._dry_run()
        self.layers = tuple(
            LayerInfo(
                n.name,
                n.op_type,
                shapes[_values_source(model, n).output],
                n.kind,
                "classifier" if log else "regressor",
            )
            for n, log in zip(chosen, self._log, strict=True)
        )
        # Each distinct (tensor, log) is reduced once, inside the graph.
        self._targets = list(dict.fromkeys(zip(self._source, self._log, strict=True)))
        own = np.zeros((1, key.per_instance))
        own[0, 0] = 1.0  # the instance's own output: its norm is the layer's scale
        weights = np.concatenate([reduction_weights(key), own])
        self._m, self._k = len(weights) - spread_samples(key) - 1, spread_samples(key)
        targets = [Target(t, log, int(np.prod(shapes[t]))) for t, log in self._targets]
        self._scoring = session_of(scoring_proto(model.raw, targets, weights, self._head))

    def _dry_run(self) -> dict[str, tuple[int, ...]]:
        """One item through the model: each scored tensor's shape, and the largest."""
        names = list(dict.fromkeys([*self._source, self._head]))
        one = self._adapt(np.zeros((1, *self.input_shape), np.float32))
        made = self._model.session(names).run(names, {self._model.input_name: one})
        self._floats = sum(int(np.prod(a.shape[1:])) for a in made)
        self.largest = max(int(np.prod(a.shape[1:])) for a in made)
        return {name: tuple(a.shape[1:]) for name, a in zip(names, made, strict=True)}

    @property
    def model(self) -> OnnxModel:
        return self._model

    def _adapt(self, batch: np.ndarray) -> np.ndarray:
        return self._model.adapt(batch.astype(np.float32, copy=False))

    def __call__(self, batch: np.ndarray) -> ProbeOutput:
        *sums, head = self._scoring.run(None, {self._model.input_name: self._adapt(batch)})
        reduced = {
            target: from_sums(ss, self._m, self._k)
            for target, ss in zip(self._targets, sums, strict=True)
        }
        rows = [reduced[t] for t in zip(self._source, self._log, strict=True)]
        final = head.reshape(self.key.per_instance, -1, int(np.prod(head.shape[1:])))[0]
        scores, scales, spreads = (
            np.stack([r[k] for r in rows], axis=1).astype(np.float64) for k in range(3)
        )
        return ProbeOutput(scores, scales, spreads, final)

    def bytes_per_instance(self) -> int:
        """Memory one instance costs in a chunk: its inputs twice and the activations
        alive at once (onnxruntime frees each once its reduction has read it)."""
        inputs = int(np.prod(self.input_shape))
        alive = min(self._floats, LIVE_LAYERS * self.largest)
        return 4 * self.key.per_instance * (2 * inputs + alive)


def _select(model: OnnxModel, wanted: tuple[str, ...] | None) -> list[OnnxNode]:
    if wanted is None:
        return list(model.nodes)
    by_name = {n.name: n for n in model.nodes}
    unknown = [w for w in wanted if w not in by_name]
    if unknown:
        raise LinearityError(
            f"unknown layer(s) {', '.join(unknown)}; the model has {', '.join(by_name)}"
        )
    return [by_name[w] for w in wanted]


def _values_source(model: OnnxModel, node: OnnxNode) -> OnnxNode:
    """The node whose values ``node`` holds, seen through order-keeping reshapes."""
    while node.op_type in SAME_VALUES:
        before = model.producer(node.inputs[0])
        if before is None:
            break
        node = before
    return node


def onnx_outputs(model: OnnxModel, x: np.ndarray, output: str | None) -> np.ndarray:
    """The chosen output of the model for ``x``, ``(n, n_out)``, in bounded batches."""
    head = model.head(output)
    parts = []
    for k in range(0, len(x), PREDICT_BATCH):
        batch = model.adapt(x[k : k + PREDICT_BATCH].astype(np.float32))
        out = model._predictor.run([head], {model.input_name: batch})[0]
        parts.append(out.reshape(len(batch), -1))
    return np.concatenate(parts) if parts else np.zeros((0, 1), np.float32)


def onnx_rows(model: OnnxModel) -> list[LayerRow]:
    """The layer table of an ONNX model: its compute nodes."""
    made_by = {n.output: n.name for n in model.nodes}
    return [
        LayerRow(
            n.name,
            n.op_type,
            (),
            n.params,
            n.kind,
            tuple(made_by.get(i, "input") for i in n.inputs),
        )
        for n in model.nodes
    ]

"""ONNX backend of the probe seam: PyTorch (and anything else exported to ONNX) scored
layer by layer with onnxruntime.

A session over a copy of the graph whose outputs are the selected nodes (see
``onnx_model``) runs each chunk once; the reduction to scores is vectorised in NumPy, so
a chunk's activations are dropped as soon as its scores are made.
"""

import numpy as np

from linearity_core.errors import LinearityError
from linearity_core.measure.config import LOG_EPS
from linearity_core.measure.forward import difference_weights
from linearity_core.measure.layer_table import LayerRow
from linearity_core.measure.onnx_model import OnnxModel, OnnxNode
from linearity_core.measure.probes import ProbeKey, ProbeOutput
from linearity_core.measure.results import LayerInfo

# Nodes whose output holds the same values, in the same order, as their first input.
SAME_VALUES = {"Identity", "Dropout", "Flatten", "Reshape", "Squeeze", "Unsqueeze"}
PREDICT_BATCH = 256


def _reduce(
    y: np.ndarray, weights: np.ndarray, per: int, n: int, log: bool
) -> tuple[np.ndarray, ...]:
    """Per-instance score, scale and spread of one output ``(p * c, ...)``."""
    y = y.reshape(per, -1, int(np.prod(y.shape[1:]))).astype(np.float32, copy=False)  # (p, c, f)
    if log:
        y = np.log(y + np.float32(LOG_EPS))
    diff = (weights @ y.reshape(per, -1)).reshape(len(weights), y.shape[1], -1)  # (m, c, f)
    score = np.linalg.norm(diff, axis=-1).mean(axis=0)
    scale = np.linalg.norm(y[0], axis=-1)
    samples = y[1 : 1 + n]
    dev = samples - samples.mean(axis=0, keepdims=True)
    spread = np.sqrt(np.einsum("scf,scf->sc", dev, dev).mean(axis=0))
    return score, scale, spread


class OnnxProbe:
    """Scores of selected nodes for a chunk of instances, from one session run."""

    def __init__(self, model: OnnxModel, key: ProbeKey):
        self.key, self.input_shape, self._model = key, key.input_shape, model
        model.layout(key.input_shape)  # the data must fit before anything runs
        head = model.head(key.output)
        self.is_classifier = model.classifier(head)
        self.predicts_labels = self.is_classifier or model.reading == "logits"
        chosen = _select(model, key.layers)
        head_node = model.producer(head)
        self.layers = tuple(
            LayerInfo(
                n.name,
                n.op_type,
                (),
                n.kind,
                "classifier" if n is head_node and self.is_classifier else "regressor",
            )
            for n in chosen
        )
        self._log = [n is head_node and self.is_classifier for n in chosen]
        self._source = [_values_source(model, n).output for n in chosen]
        self._outputs = list(dict.fromkeys([*self._source, head]))
        self._head = head
        self._session = model.session(self._outputs)
        per = key.per_instance
        self._weights = difference_weights(np.asarray(key.alphas), key.n_samples, key.agg).astype(
            np.float32
        )
        probe_out = self._session.run(
            self._outputs,
            {model.input_name: self._adapt(np.zeros((1, *key.input_shape), np.float32))},
        )
        self._floats = sum(int(np.prod(a.shape[1:])) for a in probe_out)
        self.largest = max(int(np.prod(a.shape[1:])) for a in probe_out)
        self._per = per

    @property
    def model(self) -> OnnxModel:
        return self._model

    def _adapt(self, batch: np.ndarray) -> np.ndarray:
        return self._model.adapt(batch.astype(np.float32, copy=False))

    def __call__(self, batch: np.ndarray) -> ProbeOutput:
        arrays = dict(
            zip(
                self._outputs,
                self._session.run(self._outputs, {self._model.input_name: self._adapt(batch)}),
                strict=True,
            )
        )
        per, n = self._per, self.key.n_samples
        reduced: dict[tuple[str, bool], tuple[np.ndarray, ...]] = {}
        rows = []
        for source, log in zip(self._source, self._log, strict=True):
            if (source, log) not in reduced:
                reduced[(source, log)] = _reduce(arrays[source], self._weights, per, n, log)
            rows.append(reduced[(source, log)])
        final = arrays[self._head].reshape(per, -1, int(np.prod(arrays[self._head].shape[1:])))[0]
        scores, scales, spreads = (
            np.stack([r[k] for r in rows], axis=1).astype(np.float64) for k in range(3)
        )
        return ProbeOutput(scores, scales, spreads, final)

    def bytes_per_instance(self) -> int:
        """Memory one instance costs in a chunk: its inputs and the selected outputs."""
        inputs = int(np.prod(self.input_shape))
        return 4 * self.key.per_instance * (2 * inputs + self._floats + 2 * self.largest)


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

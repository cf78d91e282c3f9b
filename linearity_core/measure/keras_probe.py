"""Keras backend of the probe seam: one forward pass scores every selected layer.

The model's graph is rebuilt on the data's shape (``keras_graph``); one feature model
whose outputs are the selected layers runs on a chunk laid out as ``forward_inputs``
lays it out. Inside a compiled function each layer's activations are reduced to
per-instance scores, scales and spreads, so large activations never leave the graph.
"""

from functools import lru_cache
from typing import Any

import numpy as np

from linearity_core.errors import LinearityError
from linearity_core.measure.config import LOG_EPS, ModelType
from linearity_core.measure.forward import reduction_weights, spread_samples
from linearity_core.measure.keras_graph import TracedGraph, TracedLayer, trace_model
from linearity_core.measure.kinds import ends_in_softmax, layer_kind
from linearity_core.measure.probes import ProbeKey, ProbeOutput
from linearity_core.measure.results import LayerInfo

PREDICT_BATCH = 256
# Outputs alive at once in a forward pass, counted in the largest layer's size: the one
# being reduced, the reduction's temporaries and the next layer's.
LIVE_LAYERS = 3


def _floats(tensor: Any) -> int:
    """Features per instance of a (possibly nested) symbolic output."""
    import tensorflow as tf

    return sum(int(np.prod([d or 1 for d in t.shape[1:]])) for t in tf.nest.flatten(tensor))


def scorable(graph: TracedGraph) -> list[TracedLayer]:
    return [t for t in graph.layers if type(t.layer).__name__ != "InputLayer"]


def select_layers(graph: TracedGraph, wanted: tuple[str, ...] | None) -> list[TracedLayer]:
    """The layer calls a run scores, in graph order (all of them when ``wanted`` is None)."""
    available = scorable(graph)
    if wanted is None:
        return available
    by_name = {t.name: t for t in available}
    unknown = [n for n in wanted if n not in by_name]
    if unknown:
        raise LinearityError(
            f"unknown layer(s) {', '.join(unknown)}; the model has {', '.join(by_name)}"
        )
    return [by_name[n] for n in wanted]


def _logits_of(call: TracedLayer) -> Any:
    """The pre-softmax tensor of an output layer, for white-box scoring."""
    layer = call.layer
    if type(layer).__name__ in ("Softmax", "Activation"):
        return call.inputs[0]
    config = {**layer.get_config(), "activation": "linear", "name": f"{layer.name}_logits"}
    twin = type(layer).from_config(config)
    twin.build(call.inputs[0].shape)
    twin.set_weights(layer.get_weights())
    return twin(call.inputs[0])


def targets(
    chosen: list[TracedLayer], head: TracedLayer | None, logits: bool, classifier: bool
) -> tuple[list[Any], tuple[LayerInfo, ...], list[bool]]:
    """Per chosen layer: the tensor to score, what it is, and whether it is read as log
    probabilities (the classifier's output)."""
    import tensorflow as tf

    tensors, infos, log_flags = [], [], []
    for call in chosen:
        classify = call is head and classifier
        white_box = classify and logits and ends_in_softmax(call.layer)
        tensor = _logits_of(call) if white_box else call.output
        shape = tuple(tf.nest.flatten(tensor)[0].shape[1:])
        label = f"{call.name} (logits)" if white_box else call.name
        mode: ModelType = "classifier" if classify and not white_box else "regressor"
        kind = layer_kind(call.layer)
        tensors.append(tensor)
        infos.append(LayerInfo(label, type(call.layer).__name__, shape, kind, mode))
        log_flags.append(classify and not white_box)
    return tensors, tuple(infos), log_flags


def _reducer(key: ProbeKey) -> Any:
    """``reduce(out, log)``: per-instance score, scale and spread of one layer's output."""
    import tensorflow as tf

    per = key.per_instance
    weights = reduction_weights(key)
    m, rows = len(weights) - spread_samples(key), tf.constant(weights, tf.float32)

    def reduce(out: Any, log: bool) -> tuple[Any, Any, Any]:
        # One (m + k, p) @ (p, c * n_out) matrix product per layer: the batch is laid out
        # position-major, so no slices or transposes of large activations are needed.
        parts = [tf.reshape(t, [per, -1, _floats(t)]) for t in tf.nest.flatten(out)]
        y = parts[0] if len(parts) == 1 else tf.concat(parts, axis=2)  # (p, c, n_out)
        if log:
            y = tf.math.log(y + LOG_EPS)
        both = tf.matmul(rows, tf.reshape(y, [per, -1]))  # (m + k, c * n_out)
        norms = tf.norm(tf.reshape(both, [len(weights), -1, tf.shape(y)[2]]), axis=-1)
        score = tf.reduce_mean(norms[:m], axis=0)  # (c,)
        spread = tf.sqrt(tf.reduce_mean(tf.square(norms[m:]), axis=0))  # (c,)
        return score, tf.norm(y[0], axis=-1), spread

    return reduce


def _values_source(tensor: Any) -> Any:
    """The tensor whose values ``tensor`` holds, seen through reshapes and identities."""
    while tensor.op.type in ("Reshape", "Identity") and tensor.op.inputs:
        tensor = tensor.op.inputs[0]
    return tensor


def compiled_scores(
    graph: TracedGraph, tensors: list[Any], head: Any, log_flags: list[bool], key: ProbeKey
) -> Any:
    """The traced function: a forward batch in, (scores, scales, spreads, final) out."""
    import keras
    import tensorflow as tf

    feature_model = keras.Model(inputs=graph.input, outputs=[*tensors, head])
    reduce, per = _reducer(key), key.per_instance
    spec = tf.TensorSpec((None, *key.input_shape), tf.float32)

    @tf.function(input_signature=[spec], autograph=False)
    def chunk_scores(batch: Any) -> tuple[Any, Any, Any, Any]:
        outs = feature_model(batch, training=False)
        # Scores are taken over flattened features, so a layer that only forwards or
        # reshapes its input (Dropout at inference, Flatten) shares its input's score.
        reduced: dict[Any, Any] = {}
        rows = []
        for out, flag in zip(outs[:-1], log_flags, strict=True):
            ref = (_values_source(out).ref(), flag) if tf.is_tensor(out) else None
            if ref is None or ref not in reduced:
                value = reduce(out, flag)
                if ref is None:
                    rows.append(value)
                    continue
                reduced[ref] = value
            rows.append(reduced[ref])
        final = tf.reshape(outs[-1], [per, -1, _floats(outs[-1])])[0]
        scores, scales, spreads = (tf.stack([r[k] for r in rows], axis=1) for k in range(3))
        return scores, scales, spreads, final

    return chunk_scores


class KerasProbe:
    """Scores of selected layers for a chunk of instances, from one forward pass."""

    def __init__(self, model: Any, key: ProbeKey):
        self.key, self.input_shape, self._model = key, key.input_shape, model
        graph = trace_model(model, key.input_shape)
        _, head = graph.head(key.output)
        head_call = graph.producer(head)
        reading = getattr(model, "linearity_reading", "auto")  # the user's word for an upload
        softmax = head_call is not None and ends_in_softmax(head_call.layer)
        self.is_classifier = softmax if reading == "auto" else reading == "probabilities"
        self.predicts_labels = self.is_classifier or reading == "logits"
        chosen = select_layers(graph, key.layers)
        tensors, self.layers, log_flags = targets(chosen, head_call, key.logits, self.is_classifier)
        self._fn = compiled_scores(graph, tensors, head, log_flags, key)
        # Every layer's activations exist during the forward pass, selected or not.
        self.activation_floats = sum(_floats(t.output) for t in scorable(graph))
        self.largest_floats = max((_floats(t.output) for t in scorable(graph)), default=0)

    @property
    def model(self) -> Any:
        return self._model

    def __call__(self, batch: np.ndarray) -> ProbeOutput:
        scores, scales, spreads, final = self._fn(batch.astype(np.float32, copy=False))
        return ProbeOutput(
            scores.numpy().astype(np.float64),
            scales.numpy().astype(np.float64),
            spreads.numpy().astype(np.float64),
            final.numpy(),
        )

    def bytes_per_instance(self) -> int:
        """Memory one instance costs in a chunk: its inputs twice (the batch and its
        float32 copy) and the activations alive at once. TensorFlow frees a layer's
        output once the next layer and its reduction have read it, so a deep network
        holds about ``LIVE_LAYERS`` of its largest outputs, not all of them (measured
        peaks per instance: seed CNN 10 MB, MobileNetV2 at 96x96 48 MB, ResNet50 at
        64x64 21 MB; benchmarks/bench_models.py prints them)."""
        inputs = int(np.prod(self.input_shape))
        alive = min(self.activation_floats, LIVE_LAYERS * self.largest_floats)
        return 4 * self.key.per_instance * (2 * inputs + alive)


@lru_cache(maxsize=4)
def _output_model(model: Any, shape: tuple[int, ...], output: str | None) -> Any:
    import keras

    graph = trace_model(model, shape)
    return keras.Model(graph.input, graph.head(output)[1])


def keras_outputs(model: Any, x: np.ndarray, output: str | None) -> np.ndarray:
    """The chosen output of ``model`` for ``x``, ``(n, n_out)``, in bounded batches."""
    net = _output_model(model, tuple(x.shape[1:]), output)
    parts = [
        np.asarray(net(x[k : k + PREDICT_BATCH].astype(np.float32), training=False))
        for k in range(0, len(x), PREDICT_BATCH)
    ]
    out = np.concatenate(parts) if parts else np.zeros((0, 1), np.float32)
    return out.reshape(len(out), -1)

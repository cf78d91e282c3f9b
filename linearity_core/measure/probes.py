"""Keras adapter: scores chosen layers of a model in one forward pass per chunk.

One model whose outputs are the selected layers is run on a chunk laid out as
``forward_inputs`` lays it out. Inside a compiled function each layer's activations are
reduced to per-instance scores, so large conv activations never leave the graph.
"""

import threading
from functools import lru_cache
from typing import Any, NamedTuple

import numpy as np

from linearity_core.errors import LinearityError
from linearity_core.measure.config import LOG_EPS, Agg, ModelType, RunConfig
from linearity_core.measure.linearity import difference_weights
from linearity_core.measure.results import LayerInfo, LayerKind

IDENTITY = {
    "Dropout",
    "SpatialDropout1D",
    "SpatialDropout2D",
    "SpatialDropout3D",
    "GaussianNoise",
    "GaussianDropout",
    "AlphaDropout",
    "Flatten",
    "Reshape",
    "InputLayer",
    "Identity",
    "ActivityRegularization",
    "Permute",
}
LINEAR = {
    "Dense",
    "Conv1D",
    "Conv2D",
    "Conv3D",
    "DepthwiseConv2D",
    "SeparableConv2D",
    "Conv2DTranspose",
    "BatchNormalization",
    "Add",
    "Subtract",
    "Average",
    "Concatenate",
    "AveragePooling2D",
    "GlobalAveragePooling2D",
    "Rescaling",
    "Normalization",
    "EinsumDense",
    "ZeroPadding2D",
}
POOLING = {
    "MaxPooling1D",
    "MaxPooling2D",
    "MaxPooling3D",
    "GlobalMaxPooling2D",
    "GlobalMaxPooling1D",
}
ACTIVATION = {"Activation", "ReLU", "LeakyReLU", "PReLU", "ELU", "Softmax"}


def _activation_name(layer: Any) -> str | None:
    act = getattr(layer, "activation", None)
    return getattr(act, "__name__", None) if act is not None else None


def layer_kind(layer: Any) -> LayerKind:
    """Teaching category of a layer: linear, activation, pooling, identity or other."""
    cls = type(layer).__name__
    if cls in IDENTITY or (cls == "Activation" and _activation_name(layer) == "linear"):
        return "identity"
    if cls in ACTIVATION:
        return "activation"
    if cls in POOLING:
        return "pooling"
    if cls in LINEAR and _activation_name(layer) in (None, "linear"):
        return "linear"
    return "other"


def ends_in_softmax(layer: Any) -> bool:
    """True for a Softmax layer, an Activation('softmax') or a layer with softmax activation."""
    return type(layer).__name__ == "Softmax" or _activation_name(layer) == "softmax"


def ensure_built(model: Any, input_shape: tuple[int, ...] | None) -> Any:
    """Build a Sequential model that has no input yet, so its layers have outputs."""
    try:
        model.inputs  # noqa: B018 - raises on an unbuilt Sequential
    except (AttributeError, ValueError):
        if input_shape is None:
            raise LinearityError("the model is not built; pass the input shape") from None
        model.build((None, *input_shape))
    if not model.inputs or len(model.inputs) != 1:
        raise LinearityError("the model must have exactly one input")
    return model


def model_input_shape(model: Any) -> tuple[int, ...]:
    return tuple(int(d) for d in model.inputs[0].shape[1:])


def _floats(tensor: Any) -> int:
    """Features per instance of a (possibly nested) symbolic output."""
    import tensorflow as tf

    return sum(int(np.prod([d or 1 for d in t.shape[1:]])) for t in tf.nest.flatten(tensor))


def _values_source(tensor: Any) -> Any:
    """The tensor whose values ``tensor`` holds, seen through reshapes and identities."""
    while tensor.op.type in ("Reshape", "Identity") and tensor.op.inputs:
        tensor = tensor.op.inputs[0]
    return tensor


def _layer_output(layer: Any) -> Any:
    if len(getattr(layer, "_inbound_nodes", [])) > 1:
        raise LinearityError(
            f"layer {layer.name!r} is used more than once in the model, so its output is "
            "ambiguous; leave it out of the selected layers"
        )
    try:
        return layer.output
    except (AttributeError, ValueError) as exc:
        raise LinearityError(f"layer {layer.name!r} has no single output to score: {exc}") from exc


def _logits_of(layer: Any) -> Any:
    """The pre-softmax tensor of an output layer, for white-box scoring."""
    if type(layer).__name__ in ("Softmax", "Activation"):
        return layer.input
    config = {**layer.get_config(), "activation": "linear", "name": f"{layer.name}_logits"}
    twin = type(layer).from_config(config)
    twin.build(layer.input.shape)
    twin.set_weights(layer.get_weights())
    return twin(layer.input)


class LayerProbe:
    """Scores of selected layers for a chunk of instances, from one forward pass."""

    def __init__(
        self,
        model: Any,
        layers: tuple[str, ...] | None,
        *,
        n_samples: int,
        alphas: np.ndarray,
        agg: Agg,
        logits: bool = False,
        input_shape: tuple[int, ...] | None = None,
    ):
        import keras
        import tensorflow as tf

        self.input_shape = model_input_shape(ensure_built(model, input_shape))
        available = [lay for lay in model.layers if type(lay).__name__ != "InputLayer"]
        names = [lay.name for lay in available]
        wanted = names if layers is None else list(layers)
        unknown = [n for n in wanted if n not in names]
        if unknown:
            raise LinearityError(
                f"unknown layer(s) {', '.join(unknown)}; the model has {', '.join(names)}"
            )
        output_layer = available[-1]
        outputs, infos, log_flags = [], [], []
        for name in wanted:
            layer = model.get_layer(name)
            classify = layer is output_layer and ends_in_softmax(layer)
            tensor = _logits_of(layer) if classify and logits else _layer_output(layer)
            label = f"{name} (logits)" if classify and logits else name
            outputs.append(tensor)
            log_flags.append(classify and not logits)
            shape = tuple(tf.nest.flatten(tensor)[0].shape[1:])
            mode: ModelType = "classifier" if classify and not logits else "regressor"
            infos.append(LayerInfo(label, type(layer).__name__, shape, layer_kind(layer), mode))
        self.layers = tuple(infos)
        self.is_classifier = ends_in_softmax(output_layer)
        feature_model = keras.Model(
            inputs=model.inputs[0], outputs=[*outputs, _layer_output(output_layer)]
        )
        self.n_samples = n_samples
        mixes = 1 if agg == "global" else n_samples
        self.per_instance = 1 + n_samples + mixes

        per = self.per_instance
        weights = tf.constant(difference_weights(alphas, n_samples, agg), tf.float32)

        def reduce(out: Any, log: bool) -> Any:
            # One (m, p) @ (p, c * n_out) matrix product per layer: the batch is laid out
            # position-major, so no slices or transposes of large activations are needed.
            parts = [tf.reshape(t, [per, -1, _floats(t)]) for t in tf.nest.flatten(out)]
            y = parts[0] if len(parts) == 1 else tf.concat(parts, axis=2)  # (p, c, n_out)
            if log:
                y = tf.math.log(y + LOG_EPS)
            diff = tf.matmul(weights, tf.reshape(y, [per, -1]))  # (m, c * n_out)
            diff = tf.reshape(diff, [weights.shape[0], -1, tf.shape(y)[2]])  # (m, c, n_out)
            return tf.reduce_mean(tf.norm(diff, axis=-1), axis=0)

        spec = tf.TensorSpec((None, *self.input_shape), tf.float32)

        @tf.function(input_signature=[spec], autograph=False)
        def chunk_scores(batch: Any) -> tuple[Any, Any]:
            outs = feature_model(batch, training=False)
            # Scores are taken over flattened features, so a layer that only forwards or
            # reshapes its input (Dropout at inference, Flatten) shares its input's score.
            reduced: dict[Any, Any] = {}
            scores = []
            for out, flag in zip(outs[:-1], log_flags, strict=True):
                key = (_values_source(out).ref(), flag) if tf.is_tensor(out) else None
                if key is None or key not in reduced:
                    score = reduce(out, flag)
                    if key is None:
                        scores.append(score)
                        continue
                    reduced[key] = score
                scores.append(reduced[key])
            final = tf.reshape(outs[-1], [per, -1, _floats(outs[-1])])[0]
            return tf.stack(scores, axis=1), final

        self._fn = chunk_scores
        self.model: Any = model
        self.key: ProbeKey | None = None  # set when built through ``probe_for``
        # Every layer's activations exist during the forward pass, selected or not.
        self.activation_floats = sum(_floats(lay.output) for lay in available)

    def __call__(self, batch: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Scores ``(c, n_layers)`` and predicted labels ``(c,)`` of a forward batch."""
        scores, final = self._fn(batch.astype(np.float32, copy=False))
        final = final.numpy()
        predicted = final.argmax(axis=1) if final.shape[1] > 1 else np.full(len(final), -1)
        return scores.numpy().astype(np.float64), predicted.astype(np.int64)

    def bytes_per_instance(self) -> int:
        """Memory one instance costs in a chunk: its inputs and every layer's activations."""
        inputs = int(np.prod(self.input_shape))
        return 4 * self.per_instance * (2 * inputs + self.activation_floats)


# Traced probes kept for reuse (each holds a compiled graph); older ones are dropped.
PROBE_CACHE_SIZE = 6
_probe_lock = threading.Lock()


class ProbeKey(NamedTuple):
    """What a probe is built from besides the model; a remote worker rebuilds it from this."""

    layers: tuple[str, ...] | None
    n_samples: int
    alphas: tuple[float, ...]
    agg: Agg
    logits: bool
    input_shape: tuple[int, ...]

    @classmethod
    def of(cls, config: RunConfig, input_shape: tuple[int, ...]) -> "ProbeKey":
        m = config.measure
        alphas = tuple(m.resolved_alphas().tolist())
        return cls(config.layers, m.n_samples, alphas, m.agg, config.logits, tuple(input_shape))


@lru_cache(maxsize=PROBE_CACHE_SIZE)
def _cached_probe(model: Any, key: ProbeKey) -> LayerProbe:
    probe = LayerProbe(
        model,
        key.layers,
        n_samples=key.n_samples,
        alphas=np.asarray(key.alphas, np.float32),
        agg=key.agg,
        logits=key.logits,
        input_shape=key.input_shape,
    )
    probe(np.zeros((probe.per_instance, *probe.input_shape), np.float32))  # trace once
    probe.key = key
    return probe


def probe_for(model: Any, key: ProbeKey) -> LayerProbe:
    """The probe for ``model`` and ``key``, built and traced once, then reused
    (``clear_probes`` forgets them)."""
    with _probe_lock:  # two sessions may ask at once; build and trace each probe once
        return _cached_probe(model, key)


def layer_probe(model: Any, config: RunConfig, input_shape: tuple[int, ...]) -> LayerProbe:
    """The probe for ``model`` and ``config``'s measure (see ``probe_for``)."""
    return probe_for(model, ProbeKey.of(config, input_shape))


def clear_probes() -> None:
    _cached_probe.cache_clear()

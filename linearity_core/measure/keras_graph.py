"""A Keras model's graph, rebuilt on a fresh input of the data's shape, with every layer's
output as a tensor of that one graph.

Reading ``layer.output`` fails for the models analysts bring: a Sequential loaded from
``.keras`` leaves its layers with several inbound nodes, a ``None`` dimension has no
concrete shape, a nested model hides its layers, several outputs leave "the output"
open. Calling each layer again, in graph order, on tensors that descend from one new
``Input`` solves all of them at the root: the layers keep their weights, every output
has exactly one producer, shapes come from the data, and a nested model is walked into
(its layers named ``outer/inner``).
"""

import threading
from dataclasses import dataclass, field
from typing import Any

from linearity_core.errors import LinearityError

_tracing = threading.RLock()


@dataclass(frozen=True, eq=False)
class TracedLayer:
    """One call of a layer in the rebuilt graph: its name, the layer, what it made and
    what it was given."""

    name: str
    layer: Any
    output: Any
    inputs: tuple[Any, ...] = field(repr=False)


@dataclass(frozen=True, eq=False)
class TracedGraph:
    """The rebuilt graph: its input, every layer call in graph order, and the outputs
    (``heads``: the model's output names with their tensors)."""

    input: Any
    layers: tuple[TracedLayer, ...]
    heads: tuple[tuple[str, Any], ...]

    def producer(self, tensor: Any) -> TracedLayer | None:
        """The layer call that made ``tensor`` (for a nested model: its inner layer)."""
        return next((t for t in reversed(self.layers) if t.output is tensor), None)

    def head(self, name: str | None) -> tuple[str, Any]:
        """The output called ``name`` (None: the first)."""
        if name is None:
            return self.heads[0]
        for head in self.heads:
            if head[0] == name:
                return head
        names = ", ".join(h for h, _ in self.heads)
        raise LinearityError(f"the model has no output {name!r}; its outputs are {names}")


def declared_input_shape(model: Any) -> tuple[int | None, ...] | None:
    """The model's own input shape without the batch axis (None when it has none yet)."""
    try:
        inputs = model.inputs
    except (AttributeError, ValueError):
        return None
    if not inputs:
        return None
    if len(inputs) > 1:
        raise LinearityError(
            f"the model has {len(inputs)} inputs; only models with one input can be "
            "measured: wrap it in a model that takes one input, or upload one branch"
        )
    return tuple(inputs[0].shape[1:])


def fits(declared: tuple[int | None, ...], item_shape: tuple[int, ...]) -> bool:
    """True when items of ``item_shape`` fit the declared shape (``None`` takes any size).

    >>> fits((None, None, 1), (28, 28, 1)), fits((32, 32, 3), (28, 28, 1))
    (True, False)
    """
    return len(declared) == len(item_shape) and all(
        d is None or d == s for d, s in zip(declared, item_shape, strict=True)
    )


def check_fits(model: Any, item_shape: tuple[int, ...]) -> None:
    declared = declared_input_shape(model)
    if declared is not None and not fits(declared, tuple(item_shape)):
        raise LinearityError(
            f"the model expects inputs of shape {declared}, but the data's items are "
            f"{tuple(item_shape)}; pick the matching dataset or another model"
        )


def trace_model(model: Any, item_shape: tuple[int, ...]) -> TracedGraph:
    """Rebuild ``model`` on a new ``Input`` of ``item_shape`` (see the module's note)."""
    import keras

    check_fits(model, item_shape)
    fresh = keras.Input(shape=tuple(item_shape), name="linearity_input")
    calls: list[TracedLayer] = []
    with _tracing:  # calling a layer adds a node to it: one rebuild at a time
        outputs = _run(model, fresh, "", calls)
    heads = tuple(zip(output_names(model, len(outputs)), outputs, strict=True))
    return TracedGraph(fresh, tuple(calls), heads)


def output_names(model: Any, count: int) -> list[str]:
    """The names of the model's outputs: the layers that make them."""
    try:
        names = [t._keras_history.operation.name for t in model.outputs]
    except (AttributeError, ValueError):
        names = [model.layers[-1].name] if model.layers else ["output"]
    return names if len(names) == count else [f"output_{k}" for k in range(count)]


def _is_model(layer: Any) -> bool:
    import keras

    return isinstance(layer, keras.Model)


def _run(model: Any, x: Any, prefix: str, calls: list[TracedLayer]) -> list[Any]:
    """The model's outputs on ``x``, recording every layer call into ``calls``."""
    import keras

    if isinstance(model, keras.Sequential):
        for layer in model.layers:
            x = _call(layer, (x,), {}, prefix, calls)
        return [x]
    nodes = getattr(model, "_nodes_by_depth", None)
    if nodes is None:  # a subclassed model: its graph is not known, only its call
        return [_call(model, (x,), {}, prefix, calls, opaque=True)]
    declared_input_shape(model)  # one input only
    tensors = {id(model.inputs[0]): x}
    for depth in sorted(nodes, reverse=True):
        for node in nodes[depth]:
            if not node.operation or node.is_input:
                continue
            if any(id(t) not in tensors for t in node.input_tensors):
                continue  # not reachable from the one input
            args, kwargs = node.arguments.fill_in(tensors)
            out = _call(node.operation, tuple(args), kwargs, prefix, calls)
            for ref, made in zip(node.outputs, keras.tree.flatten(out), strict=True):
                tensors[id(ref)] = made
    return [tensors[id(t)] for t in model.outputs]


def _call(
    layer: Any,
    args: tuple[Any, ...],
    kwargs: dict[str, Any],
    prefix: str,
    calls: list[TracedLayer],
    opaque: bool = False,
) -> Any:
    plain = all(v is None for v in kwargs.values())  # Keras passes mask=None along
    if not opaque and _is_model(layer) and len(args) == 1 and plain:
        outs = _run(layer, args[0], f"{prefix}{layer.name}/", calls)
        return outs[0] if len(outs) == 1 else outs
    out = layer(*args, **kwargs)
    name = prefix + layer.name
    taken = sum(1 for c in calls if c.name == name or c.name.startswith(f"{name}#"))
    if taken:  # a shared layer, called again: each call is its own step
        name = f"{name}#{taken + 1}"
    calls.append(TracedLayer(name, layer, out, args))
    return out

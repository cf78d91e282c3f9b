"""A model's layers as a table, read the way a run scores them: name, type, output shape,
parameters, kind and what feeds each layer (its topology), for any backend."""

from dataclasses import dataclass
from typing import Any

from linearity_core.measure.probes import is_onnx
from linearity_core.measure.results import LayerKind


@dataclass(frozen=True)
class LayerRow:
    name: str
    type: str
    output_shape: tuple[int | None, ...]
    parameters: int
    kind: LayerKind
    inputs: tuple[str, ...] = ()  # the layers that feed it (two or more: a merge)

    def as_dict(self) -> dict[str, Any]:
        return {
            "layer": self.name,
            "type": self.type,
            "output shape": str(self.output_shape),
            "parameters": self.parameters,
            "kind": self.kind,
            "fed by": ", ".join(self.inputs),
        }


def layer_rows(model: Any, item_shape: tuple[int, ...]) -> list[LayerRow]:
    """Every layer a run can score, in graph order."""
    if is_onnx(model):
        from linearity_core.measure.onnx_probe import onnx_rows

        return onnx_rows(model)
    import tensorflow as tf

    from linearity_core.measure.keras_graph import trace_model
    from linearity_core.measure.keras_probe import scorable
    from linearity_core.measure.kinds import layer_kind

    graph = trace_model(model, item_shape)
    calls = scorable(graph)
    made_by = {id(t): c.name for c in calls for t in tf.nest.flatten(c.output)}
    rows = []
    for call in calls:
        feeds = [made_by.get(id(t), "input") for t in tf.nest.flatten(list(call.inputs))]
        shape = tuple(tf.nest.flatten(call.output)[0].shape[1:])
        params = int(call.layer.count_params()) if call.layer.built else 0
        kind = layer_kind(call.layer)
        rows.append(
            LayerRow(call.name, type(call.layer).__name__, shape, params, kind, tuple(feeds))
        )
    return rows


@dataclass(frozen=True)
class TeachingNames:
    """What teaching notes name in the model itself (None: the model has no such layer)."""

    linear: str | None
    activation: str | None
    pooling: str | None
    identity: tuple[str, ...]  # the Dropout/Flatten-like layers
    output: str

    def words(self) -> dict[str, str]:
        """Names for the notes, a kind the model lacks said in words."""
        return {
            "linear": self.linear or "a linear layer",
            "activation": self.activation or "an activation",
            "pooling": self.pooling or "a pooling layer",
            "output": self.output,
        }


def teaching_names(rows: list[LayerRow]) -> TeachingNames:
    """The first linear layer, activation and pooling, the identity layers and the output."""

    def first(kind: str) -> str | None:
        return next((r.name for r in rows if r.kind == kind), None)

    identity = tuple(r.name for r in rows if r.kind == "identity")
    return TeachingNames(
        first("linear"),
        first("activation"),
        first("pooling"),
        identity,
        rows[-1].name if rows else "the output",
    )

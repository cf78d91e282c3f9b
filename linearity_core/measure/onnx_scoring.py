"""The measure's reduction written into the ONNX graph itself, so onnxruntime returns a
few numbers per instance instead of every selected layer's activations.

For each scored tensor ``y`` (the chunk's ``p * c`` forward inputs, ``f`` features
each) the graph gets ``W @ reshape(y, (p, c * f))`` and the sum of squares over the
features: one row per difference the measure needs, one per spread sample, and one for
the instance's own output (its scale). Square roots and means are taken in NumPy on
``(rows, c)`` arrays.
"""

from dataclasses import dataclass
from typing import Any

import numpy as np

from linearity_core.measure.config import LOG_EPS


@dataclass(frozen=True)
class Target:
    """A tensor to score: its name, whether it is read on the log, its features."""

    tensor: str
    log: bool
    features: int


def scoring_proto(raw: bytes, targets: list[Target], weights: np.ndarray, head: str) -> Any:
    """A copy of the model whose outputs are each target's row sums of squares
    ``(rows, c)``, named ``linearity_ss_<k>``, and the head's values."""
    import onnx
    from onnx import TensorProto, helper, numpy_helper

    proto = onnx.load_model_from_string(raw)
    graph = proto.graph
    opset = next((o.version for o in proto.opset_import if o.domain in ("", "ai.onnx")), 13)
    rows, per = weights.shape
    consts: dict[str, np.ndarray] = {
        "linearity_w": weights.astype(np.float32),
        "linearity_eps": np.array(LOG_EPS, np.float32),
        "linearity_flat": np.array([per, -1], np.int64),
        "linearity_axes": np.array([2], np.int64),
    }
    graph.initializer.extend(numpy_helper.from_array(v, k) for k, v in consts.items())
    del graph.output[:]
    for k, target in enumerate(targets):
        name = f"linearity_{k}"
        y = f"{name}_float"
        graph.node.append(helper.make_node("Cast", [target.tensor], [y], to=TensorProto.FLOAT))
        if target.log:
            graph.node.append(helper.make_node("Add", [y, "linearity_eps"], [f"{name}_shift"]))
            graph.node.append(helper.make_node("Log", [f"{name}_shift"], [f"{name}_log"]))
            y = f"{name}_log"
        shape = f"{name}_shape"
        graph.initializer.append(
            numpy_helper.from_array(np.array([rows, -1, target.features], np.int64), shape)
        )
        graph.node.extend(
            [
                helper.make_node("Reshape", [y, "linearity_flat"], [f"{name}_2d"]),
                helper.make_node("MatMul", ["linearity_w", f"{name}_2d"], [f"{name}_mixed"]),
                helper.make_node("Reshape", [f"{name}_mixed", shape], [f"{name}_3d"]),
                helper.make_node("Mul", [f"{name}_3d", f"{name}_3d"], [f"{name}_sq"]),
                sum_over_features(f"{name}_sq", f"linearity_ss_{k}", opset),
            ]
        )
        graph.output.append(
            helper.make_tensor_value_info(f"linearity_ss_{k}", TensorProto.FLOAT, None)
        )
    graph.output.append(helper.make_tensor_value_info(head, TensorProto.FLOAT, None))
    return proto


def sum_over_features(source: str, out: str, opset: int) -> Any:
    """ReduceSum over the last axis: its axes are an input from opset 13, before it an
    attribute."""
    from onnx import helper

    if opset >= 13:
        return helper.make_node("ReduceSum", [source, "linearity_axes"], [out], keepdims=0)
    return helper.make_node("ReduceSum", [source], [out], axes=[2], keepdims=0)


def from_sums(ss: np.ndarray, m: int, k: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Score, scale and spread per instance from the row sums of squares ``(m+k+1, c)``:
    the measure's ``m`` differences, ``k`` spread samples, then the instance's output."""
    norms = np.sqrt(np.maximum(ss.astype(np.float64), 0.0))
    spread = np.sqrt(np.square(norms[m : m + k]).mean(axis=0))
    return norms[:m].mean(axis=0), norms[-1], spread

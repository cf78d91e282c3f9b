"""Safe reading of a user's ``.onnx`` model: protobuf only (no code runs), checked with
``onnx.checker``, refused when it points outside itself or declares more than it holds."""

from typing import Any

import numpy as np

from linearity_core.errors import LinearityError

MAX_ONNX_BYTES = 100 * 2**20  # matches server.maxUploadSize
# The most one tensor of the graph may declare (weights or a constant): 1 GB.
MAX_TENSOR_BYTES = 2**30
STANDARD_DOMAINS = ("", "ai.onnx", "ai.onnx.ml")
ITEM_BYTES = {1: 4, 2: 1, 3: 1, 4: 2, 5: 2, 6: 4, 7: 8, 9: 1, 10: 2, 11: 8, 16: 2}


def _declared_bytes(tensor: Any) -> int:
    return int(np.prod(tensor.dims, dtype=np.float64)) * ITEM_BYTES.get(tensor.data_type, 8)


def check_onnx(raw: bytes) -> Any:
    """The parsed model, after every check; each refusal is one sentence with a remedy."""
    import onnx
    from google.protobuf.message import DecodeError

    if len(raw) > MAX_ONNX_BYTES:
        raise LinearityError(
            f"it is {len(raw) / 2**20:.0f} MB; the limit is {MAX_ONNX_BYTES // 2**20} MB"
        )
    try:
        proto = onnx.load_model_from_string(raw)
    except (DecodeError, ValueError, RuntimeError) as exc:
        raise LinearityError("it is not a readable .onnx file (truncated or not ONNX)") from exc
    graph = proto.graph
    if not graph.node:
        raise LinearityError("it is not a readable .onnx file (its graph has no nodes)")
    tensors = list(graph.initializer) + [
        a.t for node in graph.node for a in node.attribute if a.HasField("t")
    ]
    for tensor in tensors:
        if tensor.data_location == onnx.TensorProto.EXTERNAL or tensor.external_data:
            raise LinearityError(
                f"its tensor {tensor.name!r} keeps its data in another file (external data); "
                "export the model as one file (for PyTorch: torch.onnx.export(..., "
                "external_data=False))"
            )
        if _declared_bytes(tensor) > MAX_TENSOR_BYTES:
            raise LinearityError(
                f"its tensor {tensor.name!r} declares {_declared_bytes(tensor) / 2**30:,.1f} GB; "
                f"the limit is {MAX_TENSOR_BYTES // 2**30} GB per tensor"
            )
    custom = sorted({n.domain for n in graph.node if n.domain not in STANDARD_DOMAINS})
    custom += sorted({o.domain for o in proto.opset_import if o.domain not in STANDARD_DOMAINS})
    if custom or proto.functions:
        domain = custom[0] if custom else proto.functions[0].domain
        raise LinearityError(
            f"it uses operators of the custom domain {domain!r}, which onnxruntime cannot run "
            "here; export it with standard ONNX operators only"
        )
    try:
        onnx.checker.check_model(proto)
    except onnx.checker.ValidationError as exc:
        first = str(exc).strip().splitlines()[0][:200]
        raise LinearityError(f"onnx.checker refuses it ({first}); export it again") from exc
    return proto

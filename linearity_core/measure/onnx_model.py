"""An ONNX model as the probe reads it: one input, the compute nodes that depend on it
(in topological order, named by node name; constants and shape plumbing are not layers),
its outputs, and how the data's items become its input (NCHW models get them
transposed)."""

from dataclasses import dataclass
from functools import cached_property
from typing import Any, Literal

import numpy as np

from linearity_core.errors import LinearityError
from linearity_core.hashing import content_hash
from linearity_core.measure.kinds import onnx_kind

Reading = Literal["auto", "probabilities", "logits"]
# Nodes that read a tensor's shape or positions, not its values: what they make (and
# what is computed from that alone) is shape plumbing, not a layer.
SHAPE_OPS = {"Shape", "Size", "NonZero", "ArgMax", "ArgMin", "Equal", "Less", "Greater"}


@dataclass(frozen=True)
class OnnxNode:
    name: str
    op_type: str
    output: str  # the tensor this node makes
    inputs: tuple[str, ...]  # the data tensors it takes (not weights)
    params: int  # weights of its initializers

    @property
    def kind(self) -> Any:
        dynamic_mul = self.op_type in ("Mul", "Div") and len(self.inputs) > 1
        return "other" if dynamic_mul else onnx_kind(self.op_type)


def _layout(declared: tuple[Any, ...], item: tuple[int, ...]) -> str:
    """How the data's items ``item`` become the model's input: as they are, channels
    first (NCHW from NHWC data), with a channel axis added, or flattened."""

    def same(shape: tuple[Any, ...]) -> bool:
        return len(shape) == len(item) and all(
            not isinstance(d, int) or d == s for d, s in zip(shape, item, strict=True)
        )

    if same(declared):
        return "same"
    if len(item) == 3 and same((declared[1:] + declared[:1]) if len(declared) == 3 else ()):
        return "nchw"
    if len(declared) == len(item) + 1 and declared[0] == 1 and same(declared[1:]):
        return "channel"
    if len(declared) == 1 and declared[0] == int(np.prod(item)):
        return "flat"
    raise LinearityError(
        f"the model expects inputs of shape {declared}, but the data's items are {item}; "
        "pick the matching dataset or another model"
    )


class OnnxModel:
    """An ONNX model checked on upload: its bytes, input, compute nodes and outputs."""

    def __init__(self, raw: bytes, reading: Reading = "auto"):
        import onnx

        self.raw, self.reading = raw, reading
        self.fingerprint = content_hash(raw, reading, length=16)
        proto = onnx.load_model_from_string(raw)
        graph = proto.graph
        weights = {init.name: int(np.prod(init.dims)) for init in graph.initializer}
        feeds = [i for i in graph.input if i.name not in weights]
        if len(feeds) != 1:
            raise LinearityError(
                f"the model has {len(feeds)} inputs; only models with one input can be measured"
            )
        self.input_name = feeds[0].name
        dims = feeds[0].type.tensor_type.shape.dim
        self.declared = tuple(d.dim_value if d.HasField("dim_value") else d.dim_param for d in dims)
        self.nodes = tuple(_compute_nodes(graph, self.input_name, weights))
        self.heads = tuple(o.name for o in graph.output)
        if not self.nodes:
            raise LinearityError("the graph has no compute node that depends on its input")

    @classmethod
    def from_bytes(cls, raw: bytes, reading: Reading = "auto") -> "OnnxModel":
        return cls(raw, reading)

    def layout(self, item: tuple[int, ...]) -> str:
        return _layout(self.declared[1:], tuple(item))

    def adapt(self, batch: np.ndarray) -> np.ndarray:
        """The data batch ``(b, *item)`` as the model takes it (see ``layout``)."""
        layout = self.layout(tuple(batch.shape[1:]))
        if layout == "nchw":
            return np.ascontiguousarray(batch.transpose(0, 3, 1, 2))
        if layout == "channel":
            return batch[:, None]
        if layout == "flat":
            return batch.reshape(len(batch), -1)
        return batch

    def producer(self, tensor: str) -> OnnxNode | None:
        return next((n for n in self.nodes if n.output == tensor), None)

    def head(self, name: str | None) -> str:
        if name is None:
            return self.heads[0]
        if name not in self.heads:
            raise LinearityError(f"the model has no output {name!r}; its outputs are {self.heads}")
        return name

    def classifier(self, head: str) -> bool:
        """Read as probabilities: a Softmax makes the output, or the user said so."""
        if self.reading != "auto":
            return self.reading == "probabilities"
        node = self.producer(head)
        return node is not None and node.op_type == "Softmax"

    def session(self, outputs: list[str]) -> Any:
        """A session over a copy of the graph whose outputs are ``outputs``."""
        import onnx
        from onnx import helper

        proto = onnx.load_model_from_string(self.raw)
        present = {o.name for o in proto.graph.output}
        for name in outputs:
            if name not in present:
                proto.graph.output.append(helper.make_tensor_value_info(name, 1, None))
                present.add(name)
        return session_of(proto)

    @cached_property
    def _predictor(self) -> Any:
        return self.session(list(self.heads))


def module_path(node: Any) -> str:
    """The PyTorch module a node was exported from (``block/conv``), which the exporter
    keeps in the node's metadata; empty when it kept none."""
    import ast

    for prop in node.metadata_props:
        if prop.key == "pkg.torch.onnx.name_scopes":
            try:
                scopes = ast.literal_eval(prop.value)
            except (ValueError, SyntaxError):
                return ""
            return "/".join(str(s) for s in scopes[1:-1] if s)
    return ""


def _compute_nodes(graph: Any, input_name: str, weights: dict[str, int]) -> list[OnnxNode]:
    """Nodes that compute on the data's values, in the graph's (topological) order."""
    data: set[str] = {input_name}
    nodes: list[OnnxNode] = []
    for k, node in enumerate(graph.node):
        data_inputs = tuple(i for i in node.input if i in data)
        if not data_inputs or node.op_type in SHAPE_OPS:
            continue  # constants, weights and shape plumbing
        data.update(node.output)
        params = sum(weights.get(i, 0) for i in node.input)
        name = module_path(node) or node.name or f"{node.op_type}_{k}"
        taken = sum(1 for n in nodes if n.name == name or n.name.startswith(f"{name}#"))
        name = f"{name}#{taken + 1}" if taken else name
        nodes.append(OnnxNode(name, node.op_type, node.output[0], data_inputs, params))
    return nodes


def session_of(proto: Any) -> Any:
    """An onnxruntime session (CUDA where present, else CPU); LinearityError if it cannot
    run the graph."""
    import onnxruntime as ort

    options = ort.SessionOptions()
    options.log_severity_level = 3
    providers = [
        p
        for p in ("CUDAExecutionProvider", "CPUExecutionProvider")
        if p in ort.get_available_providers()
    ]
    try:
        return ort.InferenceSession(proto.SerializeToString(), options, providers=providers)
    except Exception as exc:  # onnxruntime raises its own kinds, with long messages
        reason = str(exc).strip().splitlines()[0].split(" : ")[-1][:200]
        raise LinearityError(
            f"onnxruntime {ort.__version__} cannot run it ({reason}); export it again with an "
            "opset and IR version this onnxruntime reads"
        ) from exc

"""ONNX graphs for tests, written with ``onnx.helper``: the seed CNN with a Keras model's
own weights (laid out channels first, as PyTorch exports it), a graph of linear nodes,
and hostile files."""

import numpy as np


def _model(nodes, inputs, outputs, initializers, opset=17, **kw):
    from onnx import helper

    graph = helper.make_graph(nodes, "g", inputs, outputs, initializers)
    # IR version 10: what onnxruntime 1.31 reads (onnx 1.23 writes 14 by default).
    opsets = [helper.make_opsetid("", opset)]
    return helper.make_model(graph, opset_imports=opsets, ir_version=10, **kw)


def _tensor(name, array):
    from onnx import numpy_helper

    return numpy_helper.from_array(np.ascontiguousarray(array, dtype=np.float32), name)


def seed_cnn_onnx(model) -> bytes:
    """The seed CNN (conv_1 ... softmax) with ``model``'s weights, NCHW like PyTorch.

    Keras pads a 2x2 'same' convolution at the end only; the dense layer after the
    flatten gets its rows reordered from (h, w, c) to PyTorch's (c, h, w).
    """
    from onnx import TensorProto, helper

    w = {layer.name: layer.get_weights() for layer in model.layers if layer.get_weights()}
    h_in, w_in, c_in = model.inputs[0].shape[1:]
    n_out = w["dense_2"][0].shape[1]
    inits, nodes = [], []

    def conv(name, x, y):
        kernel, bias = w[name]  # (kh, kw, in, out)
        inits.extend(
            [_tensor(f"{name}.w", kernel.transpose(3, 2, 0, 1)), _tensor(f"{name}.b", bias)]
        )
        nodes.append(
            helper.make_node(
                "Conv", [x, f"{name}.w", f"{name}.b"], [y], name=name, pads=[0, 0, 1, 1]
            )
        )

    def dense(name, x, y, rows=None):
        kernel, bias = w[name]  # (in, out)
        kernel = kernel if rows is None else kernel[rows]
        inits.extend([_tensor(f"{name}.w", kernel), _tensor(f"{name}.b", bias)])
        nodes.append(helper.make_node("Gemm", [x, f"{name}.w", f"{name}.b"], [y], name=name))

    def block(k, x, drop):
        """conv_k, relu_k, maxp_k and drop_k (an Identity or a Dropout node) from ``x``."""
        conv(f"conv_{k}", x, f"c{k}")
        nodes.extend(
            [
                helper.make_node("Relu", [f"c{k}"], [f"r{k}"], name=f"relu_{k}"),
                helper.make_node(
                    "MaxPool",
                    [f"r{k}"],
                    [f"p{k}"],
                    name=f"maxp_{k}",
                    kernel_shape=[2, 2],
                    strides=[2, 2],
                ),
                helper.make_node(drop, [f"p{k}"], [f"d{k}"], name=f"drop_{k}"),
            ]
        )

    block(1, "input", "Identity")
    block(2, "d1", "Dropout")
    nodes.append(helper.make_node("Flatten", ["d2"], ["flat"], name="flat"))
    c, h, wd = w["conv_2"][0].shape[3], h_in // 4, w_in // 4
    # PyTorch's flatten order (c, h, w) to Keras's (h, w, c): row k of ours is theirs.
    rows = np.arange(h * wd * c).reshape(h, wd, c).transpose(2, 0, 1).reshape(-1)
    dense("dense_1", "flat", "h1", rows)
    nodes += [
        helper.make_node("Relu", ["h1"], ["r3"], name="relu_3"),
        helper.make_node("Identity", ["r3"], ["d3"], name="drop_3"),
    ]
    dense("dense_2", "d3", "logits")
    nodes.append(helper.make_node("Softmax", ["logits"], ["probs"], name="softmax", axis=1))
    inputs = [
        helper.make_tensor_value_info("input", TensorProto.FLOAT, ["batch", c_in, h_in, w_in])
    ]
    outputs = [helper.make_tensor_value_info("probs", TensorProto.FLOAT, ["batch", n_out])]
    return _model(nodes, inputs, outputs, inits).SerializeToString()


def linear_onnx(features=12, hidden=5, seed=0) -> bytes:
    """x @ A + b, then a Flatten, then @ B: every node linear, on flat inputs."""
    from onnx import TensorProto, helper

    rng = np.random.default_rng(seed)
    inits = [
        _tensor("A", rng.normal(size=(features, hidden))),
        _tensor("b", rng.normal(size=hidden)),
        _tensor("B", rng.normal(size=(hidden, 3))),
    ]
    nodes = [
        helper.make_node("MatMul", ["x", "A"], ["xa"], name="matmul"),
        helper.make_node("Add", ["xa", "b"], ["h"], name="add"),
        helper.make_node("Flatten", ["h"], ["f"], name="flatten"),
        helper.make_node("MatMul", ["f", "B"], ["y"], name="out"),
    ]
    inputs = [helper.make_tensor_value_info("x", TensorProto.FLOAT, ["n", features])]
    outputs = [helper.make_tensor_value_info("y", TensorProto.FLOAT, ["n", 3])]
    return _model(nodes, inputs, outputs, inits).SerializeToString()


def with_external_data(raw: bytes) -> bytes:
    """The graph, its first weight pointing to a file beside it."""
    import onnx

    proto = onnx.load_model_from_string(raw)
    tensor = proto.graph.initializer[0]
    tensor.ClearField("raw_data")
    tensor.data_location = onnx.TensorProto.EXTERNAL
    entry = tensor.external_data.add()
    entry.key, entry.value = "location", "../../etc/passwd"
    return proto.SerializeToString()


def with_custom_op(raw: bytes) -> bytes:
    import onnx
    from onnx import helper

    proto = onnx.load_model_from_string(raw)
    proto.graph.node[-1].domain = "com.example.evil"
    proto.opset_import.append(helper.make_opsetid("com.example.evil", 1))
    return proto.SerializeToString()


def with_huge_tensor(raw: bytes) -> bytes:
    """A weight that declares 4 GB and holds a few bytes."""
    import onnx

    proto = onnx.load_model_from_string(raw)
    tensor = proto.graph.initializer[0]
    del tensor.dims[:]
    tensor.dims.extend([2**30])
    return proto.SerializeToString()

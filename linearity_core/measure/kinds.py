"""What kind of step a layer is, for colouring and teaching: linear, activation, pooling,
identity or other. Keras layers are known by their class, ONNX nodes by their op type."""

from typing import Any

from linearity_core.measure.results import LayerKind

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
    "DepthwiseConv1D",
    "DepthwiseConv2D",
    "SeparableConv1D",
    "SeparableConv2D",
    "Conv1DTranspose",
    "Conv2DTranspose",
    "BatchNormalization",
    "Add",
    "Subtract",
    "Average",
    "Concatenate",
    "AveragePooling1D",
    "AveragePooling2D",
    "GlobalAveragePooling1D",
    "GlobalAveragePooling2D",
    "Rescaling",
    "Normalization",
    "EinsumDense",
    "ZeroPadding1D",
    "ZeroPadding2D",
    "Cropping1D",
    "Cropping2D",
}
POOLING = {
    "MaxPooling1D",
    "MaxPooling2D",
    "MaxPooling3D",
    "GlobalMaxPooling1D",
    "GlobalMaxPooling2D",
}
ACTIVATION = {"Activation", "ReLU", "LeakyReLU", "PReLU", "ELU", "Softmax"}


def activation_name(layer: Any) -> str | None:
    act = getattr(layer, "activation", None)
    return getattr(act, "__name__", None) if act is not None else None


def layer_kind(layer: Any) -> LayerKind:
    """Teaching category of a Keras layer: linear, activation, pooling, identity or other."""
    cls = type(layer).__name__
    if cls in IDENTITY or (cls == "Activation" and activation_name(layer) == "linear"):
        return "identity"
    if cls in ACTIVATION:
        return "activation"
    if cls in POOLING:
        return "pooling"
    if cls in LINEAR and activation_name(layer) in (None, "linear"):
        return "linear"
    return "other"


def ends_in_softmax(layer: Any) -> bool:
    """True for a Softmax layer, an Activation('softmax') or a layer with softmax activation."""
    return type(layer).__name__ == "Softmax" or activation_name(layer) == "softmax"


ONNX_KINDS: dict[str, LayerKind] = {
    **dict.fromkeys(
        (
            "Conv",
            "ConvTranspose",
            "Gemm",
            "MatMul",
            "Add",
            "Sub",
            "BatchNormalization",
            "AveragePool",
            "GlobalAveragePool",
            "Concat",
            "Pad",
            "Mul",
            "Div",
            "Neg",
            "Sum",
            "ReduceMean",
            "Einsum",
        ),
        "linear",
    ),
    **dict.fromkeys(
        (
            "Relu",
            "LeakyRelu",
            "PRelu",
            "Elu",
            "Selu",
            "Sigmoid",
            "Tanh",
            "Softmax",
            "LogSoftmax",
            "HardSigmoid",
            "HardSwish",
            "Gelu",
            "Softplus",
            "Clip",
        ),
        "activation",
    ),
    **dict.fromkeys(("MaxPool", "GlobalMaxPool", "ReduceMax"), "pooling"),
    **dict.fromkeys(
        ("Identity", "Dropout", "Flatten", "Reshape", "Transpose", "Squeeze", "Unsqueeze"),
        "identity",
    ),
}


def onnx_kind(op_type: str) -> LayerKind:
    """Teaching category of an ONNX node (``Mul``/``Add`` count as linear: in exported
    graphs they scale and shift by constants)."""
    return ONNX_KINDS.get(op_type, "other")

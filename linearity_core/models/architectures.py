"""Model architectures: the notebook's CNN and teaching variants with the same layout.

Every builder takes the dataset's input shape and class count, so the seed CNN also fits
CIFAR-10's 32×32×3 images. Layer names follow the notebook.
"""

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class Architecture:
    id: str
    name: str
    description: str
    build: Callable[[tuple[int, ...], int], Any]


def _cnn(activation: str, prefix: str, pooling: str = "max") -> Callable[..., Any]:
    """The seed CNN with another activation (and pooling, for the fully linear variant)."""

    def build(input_shape: tuple[int, ...], n_classes: int) -> Any:
        from keras import Input, Model, layers

        pool = layers.MaxPooling2D if pooling == "max" else layers.AveragePooling2D
        p = "maxp" if pooling == "max" else "avgp"
        x_in = Input(shape=input_shape, name="input")
        x = layers.Conv2D(filters=64, kernel_size=2, padding="same", name="conv_1")(x_in)
        x = layers.Activation(activation, name=f"{prefix}_1")(x)
        x = pool(pool_size=2, name=f"{p}_1")(x)
        x = layers.Dropout(0.3, name="drop_1")(x)
        x = layers.Conv2D(filters=64, kernel_size=2, padding="same", name="conv_2")(x)
        x = layers.Activation(activation, name=f"{prefix}_2")(x)
        x = pool(pool_size=2, name=f"{p}_2")(x)
        x = layers.Dropout(0.3, name="drop_2")(x)
        x = layers.Flatten(name="flat")(x)
        x = layers.Dense(256, name="dense_1")(x)
        x = layers.Activation(activation, name=f"{prefix}_3")(x)
        x = layers.Dropout(0.5, name="drop_3")(x)
        x = layers.Dense(n_classes, name="dense_2")(x)
        x_out = layers.Activation("softmax", name="softmax")(x)
        return Model(inputs=x_in, outputs=x_out, name=f"cnn_{prefix}")

    return build


def _mlp(input_shape: tuple[int, ...], n_classes: int) -> Any:
    from keras import Input, Model, layers

    x_in = Input(shape=input_shape, name="input")
    x = layers.Flatten(name="flat")(x_in)
    x = layers.Dense(256, name="dense_1")(x)
    x = layers.Activation("relu", name="relu_1")(x)
    x = layers.Dropout(0.3, name="drop_1")(x)
    x = layers.Dense(128, name="dense_2")(x)
    x = layers.Activation("relu", name="relu_2")(x)
    x = layers.Dropout(0.3, name="drop_2")(x)
    x = layers.Dense(n_classes, name="dense_3")(x)
    x_out = layers.Activation("softmax", name="softmax")(x)
    return Model(inputs=x_in, outputs=x_out, name="mlp")


def _deep_cnn_bn(input_shape: tuple[int, ...], n_classes: int) -> Any:
    from keras import Input, Model, layers

    x = x_in = Input(shape=input_shape, name="input")
    for block, filters in ((1, 32), (2, 64), (3, 64)):
        x = layers.Conv2D(filters, 3, padding="same", name=f"conv_{block}")(x)
        x = layers.BatchNormalization(name=f"bn_{block}")(x)
        x = layers.Activation("relu", name=f"relu_{block}")(x)
        if block > 1:
            x = layers.MaxPooling2D(2, name=f"maxp_{block - 1}")(x)
            x = layers.Dropout(0.25, name=f"drop_{block - 1}")(x)
    x = layers.Flatten(name="flat")(x)
    x = layers.Dense(128, name="dense_1")(x)
    x = layers.Activation("relu", name="relu_4")(x)
    x = layers.Dropout(0.5, name="drop_3")(x)
    x = layers.Dense(n_classes, name="dense_2")(x)
    x_out = layers.Activation("softmax", name="softmax")(x)
    return Model(inputs=x_in, outputs=x_out, name="deep_cnn_bn")


ARCHITECTURES = {
    a.id: a
    for a in (
        Architecture(
            "seed_cnn",
            "Seed CNN (ReLU)",
            "The notebook's 2-block CNN, 822,410 parameters on 28×28×1",
            _cnn("relu", "relu"),
        ),
        Architecture(
            "seed_cnn_tanh",
            "Seed CNN (tanh)",
            "Same layout, tanh activations",
            _cnn("tanh", "tanh"),
        ),
        Architecture(
            "seed_cnn_sigmoid",
            "Seed CNN (sigmoid)",
            "Same layout, sigmoid activations",
            _cnn("sigmoid", "sigmoid"),
        ),
        Architecture(
            "seed_cnn_linear",
            "Seed CNN (no activation)",
            "Same layout with identity activations and average pooling: linear up to the softmax",
            _cnn("linear", "linear", pooling="average"),
        ),
        Architecture("mlp", "MLP", "Two hidden dense layers (256, 128) with ReLU", _mlp),
        Architecture(
            "deep_cnn_bn",
            "Deeper CNN + BatchNorm",
            "Three conv blocks with batch normalisation",
            _deep_cnn_bn,
        ),
    )
}


def compile_for_training(model: Any) -> Any:
    """The notebook's compile: Adam, categorical cross-entropy, accuracy."""
    model.compile(loss="categorical_crossentropy", optimizer="adam", metrics=["accuracy"])
    return model

"""Model architectures: the notebook's CNN and teaching variants with the same layout,
and MNIST-1D's three (logistic regression, MLP, 1-D CNN) for 1-D signals.

Every builder takes the dataset's input shape and class count, so the seed CNN also fits
CIFAR-10's 32×32×3 images. Layer names follow the notebook.
"""

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Literal

Inputs = Literal["images", "signals", "any"]


@dataclass(frozen=True)
class Architecture:
    id: str
    name: str
    description: str
    build: Callable[[tuple[int, ...], int], Any]
    inputs: Inputs = "images"  # what it takes: (h, w, c) images, (length,) signals, or both

    def fits(self, input_shape: tuple[int, ...]) -> bool:
        """Whether it builds on items of this shape.

        >>> ARCHITECTURES["cnn1d"].fits((40,)), ARCHITECTURES["seed_cnn"].fits((40,))
        (True, False)
        """
        rank = len(input_shape)
        return self.inputs == "any" or (rank == 1) == (self.inputs == "signals")


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

    if len(input_shape) == 1:
        return _signal_mlp(input_shape, n_classes)
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


def _signal_mlp(input_shape: tuple[int, ...], n_classes: int) -> Any:
    """MNIST-1D's MLP: two hidden ReLU layers of 256, no dropout (about the paper's 68%)."""
    from keras import Input, Model, layers

    x = x_in = Input(shape=input_shape, name="input")
    for k in (1, 2):
        x = layers.Dense(256, name=f"dense_{k}")(x)
        x = layers.Activation("relu", name=f"relu_{k}")(x)
    x = layers.Dense(n_classes, name="dense_3")(x)
    return Model(x_in, layers.Activation("softmax", name="softmax")(x), name="mlp")


def _logistic(input_shape: tuple[int, ...], n_classes: int) -> Any:
    """Logistic regression: one dense layer and the softmax, linear up to it."""
    from keras import Input, Model, layers

    x = x_in = Input(shape=input_shape, name="input")
    if len(input_shape) > 1:
        x = layers.Flatten(name="flat")(x)
    x = layers.Dense(n_classes, name="dense")(x)
    return Model(x_in, layers.Activation("softmax", name="softmax")(x), name="logistic")


def _cnn1d(input_shape: tuple[int, ...], n_classes: int) -> Any:
    """MNIST-1D's CNN: three 1-D convolutions of 25 channels (kernels 5, 3, 3, stride 2),
    each with a ReLU, and a dense layer over the flattened 5 x 25 features."""
    from keras import Input, Model, layers

    x_in = Input(shape=input_shape, name="input")
    x = layers.Reshape((*input_shape, 1), name="reshape")(x_in)
    for k, width in enumerate((5, 3, 3), 1):
        x = layers.Conv1D(25, width, strides=2, padding="same", name=f"conv_{k}")(x)
        x = layers.Activation("relu", name=f"relu_{k}")(x)
    x = layers.Flatten(name="flat")(x)
    x = layers.Dense(n_classes, name="dense")(x)
    return Model(x_in, layers.Activation("softmax", name="softmax")(x), name="cnn1d")


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
        Architecture(
            "logistic",
            "Logistic regression",
            "One dense layer and the softmax: linear up to its output",
            _logistic,
            "any",
        ),
        Architecture(
            "mlp",
            "MLP",
            "Two hidden dense layers with ReLU: 256 and 128 on images, 256 and 256 on signals",
            _mlp,
            "any",
        ),
        Architecture(
            "cnn1d",
            "1-D CNN",
            "Three 1-D convolutions with ReLU and a dense layer (MNIST-1D's CNN)",
            _cnn1d,
            "signals",
        ),
        Architecture(
            "deep_cnn_bn",
            "Deeper CNN + BatchNorm",
            "Three conv blocks with batch normalisation",
            _deep_cnn_bn,
        ),
    )
}


def compile_for_training(model: Any, learning_rate: float = 1e-3) -> Any:
    """The notebook's compile: Adam (at its default rate unless told), categorical
    cross-entropy, accuracy."""
    import keras

    optimizer = keras.optimizers.Adam(learning_rate)
    model.compile(loss="categorical_crossentropy", optimizer=optimizer, metrics=["accuracy"])
    return model

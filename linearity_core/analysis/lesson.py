"""The notebook's story as a lesson: each step a claim about how nonlinearity builds up
through a network, a question for the audience, and a check of the claim against the
run on screen, so another model shows which claims hold and which do not."""

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from linearity_core.measure.results import RunResult


@dataclass(frozen=True)
class Verdict:
    holds: bool
    evidence: str  # what in the run says so, with its numbers
    layers: tuple[str, ...] = ()  # the layers the chart points at


@dataclass(frozen=True)
class Step:
    title: str
    question: str
    claim: str
    check: Callable[[RunResult], Verdict]


def _means(result: RunResult) -> np.ndarray:
    return np.asarray(result.scores.mean(axis=0))


def _first(result: RunResult, kind: str, before_output: bool = True) -> int | None:
    last = len(result.layers) - 1 if before_output else len(result.layers)
    return next((j for j, layer in enumerate(result.layers[:last]) if layer.kind == kind), None)


def first_linear_is_zero(result: RunResult) -> Verdict:
    j = _first(result, "linear")
    if j is None:
        return Verdict(False, "the model has no linear layer before its output")
    name, linear = result.layer_names[j], bool(result.linear_layers()[j])
    scales = np.asarray(result.scales, dtype=np.float64)[:, j]
    ratio = float((result.scores[:, j] / np.maximum(scales, 1e-30)).max())
    told = "float noise" if linear else "well above float noise"
    return Verdict(
        linear, f"{name} scores {_means(result)[j]:.2g}: {told} ({ratio:.1g} of its scale)", (name,)
    )


def activations_bend(result: RunResult) -> Verdict:
    linear = result.linear_layers()
    for j, layer in enumerate(result.layers[:-1]):
        if layer.kind == "activation" and not linear[j]:
            before = all(linear[:j])
            note = ", the first layer that bends" if before else ""
            return Verdict(
                True, f"{layer.name} scores {_means(result)[j]:.3g}{note}", (layer.name,)
            )
    return Verdict(False, "no activation before the output bends: every one scores float noise")


def pooling_adds(result: RunResult) -> Verdict:
    j = _first(result, "pooling")
    if j is None or j == 0:
        return Verdict(False, "the model has no max pooling before its output")
    means, names = _means(result), result.layer_names
    holds = bool(means[j] > 1.01 * means[j - 1])
    word = "above" if holds else "not above"
    return Verdict(
        holds,
        f"{names[j]} scores {means[j]:.3g}, {word} {names[j - 1]} before it ({means[j - 1]:.3g})",
        (names[j - 1], names[j]),
    )


def dropout_changes_nothing(result: RunResult) -> Verdict:
    pairs = [(j - 1, j) for j, layer in enumerate(result.layers) if layer.kind == "identity" and j]
    if not pairs:
        return Verdict(False, "the model has no dropout or reshaping layer")
    same = [bool(np.array_equal(result.scores[:, a], result.scores[:, b])) for a, b in pairs]
    names = result.layer_names
    shown = tuple(names[b] for _, b in pairs)
    if all(same):
        return Verdict(
            True, f"{', '.join(shown)}: each equals the layer before it, to the bit", shown
        )
    off = [names[b] for (_, b), ok in zip(pairs, same, strict=True) if not ok]
    return Verdict(False, f"{', '.join(off)} differ from the layer before them", shown)


def later_linear_not_zero(result: RunResult) -> Verdict:
    linear = result.linear_layers()
    bent = next((j for j in range(len(linear)) if not linear[j]), None)
    later = [
        j
        for j, layer in enumerate(result.layers[:-1])
        if layer.kind == "linear" and bent is not None and j > bent
    ]
    if not later:
        end = result.layer_names[-1]
        return Verdict(
            False, f"every linear layer before {end} scores float noise: nothing bent before them"
        )
    j = later[0]
    name = result.layer_names[j]
    return Verdict(
        not bool(linear[j]),
        f"{name} scores {_means(result)[j]:.3g}: a linear map on a bent input",
        (name,),
    )


def output_bends(result: RunResult) -> Verdict:
    j = len(result.layers) - 1
    name, linear = result.layer_names[j], bool(result.linear_layers()[j])
    reads = "log-probabilities" if result.layers[j].mode == "classifier" else "values"
    word = "float noise" if linear else f"{_means(result)[j]:.3g}"
    return Verdict(not linear, f"{name}, read as {reads}, scores {word}", (name,))


STEPS = (
    Step(
        "Linear layers score 0",
        "Which layer will score exactly 0?",
        "The first linear layer scores 0: the output of an average of inputs is the average "
        "of their outputs, so nothing is left over.",
        first_linear_is_zero,
    ),
    Step(
        "Activations bend",
        "Where does the first nonlinearity appear?",
        "An activation (ReLU, tanh, sigmoid) is where the network first bends.",
        activations_bend,
    ),
    Step(
        "Pooling adds more",
        "Does max pooling make the network more or less linear?",
        "Max pooling adds nonlinearity: it scores above the layer before it.",
        pooling_adds,
    ),
    Step(
        "Dropout changes nothing",
        "What does dropout do to the measure at inference?",
        "Dropout and flatten pass values along, so they score exactly what the layer before "
        "them scores.",
        dropout_changes_nothing,
    ),
    Step(
        "Linear is not 0 everywhere",
        "Will the dense layers score 0, like the first linear layer?",
        "A linear layer on top of nonlinear ones is not 0: what is measured is the network "
        "up to that layer.",
        later_linear_not_zero,
    ),
    Step(
        "The decision bends",
        "How linear is the model's answer, the softmax output?",
        "The output is nonlinear: on log-probabilities, the decision bends around the data.",
        output_bends,
    ),
)

"""The lesson's claims are functions of a run: on the seed CNN they hold; on its
no-activation variant the ones about bending do not (every layer before the softmax is
linear there), and the lesson says so."""

import numpy as np
import pytest

from linearity_core import MeasureConfig, RunConfig
from linearity_core.analysis.lesson import STEPS
from linearity_core.measure.engine import compute_run

keras = pytest.importorskip("keras")
CONFIG = RunConfig(measure=MeasureConfig(n_samples=10, seed=0), n_instances=40)


@pytest.fixture(scope="module")
def images():
    rng = np.random.default_rng(0)
    return rng.random((40, 28, 28, 1)).astype(np.float32), rng.integers(0, 10, 40)


def lesson_on(arch, images):
    from linearity_core.models.architectures import ARCHITECTURES

    keras.utils.set_random_seed(0)
    model = ARCHITECTURES[arch].build((28, 28, 1), 10)
    kernel, bias = model.get_layer("dense_2").get_weights()
    model.get_layer("dense_2").set_weights([kernel * 8, bias])  # confident, as trained
    x, y = images
    result = compute_run(model, x, y, CONFIG, x_reference=x)
    return {step.title: step.check(result) for step in STEPS}


def test_every_claim_holds_on_the_seed_cnn(images):
    verdicts = lesson_on("seed_cnn", images)
    assert all(v.holds for v in verdicts.values()), verdicts
    assert verdicts["Linear layers score 0"].layers == ("conv_1",)
    assert verdicts["Activations bend"].evidence.startswith("relu_1 scores")
    assert verdicts["Dropout changes nothing"].layers == ("drop_1", "drop_2", "flat", "drop_3")


def test_on_the_no_activation_variant_the_bending_claims_do_not_hold(images):
    verdicts = lesson_on("seed_cnn_linear", images)
    held = {title: v.holds for title, v in verdicts.items()}
    assert held == {
        "Linear layers score 0": True,
        "Activations bend": False,
        "Pooling adds more": False,  # average pooling: linear
        "Dropout changes nothing": True,
        "Linear is not 0 everywhere": False,
        "The decision bends": True,
    }
    assert "every linear layer before softmax scores float noise" in (
        verdicts["Linear is not 0 everywhere"].evidence
    )

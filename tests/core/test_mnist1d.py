"""MNIST-1D: made offline as the paper made it, its three models build on its signals
(and only the ones that take signals), train with the paper's recipe, and the engine
scores 1-D models: logistic regression is linear up to its softmax."""

import numpy as np
import pytest

from linearity_core import MeasureConfig, RunConfig, Selection, load_dataset, load_model
from linearity_core.models.architectures import ARCHITECTURES
from linearity_core.models.training import train
from linearity_core.service.runs import execute_run, plan_run
from linearity_core.service.runstore import RunStore
from linearity_core.service.selection import model_keys


@pytest.fixture(scope="module")
def mnist1d():
    return load_dataset("mnist1d")


def test_mnist1d_is_the_papers_default_split(mnist1d):
    assert mnist1d.x_train.shape == (4000, 40) and mnist1d.x_test.shape == (1000, 40)
    assert sorted(set(mnist1d.y_test.tolist())) == list(range(10))
    assert mnist1d.spec.items == "signals"
    again = load_dataset("mnist1d")  # made from the package's templates, the same each time
    assert again.fingerprint == mnist1d.fingerprint


def test_only_models_that_take_signals_are_offered(mnist1d):
    assert model_keys(mnist1d.input_shape)[:3] == ["logistic", "mlp", "cnn1d"]
    assert "seed_cnn" not in model_keys(mnist1d.input_shape)
    assert "cnn1d" not in model_keys((28, 28, 1))
    assert {"seed_cnn", "logistic", "mlp"} <= set(model_keys((28, 28, 1)))


def test_training_follows_the_papers_recipe(mnist1d, linearity_home):
    seen = []
    trained = train("logistic", mnist1d, epochs=1, train_subset=200, on_progress=seen.append)
    # 200 signals, 30 passes an epoch, batches of 100: 60 batches.
    assert seen[-1].batches == 60 and seen[-1].epoch_end
    rate = trained.model.optimizer.learning_rate
    assert float(np.asarray(rate)) == pytest.approx(1e-2)


@pytest.mark.parametrize("arch", ["logistic", "mlp", "cnn1d"])
def test_every_mnist1d_model_is_scored_layer_by_layer(mnist1d, arch, linearity_home):
    handle = load_model(Selection("mnist1d", arch, 0), mnist1d)
    config = RunConfig(measure=MeasureConfig(n_samples=5, epsilon=0.04, res=100), n_instances=40)
    result = execute_run(plan_run(mnist1d, handle, config), RunStore()).result.result
    names = [layer.name for layer in handle.model.layers[1:]]
    assert result.layer_names == names
    linear = dict(zip(result.layer_names, result.linear_layers(), strict=True))
    assert not linear["softmax"]  # the softmax bends
    if arch == "logistic":  # linear up to the softmax: float noise before it
        assert [n for n, is_linear in linear.items() if is_linear] == ["dense"]
    else:
        assert not linear["relu_1"]
        assert linear["conv_1" if arch == "cnn1d" else "dense_1"]


def test_the_architectures_say_what_they_take():
    assert ARCHITECTURES["cnn1d"].inputs == "signals"
    assert ARCHITECTURES["logistic"].fits((40,)) and ARCHITECTURES["logistic"].fits((8, 8, 1))
    assert not ARCHITECTURES["deep_cnn_bn"].fits((40,))

"""Runs overlaid on one axis: aligned by layer name when they share names, else by
position; each run's line is exactly its own per-layer means."""

from dataclasses import replace

import numpy as np
import pytest

from linearity_core import MeasureConfig, RunConfig, Selection, load_dataset, load_model
from linearity_core.analysis.overlay import MAX_RUNS, overlay_runs
from linearity_core.errors import LinearityError
from linearity_core.service.runs import execute_run, plan_run
from linearity_core.service.runstore import RunStore


@pytest.fixture
def mlp_runs(tiny_dataset):
    """The untrained MLP scored on all layers and on two of them."""
    data = load_dataset(tiny_dataset)
    handle = load_model(Selection(tiny_dataset, "mlp", 0), data)
    measure = MeasureConfig(n_samples=3, epsilon=0.04, res=100)
    configs = [
        RunConfig(measure=measure, n_instances=8),
        RunConfig(measure=measure, n_instances=8, layers=("relu_2", "softmax")),
    ]
    return [execute_run(plan_run(data, handle, c), RunStore()).result.result for c in configs]


def test_runs_of_one_model_line_up_by_name(mlp_runs):
    full, picked = mlp_runs
    overlay = overlay_runs([full, picked], ["all", "two"])
    assert overlay.by == "name"
    assert list(overlay.slots) == full.layer_names
    np.testing.assert_array_equal(overlay.means[0], full.scores.mean(axis=0))
    at = [full.layer_names.index(n) for n in ("relu_2", "softmax")]
    np.testing.assert_array_equal(overlay.means[1, at], picked.scores.mean(axis=0))
    assert np.isnan(np.delete(overlay.means[1], at)).all()  # no layer there: no point
    assert overlay.layers[1][at[0]] == "relu_2" and overlay.layers[1][0] == ""
    # The same layers, scored twice over the same instances and samples, give one line.
    np.testing.assert_array_equal(overlay.means[1, at], overlay.means[0, at])


def test_variants_with_other_layer_names_line_up_by_position(mlp_runs):
    full, _ = mlp_runs
    renamed = replace(
        full,
        layers=[replace(layer, name=layer.name.replace("relu", "tanh")) for layer in full.layers],
        scores=full.scores * 2,
    )
    overlay = overlay_runs([full, renamed], ["relu", "tanh"])
    assert overlay.by == "position"
    assert list(overlay.slots) == full.layer_names  # named after the first run's layers
    np.testing.assert_allclose(overlay.means[1], 2 * overlay.means[0])
    assert overlay.layers[1][full.layer_names.index("relu_1")] == "tanh_1"


def test_an_overlay_holds_one_to_six_runs(mlp_runs):
    with pytest.raises(LinearityError, match="1 to 6"):
        overlay_runs([mlp_runs[0]] * (MAX_RUNS + 1), ["run"] * (MAX_RUNS + 1))
    with pytest.raises(LinearityError, match="1 to 6"):
        overlay_runs([], [])

"""What the pages show, computed in the core and checked without Streamlit."""

import numpy as np
import pytest

from linearity_core.errors import LinearityError
from linearity_core.measure.results import toy_result
from linearity_core.service.catalog import accept_model, load_dataset
from linearity_core.service.runs import RunState, execute_run, plan_run, run_state
from linearity_core.service.runstore import RunStore
from linearity_core.service.selection import Selection, load_model
from linearity_core.service.views import (
    class_extremes,
    instance_view,
    model_layers,
    runs_of,
    teaching,
    worst_mistakes,
)
from tests.app import ui


@pytest.fixture
def mlp(tiny_dataset):
    data = load_dataset(tiny_dataset)
    return data, load_model(Selection(tiny_dataset, "mlp", 0), data)


def test_extremes_are_the_classes_lowest_and_highest_scores():
    scores = [[0.5, 9.0], [0.1, 1.0], [0.9, 3.0], [0.3, 2.0], [0.7, 0.5]]
    result = toy_result(scores, labels=[0, 0, 0, 1, 0], layers=("a", "b"))
    found = class_extremes(result, "b", 0, 2)
    assert found.most_linear.tolist() == [4, 1]  # 0.5 then 1.0 at layer b, class 0 only
    assert found.least_linear.tolist() == [0, 2]
    assert class_extremes(result, "a", 1, 3).most_linear.tolist() == [3]


def test_worst_mistakes_are_the_misclassified_with_the_highest_scores():
    result = toy_result([[0.2], [0.9], [0.4], [0.8]], labels=[0, 1, 1, 0])
    wrong = toy_result([[0.2], [0.9], [0.4], [0.8]], labels=[0, 1, 1, 0])
    object.__setattr__(wrong, "predicted", np.array([1, 1, 0, 1]))  # rows 0, 2, 3 wrong
    assert worst_mistakes(wrong, "out", 2).tolist() == [3, 2]
    assert worst_mistakes(result, "out", 2).tolist() == []  # no mistakes, none shown


def test_runs_of_a_selection_are_its_own_plain_ones_first(mlp, tiny_dataset):
    from dataclasses import replace

    data, handle = mlp
    base = ui.small_config()
    plain_plan = plan_run(data, handle, base)
    execute_run(plain_plan, RunStore())
    swept = plan_run(data, handle, replace(base, measure=replace(base.measure, epsilon=0.2)))
    execute_run(swept, RunStore(), part_of="sweep:x")
    other = load_model(Selection(tiny_dataset, "seed_cnn_linear", 0), data)
    execute_run(plan_run(data, other, base), RunStore())
    assert [r.key for r in runs_of(handle, data)] == [plain_plan.key, swept.key]
    assert [r.part_of for r in runs_of(handle, data)] == ["", "sweep:x"]


def test_run_state_finds_the_stored_run_or_the_checkpoint(mlp, monkeypatch):
    import linearity_core.measure.engine as engine

    data, handle = mlp
    monkeypatch.setattr(engine, "MAX_CHUNK", 4)
    plan = plan_run(data, handle, ui.small_config())
    assert run_state(plan) == RunState()
    stops = iter([False, False, True])
    execute_run(plan, RunStore(), should_stop=lambda: next(stops, True))
    state = run_state(plan)
    assert state.stored is None and len(state.checkpoint.indices) == 8  # two chunks kept
    execute_run(plan, RunStore())
    assert run_state(plan).stored is not None and run_state(plan).checkpoint is None


def test_an_instance_view_is_the_runs_row_and_its_own_samples(mlp):
    data, handle = mlp
    for method in ("grid", "knn"):
        from dataclasses import replace

        base = ui.small_config(12)
        config = replace(base, measure=replace(base.measure, method=method))
        result = execute_run(plan_run(data, handle, config), RunStore()).result.result
        index = int(result.indices[3])
        view = instance_view(handle, data, result, index, 3)
        np.testing.assert_array_equal(view.profile.scores, result.scores[3])
        assert view.samples.shape == (3, *data.input_shape)
        assert view.output.shape == (3,) and view.output.sum() == pytest.approx(1, abs=1e-5)
        with pytest.raises(LinearityError, match="is not one of this run's 12"):
            outside = next(i for i in range(30) if i not in set(result.indices.tolist()))
            instance_view(handle, data, result, outside, 3)


def test_the_layer_table_and_the_notes_name_the_models_layers(mlp):
    data, handle = mlp
    rows = model_layers(handle, data)
    assert [r.name for r in rows][:3] == ["flat", "dense_1", "relu_1"]
    assert rows[1].inputs == ("flat",) and rows[0].inputs == ("input",)
    names = teaching(handle, data)
    assert (names.linear, names.activation, names.output) == ("dense_1", "relu_1", "softmax")


def test_an_accepted_upload_is_kept_and_a_refused_one_is_not(tiny_dataset, tmp_path):
    from linearity_core.models.training import build_model
    from linearity_core.models.uploads import list_uploads

    data = load_dataset(tiny_dataset)
    build_model("mlp", data.input_shape, 3, seed=1).save(tmp_path / "ok.keras")
    key = accept_model((tmp_path / "ok.keras").read_bytes(), "ok.keras", data)
    assert key.startswith("upload:") and [u.filename for u in list_uploads().values()] == [
        "ok.keras"
    ]
    build_model("mlp", data.input_shape, 12, seed=1).save(tmp_path / "wide.keras")
    with pytest.raises(LinearityError, match="predicts 12 classes, but tiny has 3"):
        accept_model((tmp_path / "wide.keras").read_bytes(), "wide.keras", data)
    assert len(list_uploads()) == 1  # nothing stored for the refused one

"""The Mistakes, Epsilon and Training views drawn from stored runs, without the engine."""

import base64

import numpy as np

from tests.app import ui


def test_the_mistakes_view_renders_a_stored_run(app, tiny_dataset, engine_calls):
    ui.store_runs(tiny_dataset, [ui.small_config(30)])
    calls = len(engine_calls)
    ui.open_on_untrained_mlp(
        app, "pages/mistakes.py", tiny_dataset, mistakes_instances="30", mistakes_samples="3"
    )
    assert len(engine_calls) == calls  # drawn from the store, the engine was not called
    auroc, hist = ui.figures(app)[:2]
    assert auroc["data"][0]["x"] == ui.MLP_LAYERS and "AUROC" in auroc["layout"]["title"]["text"]
    assert len(hist["data"]) == 2  # correct and misclassified
    table = app.dataframe[0].value
    assert list(table["layer"]) == ui.MLP_LAYERS
    assert table.loc[table["layer"] == "dense_1", "reads"].item() == "linear: all 0"


def test_the_sweep_view_renders_stored_runs(app, tiny_dataset, engine_calls):
    from dataclasses import replace

    from linearity_core.analysis.sweep import sweep_epsilons

    base = ui.small_config()
    epsilons = sweep_epsilons(0.01, 0.2, 3)
    ui.store_runs(
        tiny_dataset, [replace(base, measure=replace(base.measure, epsilon=e)) for e in epsilons]
    )
    calls = len(engine_calls)
    ui.open_on_untrained_mlp(
        app,
        "pages/sweep.py",
        tiny_dataset,
        sweep_instances="10",
        sweep_samples="3",
        sweep_low="0.01",
        sweep_high="0.2",
        sweep_count="3",
    )
    assert len(engine_calls) == calls
    assert "came from the cache" in ui.texts(app.success)
    lines = ui.figures(app)[0]["data"]
    names = [t["name"] for t in lines]
    assert "dense_1 (linear: 0)" in names and "relu_1" in names  # linear layers are 0
    drawn = next(t for t in lines if t["name"] == "relu_1")
    x = drawn["x"]  # Plotly sends numbers as a base64 typed array
    assert np.frombuffer(base64.b64decode(x["bdata"]), x["dtype"]).tolist() == list(epsilons)
    rates = app.dataframe[0].value
    assert rates.loc[rates["layer"] == "dense_1", "reads"].item().startswith("linear")


def test_the_training_view_renders_a_stored_evolution(app, tiny_dataset, engine_calls):
    from linearity_core import ModelRef, load_dataset
    from linearity_core.service.analyses import submit_evolution
    from linearity_core.service.jobs import JobService

    config = ui.small_config()
    service = JobService()
    ref = ModelRef("mlp", tiny_dataset, epochs=1, seed=0)
    job = submit_evolution(load_dataset(tiny_dataset), ref, config, service=service)
    assert service.wait(job.id, timeout=120).state == "done"
    calls = len(engine_calls)
    ui.open_on_untrained_mlp(
        app,
        "pages/evolution.py",
        tiny_dataset,
        evolution_epochs="1",
        evolution_instances="10",
        evolution_samples="3",
    )
    assert len(engine_calls) == calls
    assert "came from the stores" in ui.texts(app.success)
    bars, heat, accuracy = ui.figures(app)[:3]
    assert accuracy["layout"]["title"]["text"] == "Test accuracy"
    assert [f["name"] for f in bars["frames"]] == ["0", "1"]  # one animation frame per epoch
    assert bars["layout"]["sliders"][0]["steps"][1]["label"] == "1"
    assert heat["data"][0]["y"] == ui.MLP_LAYERS

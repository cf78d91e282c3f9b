"""The Classes page: one histogram per class, the heatmap, and its picks in the URL."""

from tests.app import ui


def test_a_class_run_draws_one_histogram_per_class(app, tiny_dataset, engine_calls):
    ui.open_on_untrained_mlp(app, "pages/classes.py", tiny_dataset)
    assert app.selectbox(key="classes_layer").value == "softmax"  # the output layer
    app.number_input(key="classes_per_class").set_value(4)
    app.number_input(key="classes_samples").set_value(3)
    app.button(key="classes_run").click().run()
    ui.assert_no_crash(app)
    ui.finish_jobs()
    app.run()
    hist, means, heat = ui.figures(app)[:3]
    assert len(hist["data"]) == 3  # one histogram facet per class
    assert means["data"][0]["x"] == ["dark", "mid", "bright"]
    assert heat["data"][0]["y"] == ui.MLP_LAYERS  # all layers from the same run
    assert len(engine_calls) == 1


def test_a_shared_link_brings_back_the_layer_and_the_class(app, tiny_dataset):
    ui.open_on_untrained_mlp(
        app, "pages/classes.py", tiny_dataset, classes_layer="relu_2", classes_class="bright"
    )
    assert app.selectbox(key="classes_layer").value == "relu_2"
    assert app.selectbox(key="classes_class").value == "bright"
    app.selectbox(key="classes_layer").set_value("dense_1").run()
    assert app.query_params["classes_layer"] == "dense_1"
    assert app.query_params["classes_class"] == "bright"


def test_the_heatmap_reads_scale_free_and_per_layer(app, tiny_dataset):
    import numpy as np

    from linearity_core import MeasureConfig, RunConfig

    config = RunConfig(measure=MeasureConfig(n_samples=3, epsilon=0.04, res=100), per_class=4)
    (result,) = ui.store_runs(tiny_dataset, [config])
    ui.open_on_untrained_mlp(
        app,
        "pages/classes.py",
        tiny_dataset,
        classes_per_class="4",
        classes_samples="3",
        classes_measure="relative",
        classes_normalised="true",
    )
    ui.assert_no_crash(app)
    heat = next(f for f in ui.figures(app) if f["data"][0]["type"] == "heatmap")
    z = np.array(ui.values(heat["data"][0]["z"]), dtype=float)
    means = result.class_summary(measure="relative").pivot(
        index="layer_index", columns="label", values="mean"
    )
    top = means.to_numpy().max(axis=1, keepdims=True)
    expected = np.where(top > 0, means.to_numpy() / np.where(top > 0, top, 1), 0.0)
    np.testing.assert_allclose(z, expected, rtol=1e-6)
    assert np.isclose(z.max(axis=1)[top[:, 0] > 0], 1.0).all()  # each layer to its largest


def test_a_1d_models_classes_are_drawn_with_signals_as_lines(app, linearity_home):
    ui.open_page(
        app,
        "pages/classes.py",
        dataset="mnist1d",
        model="cnn1d",
        epochs="0",
        classes_per_class="3",
        classes_samples="2",
    )
    app.button(key="classes_run").click().run()
    ui.finish_jobs()
    app.run()
    ui.assert_no_crash(app)
    heat = next(f for f in ui.figures(app) if f["data"][0]["type"] == "heatmap")
    assert heat["data"][0]["y"][:3] == ["reshape", "conv_1", "relu_1"]
    extremes = [f for f in ui.figures(app) if f["data"][0]["type"] == "scatter"]
    assert len(extremes) == 2  # most and least linear, as line plots of their signals
    assert all(len(ui.values(t["y"])) == 40 for f in extremes for t in f["data"])

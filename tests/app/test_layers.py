"""The Layers page: the notebook's defaults, a run drawn and cached, parameters in the URL,
a running job's snapshot and a failed job's message."""

from tests.app import ui


def test_layers_page_has_the_notebooks_defaults(app, tiny_dataset):
    ui.open_on_untrained_mlp(app, "pages/layers.py", tiny_dataset)
    values = {
        key: app.number_input(key=f"layers_{key}").value
        for key in ("instances", "samples", "epsilon", "res", "seed")
    }
    assert values == {"instances": 30, "samples": 20, "epsilon": 0.04, "res": 100, "seed": 0}
    assert app.selectbox(key="layers_method").value == "grid"
    assert app.selectbox(key="layers_agg").value == "global"
    notes = ui.texts(app.markdown)
    assert "**dense_1 scores 0.**" in notes  # the teaching notes name this model's layer
    assert "drop_1, drop_2 repeat the bar" in notes  # and only the layers it has


def test_a_layer_run_draws_one_bar_per_layer_then_comes_from_the_cache(
    app, tiny_dataset, engine_calls
):
    ui.open_on_untrained_mlp(app, "pages/layers.py", tiny_dataset)
    app.number_input(key="layers_instances").set_value(12)
    app.number_input(key="layers_samples").set_value(3)
    app.button(key="layers_run").click().run()  # submits a job and returns at once
    ui.assert_no_crash(app)
    ui.finish_jobs()
    app.run()
    assert len(engine_calls) == 1
    bars = ui.figures(app)[0]["data"][0]
    assert bars["x"] == ui.MLP_LAYERS
    assert "Computed in" in app.success[0].value
    other = ui.another_session(app)
    ui.open_on_untrained_mlp(
        other, "pages/layers.py", tiny_dataset, layers_instances="12", layers_samples="3"
    )  # a new session, the same run
    assert "Loaded from the cache" in other.success[0].value
    other.button(key="layers_run").click().run()  # same inputs again
    ui.assert_no_crash(other)
    assert len(engine_calls) == 1  # served from the store, the engine was not called
    assert ui.figures(other)[0]["data"][0]["x"] == ui.MLP_LAYERS


def test_run_parameters_come_from_and_go_to_the_url(app, tiny_dataset):
    ui.open_on_untrained_mlp(
        app,
        "pages/layers.py",
        tiny_dataset,
        layers_samples="3",
        layers_instances="6",
        layers_agg="pairwise",
        layers_epsilon="-1",
        layers_method="tree",
        layers_logits="true",
        layers_layers="dense_1,softmax",
    )
    assert app.number_input(key="layers_samples").value == 3
    assert app.number_input(key="layers_instances").value == 6
    assert app.selectbox(key="layers_agg").value == "pairwise"
    assert app.checkbox(key="layers_logits").value is True
    assert app.multiselect(key="layers_layers").value == ["dense_1", "softmax"]
    assert app.number_input(key="layers_epsilon").value == 0.04  # out of range: default
    assert app.selectbox(key="layers_method").value == "grid"  # unknown: default
    notes = ui.texts(app.info)  # said, not silently replaced
    assert "ignored layers_epsilon=-1; using 0.04" in notes
    assert "ignored layers_method=tree; using grid" in notes
    app.number_input(key="layers_seed").set_value(7).run()
    assert app.query_params["layers_seed"] == "7"
    assert app.query_params["layers_logits"] == "true"
    app.switch_page("pages/runs.py").run()
    app.switch_page("pages/layers.py").run()  # values survive leaving the page
    assert app.number_input(key="layers_seed").value == 7
    assert app.number_input(key="layers_samples").value == 3


def test_the_page_draws_a_running_jobs_snapshot(app, tiny_dataset):
    from linearity_core.measure.engine import run_linearity

    data, handle, config, key = ui.layer_run_key(tiny_dataset)
    x, y = data.x_test[:10], data.y_test[:10]
    first = next(run_linearity(handle.model, x, y, config, x_reference=x, chunk_size=4))
    _, release = ui.hold_job(key, snapshot=first)
    try:
        ui.open_on_untrained_mlp(
            app, "pages/layers.py", tiny_dataset, layers_instances="10", layers_samples="2"
        )
        assert app.button(key="layers_stop")  # the live view, with Stop
        bars = ui.figures(app)[0]
        assert bars["layout"]["title"]["text"].endswith("4 of 10 instances")
        assert [p.value for p in app.get("progress")][-1] == 40  # percent
    finally:
        release.set()


def test_the_page_shows_a_failed_jobs_message(app, tiny_dataset):
    from linearity_core.service.jobs import job_service

    *_, key = ui.layer_run_key(tiny_dataset)
    job, _ = ui.hold_job(key, error="the model expects 32x32 images")
    job_service().wait(job.id, timeout=10)
    ui.open_on_untrained_mlp(
        app, "pages/layers.py", tiny_dataset, layers_instances="10", layers_samples="2"
    )
    assert "The run failed: the model expects 32x32 images" in ui.texts(app.error)


def test_the_scale_free_toggle_redraws_the_same_run_and_stays_in_the_url(
    app, tiny_dataset, engine_calls
):
    import numpy as np

    (result,) = ui.store_runs(tiny_dataset, [ui.small_config(12)])
    ui.open_on_untrained_mlp(
        app, "pages/layers.py", tiny_dataset, layers_instances="12", layers_samples="3"
    )
    raw = ui.values(ui.figures(app)[0]["data"][0]["y"])
    np.testing.assert_allclose(raw, result.scores.mean(axis=0), rtol=1e-6)
    app.selectbox(key="layers_measure").set_value("relative").run()
    ui.assert_no_crash(app)
    scale_free = ui.values(ui.figures(app)[0]["data"][0]["y"])
    np.testing.assert_allclose(scale_free, result.relative_scores().mean(axis=0), rtol=1e-6)
    assert not np.allclose(scale_free, raw)  # a different reading of the same run
    assert app.query_params["layers_measure"] == "relative"
    assert len(engine_calls) == 1  # the stored run only: nothing was computed again
    assert "scale-free" in ui.figures(app)[0]["layout"]["yaxis"]["title"]["text"]

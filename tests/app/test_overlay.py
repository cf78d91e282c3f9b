"""Overlay: Compare activations queues the seed CNN's four variants on the same images and
samples and draws them in one chart; the Runs page overlays stored runs."""

import numpy as np

from tests.app import ui


def variants_page(app, tiny_dataset):
    """The Overlay page on the tiny images, untrained variants, 6 images of 3 samples."""
    params = {"model": "seed_cnn", "epochs": "0", "overlay_instances": "6"}
    ui.open_page(app, "pages/overlay.py", dataset=tiny_dataset, overlay_samples="3", **params)


def test_compare_activations_draws_four_variants_in_one_chart(app, tiny_dataset):
    variants_page(app, tiny_dataset)
    assert "Compare activations" in ui.texts(app.info)
    app.button(key="comparison_run").click().run()
    ui.assert_no_crash(app)
    ui.finish_jobs()
    app.run()
    ui.assert_no_crash(app)
    (figure,) = [f for f in ui.figures(app) if f["data"][0]["type"] == "scatter"]
    lines = {trace["name"]: ui.values(trace["y"]) for trace in figure["data"]}
    assert list(lines) == [
        "Seed CNN (ReLU)",
        "Seed CNN (tanh)",
        "Seed CNN (sigmoid)",
        "Seed CNN (no activation)",
    ]
    assert "layers by position" in figure["layout"]["title"]["text"]
    linear = np.array(lines["Seed CNN (no activation)"])
    relu = np.array(lines["Seed CNN (ReLU)"])
    # A stack of linear maps is linear up to the softmax; the ReLU bends at relu_1.
    assert (linear[:-1] < 1e-4 * relu[1:-1].max()).all()
    assert relu[1] > 1e4 * max(linear[1], 1e-12)
    assert linear[0] == relu[0] or abs(linear[0] - relu[0]) < 1e-3 * max(relu)  # conv_1: 0
    # A second session sees the same chart from the same job: nothing is queued again.
    from linearity_core.service.jobs import job_service

    jobs = len(job_service().jobs())
    other = ui.another_session(app)
    variants_page(other, tiny_dataset)
    (again,) = [f for f in ui.figures(other) if f["data"][0]["type"] == "scatter"]
    assert [t["name"] for t in again["data"]] == list(lines)
    assert len(job_service().jobs()) == jobs


def test_the_runs_page_overlays_picked_runs(app, tiny_dataset):
    runs = ui.store_runs(tiny_dataset, [ui.small_config(8), ui.small_config(12)])
    ui.open_page(app, "pages/runs.py")
    assert "Pick runs to draw" in ui.texts(app.info)
    keys = app.multiselect(key="runs_runs").options
    assert len(keys) == 2
    app.multiselect(key="runs_runs").select(keys[0]).select(keys[1]).run()
    ui.assert_no_crash(app)
    (figure,) = [f for f in ui.figures(app) if f["data"][0]["type"] == "scatter"]
    assert "layers by name" in figure["layout"]["title"]["text"]
    drawn = sorted(ui.values(t["y"]) for t in figure["data"])
    expected = sorted(r.scores.mean(axis=0).tolist() for r in runs)
    np.testing.assert_allclose(drawn, expected, rtol=1e-9)
    assert len(app.query_params["runs_runs"].split(",")) == 2

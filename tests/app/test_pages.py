"""Pages: notebook defaults, tiny real runs rendered as charts, the cache path, errors."""

import base64
import threading

import numpy as np
import pytest
from streamlit.testing.v1 import AppTest

import linearity_core.service.runs
from linearity_core.data import datasets
from tests.app.conftest import assert_no_crash, figures, finish_jobs, open_page

MLP_LAYERS = [
    "flat",
    "dense_1",
    "relu_1",
    "drop_1",
    "dense_2",
    "relu_2",
    "drop_2",
    "dense_3",
    "softmax",
]


def open_on_untrained_mlp(app, page, tiny_dataset, **params):
    open_page(app, page, dataset=tiny_dataset, model="mlp", epochs="0", **params)


def test_sidebar_defaults_to_fashion_mnist_and_the_seed_cnn(app):
    app.run()
    assert_no_crash(app)
    assert app.sidebar.selectbox(key="dataset").value == "fashion_mnist"
    assert app.sidebar.selectbox(key="model").value == "seed_cnn"
    assert app.sidebar.selectbox(key="epochs").value == 5
    assert app.query_params["model"] == "seed_cnn"


def test_url_selects_the_view(app, tiny_dataset):
    app.query_params.update(dataset=tiny_dataset, model="mlp", epochs="0")
    app.run()
    assert app.sidebar.selectbox(key="dataset").value == tiny_dataset
    assert app.sidebar.selectbox(key="model").value == "mlp"
    assert app.sidebar.selectbox(key="epochs").value == 0
    # AppTest drops sidebar elements from its tree after the first run of an st.navigation
    # app (the browser test covers the real sidebar); the selection lives in session state.
    app.switch_page("pages/data.py").run()
    assert app.session_state["selection"].dataset_id == tiny_dataset
    counts, gallery = figures(app)
    assert [t["name"] for t in counts["data"]] == ["train", "test"]
    assert len(gallery["data"]) == 30  # every test image fits on the first page
    assert "test #" in gallery["data"][0]["hovertemplate"]


def test_layers_page_has_the_notebooks_defaults(app, tiny_dataset):
    open_page(app, "pages/layers.py", dataset=tiny_dataset, model="mlp", epochs="0")
    values = {
        key: app.number_input(key=f"layers_{key}").value
        for key in ("instances", "samples", "epsilon", "res", "seed")
    }
    assert values == {"instances": 30, "samples": 20, "epsilon": 0.04, "res": 100, "seed": 0}
    assert app.selectbox(key="layers_method").value == "grid"
    assert app.selectbox(key="layers_agg").value == "global"
    notes = " ".join(m.value for m in app.markdown)
    assert "**dense_1 scores 0.**" in notes  # the teaching notes name this model's layer


@pytest.fixture
def engine_calls(monkeypatch):
    calls = []
    real = linearity_core.service.runs.run_linearity

    def counting(*args, **kwargs):
        calls.append(kwargs.get("indices"))
        yield from real(*args, **kwargs)

    monkeypatch.setattr(linearity_core.service.runs, "run_linearity", counting)
    return calls


def test_a_layer_run_draws_one_bar_per_layer_then_comes_from_the_cache(
    app, tiny_dataset, engine_calls
):
    open_page(app, "pages/layers.py", dataset=tiny_dataset, model="mlp", epochs="0")
    app.number_input(key="layers_instances").set_value(12)
    app.number_input(key="layers_samples").set_value(3)
    app.button(key="layers_run").click().run()  # submits a job and returns at once
    assert_no_crash(app)
    finish_jobs()
    app.run()
    assert len(engine_calls) == 1
    bars = figures(app)[0]["data"][0]
    assert bars["x"] == MLP_LAYERS
    assert "Computed in" in app.success[0].value
    other = AppTest.from_file(app._script_path, default_timeout=app.default_timeout)
    open_page(
        other,
        "pages/layers.py",
        dataset=tiny_dataset,
        model="mlp",
        epochs="0",
        layers_instances="12",
        layers_samples="3",
    )  # a new session, the same run
    other.button(key="layers_run").click().run()  # same inputs again
    assert_no_crash(other)
    assert len(engine_calls) == 1  # served from the store, the engine was not called
    assert "Loaded from the cache" in other.success[0].value
    assert figures(other)[0]["data"][0]["x"] == MLP_LAYERS


def test_a_class_run_draws_one_histogram_per_class(app, tiny_dataset, engine_calls):
    open_page(app, "pages/classes.py", dataset=tiny_dataset, model="mlp", epochs="0")
    assert app.selectbox(key="classes_layer").value == "softmax"  # the output layer
    app.number_input(key="classes_per_class").set_value(4)
    app.number_input(key="classes_samples").set_value(3)
    app.button(key="classes_run").click().run()
    assert_no_crash(app)
    finish_jobs()
    app.run()
    hist, means, heat = figures(app)[:3]
    assert len(hist["data"]) == 3  # one histogram facet per class
    assert means["data"][0]["x"] == ["dark", "mid", "bright"]
    assert heat["data"][0]["y"] == MLP_LAYERS  # all layers from the same run
    assert len(engine_calls) == 1


def test_runs_page_lists_opens_and_compares_runs_from_two_sessions(app, tiny_dataset):
    def layer_run(session, model):
        open_page(session, "pages/layers.py", dataset=tiny_dataset, model=model, epochs="0")
        session.number_input(key="layers_instances").set_value(6)
        session.number_input(key="layers_samples").set_value(2)
        session.button(key="layers_run").click().run()
        assert_no_crash(session)
        finish_jobs()

    layer_run(app, "mlp")
    other = AppTest.from_file(app._script_path, default_timeout=app.default_timeout)
    layer_run(other, "seed_cnn_linear")  # another session, the same store on disk
    other.switch_page("pages/runs.py").run()
    assert_no_crash(other)
    table = other.dataframe[0].value
    assert len(table) == 2 and set(table["instances"]) == {6}
    bars, hist = figures(other)[:2]
    assert bars["data"][0]["type"] == "bar" and hist["data"][0]["type"] == "histogram"
    labels = [b.label for b in other.get("download_button")]
    assert {"Scores (CSV)", "Run (JSON)", "HTML"} <= set(labels)
    compared = figures(other)[2:]
    assert [t["name"] for t in compared[0]["data"]][:2] == [
        f"A: {table['model'][0]}",
        f"B: {table['model'][1]}",
    ]


def test_missing_dataset_is_an_error_with_remedies(app, no_fashion_source):
    app.run()
    assert_no_crash(app)
    assert "apt-get install dataset-fashion-mnist" in app.error[0].value


def test_a_bad_upload_is_refused_with_an_error(app, tiny_dataset):
    open_page(app, "pages/model.py", dataset=tiny_dataset, model="mlp", epochs="0")
    app.file_uploader[0].upload("broken.keras", b"PK\x03\x04 truncated")
    app.run()
    assert_no_crash(app)
    assert app.error[0].value.startswith("broken.keras was refused: it is truncated")
    assert app.error[0].value.count("refused") == 1  # finding 8: said once
    assert "truncated" in app.error[0].value


def test_a_bad_dataset_upload_is_refused(app, tiny_dataset):
    open_page(app, "pages/data.py", dataset=tiny_dataset, model="mlp", epochs="0")
    app.file_uploader(key="npz_upload").upload("bad.npz", b"not a zip at all")
    app.run()
    assert_no_crash(app)
    assert "bad.npz was refused" in app.error[0].value


def test_good_uploads_are_kept(app, tiny_dataset, tmp_path):
    from linearity_core.models.training import build_model
    from linearity_core.models.uploads import list_uploads

    open_page(app, "pages/data.py", dataset="fashion_mnist", model="mlp", epochs="0")
    raw = (datasets.user_datasets_dir() / f"{tiny_dataset[4:]}.npz").read_bytes()
    app.file_uploader(key="npz_upload").upload("pets.npz", raw)
    app.run()
    assert_no_crash(app)
    assert any(d.startswith("npz:pets-") for d in datasets.list_datasets())
    # The new selection itself is checked in the browser test: AppTest loses sidebar
    # widgets after the first run of an st.navigation app.
    build_model("mlp", (28, 28, 1), 10, seed=1).save(tmp_path / "mine.keras")
    app.switch_page("pages/model.py").run()
    model_file = (tmp_path / "mine.keras").read_bytes()
    app.file_uploader(key="model_upload").upload("mine.keras", model_file)
    app.run()
    assert_no_crash(app)
    assert list(list_uploads().values()) == ["mine.keras"]


def test_run_parameters_come_from_and_go_to_the_url(app, tiny_dataset):
    open_on_untrained_mlp(
        app,
        "pages/layers.py",
        tiny_dataset,
        layers_samples="3",
        layers_instances="6",
        layers_agg="pairwise",
        layers_epsilon="-1",
        layers_method="tree",
    )
    assert app.number_input(key="layers_samples").value == 3
    assert app.number_input(key="layers_instances").value == 6
    assert app.selectbox(key="layers_agg").value == "pairwise"
    assert app.number_input(key="layers_epsilon").value == 0.04  # out of range: default
    assert app.selectbox(key="layers_method").value == "grid"  # unknown: default
    notes = " ".join(i.value for i in app.info)  # finding 8: said, not silently replaced
    assert "ignored layers_epsilon=-1; using 0.04" in notes
    assert "ignored layers_method=tree; using grid" in notes
    app.number_input(key="layers_seed").set_value(7).run()
    assert app.query_params["layers_seed"] == "7"
    app.switch_page("pages/runs.py").run()
    app.switch_page("pages/layers.py").run()  # values survive leaving the page
    assert app.number_input(key="layers_seed").value == 7
    assert app.number_input(key="layers_samples").value == 3


def hold_job(key, snapshot=None, error=None):
    """A real job under a run's key that reports ``snapshot`` (or fails with ``error``)
    and then waits, so a page can be looked at while it runs."""
    from linearity_core.errors import LinearityError
    from linearity_core.service.jobs import job_service

    release = threading.Event()

    def work(ctx):
        if error:
            raise LinearityError(error)
        ctx.report(snapshot)
        release.wait(timeout=60)
        return snapshot

    job = job_service().submit(key, "run", "held", "layers", work)
    while error is None and job.snapshot is None:
        job_service().wait(job.id, timeout=0.05)
    return job, release


def layer_run_key(tiny_dataset, n=10, samples=2):
    from linearity_core import MeasureConfig, RunConfig, Selection, load_dataset, load_model
    from linearity_core.service.runs import run_key_for

    data = load_dataset(tiny_dataset)
    handle = load_model(Selection(tiny_dataset, "mlp", 0), data)
    config = RunConfig(
        measure=MeasureConfig(n_samples=samples, epsilon=0.04, res=100, seed=0), n_instances=n
    )
    return data, handle, config, run_key_for(data, handle.fingerprint, config)


def test_the_page_draws_a_running_jobs_snapshot(app, tiny_dataset):
    from linearity_core.measure.engine import run_linearity

    data, handle, config, key = layer_run_key(tiny_dataset)
    x, y = data.x_test[:10], data.y_test[:10]
    first = next(run_linearity(handle.model, x, y, config, x_reference=x, chunk_size=4))
    _, release = hold_job(key, snapshot=first)
    try:
        open_page(
            app,
            "pages/layers.py",
            dataset=tiny_dataset,
            model="mlp",
            epochs="0",
            layers_instances="10",
            layers_samples="2",
        )
        assert app.button(key="layers_stop")  # the live view, with Stop
        bars = figures(app)[0]
        assert bars["layout"]["title"]["text"].endswith("4 of 10 instances")
        assert [p.value for p in app.get("progress")][-1] == 40  # percent
    finally:
        release.set()


def test_the_page_shows_a_failed_jobs_message(app, tiny_dataset):
    from linearity_core.service.jobs import job_service

    *_, key = layer_run_key(tiny_dataset)
    job, _ = hold_job(key, error="the model expects 32x32 images")
    job_service().wait(job.id, timeout=10)
    open_on_untrained_mlp(
        app, "pages/layers.py", tiny_dataset, layers_instances="10", layers_samples="2"
    )
    assert "The run failed: the model expects 32x32 images" in [e.value for e in app.error]


def test_a_damaged_run_is_named_and_the_others_are_listed(app, tiny_dataset):
    from linearity_core.service.runstore import RunStore
    from tests.core.test_store import make_result, read_meta, rewrite

    store = RunStore()
    store.save("good", make_result())
    store.save("bad", make_result(seed=1))
    meta = read_meta(store.path("bad"))
    meta["created_at"] = 0
    rewrite(store.path("bad"), meta)
    open_page(app, "pages/runs.py", dataset=tiny_dataset, model="mlp", epochs="0")
    assert "bad.npz" in app.warning[0].value
    assert list(app.dataframe[0].value["key"]) == ["good"]


@pytest.mark.parametrize("x_shape", [(20,), (8, 8, 5), (8, 8, 4)])
def test_the_gallery_shows_any_accepted_item_shape(app, x_shape):
    """Finding 7: (n, features) and 5-channel datasets were accepted, then failed."""
    import io

    import numpy as np

    rng = np.random.default_rng(0)
    buffer = io.BytesIO()
    np.savez(
        buffer,
        x_train=rng.random((12, *x_shape)) * 7 - 3,
        y_train=np.arange(12) % 3,
        x_test=rng.random((6, *x_shape)),
        y_test=np.arange(6) % 3,
    )
    dataset_id = datasets.save_user_npz(buffer.getvalue(), "odd.npz")
    open_page(app, "pages/data.py", dataset=dataset_id, model="mlp", epochs="0")
    assert len(figures(app)[1]["data"]) == 6  # every test item drawn in the gallery


def test_invalid_selection_in_the_url_is_noted(app):
    app.query_params.update(model="resnet", epochs="abc")
    app.run()  # the Data page, the default
    assert_no_crash(app)
    notes = " ".join(i.value for i in app.info)
    assert "ignored model=resnet; using seed_cnn" in notes
    assert "ignored epochs=abc; using 5" in notes


def small_config(n_instances=10):
    """The notebook's epsilon and res with 3 samples: small enough for a page test."""
    from linearity_core import MeasureConfig, RunConfig

    measure = MeasureConfig(n_samples=3, epsilon=0.04, res=100, seed=0)
    return RunConfig(measure=measure, n_instances=n_instances)


def store_runs(tiny_dataset, configs):
    """Compute and store runs the way a job does, before any page is opened."""
    from linearity_core import RunStore, Selection, load_dataset, load_model
    from linearity_core.service.runs import compute_stored_run, run_key_for

    data = load_dataset(tiny_dataset)
    handle = load_model(Selection(tiny_dataset, "mlp", 0), data)
    for config in configs:
        key = run_key_for(data, handle.fingerprint, config)
        compute_stored_run(RunStore(), key, data, handle, config, lambda s: None, lambda: False)


def test_the_mistakes_view_renders_a_stored_run(app, tiny_dataset, engine_calls):
    store_runs(tiny_dataset, [small_config(30)])
    calls = len(engine_calls)
    open_on_untrained_mlp(
        app, "pages/mistakes.py", tiny_dataset, mistakes_instances="30", mistakes_samples="3"
    )
    assert len(engine_calls) == calls  # drawn from the store, the engine was not called
    auroc, hist = figures(app)[:2]
    assert auroc["data"][0]["x"] == MLP_LAYERS and "AUROC" in auroc["layout"]["title"]["text"]
    assert len(hist["data"]) == 2  # correct and misclassified
    assert any("too few to tell" in w.value for w in app.warning) or app.dataframe


def test_the_sweep_view_renders_stored_runs(app, tiny_dataset, engine_calls):
    from dataclasses import replace

    from linearity_core.analysis.sweep import sweep_epsilons

    base = small_config()
    epsilons = sweep_epsilons(0.01, 0.2, 3)
    store_runs(
        tiny_dataset, [replace(base, measure=replace(base.measure, epsilon=e)) for e in epsilons]
    )
    calls = len(engine_calls)
    open_on_untrained_mlp(
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
    assert "came from the cache" in app.success[0].value
    lines = figures(app)[0]["data"]
    assert [t["name"] for t in lines] == MLP_LAYERS
    x = lines[0]["x"]  # Plotly sends numbers as a base64 typed array
    assert np.frombuffer(base64.b64decode(x["bdata"]), x["dtype"]).tolist() == list(epsilons)


def test_the_training_view_renders_a_stored_evolution(app, tiny_dataset, engine_calls):
    from linearity_core import ModelRef, load_dataset
    from linearity_core.service.analyses import submit_evolution
    from linearity_core.service.jobs import JobService

    config = small_config()
    service = JobService()
    ref = ModelRef("mlp", tiny_dataset, epochs=1, seed=0)
    job = submit_evolution(load_dataset(tiny_dataset), ref, config, service=service)
    assert service.wait(job.id, timeout=120).state == "done"
    calls = len(engine_calls)
    open_on_untrained_mlp(
        app,
        "pages/evolution.py",
        tiny_dataset,
        evolution_epochs="1",
        evolution_instances="10",
        evolution_samples="3",
    )
    assert len(engine_calls) == calls
    assert "came from the stores" in app.success[0].value
    bars, heat, accuracy = figures(app)[:3]
    assert accuracy["layout"]["title"]["text"] == "Test accuracy"
    assert [f["name"] for f in bars["frames"]] == ["0", "1"]  # one animation frame per epoch
    assert bars["layout"]["sliders"][0]["steps"][1]["label"] == "1"
    assert heat["data"][0]["y"] == MLP_LAYERS


def test_the_instance_view_renders_a_stored_run(app, tiny_dataset, engine_calls):
    from linearity_core import RunStore

    store_runs(tiny_dataset, [small_config(12)])
    info = RunStore().list().runs[0]
    result = RunStore().load(info.key)
    row = 5
    index = int(result.indices[row])
    calls = len(engine_calls)
    open_on_untrained_mlp(app, "pages/instance.py", tiny_dataset, run=info.key, instance=str(index))
    assert len(engine_calls) == calls
    assert_no_crash(app)
    profile, image, answer, samples = figures(app)[:4]
    assert profile["layout"]["title"]["text"] == f"Test #{index} layer by layer"
    mine = profile["data"][2]
    y = np.frombuffer(base64.b64decode(mine["y"]["bdata"]), mine["y"]["dtype"])
    assert np.array_equal(y, result.scores[row])  # the instance's own row of the run
    assert len(image["data"]) == 1  # the image itself
    assert len(answer["data"][0]["x"]) == 3  # one bar per class: dark, mid, bright
    assert len(samples["layout"]["annotations"]) == 3  # the run's 3 samples
    assert app.query_params["instance"] in (str(index), [str(index)])  # the URL names it


def test_an_instance_outside_the_run_is_explained(app, tiny_dataset):
    from linearity_core import RunStore

    store_runs(tiny_dataset, [small_config(12)])
    key = RunStore().list().runs[0].key
    outside = next(i for i in range(30) if i not in set(RunStore().load(key).indices.tolist()))
    open_on_untrained_mlp(app, "pages/instance.py", tiny_dataset, run=key, instance=str(outside))
    assert_no_crash(app)
    assert f"instance {outside} is not one of this run's 12" in app.warning[0].value

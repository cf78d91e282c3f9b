"""Pages: notebook defaults, tiny real runs rendered as charts, the cache path, errors."""

import pytest
from streamlit.testing.v1 import AppTest

import linearity_core.runs
from linearity_core import datasets
from tests.app.conftest import assert_no_crash, figures, open_page

MLP_LAYERS = ["flat", "dense_1", "relu_1", "drop_1", "dense_2", "relu_2", "drop_2", "dense_3",
              "softmax"]  # fmt: skip


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
    values = {key: app.number_input(key=f"layers_{key}").value
              for key in ("instances", "samples", "epsilon", "res", "seed")}  # fmt: skip
    assert values == {"instances": 30, "samples": 20, "epsilon": 0.04, "res": 100, "seed": 0}
    assert app.selectbox(key="layers_method").value == "grid"
    assert app.selectbox(key="layers_agg").value == "global"
    notes = " ".join(m.value for m in app.markdown)
    assert "**dense_1 scores 0.**" in notes  # the teaching notes name this model's layer


@pytest.fixture
def engine_calls(monkeypatch):
    calls = []
    real = linearity_core.runs.run_linearity

    def counting(*args, **kwargs):
        calls.append(kwargs.get("indices"))
        return real(*args, **kwargs)

    monkeypatch.setattr(linearity_core.runs, "run_linearity", counting)
    return calls


def test_a_layer_run_draws_one_bar_per_layer_then_comes_from_the_cache(app, tiny_dataset,
                                                                        engine_calls):  # fmt: skip
    open_page(app, "pages/layers.py", dataset=tiny_dataset, model="mlp", epochs="0")
    app.number_input(key="layers_instances").set_value(12)
    app.number_input(key="layers_samples").set_value(3)
    app.button(key="layers_run").click().run()
    assert_no_crash(app)
    assert len(engine_calls) == 1
    bars = figures(app)[0]["data"][0]
    assert bars["x"] == MLP_LAYERS
    assert "Computed in" in app.success[0].value
    app.button(key="layers_run").click().run()  # same inputs again
    assert_no_crash(app)
    assert len(engine_calls) == 1  # served from the store, the engine was not called
    assert "Loaded from the cache" in app.success[0].value
    assert figures(app)[0]["data"][0]["x"] == MLP_LAYERS


def test_a_class_run_draws_one_histogram_per_class(app, tiny_dataset, engine_calls):
    open_page(app, "pages/classes.py", dataset=tiny_dataset, model="mlp", epochs="0")
    assert app.selectbox(key="classes_layer").value == "softmax"  # the output layer
    app.number_input(key="classes_per_class").set_value(4)
    app.number_input(key="classes_samples").set_value(3)
    app.button(key="classes_run").click().run()
    assert_no_crash(app)
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
    assert labels[:2] == ["Scores (CSV)", "Run (JSON)"]
    compared = figures(other)[2:]
    assert [t["name"] for t in compared[0]["data"]][:2] == [
        f"A: {table['model'][0]}", f"B: {table['model'][1]}"]  # fmt: skip


def test_missing_dataset_is_an_error_with_remedies(app, monkeypatch, tmp_path):
    monkeypatch.delenv("LINEARITY_DATA_DIR", raising=False)
    monkeypatch.setattr(datasets, "DEBIAN_FASHION_DIR", tmp_path / "none")
    monkeypatch.setattr(datasets, "KERAS_CACHE", tmp_path / "keras")
    monkeypatch.setattr(datasets, "load_fashion_mnist", datasets.load_fashion_mnist)
    import keras

    def offline():
        raise OSError("offline")

    monkeypatch.setattr(keras.datasets.fashion_mnist, "load_data", offline)
    app.run()
    assert_no_crash(app)
    assert "apt-get install dataset-fashion-mnist" in app.error[0].value


def test_a_bad_upload_is_refused_with_an_error(app, tiny_dataset):
    open_page(app, "pages/model.py", dataset=tiny_dataset, model="mlp", epochs="0")
    app.file_uploader[0].upload("broken.keras", b"PK\x03\x04 truncated")
    app.run()
    assert_no_crash(app)
    assert "broken.keras was refused" in app.error[0].value
    assert "truncated" in app.error[0].value


def test_a_bad_dataset_upload_is_refused(app, tiny_dataset):
    open_page(app, "pages/data.py", dataset=tiny_dataset, model="mlp", epochs="0")
    app.file_uploader(key="npz_upload").upload("bad.npz", b"not a zip at all")
    app.run()
    assert_no_crash(app)
    assert "bad.npz was refused" in app.error[0].value


def test_good_uploads_are_kept(app, tiny_dataset, tmp_path):
    from linearity_core.training import build_model
    from linearity_core.uploads import list_uploads

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
    open_page(app, "pages/layers.py", dataset=tiny_dataset, model="mlp", epochs="0",
              layers_samples="3", layers_instances="6", layers_agg="pairwise",
              layers_epsilon="-1", layers_method="tree")  # fmt: skip
    assert app.number_input(key="layers_samples").value == 3
    assert app.number_input(key="layers_instances").value == 6
    assert app.selectbox(key="layers_agg").value == "pairwise"
    assert app.number_input(key="layers_epsilon").value == 0.04  # out of range: default
    assert app.selectbox(key="layers_method").value == "grid"  # unknown: default
    app.number_input(key="layers_seed").set_value(7).run()
    assert app.query_params["layers_seed"] == "7"
    app.switch_page("pages/runs.py").run()
    app.switch_page("pages/layers.py").run()  # values survive leaving the page
    assert app.number_input(key="layers_seed").value == 7
    assert app.number_input(key="layers_samples").value == 3

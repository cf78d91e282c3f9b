"""The Data page: the selection from a link, the gallery, dataset uploads, a missing dataset."""

import io

import numpy as np
import pytest

from linearity_core.data import registry
from linearity_core.service.catalog import accept_dataset
from tests.app import ui


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
    counts = ui.figures(app)[0]
    assert [t["name"] for t in counts["data"]] == ["train", "test"]
    images = app.get("image")
    assert len(images) == 30  # every test image fits on the first page
    captions = [img.captions[0] for img in images]
    assert captions[0].startswith("#0 · dark · model: ")  # index, class, the model's answer
    assert "%" in captions[0]  # with its confidence


def test_the_gallery_picks_are_in_the_url(app, tiny_dataset):
    ui.open_on_untrained_mlp(
        app, "pages/data.py", tiny_dataset, data_class="bright", data_split="train"
    )
    assert app.selectbox(key="data_class").value == "bright"
    assert app.selectbox(key="data_split").value == "train"
    captions = [img.captions[0] for img in app.get("image")]
    assert len(captions) == 30 and all(" · bright" not in c for c in captions)  # one class
    app.number_input(key="data_page").set_value(1).run()
    assert app.query_params["data_class"] == "bright"


def test_missing_dataset_is_an_error_with_remedies(app, no_fashion_source):
    app.run()
    ui.assert_no_crash(app)
    assert "apt-get install dataset-fashion-mnist" in ui.texts(app.error)


def test_a_bad_dataset_upload_is_refused(app, tiny_dataset):
    ui.open_on_untrained_mlp(app, "pages/data.py", tiny_dataset)
    app.file_uploader(key="dataset_upload").upload("bad.npz", b"not a zip at all")
    app.run()
    ui.assert_no_crash(app)
    assert "bad.npz was refused" in ui.texts(app.error)
    assert not any("bad" in s.name for s in registry.list_datasets().values())


def test_a_named_upload_keeps_its_name(app, tiny_dataset):
    ui.open_on_untrained_mlp(app, "pages/data.py", tiny_dataset)
    raw = (registry.user_datasets_dir() / f"{tiny_dataset[4:]}.npz").read_bytes()
    app.text_input(key="dataset_name").input("My pets").run()
    app.file_uploader(key="dataset_upload").upload("pets.npz", raw)
    app.run()
    ui.assert_no_crash(app)
    assert "My pets" in [s.name for s in registry.list_datasets().values()]


@pytest.mark.parametrize("x_shape", [(20,), (8, 8, 5), (8, 8, 4)])
def test_the_gallery_shows_any_accepted_item_shape(app, x_shape):
    """Finding 7: (n, features) and 5-channel datasets were accepted, then failed."""
    rng = np.random.default_rng(0)
    buffer = io.BytesIO()
    np.savez(
        buffer,
        x_train=rng.random((12, *x_shape)) * 7 - 3,
        y_train=np.arange(12) % 3,
        x_test=rng.random((6, *x_shape)),
        y_test=np.arange(6) % 3,
    )
    dataset_id = accept_dataset(buffer.getvalue(), "odd.npz")
    ui.open_on_untrained_mlp(app, "pages/data.py", dataset_id)
    assert len(app.get("image")) == 6  # every test item drawn in the gallery


def test_mnist1d_is_drawn_as_lines_and_offers_its_three_models(app, linearity_home):
    app.query_params.update(dataset="mnist1d", model="seed_cnn", epochs="0")
    app.run()
    ui.assert_no_crash(app)
    models = app.sidebar.selectbox(key="model")
    assert models.options[:3] == ["Logistic regression", "MLP", "1-D CNN"]
    assert models.value == "logistic"  # the seed CNN takes images: the first that fits
    app.switch_page("pages/data.py").run()
    ui.assert_no_crash(app)
    assert app.get("image") == []  # no pictures: signals are lines
    figures = ui.figures(app)
    by_class = next(f for f in figures if "Signals by class" in f["layout"]["title"]["text"])
    means = [t for t in by_class["data"] if t.get("name") == "class mean"]
    assert len(means) == 10  # one panel per digit, each with its mean signal
    gallery = figures[-1]
    assert {t["type"] for t in gallery["data"]} == {"scatter"}
    assert len(gallery["data"]) == 32  # a page of the gallery
    assert len(ui.values(gallery["data"][0]["y"])) == 40  # a whole signal each

"""The sidebar: the notebook's defaults, the selection from a link, notes on bad values."""

from tests.app import ui


def test_sidebar_defaults_to_fashion_mnist_and_the_seed_cnn(app):
    app.run()
    ui.assert_no_crash(app)
    assert app.sidebar.selectbox(key="dataset").value == "fashion_mnist"
    assert app.sidebar.selectbox(key="model").value == "seed_cnn"
    assert app.sidebar.selectbox(key="epochs").value == 5
    assert app.query_params["model"] == "seed_cnn"


def test_invalid_selection_in_the_url_is_noted(app):
    app.query_params.update(model="resnet", epochs="abc")
    app.run()  # the Data page, the default
    ui.assert_no_crash(app)
    notes = ui.texts(app.info)
    assert "ignored model=resnet; using seed_cnn" in notes
    assert "ignored epochs=abc; using 5" in notes

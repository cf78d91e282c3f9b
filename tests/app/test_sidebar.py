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


def test_a_cluster_join_that_hangs_never_holds_a_page(app, monkeypatch):
    """Finding 1: an address that accepts but never answers froze every later page run."""
    import time

    from linearity_core.service import compute
    from tests.core.test_reliability import Listener

    monkeypatch.setattr(compute.check_reachable, "__defaults__", (60.0,))  # it hangs
    compute.use_ray(Listener(http=False).address)
    try:
        app.run()
        ui.assert_no_crash(app)
        start = time.monotonic()
        app.run()  # the second page run, while the join is still pending
        assert time.monotonic() - start < 2
        ui.assert_no_crash(app)
        assert "joining" in compute.compute_target().label
    finally:
        compute.use_ray(None)

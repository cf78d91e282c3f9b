"""The Model page: uploads refused with a sentence, kept and selected; its layer table."""

from linearity_core.models.uploads import list_uploads
from tests.app import ui


def test_a_bad_upload_is_refused_with_an_error(app, tiny_dataset):
    ui.open_on_untrained_mlp(app, "pages/model.py", tiny_dataset)
    app.file_uploader(key="model_upload").upload("broken.keras", b"PK\x03\x04 truncated")
    app.run()
    ui.assert_no_crash(app)
    message = ui.texts(app.error)
    assert message.startswith("broken.keras was refused: it is truncated")
    assert message.count("refused") == 1  # said once
    assert list_uploads() == {}


def test_a_good_upload_is_kept_and_selected_and_every_page_takes_it(app, tmp_path):
    from linearity_core.models.training import build_model

    ui.open_page(app, "pages/model.py", dataset="fashion_mnist", model="mlp", epochs="0")
    build_model("mlp", (28, 28, 1), 10, seed=1).save(tmp_path / "mine.keras")
    raw = (tmp_path / "mine.keras").read_bytes()
    app.file_uploader(key="model_upload").upload("mine.keras", raw)
    app.run()
    ui.assert_no_crash(app)
    (upload,) = list_uploads().values()
    assert upload.filename == "mine.keras"
    key = f"upload:{upload.id}"
    # The router applies the new selection on its next run (the browser test follows it
    # there); a link to the upload is the same selection, on every page.
    assert app.session_state["pending_selection"] == {"model": key}
    other = ui.another_session(app)
    for page in ("pages/layers.py", "pages/classes.py", "pages/runs.py", "pages/model.py"):
        ui.open_page(other, page, dataset="fashion_mnist", model=key)  # finding 9: no crash
        assert other.session_state["selection"].model_key == key
    assert other.query_params["model"] == key
    metrics = {m.label: m.value for m in other.metric}
    assert metrics["Test accuracy"].endswith("%")  # on the selected data, not "n/a"
    table = other.dataframe[0].value
    assert list(table["layer"])[:2] == ["flat", "dense_1"] and "fed by" in table.columns
    assert table["fed by"].iloc[1] == "flat"

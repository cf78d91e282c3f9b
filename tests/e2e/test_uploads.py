"""The analyst's own model and data, in the browser: a Sequential .keras and a .zip of
class folders uploaded, every page opened by the sidebar with the upload still selected,
a run drawn, a reload that keeps the selection, and a regression dataset's views."""

import io
import re
import zipfile

import numpy as np
import pytest

from tests.e2e.conftest import count_at_least, shot, wait_idle
from tests.e2e.test_dashboard import go, no_exception, set_number

pytestmark = pytest.mark.e2e
SIDE = '[data-testid="stSidebar"]'


def class_folders_zip() -> bytes:
    """Three classes of 8x8 grey PNGs told apart by brightness, in class folders."""
    from PIL import Image

    rng = np.random.default_rng(0)
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for k, name in enumerate(("dark", "mid", "bright")):
            for i in range(30):
                pixels = (rng.random((8, 8)) * 80 + 80 * k).astype(np.uint8)
                png = io.BytesIO()
                Image.fromarray(pixels, "L").save(png, "PNG")
                archive.writestr(f"shapes/{name}/{i}.png", png.getvalue())
    return buffer.getvalue()


def sequential_keras(path, units=3, activation="softmax"):
    import keras

    keras.utils.set_random_seed(0)
    model = keras.Sequential(
        [
            keras.Input((8, 8, 1)),
            keras.layers.Conv2D(4, 3, name="conv"),
            keras.layers.ReLU(name="relu"),
            keras.layers.Flatten(name="flat"),
            keras.layers.Dense(units, activation=activation, name="out"),
        ]
    )
    model.save(path)
    return path


def open_expander(page, label: str) -> None:
    page.locator('[data-testid="stExpander"] summary', has_text=label).first.click()


def upload(page, expander: str, path) -> None:
    open_expander(page, expander)
    page.locator('[data-testid="stFileUploader"] input[type=file]').set_input_files(str(path))


def sidebar_value(page, label: str) -> str:
    box = page.locator(f'{SIDE} [data-testid="stSelectbox"]', has_text=label).first
    return box.locator("input").input_value() or box.inner_text()


SIDEBAR_SHOWS = """([label, text]) => [...document.querySelectorAll(
    '[data-testid="stSidebar"] [data-testid="stSelectbox"]')].some(box =>
    box.innerText.includes(label) && (box.querySelector('input')?.value || box.innerText)
        .includes(text))"""


def wait_sidebar(page, label: str, text: str) -> None:
    """Until the sidebar's ``label`` box shows ``text`` (the user's wait for a selection)."""
    page.wait_for_function(SIDEBAR_SHOWS, arg=[label, text])


def open_data(page, server) -> None:
    page.goto(server["url"] + "/data?dataset=fashion_mnist&model=mlp&epochs=0")
    page.wait_for_selector("h1:has-text('Data')")
    wait_idle(page)


def test_own_model_and_data_through_every_page(server, page, tmp_path):
    import keras

    data_zip = tmp_path / "shapes.zip"
    data_zip.write_bytes(class_folders_zip())
    open_data(page, server)
    open_expander(page, "Use your own dataset")
    page.get_by_label("Name it (optional)").fill("Shapes")
    page.get_by_label("Name it (optional)").press("Enter")
    wait_idle(page)
    page.locator('[data-testid="stFileUploader"] input[type=file]').set_input_files(str(data_zip))
    wait_sidebar(page, "Dataset", "Shapes")  # the new dataset, by its given name
    page.wait_for_selector("text=3 classes")
    wait_idle(page)
    no_exception(page)
    shot(page, "uploads-1-class-folders")

    go(page, "Model")
    inp = keras.Input((8, 8, 1))
    evil = tmp_path / "evil.keras"
    keras.Model(inp, keras.layers.Lambda(lambda t: t * 2)(inp)).save(evil)
    upload(page, "Upload your own model", evil)
    page.wait_for_selector("text=evil.keras was refused")  # acted on as soon as it arrived
    assert page.get_by_text("Lambda layer").count() >= 1
    page.locator('[data-testid="stFileUploader"] input[type=file]').set_input_files(
        str(sequential_keras(tmp_path / "seq.keras"))
    )
    wait_sidebar(page, "Model", "Uploaded: seq.keras")
    page.wait_for_selector("text=Test accuracy")  # on the selected data
    # The layer table shows the topology; it is drawn a moment after the accuracy above it.
    page.get_by_text("fed by").first.wait_for()
    assert page.get_by_text("fed by").count() >= 1
    no_exception(page)
    shot(page, "uploads-2-model")

    for title in ("Layers", "Classes", "Runs", "Layers"):  # finding 9: no traceback
        go(page, title)
        no_exception(page)
        assert "Uploaded: seq.keras" in sidebar_value(page, "Model")
    set_number(page, "Instances", 20)
    page.get_by_role("button", name="Run", exact=True).click()
    page.wait_for_selector("text=Computed in", timeout=120_000)
    ticks = page.locator(".js-plotly-plot .xtick text")
    count_at_least(ticks, 4)
    assert ticks.all_text_contents() == ["conv", "relu", "flat", "out"]  # one bar a layer
    shot(page, "uploads-3-layers")

    page.reload()  # the upload stays the selection
    page.wait_for_selector("h1:has-text('Layers')")
    wait_idle(page)
    assert "Uploaded: seq.keras" in sidebar_value(page, "Model")
    assert "Shapes" in sidebar_value(page, "Dataset")
    page.wait_for_selector("text=Loaded from the cache")
    no_exception(page)


def regression_npz() -> bytes:
    rng = np.random.default_rng(1)
    x_train, x_test = rng.random((60, 8, 8)), rng.random((20, 8, 8))
    buffer = io.BytesIO()
    np.savez(
        buffer,
        x_train=x_train,
        y_train=x_train.mean(axis=(1, 2)) * 3,  # float targets: a regression dataset
        x_test=x_test,
        y_test=x_test.mean(axis=(1, 2)) * 3,
    )
    return buffer.getvalue()


def test_a_regression_dataset_runs_and_its_views_render(server, page, tmp_path):
    npz = tmp_path / "brightness.npz"
    npz.write_bytes(regression_npz())
    open_data(page, server)
    upload(page, "Use your own dataset", npz)
    page.wait_for_selector("text=quarters of the target")
    go(page, "Model")
    regressor = sequential_keras(tmp_path / "reg.keras", units=1, activation=None)
    upload(page, "Upload your own model", regressor)
    wait_sidebar(page, "Model", "Uploaded: reg.keras")
    page.wait_for_selector("text=Test RMSE")
    go(page, "Mistakes")
    set_number(page, "Instances", 20)
    page.get_by_role("button", name="Run", exact=True).click()
    page.wait_for_selector("text=Computed in", timeout=120_000)
    page.wait_for_selector(".gtitle:has-text('Linearity by prediction error')")
    no_exception(page)
    go(page, "Classes")
    page.wait_for_function(  # the classes are quarters of the target
        "() => [...document.querySelectorAll('[data-testid=\"stSelectbox\"] input')]"
        ".some(i => i.value === 'lowest quarter')"
    )
    no_exception(page)
    shot(page, "uploads-4-regression")
    assert re.search(r"upload(%3A|:)", page.url)


def test_a_pytorch_model_through_onnx(server, page):
    """torch_cnn.onnx is torch.onnx.export's own output (tests/fixtures says how)."""
    from pathlib import Path

    fixture = Path(__file__).resolve().parents[1] / "fixtures" / "torch_cnn.onnx"
    page.goto(server["url"] + "/model?dataset=fashion_mnist&model=mlp&epochs=0")
    page.wait_for_selector("h1:has-text('Model')")
    wait_idle(page)
    upload(page, "Upload your own model", fixture)
    wait_sidebar(page, "Model", "Uploaded: torch_cnn.onnx")
    page.wait_for_selector("text=channels first (NCHW")  # said: the data is transposed
    go(page, "Layers")
    set_number(page, "Instances", 30)
    page.get_by_role("button", name="Run", exact=True).click()
    page.wait_for_selector("text=Computed in", timeout=120_000)
    ticks = page.locator(".js-plotly-plot .xtick text")
    count_at_least(ticks, 6)
    assert ticks.all_text_contents() == ["conv", "relu", "pool", "flatten", "fc", "softmax"]
    no_exception(page)
    shot(page, "uploads-5-onnx-layers")
    go(page, "Classes")
    set_number(page, "Per class", 3)
    page.get_by_role("button", name="Run", exact=True).click()
    page.wait_for_selector("text=Computed in", timeout=120_000)
    facets = page.locator(".js-plotly-plot").first.locator(".bars")
    assert count_at_least(facets, 10) == 10  # one histogram per class
    no_exception(page)
    shot(page, "uploads-6-onnx-classes")

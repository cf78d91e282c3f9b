"""Names that come from data and uploads are shown as text, never as Markdown or HTML:
on every page, in job titles, figures, reports and exports (finding 2 of the reliability
issue: a class name made every viewer's browser fetch an image)."""

import io
import json
import re

import numpy as np
import pytest

from tests.app import ui

PIXEL = "![px](http://127.0.0.1:9/x.png)"
BOLD = "**BIG**"
TAG = '<img src="http://127.0.0.1:9/y.png">'
LINK = "[click](http://127.0.0.1:9/z)"


@pytest.fixture
def hostile_dataset():
    from linearity_core.service.catalog import accept_dataset

    rng = np.random.default_rng(0)
    buffer = io.BytesIO()
    y_train, y_test = np.arange(60) % 4, np.arange(24) % 4
    np.savez(
        buffer,
        x_train=(rng.random((60, 6, 6)) * 60 + y_train[:, None, None] * 60).astype(np.uint8),
        y_train=y_train,
        x_test=(rng.random((24, 6, 6)) * 60 + y_test[:, None, None] * 60).astype(np.uint8),
        y_test=y_test,
        class_names=np.array([PIXEL, BOLD, TAG, LINK]),
    )
    return accept_dataset(buffer.getvalue(), f"{BOLD}.npz", f"{BOLD} data")


def unescaped(text: str) -> list[str]:
    """The hostile strings that ``text`` (Markdown source) holds as live markup."""
    live = [h for h in (PIXEL, BOLD, LINK) if h in text]
    return live + (["<img"] if re.search(r"(?<!\\)<img", text) else [])


def test_no_page_renders_markup_from_data(app, hostile_dataset, tmp_path):
    from linearity_core.models.training import build_model
    from linearity_core.service.catalog import accept_model, load_dataset
    from linearity_core.service.runs import execute_run, plan_run
    from linearity_core.service.runstore import RunStore
    from linearity_core.service.selection import Selection, load_model

    data = load_dataset(hostile_dataset)
    build_model("mlp", data.input_shape, 4, seed=0).save(tmp_path / "m.keras")
    key = accept_model((tmp_path / "m.keras").read_bytes(), f"{BOLD}{PIXEL}.keras", data)
    handle = load_model(Selection(hostile_dataset, key), data)
    config = ui.small_config(12)
    from dataclasses import replace

    per_class = replace(config, n_instances=None, per_class=3)
    for run_config in (config, per_class):
        execute_run(plan_run(data, handle, run_config), RunStore())
    link = {"dataset": hostile_dataset, "model": key, "classes_per_class": "3"}
    link |= {"classes_samples": "3", "layers_samples": "3", "layers_instances": "12"}
    link |= {"mistakes_samples": "3", "mistakes_instances": "12"}
    for page in ui.PAGES:
        ui.open_page(app, page, **link)
        for kind in ("markdown", "caption", "info", "success", "warning", "error", "title"):
            for element in app.get(kind):
                assert unescaped(element.value) == [], (page, kind, element.value)
        for spec in ui.figures(app):
            text = json.dumps(spec)
            assert "<img" not in text and "<a " not in text, page  # Plotly would draw them


def test_job_titles_reports_and_exports_show_names_as_text(hostile_dataset, tmp_path):
    from linearity_core.models.training import build_model
    from linearity_core.service.catalog import accept_model, load_dataset
    from linearity_core.service.reports import run_report_html
    from linearity_core.service.runs import submit_run
    from linearity_core.service.runstore import RunStore
    from linearity_core.service.selection import Selection, load_model
    from pages.components.charts import standalone_html
    from pages.components.sidebar import job_line

    data = load_dataset(hostile_dataset)
    build_model("mlp", data.input_shape, 4, seed=0).save(tmp_path / "m.keras")
    key = accept_model((tmp_path / "m.keras").read_bytes(), f"{BOLD}.keras", data)
    handle = load_model(Selection(hostile_dataset, key), data)
    job = submit_run(data, handle, ui.small_config(12))
    assert BOLD in job.title  # kept as it is in the core ...
    assert unescaped(job_line(job)) == []  # ... and escaped where it is shown
    from linearity_core.service.jobs import job_service

    job_service().wait(job.id, timeout=120)
    (info,) = RunStore().list().runs
    report = run_report_html(info.key)
    assert "<img src=" not in report.replace('<img src="data:', "")  # only data: images
    assert "&lt;img src=" in report  # the class name, as text
    from linearity_core.present.figures import class_means

    exported = standalone_html(class_means(RunStore().load(info.key), "softmax"))
    assert "&lt;img" in exported and '<img src=\\"http' not in exported

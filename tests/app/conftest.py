"""AppTest helpers: the app runs from the repository root, on a tiny real dataset."""

from pathlib import Path

import pytest
import streamlit as st
from streamlit.testing.v1 import AppTest

from linearity_core.data.datasets import clear_dataset_cache

ROOT = Path(__file__).resolve().parents[2]
PAGES = [
    "pages/data.py",
    "pages/model.py",
    "pages/layers.py",
    "pages/classes.py",
    "pages/mistakes.py",
    "pages/evolution.py",
    "pages/sweep.py",
    "pages/runs.py",
]
# The first run imports TensorFlow (~4 s on CI); give it room.
TIMEOUT = 120


@pytest.fixture
def app(monkeypatch) -> AppTest:
    monkeypatch.chdir(ROOT)
    st.cache_resource.clear()  # models cached by an earlier test belong to another home
    clear_dataset_cache()
    return AppTest.from_file(str(ROOT / "app.py"), default_timeout=TIMEOUT)


CRASH = "Something went wrong"  # app.py's last-resort message for an unexpected error


def assert_no_crash(app: AppTest) -> None:
    assert not app.exception, app.exception
    crashes = [e.value for e in app.error if CRASH in e.value]
    assert not crashes, crashes


def open_page(app: AppTest, page: str, **params: str) -> AppTest:
    app.query_params.update(params)
    app.run()
    assert_no_crash(app)
    app.switch_page(page).run()
    assert_no_crash(app)
    return app


def figures(app: AppTest) -> list[dict]:
    import json

    return [json.loads(el.proto.spec) for el in app.get("plotly_chart")]


def finish_jobs(timeout: float = 120) -> None:
    """Wait until the job service has nothing queued or running (the page's fragment
    would redraw on its own; AppTest needs an explicit rerun afterwards)."""
    from linearity_core.service.jobs import job_service

    service = job_service()
    for job in service.jobs():
        service.wait(job.id, timeout=timeout)
        assert not job.active, f"{job.title} still {job.state}"

"""AppTest fixtures: the app runs from the repository root, on a tiny real dataset."""

import pytest
import streamlit as st
from streamlit.testing.v1 import AppTest

from linearity_core.data.datasets import clear_dataset_cache
from tests.app.ui import ROOT, TIMEOUT


@pytest.fixture
def app(monkeypatch) -> AppTest:
    monkeypatch.chdir(ROOT)
    st.cache_resource.clear()  # models cached by an earlier test belong to another home
    clear_dataset_cache()
    return AppTest.from_file(str(ROOT / "app.py"), default_timeout=TIMEOUT)


@pytest.fixture
def engine_calls(monkeypatch):
    """Every call of the engine, by the instances it was given."""
    import linearity_core.service.runs

    calls = []
    real = linearity_core.service.runs.run_linearity

    def counting(*args, **kwargs):
        calls.append(kwargs.get("indices"))
        yield from real(*args, **kwargs)

    monkeypatch.setattr(linearity_core.service.runs, "run_linearity", counting)
    return calls

"""AppTest helpers: the app is run from the repository root."""

from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

ROOT = Path(__file__).resolve().parents[2]
PAGES = ["pages/data.py", "pages/model.py", "pages/layers.py", "pages/classes.py", "pages/runs.py"]
# The first run imports TensorFlow (~4 s on CI); give it room.
TIMEOUT = 120


@pytest.fixture
def app(monkeypatch) -> AppTest:
    monkeypatch.chdir(ROOT)
    return AppTest.from_file(str(ROOT / "app.py"), default_timeout=TIMEOUT)

"""Shared fixtures: every test gets its own empty LINEARITY_HOME."""

import os

import pytest

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")


@pytest.fixture(autouse=True)
def linearity_home(tmp_path, monkeypatch):
    home = tmp_path / "home"
    monkeypatch.setenv("LINEARITY_HOME", str(home))
    return home

"""The Streamlit defaults the app changes still exist, so a rename cannot undo them
silently (the clean-up it turns off made watched runs 20x slower)."""

from streamlit.runtime.scriptrunner import script_runner

from pages.components import streamlit_setup


def test_the_clean_up_patch_attaches_to_a_real_attribute(monkeypatch):
    real = getattr(script_runner, streamlit_setup.CLEAN_UP)
    assert callable(real)  # Streamlit still has the hook
    monkeypatch.setattr(script_runner, streamlit_setup.CLEAN_UP, real)
    streamlit_setup.keep_keras_state()
    assert getattr(script_runner, streamlit_setup.CLEAN_UP) is streamlit_setup._no_clean_up


def test_a_renamed_hook_is_an_error_not_a_silent_slowdown(monkeypatch):
    import pytest

    monkeypatch.delattr(script_runner, streamlit_setup.CLEAN_UP)
    with pytest.raises(RuntimeError, match="is gone"):
        streamlit_setup.keep_keras_state()

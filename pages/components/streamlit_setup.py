"""Streamlit defaults this app changes on purpose, each checked to still exist."""

from streamlit.runtime.scriptrunner import script_runner

CLEAN_UP = "_clean_problem_modules"


def keep_keras_state() -> None:
    """Turn off the clean-up Streamlit runs after every script run.

    It calls keras.backend.clear_session(), fragment reruns included. Our models and
    trainings live in background jobs, not in scripts: clearing would swap Keras's global
    state under a training mid-epoch and empty TensorFlow's kernel cache twice a second
    while a page watches a run (runs were 20x slower). Nothing here needs the clean-up (it
    also closes matplotlib figures, which we do not use). If Streamlit renames the hook,
    this fails loudly instead of letting the slowdown come back unnoticed.
    """
    if not callable(getattr(script_runner, CLEAN_UP, None)):
        raise RuntimeError(
            f"streamlit's script_runner.{CLEAN_UP} is gone; find the clean-up that calls "
            "keras.backend.clear_session() in this Streamlit version and turn it off"
        )
    setattr(script_runner, CLEAN_UP, _no_clean_up)


def _no_clean_up() -> None:
    """Nothing to clean: see ``keep_keras_state``."""

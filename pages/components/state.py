"""Selection and run parameters: kept in session state and mirrored into the URL, so a
copied link reopens the same view. Values from a URL that cannot be used are replaced by
defaults, with one visible note saying so."""

from collections.abc import Callable
from pathlib import Path
from typing import Any

import streamlit as st

from linearity_core import defaults
from linearity_core.data.datasets import list_datasets
from linearity_core.service.selection import Selection, model_keys

EPOCH_CHOICES = {0: "Untrained (random weights)", 1: "Quick: 1 epoch", 5: "Notebook: 5 epochs"}


def note_ignored(name: str, raw: str, used: Any) -> None:
    """Remember that a URL value was not usable; ``show_url_notes`` shows it once."""
    st.session_state.setdefault("url_notes", {})[name] = f"ignored {name}={raw}; using {used}"


def show_url_notes() -> None:
    notes = st.session_state.pop("url_notes", {})
    if notes:
        st.info("The link had values that cannot be used: " + "; ".join(notes.values()) + ".")


def _from_url(
    name: str, allowed: list[Any], default: Any, parse: Callable[[str], Any] = str
) -> Any:
    raw = st.query_params.get(name)
    if raw is None:
        return default
    try:
        value = parse(raw)
    except ValueError:
        value = None
    if value in allowed:
        return value
    note_ignored(name, raw, default)
    return default


def init_selection() -> None:
    """First run of a session: take the selection from the URL when it is valid."""
    if "dataset" in st.session_state:
        return
    st.session_state.dataset = _from_url("dataset", list(list_datasets()), defaults.DATASET)
    st.session_state.model = _from_url("model", model_keys(), defaults.MODEL)
    st.session_state.epochs = _from_url("epochs", list(EPOCH_CHOICES), defaults.EPOCHS, int)


def current_selection() -> Selection:
    return Selection(st.session_state.dataset, st.session_state.model, st.session_state.epochs)


def select(**values: Any) -> None:
    """Change the sidebar's selection (dataset, model, epochs) from a page, then rerun.

    Widget values cannot change once the sidebar has drawn them in this run, so the
    change is applied at the start of the next one.
    """
    st.session_state.pending_selection = values
    st.rerun()


def apply_pending_selection() -> None:
    for key, value in st.session_state.pop("pending_selection", {}).items():
        st.session_state[key] = value


def remembered(
    make: Callable[..., Any],
    label: str,
    key: str,
    default: Any,
    allowed: Callable[[Any], bool],
    **kwargs: Any,
) -> Any:
    """A widget whose value survives page switches and is mirrored into the URL."""
    saved = st.session_state.setdefault("params", {})
    if key not in st.session_state:
        value = saved.get(key, default)
        if key in st.query_params:  # a link's value wins over what the session remembers
            raw = st.query_params[key]
            try:
                parsed = type(default)(raw)
            except ValueError:
                parsed = None
            if parsed is not None and allowed(parsed):
                value = parsed
            else:
                note_ignored(key, raw, default)
        st.session_state[key] = value
    value = make(label, key=key, **kwargs)
    saved[key] = value
    st.query_params[key] = str(value)
    return value


def number(
    col: Any, label: str, key: str, default: float, low: float, high: float, **kwargs: Any
) -> Any:
    return remembered(
        col.number_input,
        label,
        key,
        default,
        lambda v: low <= v <= high,
        min_value=low,
        max_value=high,
        **kwargs,
    )


def choice(col: Any, label: str, key: str, options: list[str]) -> Any:
    return remembered(col.selectbox, label, key, options[0], options.__contains__, options=options)


def page_start(script: str, title: str, what: str) -> Selection:
    """Title and caption of a page, and the sidebar's selection.

    On a freshly started server, Streamlit runs a deep link (say ``/layers?model=mlp``)
    straight from ``pages/`` before the router in app.py has ever run; send it through
    the router once, which then opens this page by its script name, with the same query
    parameters. ``script`` is the page's ``__file__``.
    """
    if "selection" not in st.session_state:
        st.session_state.deep_link = Path(script).stem
        st.switch_page("app.py", query_params=st.query_params.to_dict())
    st.title(title)
    st.caption(what)
    show_url_notes()
    selection: Selection = st.session_state.selection
    return selection

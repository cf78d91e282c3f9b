"""Selection and view parameters: kept in session state and mirrored into the URL, so a
copied link reopens the same view. Values from a URL that cannot be used are replaced by
defaults, with one visible note saying so.

A change of parameters replaces the page's entry in the browser's history rather than
adding one (``history_script``): Back goes to the previous page, not the previous value.
"""

from collections.abc import Callable
from pathlib import Path
from typing import Any

import streamlit as st

from linearity_core import defaults
from linearity_core.present.text import md
from linearity_core.service.catalog import list_datasets
from linearity_core.service.selection import Selection, model_keys
from linearity_core.service.urls import PAGES as PAGE_NAMES
from linearity_core.service.urls import param_key, param_text, parse_param

EPOCH_CHOICES = {0: "Untrained (random weights)", 1: "Quick: 1 epoch", 5: "Notebook: 5 epochs"}


def note_ignored(name: str, raw: str, used: Any) -> None:
    """Remember that a URL value was not usable; ``show_url_notes`` shows it once."""
    notes = st.session_state.setdefault("url_notes", {})
    notes[name] = f"ignored {md(name)}={md(raw)}; using {md(used)}"


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
    if "chosen" in st.session_state:
        return
    st.session_state.chosen = Selection(
        _from_url("dataset", list(list_datasets()), defaults.DATASET),
        _from_url("model", model_keys(), defaults.MODEL),
        _from_url("epochs", list(EPOCH_CHOICES), defaults.EPOCHS, int),
        defaults.MODEL_SEED,
        st.query_params.get("output") or None,
    )


def chosen() -> Selection:
    selection: Selection = st.session_state.chosen
    return selection


def choose(selection: Selection) -> None:
    st.session_state.chosen = selection


def select(**values: Any) -> None:
    """Change the sidebar's selection (dataset, model, epochs) from a page, then rerun.

    Widget values cannot change once the sidebar has drawn them in this run, so the
    change is applied at the start of the next one.
    """
    st.session_state.pending_selection = values
    st.rerun()


def apply_pending_selection() -> None:
    values = st.session_state.pop("pending_selection", {})
    if not values:
        return
    sel = chosen()
    model = values.get("model", sel.model_key)
    output = values.get("output", sel.output if model == sel.model_key else None)
    choose(
        Selection(
            values.get("dataset", sel.dataset_id),
            model,
            values.get("epochs", sel.epochs),
            sel.seed,
            output,
        )
    )
    for key in ("dataset", "model", "epochs", "output"):
        st.session_state.pop(key, None)  # the widgets start from the new selection


def set_url(params: dict[str, str]) -> None:
    """Write parameters into the URL, only those that changed (each write is a message)."""
    for key, value in params.items():
        if st.query_params.get(key) != value:
            st.query_params[key] = value


def drop_other_pages(page: str) -> None:
    """A page's URL holds the selection and its own parameters, not another page's."""
    for key in list(st.query_params):
        prefix = key.split("_", 1)[0]
        other_page = prefix in PAGE_NAMES and prefix != page and "_" in key
        if other_page or (key in ("run", "instance") and page != "instance"):
            del st.query_params[key]


def remembered(
    make: Callable[..., Any],
    label: str,
    key: str,
    default: Any,
    allowed: Callable[[Any], bool],
    parse: Callable[[str], Any],
    text: Callable[[Any], str] = str,
    **kwargs: Any,
) -> Any:
    """A widget whose value survives page switches and is mirrored into the URL."""
    saved = st.session_state.setdefault("params", {})
    if key not in st.session_state:
        value = saved.get(key, default)
        if key in st.query_params:  # a link's value wins over what the session remembers
            raw = st.query_params[key]
            try:
                parsed = parse(raw)
            except ValueError:
                parsed = None
            if parsed is not None and allowed(parsed):
                value = parsed
            else:
                note_ignored(key, raw, default)
        if not allowed(value):
            value = default
        st.session_state[key] = value
    value = make(label, key=key, **kwargs)
    saved[key] = value
    set_url({key: text(value)})
    return value


def view_param(
    make: Callable[..., Any], label: str, page: str, name: str, default: Any, **kwargs: Any
) -> Any:
    """A page's widget under the URL schema's name for it (``layers_samples``)."""
    options = kwargs.get("options")
    low, high = kwargs.get("min_value"), kwargs.get("max_value")
    many = isinstance(default, list)  # a multiselect

    def allowed(v: Any) -> bool:
        if options is not None:
            return all(x in list(options) for x in v) if many else v in list(options)
        return (low is None or v >= low) and (high is None or v <= high)

    def parse(raw: str) -> Any:
        value = parse_param(name, raw)
        if many:
            return list(value)
        return type(default)(value) if isinstance(default, int | float) else value

    def text(value: Any) -> str:
        return param_text(name, tuple(value) if many else value)

    key = param_key(page, name)
    return remembered(make, label, key, default, allowed, parse, text, **kwargs)


# Fields keep this width and wrap onto the next row, so labels never break mid-word.
FIELD_WIDTH = 150


def number(
    col: Any, label: str, page: str, name: str, default: float, low: float, high: float, **kw: Any
) -> Any:
    kw.setdefault("width", FIELD_WIDTH)
    return view_param(
        col.number_input, label, page, name, default, min_value=low, max_value=high, **kw
    )


def choice(col: Any, label: str, page: str, name: str, options: list[Any], **kw: Any) -> Any:
    kw.setdefault("width", FIELD_WIDTH)
    return view_param(col.selectbox, label, page, name, options[0], options=options, **kw)


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
    from pages.components.presenting import presenting

    drop_other_pages(Path(script).stem)
    st.title(title)
    if not presenting():
        st.caption(what)
    show_url_notes()
    selection: Selection = st.session_state.selection
    return selection


# Parameter changes replace the page's history entry; only a change of page adds one.
HISTORY_SCRIPT = """<script>
(() => {
  if (window.__linearityHistory) return;
  window.__linearityHistory = true;
  const push = window.history.pushState.bind(window.history);
  window.history.pushState = (state, title, url) => {
    const next = new URL(url, window.location.href);
    if (next.pathname === window.location.pathname) {
      return window.history.replaceState(state, title, url);
    }
    return push(state, title, url);
  };
})();
</script>"""


def history_script() -> None:
    st.html(HISTORY_SCRIPT, unsafe_allow_javascript=True)

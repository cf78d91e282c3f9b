"""Presenter mode (``present=1`` in the URL, or the sidebar's switch): the chart fills a
projector's screen with labels readable from the back of the room; parameters fold into
one line; notes become a caption under the chart; nothing else competes for the eye."""

from typing import Any

import plotly.graph_objects as go
import streamlit as st

from linearity_core.service.urls import parse_bool

KEY = "presenting"
# Sized for 1280x720, the smallest projector: the title and the Run line above it.
CHART_HEIGHT = 410
STYLE = """<style>
[data-testid="stHeader"] { display: none; }
[data-testid="stMainBlockContainer"] { padding-top: 1.2rem; padding-bottom: 1rem; }
h1 { font-size: 1.7rem !important; padding: 0 0 0.2rem 0 !important; }
</style>"""


def init() -> bool:
    """Presenter mode from the link, once per session; then the sidebar's switch."""
    if KEY not in st.session_state:
        raw = st.query_params.get("present", "0")
        try:
            st.session_state[KEY] = parse_bool(raw)
        except ValueError:
            st.session_state[KEY] = False
    return bool(st.session_state[KEY])


def presenting() -> bool:
    return bool(st.session_state.get(KEY, False))


def switch() -> None:
    """The sidebar's switch; the mode goes into the URL, so a link opens presenting."""
    st.toggle("Presenter mode", key=KEY, help="The chart fills the screen, for a room")
    if presenting():
        st.query_params["present"] = "1"
        st.html(STYLE)
    elif "present" in st.query_params:
        del st.query_params["present"]


def for_the_room(fig: go.Figure) -> go.Figure:
    """The figure at projector size: text of 16 px and more, the height that fits."""
    fig.update_layout(
        font={"size": 18},
        title={"font": {"size": 24}},
        legend={"font": {"size": 16}},
        height=CHART_HEIGHT,
        margin={"t": 60, "b": 60},
    )
    fig.update_xaxes(tickfont={"size": 16}, title_font={"size": 18})
    fig.update_yaxes(tickfont={"size": 16}, title_font={"size": 18})
    fig.update_annotations(font_size=16)
    return fig


def parameters(page: str) -> Any:
    """The parameters' expander: open normally, folded to one line when presenting."""
    if not presenting():
        return st.expander("Parameters", expanded=True)
    values = {**st.query_params.to_dict(), **st.session_state.get("params", {})}

    def value(name: str, default: Any) -> Any:
        return values.get(f"{page}_{name}", default)

    count = value("per_class", None)
    counted = f"{count}/class" if count else f"{value('instances', '?')} instances"
    summary = (
        f"{counted} · {value('samples', 20)} samples · ε {value('epsilon', 0.04)} · "
        f"{value('method', 'grid')}/{value('agg', 'global')} · seed {value('seed', 0)}"
    )
    return st.expander(f"Parameters · {summary}", expanded=False)

"""Page layout that holds from a phone to a projector: a chart with its notes beside it
on a wide window and under it on a narrow one."""

from typing import Any

import streamlit as st

# Streamlit stacks columns only below 640 px of window; a chart and its notes need more.
STYLE = """<style>
.st-key-notes_caption p, .st-key-notes_caption li { font-size: 0.95rem; color: #555; }
@media (max-width: 1100px) {
  .st-key-chart_and_notes [data-testid="stHorizontalBlock"] { flex-wrap: wrap; }
  .st-key-chart_and_notes [data-testid="stColumn"] { min-width: 100% !important; }
}
</style>"""


def style() -> None:
    st.html(STYLE)


def chart_and_notes() -> tuple[Any, Any]:
    """The chart's column and the notes' column (under the chart when the window is
    narrow); when presenting, the notes are a caption under the chart."""
    from pages.components.presenting import presenting

    if presenting():
        chart = st.container()
        return chart, st.container(key="notes_caption")
    with st.container(key="chart_and_notes"):
        chart_col, notes = st.columns([3, 1])
    return chart_col, notes

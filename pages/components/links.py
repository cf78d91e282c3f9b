"""Links from an image to its drill-down on the Instance page."""

from collections.abc import Sequence

import streamlit as st

from linearity_core.service.selection import Selection
from linearity_core.service.urls import View, view_params

LINKS_PER_ROW = 8


def instance_links(indices: Sequence[int], run_key: str, selection: Selection) -> None:
    """One link per image, in the grid's column order: "#123" opens that instance."""
    cols = st.columns(LINKS_PER_ROW)
    for k, index in enumerate(indices):
        view = View("instance", selection, options=(("run", run_key), ("instance", int(index))))
        cols[k % LINKS_PER_ROW].page_link(
            "pages/instance.py",
            label=f"#{index}",
            icon=":material/zoom_in:",
            query_params=view_params(view),
            help=f"Drill into test image #{index}",
        )

"""Links from an image to its drill-down on the Instance page."""

from collections.abc import Sequence

import streamlit as st

LINKS_PER_ROW = 8


def instance_links(indices: Sequence[int], run_key: str) -> None:
    """One link per image, in the grid's column order: "#123" opens that instance."""
    here = {k: st.query_params[k] for k in ("dataset", "model", "epochs") if k in st.query_params}
    cols = st.columns(LINKS_PER_ROW)
    for k, index in enumerate(indices):
        cols[k % LINKS_PER_ROW].page_link(
            "pages/instance.py",
            label=f"#{index}",
            icon=":material/zoom_in:",
            query_params={**here, "run": run_key, "instance": str(index)},
            help=f"Drill into test image #{index}",
        )

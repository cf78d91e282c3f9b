"""Every chart with its downloads: PNG at slide size and SVG (drawn by a warm browser
when clicked) and interactive HTML that opens offline."""

import re
from functools import partial
from typing import Any

import plotly.graph_objects as go
import streamlit as st

from linearity_core.present.export import (
    SLIDE_WIDTH,
    ImageFormat,
    export_unavailable,
    figure_image,
    standalone_html,
)
from pages.components.presenting import for_the_room, presenting


def slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")[:60] or "chart"


@st.cache_data(show_spinner=False)
def _missing_exporter() -> str | None:
    return export_unavailable()


def chart(
    fig: go.Figure, key: str, name: str, downloads: bool = True, compact: bool = False
) -> None:
    """Draw ``fig``; below it (unless ``downloads`` is False: the caller places them with
    ``chart_downloads``), downloads that make their file only when clicked. In a narrow
    column (``compact``) they sit behind one Download button, so no label is cut."""
    if presenting():
        st.plotly_chart(for_the_room(fig), key=key)
        return  # a room needs the chart, not its downloads
    st.plotly_chart(fig, key=key)
    if downloads:
        chart_downloads(fig, key, name, compact)


def chart_downloads(fig: go.Figure, key: str, name: str, compact: bool = False) -> None:
    if presenting():
        return
    missing = _missing_exporter()
    if compact:
        with st.popover("Download", width="content"):
            cols = [st.container()] * 3
            _buttons(fig, key, name, missing, cols)
        return
    row = st.container(horizontal=True, gap="small")  # one row at any width
    _buttons(fig, key, name, missing, [row] * 3)


def _buttons(fig: go.Figure, key: str, name: str, missing: str | None, cols: list[Any]) -> None:
    images: tuple[tuple[ImageFormat, str], ...] = (("png", "image/png"), ("svg", "image/svg+xml"))
    for col, (fmt, mime) in zip(cols, images, strict=False):
        col.download_button(
            fmt.upper(),
            partial(figure_image, fig, fmt, SLIDE_WIDTH if fmt == "png" else None),
            f"{slug(name)}.{fmt}",
            mime,
            key=f"{key}_{fmt}",
            on_click="ignore",
            disabled=missing is not None,
            help=missing or ("1920 pixels wide, for slides" if fmt == "png" else None),
        )
    cols[2].download_button(
        "HTML",
        partial(standalone_html, fig),
        f"{slug(name)}.html",
        "text/html",
        key=f"{key}_html",
        on_click="ignore",
        help="Interactive, in one file that opens with no network",
    )

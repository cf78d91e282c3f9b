"""Every chart with its downloads: PNG and SVG (drawn by a warm browser when clicked) and
interactive HTML."""

import re
from functools import partial

import plotly.graph_objects as go
import streamlit as st

from linearity_core.present.export import ImageFormat, export_unavailable, figure_image


def slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")[:60] or "chart"


@st.cache_data(show_spinner=False)
def _missing_exporter() -> str | None:
    return export_unavailable()


def chart(fig: go.Figure, key: str, name: str) -> None:
    """Draw ``fig``; below it, downloads that make their file only when clicked."""
    st.plotly_chart(fig, key=key)
    missing = _missing_exporter()
    cols = st.columns([1, 1, 1, 3])
    images: tuple[tuple[ImageFormat, str], ...] = (("png", "image/png"), ("svg", "image/svg+xml"))
    for col, (fmt, mime) in zip(cols, images, strict=False):
        col.download_button(
            fmt.upper(),
            partial(figure_image, fig, fmt),
            f"{slug(name)}.{fmt}",
            mime,
            key=f"{key}_{fmt}",
            on_click="ignore",
            disabled=missing is not None,
            help=missing,
        )
    cols[2].download_button(
        "HTML",
        lambda: fig.to_html(include_plotlyjs="cdn"),
        f"{slug(name)}.html",
        "text/html",
        key=f"{key}_html",
        on_click="ignore",
    )

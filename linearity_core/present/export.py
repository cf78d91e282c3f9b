"""Figure images (PNG, SVG) through Kaleido, with one warm browser per process.

Kaleido 1.x drives a Chrome through ``choreographer``: Debian's ``chromium`` is found on
PATH, and ``BROWSER_PATH`` overrides it. A plain ``write_image`` starts a browser per call
(about 3 s here); one export server kept warm makes each export about 0.2 s. MathJax is
off: its default is a download, and our figures use no LaTeX.
"""

import os
import shutil
import threading
from typing import Any, Literal

from linearity_core.errors import LinearityError

ImageFormat = Literal["png", "svg"]
SLIDE_WIDTH = 1920  # PNG downloads are drawn this wide: full-screen on a 1080p projector
BROWSERS = ("chromium", "chromium-browser", "google-chrome", "chrome")
TIMEOUT_S = 60
_lock = threading.Lock()
_started = False


def browser_path() -> str | None:
    """The Chrome or Chromium Kaleido will drive: ``$BROWSER_PATH``, else one on PATH."""
    explicit = os.environ.get("BROWSER_PATH")
    if explicit:
        return explicit if shutil.which(explicit) or os.path.isfile(explicit) else None  # noqa: PTH113
    return next((path for name in BROWSERS if (path := shutil.which(name))), None)


def export_unavailable() -> str | None:
    """Why images cannot be made here (what to install), or None when they can."""
    try:
        import kaleido  # noqa: F401
    except ImportError:
        return "Image export needs Kaleido: pip install 'plotly[kaleido]' (make run installs it)."
    if browser_path() is None:
        return (
            "Image export needs a Chrome or Chromium: apt-get install chromium (make run "
            "installs it), or set BROWSER_PATH to one."
        )
    return None


def _ensure_server() -> None:
    global _started
    if _started:
        return
    import kaleido

    path = browser_path()
    if path:
        os.environ["BROWSER_PATH"] = path  # choreographer's own look-up reads this
    kaleido.start_sync_server(n=1, timeout=TIMEOUT_S, mathjax=False, silence_warnings=True)
    _started = True


def standalone_html(fig: Any) -> str:
    """The figure as one interactive HTML file with plotly.js inlined (no CDN), so it
    opens and draws with no network, like the run report."""
    return str(fig.to_html(include_plotlyjs=True, full_html=True))


def figure_image(
    fig: Any, fmt: ImageFormat = "png", width: int | None = None, height: int | None = None
) -> bytes:
    """The figure as PNG or SVG bytes, drawn by the warm export server.

    Parameters
    ----------
    fig
        A Plotly figure (or its dict).
    fmt
        ``"png"`` or ``"svg"``.
    width, height
        Pixels; default the figure's own layout size, else Plotly's 700 x 500. With only
        ``width``, the height keeps the figure's proportions.
    """
    problem = export_unavailable()
    if problem:
        raise LinearityError(problem)
    import kaleido

    opts: dict[str, Any] = {"format": fmt}
    if width:
        opts["width"] = width
        layout = getattr(fig, "layout", None)
        own_w = getattr(layout, "width", None) or 700
        own_h = getattr(layout, "height", None) or 500
        opts["height"] = height or round(own_h * width / own_w)
    elif height:
        opts["height"] = height
    with _lock:  # one browser tab: exports from several sessions take turns
        _ensure_server()
        try:
            data = kaleido.calc_fig_sync(fig, opts=opts)
        except Exception as exc:
            raise LinearityError(
                f"the image could not be made ({type(exc).__name__}: {exc})"
            ) from exc
    return data if isinstance(data, bytes) else str(data).encode()

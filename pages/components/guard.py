"""The last-resort net, for pages and for fragments alike: no traceback reaches a user.

Streamlit runs a fragment on its own, outside the page's try block, so each fragment
body is wrapped too. Streamlit's own control flow (rerun, stop) derives from
BaseException and passes through untouched.
"""

import functools
import logging
from collections.abc import Callable
from typing import Any, TypeVar

import streamlit as st

from linearity_core.errors import LinearityError
from linearity_core.present.text import md

log = logging.getLogger("linearity")
F = TypeVar("F", bound=Callable[..., Any])


def show_failure(exc: Exception, where: str) -> None:
    """A bad input is said as it is; anything else is named, with what to do."""
    if isinstance(exc, LinearityError):
        st.error(md(exc))
        return
    log.exception("%s failed", where)
    st.error(
        f"Something went wrong here ({type(exc).__name__}: {md(exc)}). Your data, models "
        "and stored runs are intact; change an input or reload the page. The server log "
        "has the details."
    )


def guarded(where: str) -> Callable[[F], F]:
    """Run the function under the net (for fragment bodies)."""

    def wrap(fn: F) -> F:
        @functools.wraps(fn)
        def run(*args: Any, **kwargs: Any) -> Any:
            try:
                return fn(*args, **kwargs)
            except Exception as exc:
                show_failure(exc, where)
                return None

        return run  # type: ignore[return-value]

    return wrap

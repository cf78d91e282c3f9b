"""The last-resort net holds in fragments too: no traceback reaches a user from one
(finding 4: duplicate class names gave a raw Streamlit traceback inside a live view)."""

from streamlit.testing.v1 import AppTest

from tests.app.ui import ROOT


def live_view_that_breaks(root_dir):
    import sys

    import streamlit as st

    sys.path.insert(0, root_dir)
    from pages.components.guard import guarded

    @st.fragment
    @guarded("a live view")
    def live():
        st.write("drawing")
        raise ValueError("Index contains duplicate entries, cannot reshape")

    live()
    st.write("the page goes on")


def test_an_error_inside_a_fragment_is_a_message_not_a_traceback():
    app = AppTest.from_function(live_view_that_breaks, kwargs={"root_dir": str(ROOT)})
    app.run(timeout=60)
    assert not app.exception
    (error,) = app.error
    assert error.value.startswith("Something went wrong here (ValueError: Index contains")
    assert "change an input or reload" in error.value
    assert [m.value for m in app.markdown][-1] == "the page goes on"

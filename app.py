"""Router: page config, navigation and the shared sidebar. Run with `streamlit run app.py`."""

import logging
import os

import streamlit as st

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")  # TensorFlow's start-up chatter

from pages.shared import sidebar

st.set_page_config(page_title="Linearity dashboard", page_icon="📐", layout="wide")

PAGES = [
    st.Page("pages/data.py", title="Data", icon=":material/image:", default=True),
    st.Page("pages/model.py", title="Model", icon=":material/model_training:"),
    st.Page("pages/layers.py", title="Layers", icon=":material/bar_chart:"),
    st.Page("pages/classes.py", title="Classes", icon=":material/category:"),
    st.Page("pages/runs.py", title="Runs", icon=":material/history:"),
]

page = st.navigation(PAGES)
st.session_state.selection = sidebar()
# A deep link that arrived before the router ever ran (see pages.shared.page_start).
deep_link = st.session_state.pop("deep_link", None)
if deep_link and deep_link != page.url_path:
    target = next(p for p in PAGES if p.url_path == deep_link)
    st.switch_page(target, query_params=st.query_params.to_dict())
try:
    page.run()
except Exception as exc:  # the last net: no traceback for users; Streamlit's own control
    # flow (rerun, stop) derives from BaseException and passes through untouched.
    logging.getLogger("linearity").exception("page %s failed", page.title)
    st.error(f"Something went wrong on this page ({type(exc).__name__}: {exc}). Your data, "
             "models and stored runs are intact; change an input or reload the page. The "
             "server log has the details.")  # fmt: skip

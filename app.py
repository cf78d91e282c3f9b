"""Router: page config, navigation and the shared sidebar. Run with `streamlit run app.py`."""

import os
from typing import Literal

import streamlit as st

from linearity_core.service.compute import connect_soon
from linearity_core.service.prewarm import prewarm
from pages.components import layout, presenting
from pages.components.guard import show_failure
from pages.components.sidebar import sidebar  # imports no TensorFlow: the next line is in time
from pages.components.state import history_script
from pages.components.streamlit_setup import keep_keras_state

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")  # TensorFlow's start-up chatter
keep_keras_state()

# Presenting: the sidebar starts folded away (presenter mode is read from the link).
sidebar_state: Literal["collapsed", "auto"] = "collapsed" if presenting.init() else "auto"
st.set_page_config(
    page_title="Linearity dashboard",
    page_icon="📐",
    layout="wide",
    initial_sidebar_state=sidebar_state,
)

# Keyed by script name: that is how a deep link on a fresh server names its page.
PAGES = {
    # The default page is served at "/", its own path only reserved: /data is an alias.
    "data": st.Page(
        "pages/data.py", title="Data", icon=":material/image:", default=True, url_path="start"
    ),
    "model": st.Page("pages/model.py", title="Model", icon=":material/model_training:"),
    "layers": st.Page("pages/layers.py", title="Layers", icon=":material/bar_chart:"),
    "classes": st.Page("pages/classes.py", title="Classes", icon=":material/category:"),
    "mistakes": st.Page("pages/mistakes.py", title="Mistakes", icon=":material/report:"),
    "evolution": st.Page("pages/evolution.py", title="Training", icon=":material/trending_up:"),
    "sweep": st.Page("pages/sweep.py", title="Epsilon", icon=":material/zoom_out_map:"),
    "instance": st.Page("pages/instance.py", title="Instance", icon=":material/zoom_in:"),
    "runs": st.Page("pages/runs.py", title="Runs", icon=":material/history:"),
    "lesson": st.Page("pages/lesson.py", title="Lesson", icon=":material/school:"),
    "overlay": st.Page("pages/overlay.py", title="Overlay", icon=":material/stacked_line_chart:"),
}


def data_by_name() -> None:
    """``/data`` names the default page, which Streamlit serves at ``/`` only."""
    st.switch_page(PAGES["data"], query_params=st.query_params.to_dict())


# Hidden: the link of the default page by its name, as pages and reports write it.
ALIASES = [st.Page(data_by_name, title="Data", url_path="data", visibility="hidden")]
SECTIONS = {
    "The notebook": ["data", "model", "layers", "classes"],
    "Beyond it": ["mistakes", "evolution", "sweep", "instance"],
    "Kept": ["runs"],
    "Teach": ["lesson", "overlay"],
}

connect_soon()  # RAY_ADDRESS: join the cluster now, so the sidebar can name it
prewarm()  # once per server: the notebook's model trains before anyone asks for it
sections = {title: [PAGES[k] for k in keys] for title, keys in SECTIONS.items()}
page = st.navigation({**sections, "": ALIASES})
history_script()
layout.style()
st.session_state.selection = sidebar()
# A deep link that arrived before the router ever ran (see pages.components.state.page_start).
deep_link = st.session_state.pop("deep_link", None)
if deep_link in PAGES and PAGES[deep_link] is not page:
    st.switch_page(PAGES[deep_link], query_params=st.query_params.to_dict())
try:
    page.run()
except Exception as exc:  # the last net: no traceback for users (see pages.components.guard)
    show_failure(exc, f"page {page.title}")

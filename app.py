"""Router: page config, navigation and the shared sidebar. Run with `streamlit run app.py`."""

import logging
import os

import streamlit as st
from streamlit.runtime.scriptrunner import script_runner

from linearity_core.service.compute import connect_soon
from linearity_core.service.prewarm import prewarm
from pages.components.sidebar import sidebar  # imports no TensorFlow: the next line is in time

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")  # TensorFlow's start-up chatter

# Streamlit calls keras.backend.clear_session() after every script run, fragment reruns
# included. Our models and trainings live in background jobs, not in scripts: clearing
# would swap Keras's global state under a training mid-epoch and empty TensorFlow's kernel
# cache twice a second while a page watches a run (runs were 20x slower). Nothing here
# needs the clean-up (it also closes matplotlib figures, which we do not use).
script_runner._clean_problem_modules = lambda: None

st.set_page_config(page_title="Linearity dashboard", page_icon="📐", layout="wide")

# Keyed by script name: that is how a deep link on a fresh server names its page.
PAGES = {
    "data": st.Page("pages/data.py", title="Data", icon=":material/image:", default=True),
    "model": st.Page("pages/model.py", title="Model", icon=":material/model_training:"),
    "layers": st.Page("pages/layers.py", title="Layers", icon=":material/bar_chart:"),
    "classes": st.Page("pages/classes.py", title="Classes", icon=":material/category:"),
    "mistakes": st.Page("pages/mistakes.py", title="Mistakes", icon=":material/report:"),
    "evolution": st.Page("pages/evolution.py", title="Training", icon=":material/trending_up:"),
    "sweep": st.Page("pages/sweep.py", title="Epsilon", icon=":material/zoom_out_map:"),
    "instance": st.Page("pages/instance.py", title="Instance", icon=":material/zoom_in:"),
    "runs": st.Page("pages/runs.py", title="Runs", icon=":material/history:"),
}
SECTIONS = {
    "The notebook": ["data", "model", "layers", "classes"],
    "Beyond it": ["mistakes", "evolution", "sweep", "instance"],
    "Kept": ["runs"],
}

connect_soon()  # RAY_ADDRESS: join the cluster now, so the sidebar can name it
prewarm()  # once per server: the notebook's model trains before anyone asks for it
page = st.navigation({title: [PAGES[k] for k in keys] for title, keys in SECTIONS.items()})
st.session_state.selection = sidebar()
# A deep link that arrived before the router ever ran (see pages.components.state.page_start).
deep_link = st.session_state.pop("deep_link", None)
if deep_link in PAGES and PAGES[deep_link] is not page:
    st.switch_page(PAGES[deep_link], query_params=st.query_params.to_dict())
try:
    page.run()
except Exception as exc:  # the last net: no traceback for users; Streamlit's own control
    # flow (rerun, stop) derives from BaseException and passes through untouched.
    logging.getLogger("linearity").exception("page %s failed", page.title)
    st.error(
        f"Something went wrong on this page ({type(exc).__name__}: {exc}). Your data, "
        "models and stored runs are intact; change an input or reload the page. The "
        "server log has the details."
    )

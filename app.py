"""Router: page config, navigation and the shared sidebar. Run with `streamlit run app.py`."""

import streamlit as st

st.set_page_config(page_title="Linearity dashboard", page_icon="📐", layout="wide")

PAGES = [
    st.Page("pages/data.py", title="Data", icon=":material/image:", default=True),
    st.Page("pages/model.py", title="Model", icon=":material/model_training:"),
    st.Page("pages/layers.py", title="Layers", icon=":material/bar_chart:"),
    st.Page("pages/classes.py", title="Classes", icon=":material/category:"),
    st.Page("pages/runs.py", title="Runs", icon=":material/history:"),
]

page = st.navigation(PAGES)
page.run()

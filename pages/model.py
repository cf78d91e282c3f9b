"""Model page."""

import streamlit as st

st.title("Model")
st.caption("Choose, train or upload a model; its layers and test accuracy.")

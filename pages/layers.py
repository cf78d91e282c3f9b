"""Layers page."""

import streamlit as st

st.title("Layers")
st.caption("How linear each layer is: mean linearity per layer, live while the run goes.")

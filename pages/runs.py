"""Runs page."""

import streamlit as st

st.title("Runs")
st.caption("Every stored run: open, compare, download or delete.")

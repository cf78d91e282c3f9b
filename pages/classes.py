"""Classes page."""

import streamlit as st

st.title("Classes")
st.caption("How linearity differs between classes: histograms, means and a layer × class heatmap.")

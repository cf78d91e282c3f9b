"""Data page."""

import streamlit as st

st.title("Data")
st.caption("Class counts and a gallery of sample images, filterable by class.")

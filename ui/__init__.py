"""Streamlit-facing helpers shared by the pages: page setup and the message catalogue."""

"""The Streamlit front end's support code: the scenario store and, later, the page helpers."""

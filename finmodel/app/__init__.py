"""The Streamlit front end (``streamlit_app.py``, ``finmodel app``) and its scenario store.

``main`` draws the app: ``sidebar`` (model, scenario, assumptions, overrides) builds the
workspace from ``state`` (cached engine calls), then one of the ``pages_*`` modules draws it with
``views`` (figures from the engine), ``charts`` (Plotly) and ``formatting`` (£k, brackets).
``store`` (with ``store_records`` and ``store_validation``) is the SQLite scenario store.
"""

"""The Streamlit script that ``finmodel app`` starts (``streamlit run`` on this file).

It ships inside the package so the installed command finds it (``finmodel.resources.app_script``);
``streamlit_app.py`` at the repository root points here. The pages, the sidebar and the cached
engine calls live in :mod:`finmodel.app`; this file only starts them. Streamlit runs a script as
``__main__``, so importing this module (as the doctest collector does) draws nothing.
"""

from finmodel.app.main import main

if __name__ == "__main__":
    main()

"""finmodel's Streamlit front end: `finmodel app` (or `streamlit run streamlit_app.py`).

The pages, the sidebar and the cached engine calls live in `finmodel.app`; this file only starts
them.
"""

from finmodel.app.main import main

main()

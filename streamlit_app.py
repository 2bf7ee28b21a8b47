"""finmodel's Streamlit front end: `finmodel app` (or `streamlit run streamlit_app.py`).

A pointer kept at the repository root: the script itself ships in the package as
`finmodel/app/streamlit_app.py` (what `finmodel app` runs); the pages live in `finmodel.app`.
"""

from finmodel.app.main import main

main()

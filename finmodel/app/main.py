"""The app's entry point: page set-up, the sidebar, then the page chosen.

``finmodel/app/streamlit_app.py`` (what ``finmodel app`` runs) calls :func:`main`. The engine is
the only source of numbers; this package arranges and formats them.
"""

from __future__ import annotations

from collections.abc import Callable

import streamlit as st

from finmodel.app import (
    pages_export,
    pages_inputs,
    pages_investment,
    pages_partners,
    pages_risk,
    pages_scenarios,
    pages_system,
)
from finmodel.app.sidebar import render_sidebar
from finmodel.app.state import Workspace
from finmodel.app.widgets import show_problems

RENDERERS: dict[str, Callable[[Workspace], None]] = {
    "System": pages_system.render,
    "Inputs": pages_inputs.render,
    "Partners": pages_partners.render,
    "Investment": pages_investment.render,
    "Risk": pages_risk.render,
    "Scenarios": pages_scenarios.render,
    "Export": pages_export.render,
}
#: Initial width of the sidebar in pixels (room for the overrides tables; the user can drag it).
SIDEBAR_WIDTH = 400
#: Pages that still work when the assumptions have problems (to load or delete a scenario).
WITHOUT_RESULT = ("Scenarios", "Inputs")


def _header(ws: Workspace) -> None:
    scenario = ws.label or "model as written"
    st.markdown(f"## {ws.model.name}")
    st.caption(
        f"Starting point: {scenario} · {len(ws.overlay)} input(s) differ from the model file · "
        f"file {ws.loaded.label} "
        f"(sha256 {ws.loaded.digest[:12]}…) · money in £k, negatives in brackets"
    )


#: Page-wide style: metric values sized to fit a quarter of the page at 1,280 px (no "…"),
#: labels wrapping rather than cut.
STYLE = """
<style>
[data-testid="stMetricValue"] { font-size: 1.55rem; }
[data-testid="stMetricValue"] > div { overflow: visible; text-overflow: clip; }
[data-testid="stMetricLabel"] p { white-space: normal; }
[data-testid="stMetricLabel"] > div { overflow: visible; }
.fm-wrap { overflow-x: auto; max-width: 100%; margin-bottom: 1rem; }
.fm-table { border-collapse: collapse; font-size: 0.875rem; width: 100%; }
.fm-table th, .fm-table td { padding: 0.3rem 0.5rem; border-bottom: 1px solid #e6e6ea;
  background: #fff; vertical-align: top; }
.fm-table th { font-weight: 600; color: #555; vertical-align: bottom; text-align: left; }
.fm-table .n { text-align: right; font-variant-numeric: tabular-nums; }
.fm-table td.n { white-space: nowrap; }
.fm-table th:first-child, .fm-table td:first-child { position: sticky; left: 0;
  min-width: 13rem; max-width: 24rem; text-align: left; z-index: 1; }
</style>
"""


def main() -> None:
    """Draw the whole app once (Streamlit reruns it on every interaction)."""
    st.set_page_config(
        page_title="finmodel: system financial position",
        page_icon=":material/account_balance:",
        layout="wide",
        initial_sidebar_state=SIDEBAR_WIDTH,
    )
    st.markdown(STYLE, unsafe_allow_html=True)
    head = st.container()  # above the Inputs page's editors, which draw before the projection
    page, ws, upload_problems = render_sidebar()
    if ws is None:
        with head:
            st.markdown("## finmodel")
            if upload_problems:
                show_problems(
                    "This file is not a valid model. Fix these problems and upload it again, "
                    "or choose a bundled model:",
                    upload_problems,
                )
            else:
                st.info("Upload a model file (YAML) or a budget workbook in the sidebar.")
        return
    with head:
        _header(ws)
        if ws.problems:
            show_problems("These assumptions do not make a valid model:", ws.problems)
    if ws.problems and page not in WITHOUT_RESULT:
        return
    if ws.store_error and page == "Scenarios":
        st.warning(ws.store_error)
    RENDERERS[page](ws)

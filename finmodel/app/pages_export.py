"""Export page: the Excel appendix and the scenario as a model YAML, for what is on screen."""

from __future__ import annotations

from typing import Any

import streamlit as st

from finmodel.app import exports, pages_risk
from finmodel.app.state import Workspace, overlaid_model, overlay_key
from finmodel.app.widgets import show_problems
from finmodel.errors import FinmodelError, InputError
from finmodel.risk import DEFAULT_DRAWS, DEFAULT_SEED


@st.cache_data(show_spinner="Writing the Excel appendix…", max_entries=8)
def _appendix(
    digest: str, key: str, values_only: bool, run: str, _ws: Workspace, _risk: Any
) -> bytes:
    assert _ws.result is not None
    return exports.appendix_bytes(
        _ws.result, _ws.loaded, values_only=values_only, risk=_risk, overlay=_ws.overlay
    )


def _risk_sheet(ws: Workspace) -> tuple[str, Any]:
    """The session's Monte Carlo run for the Risk sheet (if it is for what is on screen)."""
    if not ws.model.uncertainty:
        return "", None
    run = pages_risk.current_run(ws)
    if run is None:
        st.caption(
            f"Risk sheet: the default Monte Carlo ({DEFAULT_DRAWS:,} draws, seed {DEFAULT_SEED}); "
            "run your own on the Risk page to export it instead."
        )
        return "default", None
    try:
        found = pages_risk.tornados(ws)
    except InputError:
        found = None
    st.caption(f"Risk sheet: this session's Monte Carlo ({run.describe_sampling()}).")
    return f"{run.n_draws}|{run.seed}|{run.method}", (run, found)


def render(ws: Workspace) -> None:
    """Draw the Export page."""
    result = ws.result
    assert result is not None
    name = ws.label or "app"
    st.subheader("Export what is on screen")
    st.caption(
        f"Model {ws.loaded.label} (sha256 {ws.loaded.digest[:12]}…), "
        f"{len(ws.overlay)} input(s) changed from the file. Money in £k."
    )
    st.markdown("#### Excel appendix")
    run, risk = _risk_sheet(ws)
    values_only = st.checkbox(
        "Values only (no live formulas)",
        key="export_values_only",
        help="By default the appendix recalculates with live formulas a reviewer can audit.",
    )
    try:
        data = _appendix(ws.loaded.digest, overlay_key(ws.overlay), values_only, run, ws, risk)
    except InputError as err:
        show_problems("The appendix could not be written:", [str(p) for p in err.problems])
        data = None
    except FinmodelError as err:
        st.error(f"The appendix could not be written: {err}")
        data = None
    if data is not None:
        st.download_button(
            "Download the Excel appendix (.xlsx)",
            data,
            file_name=f"{exports.slug(result.model.name)}_{exports.slug(name)}_appendix.xlsx",
            mime="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
            key="download_appendix",
            type="primary",
        )
    st.markdown("#### Scenario")
    cols = st.columns(3)
    try:
        model_yaml = exports.scenario_model_yaml(
            overlaid_model(ws.loaded, ws.overlay), result, ws.loaded, ws.overlay
        )
    except InputError as err:
        show_problems("The model YAML could not be written:", [str(p) for p in err.problems])
        model_yaml = ""
    cols[0].download_button(
        "Model YAML with these assumptions",
        model_yaml,
        disabled=not model_yaml,
        file_name=f"{exports.slug(result.model.name)}_{exports.slug(name)}.yaml",
        mime="application/x-yaml",
        key="download_model_yaml",
        help="The whole model file with the changes applied; finmodel run reads it back.",
    )
    cols[1].download_button(
        "Scenario entry (scenarios: set)",
        exports.scenario_entry_yaml(ws.overlay, name, ws.label or "Set in the app"),
        file_name=f"scenario_{exports.slug(name)}.yaml",
        mime="application/x-yaml",
        key="download_scenario_entry",
        help="Only the changed inputs, as dotted paths, to paste under scenarios: in a model file.",
    )
    cols[2].download_button(
        "Result JSON",
        exports.result_json(result),
        file_name=f"{exports.slug(result.model.name)}_{exports.slug(name)}.json",
        mime="application/json",
        key="download_json",
    )
    with st.expander("Inputs changed from the model file"):
        if ws.overlay:
            st.json(ws.overlay)
        else:
            st.write("None: the model as written.")

"""Scenarios page: save the assumptions on screen, list, load, compare two, delete; audit trail.

A saved scenario is exactly the sidebar's overlay (dotted path -> value), with who saved it,
when, the model's name and the sha256 of the model file, and a snapshot of headline results.
"""

from __future__ import annotations

import pandas as pd
import streamlit as st

from finmodel.app import views
from finmodel.app.formatting import money, short_hash
from finmodel.app.sidebar import SAVED_SCENARIO, load_overlay
from finmodel.app.state import Workspace, projection
from finmodel.app.store import SavedScenario, StoreError
from finmodel.app.widgets import keep, kept_key, money_table, show_problems
from finmodel.errors import InputError


def _saved_table(saved: list[SavedScenario], digest: str) -> pd.DataFrame:
    rows = []
    for s in saved:
        final = (s.results or {}).get("final_year_system_surplus")
        rows.append(
            {
                "Name": s.name,
                "Saved by": s.saved_by,
                "Saved at (UTC)": s.saved_at.strftime("%Y-%m-%d %H:%M:%S"),
                "Revision": s.revision,
                "Inputs set": len(s.assumptions),
                "Final-year surplus £k (as saved)": (
                    money(float(final)) if isinstance(final, int | float) else ""
                ),
                "Model hash": short_hash(s.model_hash)
                + ("" if s.model_hash == digest else " (other version)"),
                "Note": s.note or "",
            }
        )
    return pd.DataFrame(rows)


def _save_form(ws: Workspace) -> None:
    st.markdown("#### Save the assumptions on screen")
    if ws.result is None:
        st.info("Fix the problems with the assumptions before saving.")
        return
    ss = st.session_state
    if ss.pop("save_reset", False):  # the last save succeeded: a fresh, empty form
        ss.pop("save_name", None)
        ss.pop("save_note", None)
    if done := ss.pop("save_done", None):
        st.success(done)
    with st.form("save_form", clear_on_submit=False):
        name = st.text_input("Scenario name", key="save_name", max_chars=120)
        note = st.text_area("Note (optional)", key="save_note", max_chars=2000, height=68)
        submitted = st.form_submit_button("Save scenario", type="primary")
    if not submitted:
        return
    assert ws.store is not None
    try:
        saved = ws.store.save(
            name,
            ws.overlay,
            model_name=ws.model_name,
            model_hash=ws.loaded.digest,
            user=st.session_state.get("user_name", ""),
            note=note or None,
            results=views.results_snapshot(ws.result),
        )
    except InputError as err:
        show_problems("Not saved:", [str(p) for p in err.problems])
        return
    except StoreError as err:
        st.error(f"Not saved: {err}")
        return
    ss["ws_label"] = saved.name
    ss["scenario_choice_pending"] = SAVED_SCENARIO + saved.name
    ss["save_done"] = (
        f"Saved '{saved.name}' (revision {saved.revision}, {len(saved.assumptions)} inputs) "
        f"by {saved.saved_by} at {saved.saved_at:%Y-%m-%d %H:%M:%S} UTC."
    )
    ss["save_reset"] = True  # the name and note must not carry over into the next save
    st.rerun()


def _load(ws: Workspace, saved: list[SavedScenario]) -> None:
    by_name = {s.name: s for s in saved}
    cols = st.columns([3, 1])
    name = cols[0].selectbox("Scenario to load", list(by_name), key="load_choice")
    if name is None:
        return
    chosen = by_name[name]
    if chosen.model_hash != ws.loaded.digest:
        cols[0].caption("Saved against another version of this model file: check the results.")
    cols[1].button(
        "Load into the sidebar",
        key="load_button",
        on_click=load_overlay,
        args=(ws.loaded, chosen.assumptions, chosen.name, SAVED_SCENARIO + chosen.name),
    )


def _compare(ws: Workspace, saved: list[SavedScenario]) -> None:
    st.markdown("#### Compare two saved scenarios")
    if len(saved) < 2:
        st.info("Save at least two scenarios to compare them.")
        return
    names = [s.name for s in saved]
    by_name = {s.name: s for s in saved}
    cols = st.columns(2)
    first = cols[0].selectbox("First", names, index=min(1, len(names) - 1), key="cmp_first")
    second = cols[1].selectbox("Second", names, index=0, key="cmp_second")
    if first is None or second is None:
        return
    assert ws.store is not None
    comparison = ws.store.compare(by_name[first].id, by_name[second].id)
    if not comparison.same_model:
        st.warning("The two were saved against different versions of the model file.")
    st.markdown("**Inputs**")
    if comparison.same_inputs:
        st.write("The two scenarios set the same inputs to the same values.")
    else:
        st.dataframe(
            views.input_differences(
                comparison.only_in_first, comparison.only_in_second, comparison.changed
            ),
            hide_index=True,
            width="stretch",
            key="cmp_inputs",
        )
    try:
        a = projection(ws.loaded, by_name[first].assumptions, first)
        b = projection(ws.loaded, by_name[second].assumptions, second)
    except InputError as err:
        show_problems(
            "One of them does not apply to the model on screen:", [str(p) for p in err.problems]
        )
        return
    if a.years != b.years:
        st.info("The two have different horizons; results are shown for each on its own.")
        return
    st.markdown(f"**Results on the model on screen (£k)**: first = {first}, second = {second}")
    table = views.compare_results(a, b)
    st.session_state["comparison"] = table
    money_table(table, variance_rows=["Surplus, second - first"], key="cmp_results")
    money_table(
        views.compare_partners(a, b),
        money_columns=["First", "Second", "Second - first"],
        variance_columns=["Second - first"],
        hide_index=True,
        key="cmp_partners",
    )


def _delete(ws: Workspace, saved: list[SavedScenario]) -> None:
    st.markdown("#### Delete a saved scenario")
    by_name = {s.name: s for s in saved}
    cols = st.columns([3, 2, 1])
    name = cols[0].selectbox("Scenario to delete", list(by_name), key="delete_choice")
    sure = cols[1].checkbox("Yes, delete it", key="delete_confirm")
    if cols[2].button("Delete", key="delete_button", disabled=not sure) and name:
        assert ws.store is not None
        try:
            gone = ws.store.delete(by_name[name].id, user=st.session_state.get("user_name", ""))
        except InputError as err:
            show_problems("Not deleted:", [str(p) for p in err.problems])
            return
        except StoreError as err:
            st.error(f"Not deleted: {err}")
            return
        st.session_state["delete_done"] = gone.name
        st.rerun()


def render(ws: Workspace) -> None:
    """Draw the Scenarios page."""
    if ws.store is None:
        st.error(f"The scenario store is not available: {ws.store_error}")
        return
    st.subheader("Scenarios")
    st.caption(
        f"Saved in {ws.store.path} (set FINMODEL_DATA_DIR to move it). Model: {ws.model_name}, "
        f"file hash {short_hash(ws.loaded.digest)}."
    )
    keep(
        "user_name",
        st.text_input(
            "Your name (recorded with every save and delete)",
            key=kept_key("user_name", ""),
            max_chars=80,
        ),
    )
    if gone := st.session_state.pop("delete_done", None):
        st.success(f"Deleted '{gone}'.")
    _save_form(ws)
    try:
        saved = ws.store.list_scenarios(ws.model_name)
    except StoreError as err:
        st.error(str(err))
        return
    st.markdown(f"#### Saved scenarios of {ws.model_name}")
    if not saved:
        st.info("No saved scenarios yet.")
        return
    st.dataframe(
        _saved_table(saved, ws.loaded.digest), hide_index=True, width="stretch", key="saved_table"
    )
    _load(ws, saved)
    _compare(ws, saved)
    _delete(ws, saved)
    with st.expander("Audit trail (latest 50 changes)"):
        log = ws.store.audit_log(model_name=ws.model_name, limit=50)
        st.dataframe(
            pd.DataFrame(
                [
                    {
                        "When (UTC)": e.at.strftime("%Y-%m-%d %H:%M:%S"),
                        "Who": e.user,
                        "Action": e.action,
                        "Scenario": e.scenario_name,
                    }
                    for e in log
                ]
            ),
            hide_index=True,
            width="stretch",
            key="audit_table",
        )

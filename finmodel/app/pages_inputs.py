"""Inputs page: year-by-year paths and the per-partner and per-line overrides, in the main area.

Drawn before the projection runs (the sidebar calls :func:`input_entries`), so a change shows
in the same run. On other pages the entries made here are kept in session state and still
apply:

* ``ws_year_entries``: ``{path: [value a year]}`` from the year-by-year editor;
* ``ws_table_entries``: entries of the override tables (``ws_table_basis``: what they started
  from when last drawn).

Year-by-year: pick an input (a control total, funding growth, a line's rate...), and a row per
projected year shows its value; changing one year changes only that year. "Apply to all years"
sets every row to one value (the shortcut, not the default).
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from typing import Any

import streamlit as st

from finmodel.app.assumptions import MISSING, main_assumptions
from finmodel.app.formatting import money
from finmodel.app.overrides import OverrideTable, override_tables, table_entries
from finmodel.app.state import LoadedModel, overlay_key
from finmodel.app.year_inputs import YearInput, shown_values, year_entry, year_inputs

PAGE = "Inputs"
#: Widths (px) of the override tables' name columns: long NHS names show whole.
TEXT_WIDTHS = {"Partner": 330, "Line": 360, "Stream": 300}


@st.cache_resource(show_spinner=False, max_entries=32)
def _tables(digest: str, base_key: str, _loaded: LoadedModel, _base: Any) -> Any:
    return override_tables(_loaded.model, _base)


@st.cache_resource(show_spinner=False, max_entries=32)
def _year_inputs(digest: str, base_key: str, _loaded: LoadedModel, _base: Any) -> Any:
    return year_inputs(_loaded.model, _base)


def tables_for(loaded: LoadedModel, base: Mapping[str, Any]) -> dict[str, OverrideTable]:
    """The override tables with the starting point applied (cached)."""
    return _tables(loaded.digest, overlay_key(base), loaded, base)


def inputs_for(loaded: LoadedModel, base: Mapping[str, Any]) -> dict[str, YearInput]:
    """The year-varying inputs with the starting point applied (cached)."""
    return _year_inputs(loaded.digest, overlay_key(base), loaded, base)


def start_entries(
    loaded: LoadedModel, base: Mapping[str, Any]
) -> tuple[dict[str, Any], dict[str, Any]]:
    """The year and table entries a starting point gives: control totals and per-year lists
    go to the year-by-year editor, single values of the tables' cells to the tables (the
    sidebar's own assumptions keep single values)."""
    tables = tables_for(loaded, base)
    table_paths = tables["costs"].paths | tables["funding"].paths
    table_paths |= _shares_only(tables["partners"]).paths
    sidebar = {spec.path for spec in main_assumptions(loaded.model)}
    years, cells = {}, {}
    for path, value in base.items():
        if path in inputs_for(loaded, base) and (
            isinstance(value, list) or (path not in table_paths and path not in sidebar)
        ):
            years[path] = value
        elif path in table_paths:
            cells[path] = value
    return years, cells


# ------------------------------------------------------------------------------ year by year
def _row_key(version: int, path: str, t: int) -> str:
    return f"yr:{version}:{path}:{t}"


def _apply_to_all(keys: list[str], source: str) -> None:
    value = st.session_state.get(source)
    if value is not None:
        for key in keys:
            st.session_state[key] = float(value)


def _year_editor(
    loaded: LoadedModel,
    base: Mapping[str, Any],
    version: int,
    years: list[str],
    sidebar: Mapping[str, Any],
) -> None:
    ss = st.session_state
    found = inputs_for(loaded, {**base, **sidebar})
    entries: dict[str, Any] = ss["ws_year_entries"]
    st.markdown("#### Year by year")
    st.caption(
        "A row per projected year. Changing one year changes only that year; "
        '"Apply to all years" sets every year to one value.'
    )
    paths = list(found)
    if not paths:
        st.info("This model has no year-varying inputs.")
        return
    edited = [p for p in paths if p in entries]
    default = (
        edited[0]
        if edited
        else next((p for p in paths if p.startswith("control_totals.")), paths[0])
    )
    if ss.get("yr_choice") not in paths:
        ss["yr_choice"] = default
    path = st.selectbox(
        "Input",
        paths,
        key="yr_choice",
        format_func=lambda p: f"{found[p].group} · {found[p].label}",
        help="Inputs changed year by year so far: "
        + (", ".join(found[p].label for p in entries if p in found) or "none"),
    )
    spec = found[path]
    current = entries.get(path)
    shown = shown_values(spec, current if isinstance(current, list) else None)
    start = shown_values(spec)
    unit = "% a year" if spec.kind == "rate" else "£k"
    keys = [_row_key(version, path, t) for t in range(len(shown))]
    left, right = st.columns([3, 2])
    with left:
        for t, key in enumerate(keys):
            if key not in ss:
                ss[key] = shown[t]
            label = years[t] if t < len(years) else f"Year {t + 1}"
            st.number_input(
                f"{label}, {unit}",
                key=key,
                step=0.1 if spec.kind == "rate" else 100.0,
                format="%.2f" if spec.kind == "rate" else "%.0f",
                help=f"Starting value: {_text(spec, start[t])}",
            )
    with right:
        all_key = f"yr_all:{version}:{path}"
        if all_key not in ss:
            ss[all_key] = shown[0]
        st.number_input(
            f"Every year, {unit}",
            key=all_key,
            step=0.1 if spec.kind == "rate" else 100.0,
            format="%.2f" if spec.kind == "rate" else "%.0f",
        )
        st.button(
            "Apply to all years",
            key=f"yr_apply:{version}:{path}",
            on_click=_apply_to_all,
            args=(keys, all_key),
        )
        st.caption(f"Starting values: {', '.join(_text(spec, v) for v in start)}.")
    value = year_entry(spec, [float(ss[k]) for k in keys], base)
    if value is MISSING:
        entries.pop(path, None)
    else:
        entries[path] = value


def _text(spec: YearInput, shown: float) -> str:
    return f"{shown:.2f}%" if spec.kind == "rate" else f"£{money(shown)}k"


# ------------------------------------------------------------------------------ the tables
def _table_editor(name: str, title: str, table: OverrideTable, version: str) -> Any:
    frame = table.frame
    if frame.empty:
        return frame
    st.markdown(f"**{title}**")
    config: dict[str, Any] = {
        column: st.column_config.TextColumn(
            column, width=TEXT_WIDTHS[column], pinned=column == "Partner"
        )
        for column in ("Partner", "Line", "Stream")
        if column in frame.columns
    }
    for column in table.editable:
        money_col = column.endswith("£k")
        config[column] = st.column_config.NumberColumn(
            column,
            format="%,.0f" if money_col else "%.2f",
            step=1.0 if money_col else 0.01,
            min_value=None
            if money_col and column.startswith("Control")
            else (0.0 if money_col else -90.0),
            help="Blank: as in the model." if not money_col else "£k",
        )
    return st.data_editor(
        frame,
        key=f"ed:{name}:{version}",
        disabled=[c for c in frame.columns if c not in table.editable],
        column_config=config,
        num_rows="fixed",
        hide_index=True,
        width="stretch",
    )


def _tables_editor(loaded: LoadedModel, base: Mapping[str, Any], version: int) -> None:
    ss = st.session_state
    basis: dict[str, Any] = ss.get("ws_table_basis", {})
    start = {**base, **basis}
    shown = tables_for(loaded, start)
    tag = hashlib.sha256(overlay_key(basis).encode()).hexdigest()[:8]
    entries: dict[str, Any] = {}
    st.markdown("#### Per-partner and per-line overrides")
    st.caption(
        "Rates in % a year, money in £k. A blank rate: as in the model. A rate given year by "
        "year shows its first year here: change it above, under Year by year, to keep its path."
    )
    for name, title in (("costs", "Cost lines"), ("funding", "Funding streams")):
        edited = _table_editor(name, title, shown[name], f"{version}:{tag}")
        entries.update(table_entries(shown[name], edited, base))
    partners = _shares_only(shown["partners"])
    if partners.editable:
        edited = _table_editor(
            "partners", "Partners: fixed risk shares", partners, f"{version}:{tag}"
        )
        entries.update(table_entries(partners, edited, base))
    ss["ws_table_entries"] = entries


def _shares_only(table: OverrideTable) -> OverrideTable:
    """The partners table without its control totals (edited year by year above)."""
    frame = table.frame.drop(columns=["Control total £k"], errors="ignore")
    cells = {k: v for k, v in table.cells.items() if k[1] != "Control total £k"}
    editable = tuple(c for c in table.editable if c != "Control total £k")
    return OverrideTable(frame, cells, editable)


# ------------------------------------------------------------------------------ entry point
def input_entries(
    loaded: LoadedModel,
    base: Mapping[str, Any],
    version: int,
    years: list[str],
    *,
    draw: bool,
    sidebar: Mapping[str, Any],
) -> tuple[dict[str, Any], dict[str, Any]]:
    """The table entries and the year entries on screen; with ``draw`` the editors are drawn
    in the main area (the Inputs page) first. ``sidebar``: the sidebar's own entries (the
    year-by-year rows start from them)."""
    ss = st.session_state
    if ss.get("ws_year_entries") is None or ss.get("ws_table_entries") is None:
        ss["ws_year_entries"], ss["ws_table_entries"] = start_entries(loaded, base)
        ss["ws_table_basis"] = dict(ss["ws_table_entries"])
    if draw:
        st.markdown("### Inputs")
        _year_editor(loaded, base, version, years, sidebar)
        _tables_editor(loaded, base, version)
    else:
        ss["ws_table_basis"] = dict(ss["ws_table_entries"])
    return dict(ss["ws_table_entries"]), dict(ss["ws_year_entries"])


def render(ws: Any) -> None:
    """The Inputs page after its editors (drawn by the sidebar before the projection)."""
    changed = len(st.session_state.get("ws_year_entries") or {})
    st.caption(
        f"{changed} input(s) set year by year. Every change here applies on every page and is "
        "saved with the scenario."
    )

"""The sidebar: page, model, scenario, main assumptions and the overrides tables.

It builds the :class:`~finmodel.app.state.Workspace` every page draws from. Session state:

* ``ws_digest``: hash of the model on screen; a different model resets the inputs;
* ``ws_base``: the overlay of the scenario loaded as the starting point (``{}`` for none);
* ``ws_label``: that scenario's name; ``ws_version``: bumped on each load (fresh tables);
* ``in:<dotted.path>``: each main assumption's widget value (rates in percent).

Nothing typed is evaluated: numbers come from number inputs and tables, names are plain text.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import streamlit as st

from finmodel.app.assumptions import (
    HORIZON_PATH,
    MISSING,
    AssumptionSpec,
    entry_for,
    main_assumptions,
    to_display,
)
from finmodel.app.formatting import pct_or_list
from finmodel.app.pages_inputs import PAGE as PAGE_INPUTS
from finmodel.app.pages_inputs import input_entries, inputs_for, tables_for
from finmodel.app.state import (
    MAX_UPLOAD_MB,
    UPLOAD_TYPES,
    LoadedModel,
    Workspace,
    bundled_models,
    full_overlay,
    load_bundled,
    load_upload,
    projection,
    scenario_store,
)
from finmodel.app.store import ScenarioStore, StoreError
from finmodel.errors import InputError

PAGES = ("System", "Inputs", "Partners", "Investment", "Risk", "Scenarios", "Export")
UPLOAD_OPTION = "Upload a file…"
AS_WRITTEN = "Model as written"
MODEL_SCENARIO = "Model scenario: "
SAVED_SCENARIO = "Saved: "


def _widget_key(path: str) -> str:
    return f"in:{path}"


# -------------------------------------------------------------------------------- loading
def load_overlay(
    loaded: LoadedModel, overlay: Mapping[str, Any], label: str | None, choice: str | None = None
) -> None:
    """Make ``overlay`` the starting point: widgets show its values, tables restart from it.

    Safe to call from a widget callback (it only writes session state).
    """
    ss = st.session_state
    ss["ws_base"] = dict(overlay)
    ss["ws_label"] = label
    ss["ws_version"] = ss.get("ws_version", 0) + 1
    ss["ws_table_entries"] = None  # the tables restart from the overlay
    ss["ws_year_entries"] = None  # and the year-by-year paths
    ss["ws_table_basis"] = {}
    for spec in main_assumptions(loaded.model):
        if spec.kind == "derived":  # shown, not set: no widget
            continue
        value = overlay.get(spec.path, spec.model_value)
        if spec.kind == "choice" and value not in spec.options:
            value = spec.model_value
        ss[_widget_key(spec.path)] = to_display(value, spec.kind)
    ss["scenario_choice"] = choice or (SAVED_SCENARIO + label if label else AS_WRITTEN)


def _reset_for(loaded: LoadedModel) -> None:
    ss = st.session_state
    for key in [k for k in ss if isinstance(k, str) and k.startswith("in:")]:
        del ss[key]
    ss["ws_digest"] = loaded.digest
    load_overlay(loaded, {}, None, AS_WRITTEN)


def _scenario_options(loaded: LoadedModel, store: ScenarioStore | None) -> dict[str, Any]:
    options: dict[str, Any] = {AS_WRITTEN: ({}, None)}
    for scenario in loaded.model.scenarios:
        label = scenario.name or scenario.id
        options[MODEL_SCENARIO + label] = (dict(scenario.set), scenario.id)
    if store is not None:
        try:
            for saved in store.list_scenarios(loaded.model.name):
                options[SAVED_SCENARIO + saved.name] = (saved.assumptions, saved.name)
        except StoreError:
            pass
    return options


def _on_scenario_choice(loaded: LoadedModel, options: dict[str, Any]) -> None:
    choice = st.session_state["scenario_choice"]
    overlay, label = options.get(choice, ({}, None))
    load_overlay(loaded, overlay, label, choice)


# -------------------------------------------------------------------------------- widgets
def _model_picker() -> tuple[LoadedModel | None, list[str]]:
    bundled = bundled_models()
    choice = st.selectbox("Model", [*bundled, UPLOAD_OPTION], key="model_choice")
    if choice != UPLOAD_OPTION:
        return load_bundled(bundled[choice]), []
    upload = st.file_uploader(
        f"Model file: YAML or budget workbook, up to {MAX_UPLOAD_MB} MB",
        type=list(UPLOAD_TYPES),
        max_upload_size=MAX_UPLOAD_MB,
        key="upload",
    )
    if upload is None:
        return None, []
    try:
        return load_upload(upload.name, upload.getvalue()), []
    except InputError as err:
        return None, [str(problem) for problem in err.problems]


def _default_text(spec: AssumptionSpec) -> str:
    if spec.kind in ("rate", "share"):
        return pct_or_list(spec.model_value)
    if spec.kind == "choice":
        return spec.option_labels.get(spec.model_value, spec.model_value)
    return str(spec.model_value)


def _short_source(spec: AssumptionSpec) -> str:
    return spec.source if len(spec.source) <= 80 else spec.source[:77] + "…"


def _caption(spec: AssumptionSpec) -> str:
    return f"Model: {_default_text(spec)} · Source: {_short_source(spec)}"


def _by_year_note(spec: AssumptionSpec, base: Mapping[str, Any]) -> None:
    """A year-varying assumption in the sidebar: its path as text, edited on the Inputs page
    (a single box would show one year and flatten the path when typed in)."""
    entries = st.session_state.get("ws_year_entries") or {}
    value = entries.get(spec.path, base.get(spec.path, spec.model_value))
    st.markdown(f"**{spec.label}**, % by year")
    st.caption(
        f"{pct_or_list(value)} · edit year by year on the Inputs page · "
        f"Source: {_short_source(spec)}",
        help=f"Source: {spec.source}",
    )


def _assumption_widget(
    spec: AssumptionSpec, base: Mapping[str, Any], *, by_year: bool = False
) -> Any:
    key = _widget_key(spec.path)
    ss = st.session_state
    if spec.kind == "derived":  # worked out from other assumptions: shown with how
        st.markdown(f"**{spec.label}**: {pct_or_list(spec.model_value)}")
        st.caption(spec.source, help=spec.help)
        return MISSING
    if spec.kind in ("rate", "share") and (
        by_year or isinstance(base.get(spec.path, spec.model_value), list)
    ):
        _by_year_note(spec, base)
        return MISSING
    if key not in ss:
        value = base.get(spec.path, spec.model_value)
        if spec.kind == "choice" and value not in spec.options:
            value = spec.model_value
        ss[key] = to_display(value, spec.kind)
    help_text = f"{spec.help}\n\nModel value: {_default_text(spec)}\n\nSource: {spec.source}"
    if spec.kind in ("rate", "share"):
        share = spec.kind == "share"
        st.number_input(
            f"{spec.label}, %" if share else f"{spec.label}, % a year",
            min_value=0.0 if share else -90.0,
            max_value=100.0 if share else 500.0,
            step=0.1,
            format="%.2f",
            key=key,
            help=help_text,
        )
    elif spec.kind == "int":
        st.number_input(spec.label, min_value=1, max_value=50, step=1, key=key, help=help_text)
    else:
        labels = spec.option_labels
        st.selectbox(
            spec.label,
            spec.options,
            key=key,
            format_func=lambda v: labels.get(v, v),
            help=help_text,
        )
    st.caption(_caption(spec))
    return entry_for(
        ss[key], base=base.get(spec.path, MISSING), model_value=spec.model_value, kind=spec.kind
    )


def _projected_years(
    loaded: LoadedModel, base: Mapping[str, Any], settings: Mapping[str, Any]
) -> list[str]:
    """Labels of the projected years (``2020/21``...) for the horizon on screen."""
    timeline = loaded.model.timeline
    horizon = int(settings.get(HORIZON_PATH, base.get(HORIZON_PATH, timeline.horizon)))
    first = int(str(timeline.base_year)[:4]) + 1
    return [f"{y}/{(y + 1) % 100:02d}" for y in range(first, first + horizon)]


def render_sidebar() -> tuple[str, Workspace | None, list[str]]:
    """Draw the sidebar; return the page chosen, the workspace, and upload problems if any."""
    with st.sidebar:
        st.markdown("### finmodel · £k")
        page = st.radio("Page", PAGES, key="page")
        loaded, upload_problems = _model_picker()
        if loaded is None:
            return page, None, upload_problems
        ss = st.session_state
        if ss.get("ws_digest") != loaded.digest:
            _reset_for(loaded)
        store, store_error = scenario_store()
        options = _scenario_options(loaded, store)
        pending = ss.pop("scenario_choice_pending", None)
        if pending in options:
            ss["scenario_choice"] = pending
        if ss.get("scenario_choice") not in options:
            ss["scenario_choice"] = AS_WRITTEN
        st.selectbox(
            "Scenario",
            list(options),
            key="scenario_choice",
            on_change=_on_scenario_choice,
            args=(loaded, options),
            help="The starting point: the model as written, one of its scenarios, or a "
            "saved scenario. Changes below are laid over it.",
        )
        base: dict[str, Any] = ss.get("ws_base", {})
        version = ss.get("ws_version", 0)
        st.markdown("#### Assumptions")
        settings: dict[str, Any] = {}
        specs = main_assumptions(loaded.model)
        year_paths = set(ss.get("ws_year_entries") or {})
        for spec in specs:
            value = _assumption_widget(spec, base, by_year=spec.path in year_paths)
            if value is not MISSING:
                settings[spec.path] = value
    # the Inputs page's editors draw in the main area, before the projection runs
    years = _projected_years(loaded, base, settings)
    table_entries, year_entries = input_entries(
        loaded, base, version, years, draw=page == PAGE_INPUTS, sidebar=dict(settings)
    )
    settings.update(table_entries)
    settings.update(year_entries)  # a path edited year by year wins
    tables = tables_for(loaded, base)
    covered = {spec.path for spec in specs}.union(
        *(t.paths for t in tables.values()), inputs_for(loaded, base)
    )
    carried = {p: v for p, v in base.items() if p not in covered}
    overlay = full_overlay(loaded.model, {**carried, **settings}, resize=HORIZON_PATH in base)
    with st.sidebar:
        cols = st.columns([3, 2])
        cols[0].caption(f"{len(overlay)} input(s) differ from the model file.")
        cols[1].button(
            "Reset",
            key="reset_inputs",
            on_click=load_overlay,
            args=(loaded, base, ss.get("ws_label"), ss.get("scenario_choice")),
            help="Back to the starting point chosen under Scenario.",
        )
    label = ss.get("ws_label")
    ss["ws_overlay"] = overlay
    workspace = Workspace(loaded, overlay, label, None, [], store, store_error)
    try:
        workspace.result = projection(loaded, overlay, label)
    except InputError as err:
        workspace.problems = [str(problem) for problem in err.problems]
    return page, workspace, []

"""System page: headline metrics, the system position by year, places, partners, gap bridge."""

from __future__ import annotations

from typing import Any

import streamlit as st

from finmodel.app import charts, views
from finmodel.app.formatting import money_k
from finmodel.app.state import Workspace, projection
from finmodel.app.store import StoreError
from finmodel.app.widgets import fast_money_table, money_metric
from finmodel.engine.result import ProjectionResult
from finmodel.errors import InputError

AS_WRITTEN = "Model as written"
#: A saved scenario with this name (any case) is the default baseline to compare with.
BASELINE_NAME = "baseline"


def baseline_options(ws: Workspace) -> dict[str, dict[str, Any]]:
    """Baselines to compare with: the model as written and each saved scenario of this model."""
    options: dict[str, dict[str, Any]] = {AS_WRITTEN: {}}
    if ws.store is not None:
        try:
            for saved in ws.store.list_scenarios(ws.model_name):
                options[f"Saved: {saved.name}"] = saved.assumptions
        except StoreError:
            pass
    return options


def default_baseline(options: dict[str, Any]) -> str:
    """The saved scenario called "Baseline" when there is one, else the model as written."""
    for name in options:
        if name.lower() == f"saved: {BASELINE_NAME}":
            return name
    return AS_WRITTEN


def _baseline(ws: Workspace) -> tuple[str, ProjectionResult]:
    options = baseline_options(ws)
    ss = st.session_state
    key = "w:baseline_choice"
    chosen = ss.get("baseline_choice")  # set only when the user picks one
    wanted = chosen if chosen in options else default_baseline(options)
    if ss.get(key) != wanted:
        ss[key] = wanted
    choice = st.selectbox(
        "Compare with",
        list(options),
        key=key,
        on_change=lambda: ss.__setitem__("baseline_choice", ss[key]),
        help='The saved scenario called "Baseline" by default; else the model as written.',
    )
    try:
        return choice, projection(ws.loaded, options[choice])
    except InputError:
        st.warning(
            f"{choice} does not apply to this model file; comparing with the model as written."
        )
        return AS_WRITTEN, projection(ws.loaded, {})


def _tiles(h: views.Headline, baseline_name: str) -> None:
    """Headline tiles: the whole system reported and underlying; the NHS position (partners in
    the control total) against its control total; the partners outside it; the change."""
    cols = st.columns(4)
    money_metric(
        cols[0],
        f"System surplus {h.year}, reported",
        h.surplus,
        help_text=f"Whole system (every partner, the partners outside the control total "
        f"included), all items. Consolidated: internal flows between partners are eliminated. "
        f"Underlying: {money_k(h.underlying)}.",
    )
    money_metric(
        cols[1],
        f"System underlying {h.year}",
        h.underlying,
        help_text="Whole system, recurrent items only (the exit run rate): reported less "
        "deficit support, winter funding, one-off grants, non-recurrent CIP and one-off costs.",
    )
    money_metric(
        cols[2],
        f"NHS position {h.year} (in the CT)",
        h.nhs_surplus,
        h.variance,
        "vs CT",
        f"Surplus of the partners in the control total (CT), reported, and its variance "
        f"against the control total ({money_k(h.control_total)}). Their underlying: "
        f"{money_k(h.nhs_underlying)}.",
    )
    money_metric(
        cols[3],
        f"NHS underlying {h.year} (in the CT)",
        h.nhs_underlying,
        help_text="Underlying surplus of the partners in the control total.",
    )
    cols = st.columns(4)
    money_metric(
        cols[0],
        f"Control total {h.year}",
        h.control_total,
        help_text="Sum over the partners in the control total.",
    )
    money_metric(
        cols[1],
        f"Outside the CT {h.year}",
        h.outside_surplus,
        help_text="Surplus of the partners outside the control total: "
        + (", ".join(h.outside_names) or "none")
        + ". System = NHS position + outside.",
    )
    money_metric(
        cols[2],
        "Change vs baseline",
        h.change_from_baseline,
        help_text=f"Final-year system surplus on screen minus that of "
        f"{baseline_name.removeprefix('Saved: ')} ({money_k(h.baseline_surplus)}).",
    )
    cols[3].metric(
        "Partners behind CT",
        f"{h.partners_adverse} of {h.partners_in_control_total}",
        help=f"Partners in the control total (CT) with an adverse variance in {h.year}.",
    )


def render(ws: Workspace) -> None:
    """Draw the System page."""
    result = ws.result
    assert result is not None
    top = st.columns([3, 1])
    with top[1]:
        baseline_name, baseline = _baseline(ws)
    h = views.headline(result, baseline)
    st.session_state["headline"] = h
    with top[0]:
        st.subheader(f"System position, {h.year}")
    _tiles(h, baseline_name)
    left, right = st.columns(2)
    left.plotly_chart(charts.system_position(result), key="chart_system")
    right.plotly_chart(charts.bridge_waterfall(result), key="chart_bridge")

    st.markdown("#### System position by year (£k)")
    fast_money_table(views.system_by_year(result), variance_rows=["Variance to control total"])
    if h.outside_names:
        st.caption(
            "Partners outside the control total, shown apart (their surplus is in the whole "
            f"system's, not in the NHS position): {', '.join(h.outside_names)}."
        )
    items = views.non_recurrent_items(result)
    st.markdown("#### Non-recurrent items by partner and year (£k)")
    if len(items):
        st.caption(
            "In the reported position only: + income and savings, - one-off costs. Per partner "
            "they add up to reported - underlying."
        )
        fast_money_table(
            items.set_index("Partner"), money_columns=list(result.years), variance_rows=[]
        )
    else:
        st.caption("This model declares no non-recurrent items: reported = underlying.")
    st.markdown("#### Places: surplus / (deficit) by year (£k)")
    fast_money_table(views.places_by_year(result))

    years = result.years
    year = st.selectbox(
        "Partners in year",
        list(range(len(years)))[1:],
        index=len(years) - 2,
        format_func=lambda t: years[t],
        key="partner_year",
    )
    inside, outside = views.partner_tables(result, year)
    st.markdown(f"#### Partners in the control total (the NHS position), {years[year]} (£k)")
    fast_money_table(inside, variance_columns=["Variance"], hide_index=True)
    if len(outside):
        st.markdown(f"#### Partners outside the control total, {years[year]} (£k)")
        fast_money_table(outside, hide_index=True)

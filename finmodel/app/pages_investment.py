"""Investment page: options table (NPSV, BCR, payback, switching values), service charts, funders.

Everything comes from :func:`finmodel.investment.case.appraise_model` run on the model as on
screen (the sidebar's overlay applied, including the selected option), cached by model hash,
overlay and investment id. Economic case in real £k of the price-base year, discounted; the
financial case in cash £k, undiscounted.
"""

from __future__ import annotations

from typing import Any

import pandas as pd
import streamlit as st

from finmodel.app import charts
from finmodel.app.formatting import money
from finmodel.app.state import Workspace, overlay_key
from finmodel.app.widgets import fast_money_table, keep, kept_key, show_problems
from finmodel.errors import InputError
from finmodel.formatting import month_name
from finmodel.investment.case import appraise_model


@st.cache_resource(show_spinner="Appraising the options…", max_entries=32)
def _appraise(digest: str, key: str, investment: str, _ws: Workspace) -> Any:
    assert _ws.result is not None
    return appraise_model(_ws.result.model, investment)


def appraisal(ws: Workspace, investment: str) -> Any:
    """The appraisal of one investment on the model as on screen (cached by model hash, overlay
    and investment id); :class:`InputError` when it cannot be appraised."""
    return _appraise(ws.loaded.digest, overlay_key(ws.overlay), investment, ws)


def options_table(case: Any) -> pd.DataFrame:
    """One row per option: economic case and service answers, as the board reads them."""
    e, s = case.economic, case.streams
    answers = case.answers()
    end = month_name(s.service.month_labels[-1], "") if s.service is not None else ""
    rows = []
    for o, row in enumerate(e.appraisal.as_rows()):
        baseline = o == s.baseline
        answer = answers[o]
        record: dict[str, Any] = {
            "Option": s.option_names[o]
            + (" (selected)" if o == s.selected else "")
            + (" (preferred)" if o == case.preferred else ""),
            "Rank": int(row["rank"]),
            "£k a year": answer.get("investment_k_a_year"),
            "PV costs": row["pv_costs"],
            "PV benefits": row["pv_benefits"],
            "NPSV": row["npsv"],
            "BCR": "" if baseline or row["bcr"] is None else f"{row['bcr']:.2f}",
            "Payback": "" if baseline else (e.payback_label(o) or f"after {e.years[-1]}"),
        }
        if s.service is not None:
            months = answer.get("months_to_clear_backlog")
            record["Overdue reviews cleared"] = (
                f"not by {end}"
                if months is None
                else f"{month_name(answer.get('backlog_cleared_in'), '')} ({months} months)"
            )
            record["80% decided in 28 days"] = month_name(
                answer.get("first_month_meeting_standard"), f"not by {end}"
            )
        rows.append(record)
    return pd.DataFrame(rows)


def funder_table(case: Any) -> pd.DataFrame:
    """Cost to each funder in each option's first full year, cash £k (rows: funders)."""
    s, f = case.streams, case.financial
    others = [o for o in range(len(s.option_ids)) if o != s.baseline]
    data: dict[str, list[float]] = {}
    for o in others:
        t = case.first_full_year_index(o)
        data[s.option_names[o]] = [0.0 if t is None else float(f.cost[o, p, t]) for p in f.involved]
    return pd.DataFrame(
        data, index=pd.Index([f.partner_names[p] for p in f.involved], name="Funder")
    )


def variance_table(case: Any) -> pd.DataFrame:
    """Change in the system variance against its control total by option and year, cash £k."""
    s, f = case.streams, case.financial
    return pd.DataFrame(
        {
            s.option_names[o]: f.system_variance_change[o]
            for o in range(len(s.option_ids))
            if o != s.baseline
        },
        index=list(f.model_years),
    ).T


def switching_table(case: Any) -> pd.DataFrame | None:
    """Switching values of the preferred option (or the best other than do nothing)."""
    e, s = case.economic, case.streams
    if e.switching_option is None:
        return None
    rows = []
    for value in e.switching:
        name = s.cost_names.get(value.stream) or s.benefit_names.get(value.stream) or value.stream
        change = value.switching_value
        rows.append(
            {
                "Stream": name,
                "Cost or benefit": value.kind,
                "PV £k": money(value.present_value),
                "Change that takes NPSV to zero": "no change does it"
                if change is None
                else f"{change:+.0%}",
            }
        )
    return pd.DataFrame(rows)


def render(ws: Workspace) -> None:
    """Draw the Investment page."""
    st.subheader("Investment cases")
    assert ws.result is not None
    investments = list(ws.result.model.investments)
    if not investments:
        st.info("This model has no investment cases.")
        return
    names = {i: getattr(ws.result.model.investments[i], "name", None) or i for i in investments}
    investment = keep(
        "investment_choice",
        st.selectbox(
            "Investment",
            investments,
            key=kept_key("investment_choice", investments[0], investments),
            format_func=lambda i: names[i],
        ),
    )
    try:
        case = appraisal(ws, investment)
    except InputError as err:
        show_problems("This investment cannot be appraised:", [str(p) for p in err.problems])
        return
    st.session_state["investment_case"] = case
    e, s = case.economic, case.streams
    st.caption(
        f"Economic case: each option against {s.option_names[s.baseline]}, real £k of "
        f"{e.price_base_year} prices, discounted at the Green Book {e.schedule} STPR "
        f"({e.discount_version}), {e.years[0]} to {e.years[-1]}. The option laid over the "
        f"projection is chosen in the sidebar: {s.option_names[s.selected]}."
    )
    fast_money_table(
        options_table(case),
        money_columns=["£k a year", "PV costs", "PV benefits", "NPSV"],
        variance_columns=["NPSV"],
        hide_index=True,
    )
    switching = switching_table(case)
    if switching is not None:
        st.markdown(f"#### Switching values: {s.option_names[e.switching_option]}")
        st.dataframe(switching, hide_index=True, width="stretch", key="table_switching")
    service = s.service
    if service is not None:
        months = list(service.month_labels)
        left, right = st.columns(2)
        left.plotly_chart(
            charts.lines_by_option(
                months,
                {s.option_names[o]: service.overdue_backlog[o] for o in range(len(s.option_ids))},
                "Overdue reviews by month",
                "Reviews overdue",
            ),
            key="chart_backlog",
        )
        right.plotly_chart(
            charts.lines_by_option(
                months,
                {
                    s.option_names[o]: service.share_within_28_days[o] * 100
                    for o in range(len(s.option_ids))
                },
                "Decided within 28 days (%; standard 80%)",
                "% within 28 days",
            ),
            key="chart_28_days",
        )
    st.markdown("#### Cost to each funder in the first full year (cash £k)")
    fast_money_table(funder_table(case))
    st.markdown("#### Change in the system variance against its control total (cash £k)")
    fast_money_table(variance_table(case), variance_columns=list(case.financial.model_years))
    unmonetised = s.unmonetised
    if unmonetised:
        with st.expander("Unmonetised benefits (described, not valued)"):
            st.dataframe(
                pd.DataFrame(
                    [{"Option": o, "Benefit": n, "What it is": d} for o, n, d in unmonetised]
                ),
                hide_index=True,
                width="stretch",
                key="table_unmonetised",
            )

"""Partners page: one partner's income and expenditure by line and year, control total, risk share."""

from __future__ import annotations

import streamlit as st

from finmodel.app import charts, views
from finmodel.app.assumptions import RISK_METHOD_LABELS
from finmodel.app.formatting import is_missing, pct
from finmodel.app.state import Workspace
from finmodel.app.widgets import fast_money_table, keep, kept_key, money_metric


def render(ws: Workspace) -> None:
    """Draw the Partners page."""
    result = ws.result
    assert result is not None
    ids = result.inputs.partner_ids
    names = dict(zip(ids, result.inputs.partner_names, strict=True))
    partner_id = keep(
        "partner_choice",
        st.selectbox(
            "Partner",
            ids,
            key=kept_key("partner_choice", ids[0], ids),
            format_func=lambda pid: names[pid],
        ),
    )
    p = result.partner_index(partner_id)
    partner = result.model.partner(partner_id)
    a = result.arrays
    final = result.years[-1]
    st.subheader(f"{names[partner_id]} · {partner.kind.value.replace('_', ' ')} · {partner.place}")

    cols = st.columns(3)
    money_metric(
        cols[0],
        f"Surplus {final}, reported",
        float(a.surplus[p, -1]),
        help_text="All items, non-recurrent ones included.",
    )
    money_metric(
        cols[1],
        f"Underlying {final}",
        float(a.underlying_surplus[p, -1]),
        help_text="Recurrent items only: the run rate carried into the next year.",
    )
    money_metric(
        cols[2],
        f"Non-recurrent items {final}",
        float(a.non_recurrent[p, -1]),
        help_text="Net non-recurrent items in the reported position (reported - underlying): "
        "deficit support, winter funding, one-off grants, non-recurrent CIP, one-off costs.",
    )
    cols = st.columns(3)
    share = views.risk_share_of(result, partner_id)
    if share is None:
        outside = "Outside the control total: not in the NHS position."
        cols[0].metric(f"Control total {final}", "-", help=outside)
        cols[1].metric(f"Variance {final}", "-", help=outside)
        cols[2].metric("After risk share", "-", help=outside)
    else:
        money_metric(cols[0], f"Control total {final}", float(a.control_total[p, -1]))
        money_metric(
            cols[1],
            f"Variance {final}",
            float(a.variance[p, -1]),
            float(a.variance[p, -1]),
            "vs CT",
        )
        money_metric(
            cols[2],
            "After risk share",
            float(a.surplus_after_risk_share[p, -1]),
            help_text=f"Control total plus {pct(share, 1)} of the system variance.",
        )
    method = RISK_METHOD_LABELS.get(result.model.risk_share.method.value, "")
    if share is not None and not is_missing(share):
        st.caption(
            f"Risk share: {method}; this partner bears {pct(share, 2)} of the system variance."
        )
    else:
        st.caption(
            "Outside the control total (shown apart from the NHS position): no control total "
            "and no risk share."
        )

    st.plotly_chart(charts.partner_position(result, partner_id), key="chart_partner")
    st.markdown("#### Income and expenditure by line and year (£k)")
    statement = views.partner_statement(result, partner_id)
    coloured = {
        "Surplus / (deficit), reported",
        "Underlying surplus / (deficit)",
        "Variance to control total",
        "Risk share effect",
    }
    fast_money_table(
        statement.set_index("Item").drop(columns=["Section"]),
        money_columns=list(result.years),
        variance_rows=list(coloured),
    )

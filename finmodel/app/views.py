"""What each page shows, as plain data: headline figures and tables taken from engine results.

These functions select and arrange the engine's arrays for display; the only arithmetic is the
difference between two engine results where a page compares them (a scenario against the
baseline, two saved scenarios), which is stated where it happens. No Streamlit here, so every
figure a page shows can be checked in a unit test against the engine.

Money in £k; surplus positive, deficit negative; a variance is surplus minus control total.

>>> from finmodel import load_model, project
>>> r = project(load_model("models/minimal.yaml"))
>>> h = headline(r, r)
>>> h.year, round(h.surplus, 3), round(h.variance, 3), h.change_from_baseline
('2022/23', -25.979, -5.979, 0.0)
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from finmodel.engine.result import ProjectionResult


def _f(value: Any) -> float:
    return float(value)


@dataclass(frozen=True)
class Headline:
    """The System page's headline figures for the final projected year, £k."""

    year: str
    surplus: float
    """System surplus (+) or deficit (-) in the final year."""
    control_total: float
    """System control total in the final year (partners in the control total)."""
    variance: float
    """System variance to control total in the final year (surplus - control total)."""
    baseline_surplus: float
    """The same figure under the baseline the user compares with."""
    change_from_baseline: float
    """``surplus - baseline_surplus``: what the assumptions on screen change."""
    partners_adverse: int
    """Partners in the control total whose final-year variance is negative."""
    partners_in_control_total: int
    underlying: float = 0.0
    """System underlying surplus in the final year (recurrent items only: the run rate)."""
    nhs_surplus: float = 0.0
    """Reported surplus of the partners in the control total (the NHS position)."""
    nhs_underlying: float = 0.0
    """Their underlying surplus."""
    outside_surplus: float = 0.0
    """Surplus of the partners outside the control total (usually councils)."""
    outside_names: tuple[str, ...] = ()
    """Names of the partners outside the control total."""


def headline(result: ProjectionResult, baseline: ProjectionResult) -> Headline:
    """Final-year headline figures of ``result`` and its change from ``baseline``."""
    a = result.arrays
    surplus = _f(a.system_surplus[-1])
    base = _f(baseline.arrays.system_surplus[-1])
    variance = a.variance[:, -1]
    has = ~np.isnan(variance)
    return Headline(
        year=result.years[-1],
        surplus=surplus,
        control_total=_f(a.system_control_total[-1]),
        variance=_f(a.system_variance[-1]),
        baseline_surplus=base,
        change_from_baseline=surplus - base,
        partners_adverse=int(np.sum(variance[has] < -0.5)),
        partners_in_control_total=int(np.sum(has)),
        underlying=_f(a.system_underlying_surplus[-1]),
        nhs_surplus=_f(a.control_total_surplus[-1]),
        nhs_underlying=_f(a.control_total_underlying_surplus[-1]),
        outside_surplus=_f(a.outside_surplus[-1]),
        outside_names=tuple(outside_partners(result)),
    )


def outside_partners(result: ProjectionResult) -> list[str]:
    """Names of the partners outside the control total, in model order."""
    names = dict(zip(result.inputs.partner_ids, result.inputs.partner_names, strict=True))
    return [names[pid] for pid in result.partners_outside()]


def base_year_position(result: ProjectionResult) -> dict[str, float]:
    """The base year's NHS position (partners in the control total), £k: reported and
    underlying surplus and the net non-recurrent items between them (the outturn a published
    position is checked against)."""
    a = result.arrays
    return {
        "reported": _f(a.control_total_surplus[0]),
        "underlying": _f(a.control_total_underlying_surplus[0]),
        "non_recurrent": _f(a.control_total_surplus[0] - a.control_total_underlying_surplus[0]),
    }


NON_RECURRENT_KINDS = {
    "deficit_support": "Deficit support",
    "winter_funding": "Winter funding",
    "one_off_grant": "One-off grant",
    "non_recurrent_cip": "Non-recurrent CIP",
    "one_off_cost": "One-off cost",
}


def non_recurrent_items(result: ProjectionResult) -> pd.DataFrame:
    """Each non-recurrent item by partner and year, signed as it moves the surplus (+ income
    and savings, - one-off costs), £k; then each provider's non-recurrent CIP from its CIP
    rates (CIP delivered - CIP recurrent). Per partner the rows add up to its net
    non-recurrent items (reported - underlying). Columns: Partner, Item, Kind, one per year."""
    inputs, a = result.inputs, result.arrays
    names = dict(zip(inputs.partner_ids, inputs.partner_names, strict=True))
    item_names = _nonrec_names(result)
    rows: list[tuple[str, str, str, Any]] = []
    signed = inputs.nonrec_income + inputs.nonrec_saving - inputs.nonrec_cost
    for n, item_id in enumerate(inputs.nonrec_ids):
        partner = names[inputs.partner_ids[inputs.nonrec_partner[n]]]
        kind = inputs.nonrec_kind[n]
        rows.append((partner, item_names[item_id], NON_RECURRENT_KINDS.get(kind, kind), signed[n]))
    from_rates = a.cip_delivered - a.cip_recurrent
    for p in np.flatnonzero(np.any(np.abs(from_rates) > 1e-9, axis=1)):
        rows.append(
            (
                inputs.partner_names[p],
                "CIP delivered non-recurrently",
                "Non-recurrent CIP",
                from_rates[p],
            )
        )
    frame = pd.DataFrame(
        [np.asarray(v, dtype=float) for *_, v in rows], columns=result.years, dtype=float
    )
    frame.insert(0, "Kind", [k for _, _, k, _ in rows])
    frame.insert(0, "Item", [i for _, i, _, _ in rows])
    frame.insert(0, "Partner", [p for p, *_ in rows])
    return frame


def system_by_year(result: ProjectionResult) -> pd.DataFrame:
    """The system position by year (rows: measures, columns: years), £k."""
    return result.system_table()


def places_by_year(result: ProjectionResult) -> pd.DataFrame:
    """Each place's surplus by year (rows: places, columns: years), £k."""
    return pd.DataFrame(
        result.arrays.place_surplus,
        index=pd.Index(result.inputs.place_names, name="Place"),
        columns=result.years,
    )


PARTNER_COLUMNS = {
    "partner": "Partner",
    "place": "Place",
    "income": "Income",
    "expenditure": "Expenditure",
    "in_control_total": "In control total",
    "illustrative": "Illustrative figures",
    "surplus": "Surplus (reported)",
    "non_recurrent": "Non-recurrent items",
    "underlying_surplus": "Underlying surplus",
    "control_total": "Control total",
    "variance": "Variance",
    "surplus_after_risk_share": "After risk share",
    "cip_planned": "CIP planned",
    "cip_delivered": "CIP delivered",
}


def partner_table(result: ProjectionResult, year: int | None = None) -> pd.DataFrame:
    """Each partner's position in one year (default the last), display column names, £k."""
    return result.partner_table(year).rename(columns=PARTNER_COLUMNS)


#: Columns that mean nothing for a partner outside the control total.
_INSIDE_ONLY = ["Control total", "Variance", "After risk share"]


def partner_tables(
    result: ProjectionResult, year: int | None = None
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The partners in the control total (the NHS position) and those outside it, apart, in
    one year (default the last), £k; "Illustrative figures" as Yes/blank."""
    frame = partner_table(result, year)
    frame["Illustrative figures"] = frame["Illustrative figures"].map({True: "Yes", False: ""})
    inside = frame["In control total"].astype(bool)
    frame = frame.drop(columns=["In control total"])
    outside = frame[~inside].drop(columns=[*_INSIDE_ONLY, "CIP planned", "CIP delivered"])
    return frame[inside], outside


def partner_statement(result: ProjectionResult, partner_id: str) -> pd.DataFrame:
    """One partner's income and expenditure by line and year, then its bottom line, £k.

    Rows: each funding stream, each contract income from another partner's cost line, total
    income; each cost line, selected investment options, total expenditure; surplus, control
    total, variance, surplus after risk share and the risk-share effect (after minus before).
    Columns: ``Section``, ``Item`` and one per year.
    """
    inputs, a = result.inputs, result.arrays
    p = result.partner_index(partner_id)
    names = dict(zip(inputs.partner_ids, inputs.partner_names, strict=True))
    line_names = _item_names(result, "costs")
    fund_names = _item_names(result, "funding")
    rows: list[tuple[str, str, Any]] = []
    for f in np.flatnonzero(inputs.fund_partner == p):
        rows.append(("Income", fund_names[inputs.fund_ids[f]], a.funding[f]))
    for c in np.flatnonzero(inputs.line_payee == p):
        payer = inputs.partner_ids[inputs.line_partner[c]]
        label = f"From {names[payer]}: {line_names[inputs.line_ids[c]]}"
        rows.append(("Income", label, a.cost[c]))
    own = np.flatnonzero(inputs.nonrec_partner == p)
    items = _nonrec_names(result)
    for n in own:
        if np.any(inputs.nonrec_income[n] != 0):
            label = f"Non-recurrent: {items[inputs.nonrec_ids[n]]}"
            rows.append(("Income", label, inputs.nonrec_income[n]))
    rows.append(("Total", "Total income", a.income[p]))
    for c in np.flatnonzero(inputs.line_partner == p):
        payee = inputs.line_payee[c]
        suffix = f" (paid to {names[inputs.partner_ids[payee]]})" if payee >= 0 else ""
        rows.append(("Expenditure", line_names[inputs.line_ids[c]] + suffix, a.cost[c]))
    if np.any(inputs.investment_expenditure[p] != 0):
        rows.append(
            ("Expenditure", "Selected investment options", inputs.investment_expenditure[p])
        )
    for n in own:
        spend = inputs.nonrec_cost[n] - inputs.nonrec_saving[n]
        if np.any(spend != 0):
            label = f"Non-recurrent: {items[inputs.nonrec_ids[n]]}"
            rows.append(("Expenditure", label, spend))
    rows.append(("Total", "Total expenditure", a.expenditure[p]))
    rows.append(("Bottom line", "Surplus / (deficit), reported", a.surplus[p]))
    rows.append(("Bottom line", "Non-recurrent items (net)", a.non_recurrent[p]))
    rows.append(("Bottom line", "Underlying surplus / (deficit)", a.underlying_surplus[p]))
    rows.append(("Bottom line", "Control total", a.control_total[p]))
    rows.append(("Bottom line", "Variance to control total", a.variance[p]))
    rows.append(("Bottom line", "Surplus after risk share", a.surplus_after_risk_share[p]))
    rows.append(
        (
            "Bottom line",
            "Risk share effect",
            a.surplus_after_risk_share[p] - a.surplus[p],
        )
    )
    frame = pd.DataFrame(
        [np.asarray(values, dtype=float) for _, _, values in rows], columns=result.years
    )
    frame.insert(0, "Item", [item for _, item, _ in rows])
    frame.insert(0, "Section", [section for section, _, _ in rows])
    return frame


def _nonrec_names(result: ProjectionResult) -> dict[str, str]:
    """``partner.item`` ids of non-recurrent items to readable names."""
    return {
        f"{p.id}.{item.id}": item.name or item.id
        for p in result.model.partners
        for item in p.non_recurrent
    }


def _item_names(result: ProjectionResult, kind: str) -> dict[str, str]:
    """``partner.item`` ids to readable names (the item's name, else its id)."""
    names = {}
    for partner in result.model.partners:
        for item in partner.costs if kind == "costs" else partner.funding:
            names[f"{partner.id}.{item.id}"] = item.name or item.id
    return names


def risk_share_of(result: ProjectionResult, partner_id: str) -> float | None:
    """The partner's share of the system variance (a fraction), or None outside the control total."""
    p = result.partner_index(partner_id)
    if not bool(result.inputs.in_control_total[p]):
        return None
    return float(result.arrays.risk_shares[p])


def compare_results(first: ProjectionResult, second: ProjectionResult) -> pd.DataFrame:
    """System surplus and variance by year under two scenarios and the difference (second - first).

    Both results must share the model's years (the same horizon); rows are measures.
    """
    a, b = first.arrays, second.arrays
    rows = {
        "Surplus, first": a.system_surplus,
        "Surplus, second": b.system_surplus,
        "Surplus, second - first": b.system_surplus - a.system_surplus,
        "Variance, first": a.system_variance,
        "Variance, second": b.system_variance,
    }
    return pd.DataFrame(rows, index=first.years).T


def compare_partners(first: ProjectionResult, second: ProjectionResult) -> pd.DataFrame:
    """Each partner's final-year surplus under two scenarios and the difference (second - first)."""
    a, b = first.arrays.surplus[:, -1], second.arrays.surplus[:, -1]
    return pd.DataFrame(
        {"Partner": first.inputs.partner_names, "First": a, "Second": b, "Second - first": b - a},
        index=pd.Index(first.inputs.partner_ids, name="id"),
    )


def results_snapshot(result: ProjectionResult) -> dict[str, Any]:
    """The headline results saved with a scenario (for the compare view), £k."""

    def clean(values: Any) -> list[float | None]:
        return [None if math.isnan(v) else round(float(v), 6) for v in np.asarray(values).tolist()]

    a = result.arrays
    return {
        "years": list(result.years),
        "system_surplus": clean(a.system_surplus),
        "system_variance": clean(a.system_variance),
        "final_year_system_surplus": round(float(a.system_surplus[-1]), 6),
        "partner_final_year_surplus": {
            pid: round(float(a.surplus[i, -1]), 6)
            for i, pid in enumerate(result.inputs.partner_ids)
        },
    }


def input_differences(
    only_first: dict[str, Any], only_second: dict[str, Any], changed: dict[str, tuple[Any, Any]]
) -> pd.DataFrame:
    """The differences in inputs between two scenarios as one table (path, first, second)."""
    rows = [(p, v, "(model value)") for p, v in only_first.items()]
    rows += [(p, "(model value)", v) for p, v in only_second.items()]
    rows += [(p, x, y) for p, (x, y) in changed.items()]
    rows.sort()
    return pd.DataFrame(
        [(p, _text(x), _text(y)) for p, x, y in rows],
        columns=["Input (dotted path)", "First", "Second"],
    )


def _text(value: Any) -> str:
    if isinstance(value, list):
        return ", ".join(_text(v) for v in value) if value else "[]"
    return str(value)

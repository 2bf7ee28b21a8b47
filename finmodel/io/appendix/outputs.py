"""The output side of the Excel appendix: the Partners, System and Bridge sheets, and the charts.

Every figure is a formula over Calculations, Inputs and Time (SPEC section 4):

* **Partners** (one block per measure, one row per partner): external funding, income from
  other partners (``SUMIF`` on the payee no.), income, expenditure on cost lines, net cost of
  selected investments, expenditure, surplus, control total, variance, the partner's share of
  the system variance (risk share) and the surplus after risk share.
* **System**: consolidated income, expenditure and surplus (partner sums less eliminations),
  eliminations, control total, variance, surplus after risk share; then each place, with flows
  between partners of one place eliminated.
* **Bridge**: the gap bridge of the system surplus from the base year to every year, in the
  engine's order (funding growth, demand, inflation, efficiency, investments), a bar chart of it
  to the last year and a chart of the system position by year.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any

import numpy as np
from xlsxwriter.worksheet import Worksheet

from finmodel.domain.model import RiskShareMethod
from finmodel.engine.projection import BRIDGE_STEPS, one_hot
from finmodel.io.appendix.context import AppendixContext, RowFormula, RowSpec
from finmodel.io.appendix.print_bands import start_page
from finmodel.io.appendix.sheets import NON_RECURRENT_BOOKING, Derived
from finmodel.io.appendix.waterfall import waterfall_chart, write_waterfall_data
from finmodel.io.excel_styles import FIRST_ROW, FIRST_YEAR_COL, HEADER_ROW, MONEY

#: Partner blocks in order: (name, heading).
PARTNER_BLOCKS = (
    ("funding", "External funding (allocations, grants, council tax), £k"),
    (
        "internal_income",
        "Income from other partners (internal flows: their cost lines paid to this partner), £k",
    ),
    ("income", "Income, £k"),
    ("cost_expenditure", "Expenditure on cost lines, £k"),
    ("investments", "Net cost of selected investment options, £k"),
    (
        "nonrec_income",
        "Non-recurrent income (deficit support, winter funding, one-off grants; from Inputs), £k",
    ),
    (
        "nonrec_spend",
        "Non-recurrent costs less non-recurrent savings (within expenditure; from Inputs), £k",
    ),
    ("expenditure", "Expenditure, £k"),
    ("surplus", "Surplus / (deficit), reported (every item), £k"),
    ("cip_one_off", "Non-recurrent CIP saved on the partner's cost lines, £k"),
    ("non_recurrent", "Non-recurrent items in the surplus (net: income + savings - costs), £k"),
    (
        "underlying",
        "Underlying surplus / (deficit): reported less non-recurrent items (the run rate), £k",
    ),
    ("control_total", "Control total (planned surplus / (deficit)), £k"),
    ("variance", "Variance to control total (surplus less control total), £k"),
    ("risk_share", "Share of the system variance borne under the risk share, £k"),
    (
        "surplus_after_risk_share",
        "Surplus after risk share (control total + share of the system variance), £k",
    ),
)
#: Blocks that exist only for partners in the control total, and only in projected years.
CONTROL_BLOCKS = ("control_total", "variance", "risk_share", "surplus_after_risk_share")


def _first_arg(build: Callable[[str], str], col: str, previous: str) -> str:
    """A row formula that depends on its own column only."""
    return build(col)


def write_partners(ctx: AppendixContext, derived: Derived) -> None:
    """The Partners sheet (rows named ``partners.<block>.<partner id>``)."""
    inputs, a, model = ctx.result.inputs, ctx.result.arrays, ctx.result.model
    ws = ctx.add_timeseries_sheet(
        "Partners",
        "Each partner's income, expenditure, surplus, control total, variance and risk share",
        title="Partners: position of each partner",
        headers=("Partner", "Partner no.", "Place no.", "In control total", "Share", "Unit"),
    )
    s, here = ctx.styles, "Partners"
    ids = inputs.partner_ids
    has_ct = ~np.isnan(a.control_total[:, -1])
    method = model.risk_share.method
    share_amount = np.where(
        has_ct[:, None], a.risk_shares[:, None] * a.system_variance[None, :], np.nan
    )
    items = _partner_items(ctx)
    values = {
        "nonrec_income": items["income"][1],
        "nonrec_spend": items["spend"][1],
        "cip_one_off": items["cip"],
        "non_recurrent": a.non_recurrent,
        "underlying": a.underlying_surplus,
        "funding": derived.funding_by_partner,
        "internal_income": derived.internal_income,
        "income": a.income,
        "cost_expenditure": derived.cost_expenditure,
        "investments": inputs.investment_expenditure,
        "expenditure": a.expenditure,
        "surplus": a.surplus,
        "control_total": a.control_total,
        "variance": a.variance,
        "risk_share": share_amount,
        "surplus_after_risk_share": a.surplus_after_risk_share,
    }
    skip = {"risk_share"} if method == RiskShareMethod.none else set()
    if "calc.cip_one_off.first" not in ctx.rows:  # no provider's line takes CIP
        skip.add("cip_one_off")
    blocks = [b for b in PARTNER_BLOCKS if b[0] not in skip]
    row = FIRST_ROW
    # Row numbers of every block are known before writing, so formulas can refer forwards.
    for block, _ in blocks:
        row += 1
        for pid in ids:
            ctx.name_row(f"partners.{block}.{pid}", here, row)
            row += 1
        row += 1
    ctx.name_row("partners.base_expenditure_in_ct", here, row)

    def span(block: str, col: str, col_abs: bool = False) -> str:
        return ctx.rows_span(
            f"partners.{block}.{ids[0]}",
            f"partners.{block}.{ids[-1]}",
            col,
            here=here,
            col_abs=col_abs,
        )

    calc_f = ("calc.funding.first", "calc.funding.last")
    calc_c = ("calc.cost.first", "calc.cost.last")
    base0 = ctx.letter(0)
    total_ref = f"$E${ctx.rows['partners.base_expenditure_in_ct'][1] + 1}"

    def formula(block: str, p: int) -> RowFormula:
        pid = ids[p]
        r = ctx.rows[f"partners.{block}.{pid}"][1] + 1

        def at(other: str, c: str) -> str:
            return ctx.at(f"partners.{other}.{pid}", c, here=here)

        # sums of the Calculations rows whose partner (column B) or payee (column C) is ``pid``
        summed = {
            "funding": (calc_f, "B"),
            "internal_income": (calc_c, "C"),
            "cost_expenditure": (calc_c, "B"),
            "cip_one_off": (("calc.cip_one_off.first", "calc.cip_one_off.last"), "B"),
        }
        if block in summed:
            span, key = summed[block]
            keys = ctx.rows_span(*span, key, col_abs=True)
            return lambda c, _: f"=SUMIF({keys},$B{r},{ctx.rows_span(*span, c)})"
        if block == "investments":
            return lambda c, _: f"={ctx.at(f'inputs.investments.{pid}', c)}"
        if block in ("nonrec_income", "nonrec_spend"):
            terms = items["income" if block == "nonrec_income" else "spend"][0][p]
            return lambda c, _: "=" + ("".join(f"{sign}{ctx.at(n, c)}" for sign, n in terms) or "0")
        if block == "income":
            return lambda c, _: (
                f"={at('funding', c)}+{at('internal_income', c)}+{at('nonrec_income', c)}"
            )
        if block == "expenditure":
            return lambda c, _: (
                f"={at('cost_expenditure', c)}+{at('investments', c)}+{at('nonrec_spend', c)}"
            )
        if block == "non_recurrent":
            return lambda c, _: (
                f"={at('nonrec_income', c)}-{at('nonrec_spend', c)}"
                + (f"+{at('cip_one_off', c)}" if "cip_one_off" not in skip else "")
            )
        if block == "underlying":
            return lambda c, _: f"={at('surplus', c)}-{at('non_recurrent', c)}"
        if block == "surplus":
            return lambda c, _: f"={at('income', c)}-{at('expenditure', c)}"
        if block == "control_total":
            return lambda c, _: f"={ctx.at(f'inputs.control_totals.{pid}', c)}"
        if block == "variance":
            return lambda c, _: f"={at('surplus', c)}-{at('control_total', c)}"
        if block == "risk_share":
            return lambda c, _: f"=$E{r}*{ctx.at('system.variance', c)}"
        if method == RiskShareMethod.none:
            return lambda c, _: f"={at('surplus', c)}"
        return lambda c, _: f"={at('control_total', c)}+{at('risk_share', c)}"

    row = FIRST_ROW
    for block, heading in blocks:
        ctx.section(ws, row, heading)
        row += 1
        for p, pid in enumerate(ids):
            in_ct = bool(has_ct[p])
            control = block in CONTROL_BLOCKS
            label = inputs.partner_names[p] + (
                " (not in the control total)" if control and not in_ct else ""
            )
            ctx.text(ws, row, 0, label, s.label)
            ws.write_number(row, 1, p + 1, s.key)
            ws.write_number(row, 2, int(derived.place_of[p]) + 1, s.key)
            flag_ref = ctx.at(f"inputs.partners.{pid}.in_control_total", "E", col_abs=True)
            ctx.write(ws, row, 3, f"={flag_ref}", 1.0 if inputs.in_control_total[p] else 0.0, s.key)
            ctx.text(ws, row, 5, "£k", s.unit)
            if control and not in_ct:
                for t in range(ctx.n_years):
                    ws.write_blank(row, FIRST_YEAR_COL + t, None, s.na)
            else:
                years = range(1, ctx.n_years) if control else None
                ctx.write_row(ws, row, formula(block, p), values[block][p], s.money, years)
            if block == "risk_share" and in_ct:
                _share_cell(ctx, ws, row, p, base0, total_ref, span)
            row += 1
        row += 1
    if method == RiskShareMethod.proportional_to_baseline_expenditure:
        ctx.text(
            ws,
            row,
            0,
            "Base-year expenditure of the partners in the control total (risk-share denominator)",
            s.label,
        )
        total = float(np.sum(a.expenditure[:, 0] * inputs.in_control_total))
        ctx.write(
            ws,
            row,
            4,
            f"=SUMPRODUCT({span('expenditure', 'D', True)},{span('expenditure', base0, True)})",
            total,
            s.money,
        )
        ctx.text(ws, row, 5, "£k", s.unit)
    ws.set_column(1, 4, 10)


def _partner_items(ctx: AppendixContext) -> dict[str, Any]:
    """Each partner's non-recurrent items as (sign, Inputs row) terms and the engine's sums.

    ``income``: (terms by partner, (P, T) values) of non-recurrent income; ``spend``: costs less
    savings; ``cip``: (P, T) non-recurrent CIP saved on cost lines (the engine's figures).
    """
    inputs, a = ctx.result.inputs, ctx.result.arrays
    n = len(inputs.partner_ids)
    income: list[list[tuple[str, str]]] = [[] for _ in range(n)]
    spend: list[list[tuple[str, str]]] = [[] for _ in range(n)]
    for k, qualified in enumerate(inputs.nonrec_ids):
        p = int(inputs.nonrec_partner[k])
        name = f"inputs.partners.{inputs.partner_ids[p]}.non_recurrent.{qualified.split('.', 1)[1]}"
        booking = NON_RECURRENT_BOOKING[inputs.nonrec_kind[k]]
        if booking == "income":
            income[p].append(("+", name))
        else:
            spend[p].append(("+" if booking == "cost" else "-", name))
    group = one_hot(inputs.nonrec_partner, n) if len(inputs.nonrec_ids) else np.zeros((n, 0))
    income_values = group @ inputs.nonrec_income if group.shape[1] else np.zeros_like(a.surplus)
    spend_values = (
        group @ (inputs.nonrec_cost - inputs.nonrec_saving)
        if group.shape[1]
        else np.zeros_like(a.surplus)
    )
    cip = a.non_recurrent - income_values + spend_values
    return {
        "income": (income, income_values),
        "spend": (spend, spend_values),
        "cip": np.where(np.abs(cip) > 1e-9, cip, 0.0),
    }


def _share_cell(
    ctx: AppendixContext, ws: Worksheet, row: int, p: int, base0: str, total_ref: str, span: object
) -> None:
    """The partner's share of the system variance, in column E of its risk-share row."""
    model, a = ctx.result.model, ctx.result.arrays
    pid = ctx.result.inputs.partner_ids[p]
    share = float(a.risk_shares[p])
    if model.risk_share.method == RiskShareMethod.fixed_shares:
        name = f"inputs.risk_share.shares.{pid}"
        if name not in ctx.rows:  # a partner the agreement gives no share
            ctx.number(ws, row, 4, 0.0, ctx.styles.share)
            return
        formula = f"={ctx.at(name, 'E', col_abs=True)}"
    else:
        exp = ctx.at(f"partners.expenditure.{pid}", base0, here="Partners", col_abs=True)
        flag = ctx.at(f"partners.expenditure.{pid}", "D", here="Partners", col_abs=True)
        formula = f"=IF({total_ref},{flag}*{exp}/{total_ref},0)"
    ctx.write(ws, row, 4, formula, share, ctx.styles.share)


#: System rows in order: (name, label, first year with a value).
SYSTEM_ROWS = (
    ("income", "Income: partners' income less eliminations (= external funding)", 0),
    ("expenditure", "Expenditure: partners' expenditure less eliminations", 0),
    ("surplus", "Surplus / (deficit), reported (every item)", 0),
    ("non_recurrent", "Non-recurrent items (net): sum over the partners", 0),
    ("underlying", "Underlying surplus / (deficit): sum of the partners' underlying surpluses", 0),
    ("eliminations", "Eliminations: internal flows between partners", 0),
    ("control_total", "Control total: sum over the partners in the control total", 1),
    ("variance", "Variance to control total: sum over the partners in the control total", 1),
    ("after_risk_share", "Surplus after risk share: sum over the partners in the control total", 1),
    ("investments", "Net cost of selected investment options (within expenditure)", 0),
    ("nhs.surplus", "NHS position: surplus of the partners in the control total, reported", 0),
    ("nhs.underlying", "NHS position: their underlying surplus / (deficit)", 0),
    ("nhs.control_total", "NHS position: control total", 1),
    ("nhs.variance", "NHS position: variance to the control total (reported)", 1),
    ("nhs.underlying_variance", "NHS position: underlying surplus less the control total", 1),
    ("outside.surplus", "Partners outside the control total: surplus / (deficit)", 0),
)


def _system_name(name: str) -> str:
    """Row name of a System row: ``system.<name>`` unless it names its own group (``nhs.``)."""
    return name if "." in name else f"system.{name}"


#: Place blocks in order: (name, heading).
PLACE_BLOCKS = (
    ("income", "Places: income (flows between partners of the place eliminated), £k"),
    ("expenditure", "Places: expenditure (flows between partners of the place eliminated), £k"),
    (
        "eliminations",
        "Places: eliminations (cost lines paid between partners of the same place), £k",
    ),
    ("surplus", "Places: surplus / (deficit), reported, £k"),
    ("non_recurrent", "Places: non-recurrent items (net), £k"),
    ("underlying", "Places: underlying surplus / (deficit) (sum of the partners' underlying), £k"),
)
#: Engine arrays of the place blocks whose name differs from ``place_<block>``.
PLACE_ARRAYS = {"underlying": "place_underlying_surplus"}


def plan_system(ctx: AppendixContext) -> None:
    """Name the rows of the System sheet before it is written (Partners refers to them)."""
    row = FIRST_ROW + 1
    for name, _, _ in SYSTEM_ROWS:
        row += 2 if name == "nhs.surplus" else 0  # a blank row and the boundary's section
        ctx.name_row(_system_name(name), "System", row)
        row += 1
    for block, _ in PLACE_BLOCKS:
        row += 2
        for place in ctx.result.inputs.place_names:
            ctx.name_row(f"places.{block}.{place}", "System", row)
            row += 1


def write_system(ctx: AppendixContext) -> None:
    """The System sheet: consolidated position and places (rows ``system.*``, ``places.*``)."""
    inputs, a = ctx.result.inputs, ctx.result.arrays
    ws = ctx.add_timeseries_sheet(
        "System",
        "The whole system consolidated (internal flows eliminated), against its control total, and each place",
        title="System: consolidated position, control total and places",
        headers=("Description", "Place no.", "", "", "", "Unit"),
    )
    s, here = ctx.styles, "System"
    ids = inputs.partner_ids

    def partners_sum(block: str, c: str) -> str:
        return (
            f"SUM({ctx.rows_span(f'partners.{block}.{ids[0]}', f'partners.{block}.{ids[-1]}', c)})"
        )

    after_ct = np.where(
        np.arange(ctx.n_years) > 0, np.nansum(a.surplus_after_risk_share, axis=0), np.nan
    )
    values = {
        "income": a.system_income,
        "expenditure": a.system_expenditure,
        "surplus": a.system_surplus,
        "eliminations": a.system_eliminations,
        "control_total": a.system_control_total,
        "variance": a.system_variance,
        "after_risk_share": after_ct,
        "investments": inputs.investment_expenditure.sum(axis=0),
        "non_recurrent": a.system_non_recurrent,
        "underlying": a.system_underlying_surplus,
        "nhs.surplus": a.control_total_surplus,
        "nhs.underlying": a.control_total_underlying_surplus,
        "nhs.control_total": a.system_control_total,
        "nhs.variance": a.control_total_surplus - a.system_control_total,
        "nhs.underlying_variance": a.control_total_underlying_surplus - a.system_control_total,
        "outside.surplus": a.outside_surplus,
    }
    flags = ctx.rows_span(
        f"partners.surplus.{ids[0]}", f"partners.surplus.{ids[-1]}", "D", col_abs=True
    )

    def inside(block: str, c: str) -> str:
        span = ctx.rows_span(f"partners.{block}.{ids[0]}", f"partners.{block}.{ids[-1]}", c)
        return f"SUMPRODUCT({flags},{span})"

    def link(name: str) -> Callable[[str], str]:
        return lambda c: f"={ctx.at(name, c, here=here)}"

    formulas = {
        "income": lambda c: (
            f"={partners_sum('income', c)}-{ctx.at('system.eliminations', c, here=here)}"
        ),
        "expenditure": lambda c: (
            f"={partners_sum('expenditure', c)}-{ctx.at('system.eliminations', c, here=here)}"
        ),
        "surplus": lambda c: (
            f"={ctx.at('system.income', c, here=here)}-{ctx.at('system.expenditure', c, here=here)}"
        ),
        "eliminations": lambda c: f"={partners_sum('internal_income', c)}",
        "control_total": lambda c: f"={partners_sum('control_total', c)}",
        "variance": lambda c: f"={partners_sum('variance', c)}",
        "after_risk_share": lambda c: f"={partners_sum('surplus_after_risk_share', c)}",
        "investments": lambda c: f"={partners_sum('investments', c)}",
        "non_recurrent": lambda c: f"={partners_sum('non_recurrent', c)}",
        "underlying": lambda c: f"={partners_sum('underlying', c)}",
        "nhs.surplus": lambda c: f"={inside('surplus', c)}",
        "nhs.underlying": lambda c: f"={inside('underlying', c)}",
        "nhs.control_total": link("system.control_total"),
        "nhs.variance": lambda c: (
            f"={ctx.at('nhs.surplus', c, here=here)}-{ctx.at('nhs.control_total', c, here=here)}"
        ),
        "nhs.underlying_variance": lambda c: (
            f"={ctx.at('nhs.underlying', c, here=here)}-{ctx.at('nhs.control_total', c, here=here)}"
        ),
        "outside.surplus": lambda c: (
            f"=SUMIF({flags},0,{ctx.rows_span(f'partners.surplus.{ids[0]}', f'partners.surplus.{ids[-1]}', c)})"
        ),
    }
    outside_names = [
        n for n, flag in zip(inputs.partner_names, inputs.in_control_total, strict=True) if not flag
    ]
    row = FIRST_ROW
    ctx.section(ws, row, "System (consolidated), £k")
    row += 1
    for name, label, start in SYSTEM_ROWS:
        if name == "nhs.surplus":
            row += 1
            ctx.section(
                ws,
                row,
                "The control-total boundary: the NHS position (partners in the control total) "
                "and the partners outside it, £k",
            )
            row += 1
        if name == "outside.surplus":
            outside_text = ", ".join(outside_names) or "none"
            label = f"{label} ({outside_text})"
        bold = name in ("surplus", "nhs.surplus")
        assert ctx.rows[_system_name(name)] == (here, row)
        ctx.text(ws, row, 0, label, s.label_bold if bold else s.label)
        ctx.text(ws, row, 5, "£k", s.unit)
        years = range(start, ctx.n_years) if start else None
        ctx.write_row(
            ws,
            row,
            functools.partial(_first_arg, formulas[name]),
            values[name],
            s.money_bold if bold else s.money,
            years,
        )
        row += 1

    places = inputs.place_names
    calc_d = ctx.rows_span("calc.cost.first", "calc.cost.last", "D", col_abs=True)
    for block, heading in PLACE_BLOCKS:
        place_values = getattr(a, PLACE_ARRAYS.get(block, f"place_{block}"))
        row += 1
        ctx.section(ws, row, heading)
        row += 1
        for q, place in enumerate(places):
            ctx.text(ws, row, 0, place, s.label)
            ws.write_number(row, 1, q + 1, s.key)
            ctx.text(ws, row, 5, "£k", s.unit)
            r = row + 1

            def formula(c: str, _: str, block: str = block, place: str = place, r: int = r) -> str:
                elim = ctx.at(f"places.eliminations.{place}", c, here=here)
                if block == "eliminations":
                    return f"=SUMIF({calc_d},$B{r},{ctx.rows_span('calc.cost.first', 'calc.cost.last', c)})"
                if block == "surplus":
                    return f"={ctx.at(f'places.income.{place}', c, here=here)}-{ctx.at(f'places.expenditure.{place}', c, here=here)}"
                rows = ctx.rows_span(f"partners.{block}.{ids[0]}", f"partners.{block}.{ids[-1]}", c)
                keys = ctx.rows_span(
                    f"partners.{block}.{ids[0]}", f"partners.{block}.{ids[-1]}", "C", col_abs=True
                )
                if block in ("non_recurrent", "underlying"):
                    return f"=SUMIF({keys},$B{r},{rows})"
                return f"=SUMIF({keys},$B{r},{rows})-{elim}"

            assert ctx.rows[f"places.{block}.{place}"] == (here, row)
            ctx.write_row(ws, row, formula, place_values[q], s.money)
            row += 1


def write_bridge(ctx: AppendixContext) -> None:
    """The Bridge sheet: the gap bridge by year, its chart, and the system position chart."""
    a = ctx.result.arrays
    ws = ctx.add_timeseries_sheet(
        "Bridge",
        "Gap bridge of the system surplus from the base year, with charts",
        title="Bridge: what moves the system surplus from the base year",
        headers=("Step", "", "", "", "Value", "Unit"),
    )
    s, here = ctx.styles, "Bridge"
    base = ctx.first_year

    ids = ctx.result.inputs.partner_ids

    def one_off(c: str) -> str:
        """Non-recurrent CIP saved on lines (all on providers' own costs, outside the system):
        added back, so the efficiency step is the recurrent one as in the engine."""
        if f"partners.cip_one_off.{ids[0]}" not in ctx.rows:
            return ""
        span = ctx.rows_span(f"partners.cip_one_off.{ids[0]}", f"partners.cip_one_off.{ids[-1]}", c)
        return f"+SUM({span})"

    def funding(c: str, col_abs: bool = False) -> str:
        """External funding: the funding streams on Calculations (not non-recurrent income)."""
        return ctx.rows_span("calc.funding.first", "calc.funding.last", c, col_abs=col_abs)

    steps = a.bridge
    opening = np.full(ctx.n_years, float(a.system_surplus[0]))
    closing = opening + steps.sum(axis=0)
    step_formulas = {
        "Funding growth": lambda c: f"=SUM({funding(c)})-SUM({funding(ctx.letter(0), True)})",
        "Demand": lambda c: f"=-({ctx.at('calc.outside.volume', c)}-{base('calc.outside.cost')})",
        "Inflation": lambda c: (
            f"=-({ctx.at('calc.outside.volume_inflation', c)}-{ctx.at('calc.outside.volume', c)})"
        ),
        "Efficiency": lambda c: (
            f"=-({ctx.at('calc.outside.cost', c)}{one_off(c)}"
            f"-{ctx.at('calc.outside.volume_inflation', c)})"
        ),
        "Non-recurrent items": lambda c: (
            f"={ctx.at('system.non_recurrent', c)}-{base('system.non_recurrent')}"
        ),
        "Investments": lambda c: (
            f"=-({ctx.at('system.investments', c)}-{base('system.investments')})"
        ),
    }
    row = FIRST_ROW
    ctx.section(
        ws,
        row,
        f"Bridge of the system surplus from {ctx.years[0]} to each year, £k (effect on the surplus: + improves, (-) worsens)",
    )
    row += 1
    first_step = row + 1
    ctx.text(ws, row, 0, f"System surplus / (deficit) in {ctx.years[0]} (base year)", s.label_bold)
    ctx.text(ws, row, 5, "£k", s.unit)
    ctx.write_row(ws, row, lambda c, _: f"={base('system.surplus')}", opening, s.money)
    ctx.name_row("bridge.opening", here, row)
    row += 1
    row = ctx.write_rows(
        ws,
        row,
        (
            RowSpec(
                f"  {name}",
                "£k",
                functools.partial(_first_arg, step_formulas[name]),
                steps[k],
                f"bridge.{name}",
            )
            for k, name in enumerate(BRIDGE_STEPS)
        ),
    )
    last_step = row
    ctx.text(ws, row, 0, "System surplus / (deficit) in the year, by the bridge", s.label_bold)
    ctx.text(ws, row, 5, "£k", s.unit)
    ctx.write_row(
        ws,
        row,
        lambda c, _: f"={c}{first_step}+SUM({c}{first_step + 1}:{c}{last_step})",
        closing,
        s.money_bold,
    )
    ctx.name_row("bridge.closing", here, row)
    row += 1
    ctx.text(ws, row, 0, "Total change from the base year (sum of the steps)", s.label)
    ctx.text(ws, row, 5, "£k", s.unit)
    ctx.write_row(
        ws,
        row,
        lambda c, _: f"=SUM({c}{first_step + 1}:{c}{last_step})",
        steps.sum(axis=0),
        s.money,
    )
    ctx.name_row("bridge.total", here, row)
    row += 2

    last, final = ctx.last_letter, ctx.years[-1]
    ctx.section(
        ws,
        row,
        f"Chart data: bridge from {ctx.years[0]} to {final}, £k; the waterfall's bars are "
        "stacked on an invisible base",
    )
    row += 1
    header_row = row
    ctx.text(ws, row, 4, "Value", s.header)
    row += 1
    chart_first = row
    chart_rows = [(f"Surplus {ctx.years[0]}", "bridge.opening", float(opening[-1]))]
    chart_rows += [
        (name, f"bridge.{name}", float(steps[k, -1])) for k, name in enumerate(BRIDGE_STEPS)
    ]
    chart_rows.append((f"Surplus {final}", "bridge.closing", float(closing[-1])))
    for label, name, value in chart_rows:
        ctx.text(ws, row, 0, label, s.label)
        ctx.write(ws, row, 4, f"={ctx.at(name, last, here=here, col_abs=True)}", value, s.money)
        ctx.text(ws, row, 5, "£k", s.unit)
        ctx.name_row(f"bridge_chart.{name.removeprefix('bridge.')}", here, row)
        row += 1
    kinds = ["total"] + ["step"] * len(BRIDGE_STEPS) + ["total"]
    items = [(kind, v) for kind, (_, _, v) in zip(kinds, chart_rows, strict=True)]
    write_waterfall_data(ctx, ws, header_row, chart_first, items, 4, FIRST_YEAR_COL)
    _charts(ctx, ws, chart_first, row - 1, row + 1)


def _charts(ctx: AppendixContext, ws: Worksheet, first: int, last: int, at_row: int) -> None:
    """A bar chart of the bridge and a chart of the system position by year."""
    wb = ctx.workbook
    title = f"Gap bridge of the system surplus, {ctx.years[0]} to {ctx.years[-1]} (£k)"
    bars = waterfall_chart(ctx, "Bridge", first, last, FIRST_YEAR_COL, title)
    ws.insert_chart(at_row, 0, bars)
    # each chart starts a printed page, so neither is split across pages
    start_page(ws, at_row)
    start_page(ws, at_row + 19)

    sheet, row = ctx.rows["system.surplus"]
    _, ct_row = ctx.rows["system.control_total"]
    last_col = FIRST_YEAR_COL + ctx.n_years - 1
    position = wb.add_chart({"type": "column"})
    position.add_series(
        {
            "name": "System surplus / (deficit)",
            "categories": [sheet, HEADER_ROW, FIRST_YEAR_COL, HEADER_ROW, last_col],
            "values": [sheet, row, FIRST_YEAR_COL, row, last_col],
            "fill": {"color": "#2F5597"},
            "invert_if_negative": True,
            "invert_if_negative_color": "#C00000",
        }
    )
    line = wb.add_chart({"type": "line"})
    line.add_series(
        {
            "name": "Control total",
            "categories": [sheet, HEADER_ROW, FIRST_YEAR_COL, HEADER_ROW, last_col],
            "values": [sheet, ct_row, FIRST_YEAR_COL, ct_row, last_col],
            "line": {"color": "#000000", "dash_type": "dash", "width": 1.5},
            "marker": {"type": "diamond", "size": 6},
        }
    )
    position.combine(line)
    position.set_title(
        {
            "name": "System position by year against the control total (£k)",
            "name_font": {"size": 12},
        }
    )
    position.set_legend({"position": "bottom"})
    position.set_y_axis(
        {"num_format": MONEY, "major_gridlines": {"visible": True, "line": {"color": "#D9D9D9"}}}
    )
    position.set_x_axis({"label_position": "low"})
    position.set_size({"width": 760, "height": 360})
    ws.insert_chart(at_row + 19, 0, position)

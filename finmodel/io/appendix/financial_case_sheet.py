"""The *Financial case* sheet of an investment: cost to each funder and effect on each surplus.

On the case years (the model's base year first, on the same columns as the System sheet);
nominal (cash) £k, undiscounted. Inputs: each option's cost and cash released (linked from the
Service model sheet where it comes from there). For each option against do nothing, formulas:
cost to each funder (rows ``financial.<inv>.cost.<option>.<partner>``), cash released to each
beneficiary, effect on each partner's surplus (``financial.<inv>.surplus.<option>.<partner>``)
and on the system's variance against its control total
(``financial.<inv>.variance_change.<option>``); the selected option highlighted; checks that the
funders' costs add up and that the effects equal the engine's projections with each option
selected.
"""

from __future__ import annotations

import numpy as np

from finmodel.investment.case import InvestmentCase
from finmodel.investment.streams import SERVICE_STREAM
from finmodel.io.appendix.context import AppendixContext, RowFormula
from finmodel.io.appendix.investment_layout import (
    CASH_LINK_NOTE,
    InvestmentFormats,
    InvestmentSheet,
    Links,
    each,
    fails,
    new_sheet,
    on_columns,
    option_label,
    option_name,
    plus,
    service_link,
)
from finmodel.io.appendix.service_months import MonthRows
from finmodel.io.appendix.service_streams import (
    appraisal_link,
    cash_effect_formula,
    cash_formula,
    service_costs_formula,
)
from finmodel.io.excel_styles import HEADER_ROW

#: Sheet name (suffixed `` 2``, `` 3``, ... when the model has several investments).
FINANCIAL = "Financial case"
#: Rows of the inputs: each option's cost, and its cash released by stream.
CostRows = dict[int, int]
CashRows = dict[tuple[str, int], int]


def add_financial_sheet(
    ctx: AppendixContext, case: InvestmentCase, fmt: InvestmentFormats, suffix: str = ""
) -> InvestmentSheet:
    """The empty Financial case sheet of an investment, its year header linked to Time."""
    s = case.streams
    header: list[tuple[str | None, str]] = [
        (
            f"=Time!{ctx.letter(t)}${HEADER_ROW + 1}" if ctx.formulas and t < ctx.n_years else None,
            year,
        )
        for t, year in enumerate(s.years)
    ]
    return new_sheet(
        ctx,
        case,
        fmt,
        FINANCIAL,
        suffix,
        description=f"Financial case of {s.investment_id}: nominal cost to each funder, "
        "surplus effects",
        units="Nominal (cash) £k, undiscounted, each option against do nothing",
        headers=("Description", "Partner", "Share", "Do nothing's share", "", "Unit"),
        years=s.years,
        year_header=header,
        extra=("Source / note",),
    )


def write_financial(sh: InvestmentSheet, links: Links, months: MonthRows | None = None) -> None:
    """Write the Financial case sheet (``links``: rows of the Service model sheet)."""
    ctx, s, f = sh.ctx, sh.case.streams, sh.case.financial
    years, n, n_model = list(s.years), sh.n, s.n_model_years
    sh.intro(
        f"Columns as on the System sheet: {years[0]} is the base year (no effect); the model's "
        f"projection ends in {years[n_model - 1]}"
        + (
            f", so from {years[n_model]} costs and cash are shown but no surplus is projected"
            if n > n_model
            else ""
        )
        + f". This scenario selects {option_name(s, s.selected)}."
    )
    row, r_cost, r_cash = _write_inputs(sh, links, 4, months)
    for o in range(len(s.option_ids)):
        if o != s.baseline:
            row = _write_option(sh, o, row, r_cost, r_cash, months)
    sh.section(row, "System surplus with each option selected (finmodel's projections, values)")
    row += 1
    r_option: dict[int, int] = {}
    for o in range(len(s.option_ids)):
        r_option[o] = row
        sh.label(row, f"With {option_name(s, o)}", "£k")
        sh.inputs(row, on_columns(f.system_surplus[o], n), sh.fmt.engine, start=1)
        row += 1
    r_link = row
    surplus = ctx.result.arrays.system_surplus
    sh.subtotal(
        row,
        "System surplus on the System sheet (this scenario's selection)",
        lambda c, p: f"={ctx.at('system.surplus', c)}",
        surplus,
        start=1,
        stop=n_model,
    )
    sh.check_row(
        row + 1,
        "Check: equals the projection with the selected option (1 = fails)",
        (r_link, r_option[s.selected]),
        on_columns(fails(surplus[1:n_model] - f.system_surplus[s.selected]), n, 0.0),
        "the System sheet's surplus equals finmodel's projection with the selected option",
        start=1,
        stop=n_model,
        parity=True,
    )


def _write_inputs(
    sh: InvestmentSheet, links: Links, row: int, months: MonthRows | None = None
) -> tuple[int, CostRows, CashRows]:
    """Each option's cost and cash released (from ``row``); returns the next row and theirs.
    With ``months`` (the Service months sheet) and every cost buying the service's staff, the
    costs and the cash released by reviews are formulas of it."""
    st, s = sh.ctx.styles, sh.case.streams
    charged = service_costs_formula(months, s) if months is not None else None
    if charged is None:
        sh.ctx.engine_rows.append(
            f"{sh.name}: each option's cost, all cost streams (values of the case as exported)"
        )
    total_cost = s.total_costs()
    sh.section(row, "Inputs: each option's cost and the cash it releases, before shares")
    row += 1
    r_cost: CostRows = {}
    r_cash: CashRows = {}
    valued: list[str] = []  # cash-releasing streams written as values
    for o in range(len(s.option_ids)):
        r_cost[o] = row
        sh.label(row, f"{s.option_names[o]}: cost, all cost streams", "£k")
        if charged is None:
            sh.inputs(row, total_cost[o], st.money_input, start=1)
            sh.note(
                row,
                f"Model file: investments.{s.investment_id}.options.{s.option_ids[o]}.costs "
                "(nominal; by stream on the Appraisal sheet).",
            )
        else:
            sh.formulas(row, charged(o), total_cost[o], st.money, start=1)
            sh.note(row, "Staff in post charged, summed from the Service months sheet.")
        row += 1
        for k in s.benefit_shares:
            r_cash[(k, o)] = row
            sh.label(row, f"{s.option_names[o]}: cash released, {s.benefit_names[k]}", "£k")
            plain = bool(np.all(s.benefit_factors.get(k, 1.0) == 1.0))  # no shortfall applied
            link = (
                service_link(links, "cash_released", o, s.years)
                if k == SERVICE_STREAM and plain
                else None
            )
            if k == SERVICE_STREAM and months is not None:
                sh.formulas(row, cash_formula(sh.ctx, sh.case, months, o), s.benefits[k][o],
                            st.money, start=1)  # fmt: skip
                sh.note(row, "Cash released, summed from Service months, x (1 - shortfall).")
                row += 1
                continue
            linked = None if months is None else appraisal_link(sh.ctx, sh.case, k, o, s.years)
            if link is None and linked is not None:
                sh.formulas(row, linked, s.benefits[k][o], st.money, start=1)
                sh.note(row, "Linked: the Appraisal's nominal row of this benefit.")
                row += 1
                continue
            if link is None and s.benefit_names[k] not in valued:
                valued.append(s.benefit_names[k])
            sh.linked_or_input(
                row,
                link,
                s.benefits[k][o],
                (st.money, st.money_input),
                (CASH_LINK_NOTE, "Model file: the option's cash-releasing benefit (nominal)."),
                start=1,
            )
            row += 1
    if valued:
        sh.ctx.engine_rows.append(
            f"{sh.name}: each option's cash released, {', '.join(valued)} (values of the case "
            "as exported)"
        )
    return row + 1, r_cost, r_cash


def _write_option(
    sh: InvestmentSheet,
    o: int,
    row: int,
    r_cost: CostRows,
    r_cash: CashRows,
    months: MonthRows | None = None,
) -> int:
    """Option ``o`` against do nothing (from ``row``); returns the row after its block."""
    ctx, st, case = sh.ctx, sh.ctx.styles, sh.case
    s, f = case.streams, case.financial
    n, b, option_id = sh.n, s.baseline, s.option_ids[o]
    selected = sh.fmt.selected if o == s.selected else None
    sh.section(row, option_label(case, o) + ": against do nothing", selected)
    row += 1
    ctx.text(
        sh.ws,
        row,
        0,
        "Cost to each funder: option's cost x share - do nothing's x its share",
        st.label_bold,
    )
    row += 1
    cost_row: dict[int, int] = {}
    for p in f.involved:
        if not (s.funder_shares[o, p] or s.funder_shares[b, p]):
            continue
        cost_row[p] = row
        sh.label(row, f"Cost to {f.partner_names[p]}", "£k")
        values = on_columns(f.cost[o, p], n)
        _share_row(sh, row, o, p, s.funder_shares, (r_cost[o], r_cost[b]), values)
        ctx.name_row(
            f"financial.{s.investment_id}.cost.{option_id}.{s.partner_ids[p]}", sh.name, row
        )
        row += 1
    r_total = row
    first, last = min(cost_row.values(), default=row), max(cost_row.values(), default=row - 1)
    sh.subtotal(
        row,
        "Total cost to the funders",
        lambda c, p: f"=SUM({c}{first + 1}:{c}{last + 1})" if cost_row else "=0",
        on_columns(f.cost[o].sum(axis=0), n),
        start=1,
    )
    row += 1
    sh.label(row, "The option's cost against do nothing", "£k")
    option_cost = s.total_costs()[o] - s.total_costs()[b]
    difference = each(f"={{c}}${r_cost[o] + 1}-{{c}}${r_cost[b] + 1}")
    sh.formulas(row, difference, option_cost, st.money, start=1)
    sh.check_row(
        row + 1,
        "Check: the funders' costs add up to the option's cost (1 = fails)",
        (r_total, row),
        on_columns(fails(f.cost[o].sum(axis=0) - option_cost[1:]), n, 0.0),
        f"the funders' costs of {option_id} add up to its cost, every year",
        start=1,
    )
    row, cash_rows = _write_cash(sh, o, row + 2, r_cash)
    return _write_effects(sh, o, row, cost_row, cash_rows, months)


def _share_row(
    sh: InvestmentSheet,
    row: int,
    o: int,
    p: int,
    shares: np.ndarray,
    inputs: tuple[int, int],
    values: np.ndarray,
) -> None:
    """Partner ``p``'s part of option ``o`` against do nothing: the option's input row x its
    share - do nothing's input row x its share (``shares``: option x partner)."""
    ctx, st, b = sh.ctx, sh.ctx.styles, sh.case.streams.baseline
    ctx.number(sh.ws, row, 1, p + 1, st.key)
    ctx.number(sh.ws, row, 2, float(shares[o, p]), st.share_input)
    ctx.number(sh.ws, row, 3, float(shares[b, p]), st.share_input)
    mine, base = inputs
    template = f"={{c}}${mine + 1}*$C{row + 1}-{{c}}${base + 1}*$D{row + 1}"
    sh.formulas(row, each(template), values, st.money, start=1)


def _write_cash(
    sh: InvestmentSheet, o: int, row: int, r_cash: CashRows
) -> tuple[int, dict[int, list[int]]]:
    """Cash released to each beneficiary by option ``o`` against do nothing (if any)."""
    st, s, f = sh.ctx.styles, sh.case.streams, sh.case.financial
    b = s.baseline
    cash_rows: dict[int, list[int]] = {}
    if not s.benefit_shares:
        return row, cash_rows
    sh.ctx.text(
        sh.ws, row, 0, "Cash released to each beneficiary, against do nothing", st.label_bold
    )
    row += 1
    first = row
    for k, shares in s.benefit_shares.items():
        for p in f.involved:
            mine, base = float(shares[o, p]), float(shares[b, p])
            if not (mine or base):
                continue
            cash_rows.setdefault(p, []).append(row)
            sh.label(row, f"Cash released to {f.partner_names[p]}: {s.benefit_names[k]}", "£k")
            values = s.benefits[k][o] * mine - s.benefits[k][b] * base
            _share_row(sh, row, o, p, shares, (r_cash[(k, o)], r_cash[(k, b)]), values)
            row += 1
    sh.subtotal(
        row,
        "Total cash released",
        each(f"=SUM({{c}}{first + 1}:{{c}}{row})"),
        on_columns(f.cash_released[o].sum(axis=0), sh.n),
        start=1,
    )
    return row + 1, cash_rows


def _write_effects(
    sh: InvestmentSheet,
    o: int,
    row: int,
    cost_row: dict[int, int],
    cash_rows: dict[int, list[int]],
    months: MonthRows | None = None,
) -> int:
    """Effects of option ``o`` on each partner's surplus and the system's, with the check."""
    ctx, st, s, f = sh.ctx, sh.ctx.styles, sh.case.streams, sh.case.financial
    n, n_model, option_id = sh.n, s.n_model_years, s.option_ids[o]
    in_ct = ctx.result.inputs.in_control_total
    model_years = list(s.years[1:n_model])
    ctx.text(
        sh.ws,
        row,
        0,
        f"Effect on each partner's surplus, {model_years[0]} to "
        f"{model_years[-1]}: cash released - cost",
        st.label_bold,
    )
    row += 1
    effect_rows: list[int] = []
    ct_rows: list[int] = []
    other_rows: dict[int, list[int]] = {}
    if (
        f.cash_effects
        and months is None
        and o == min(x for x in range(len(s.option_ids)) if x != s.baseline)
    ):
        ctx.engine_rows.append(
            f"{sh.name}: the service model's other cash effects by partner ("
            + ", ".join(s.cash_effect_names[k] for k in f.cash_effects)
            + "; values of the case as exported)"
        )
    for key, values_by in f.cash_effects.items():  # the service model's other cash effects
        for p in f.involved:
            if not np.any(values_by[:, p] != 0):
                continue
            other_rows.setdefault(p, []).append(row)
            name = s.cash_effect_names[key]
            sh.label(row, f"{name}: {f.partner_names[p]} (+ spend)", "£k")
            effect = (
                None
                if months is None
                else cash_effect_formula(ctx, sh.case, months, key, o, f"$C{row + 1}")
            )
            if effect is None:
                sh.inputs(row, on_columns(values_by[o, p], n), st.money_input, start=1)
                sh.note(row, "Service model: incremental to do nothing (finmodel.investment).")
            else:
                shares = s.cash_effect_shares[key]
                ctx.number(sh.ws, row, 1, p + 1, st.key)
                ctx.number(sh.ws, row, 2, float(shares[o, p]), st.share_input)
                sh.formulas(row, effect, on_columns(values_by[o, p], n), st.money, start=1)
                sh.note(
                    row,
                    "(Option - do nothing) people x months at each month's package prices / 12 "
                    "x unit cost on Inputs, from Service months; x the partner's share (C).",
                )
            row += 1
    for p in f.involved:
        cost = f"-{{c}}{cost_row[p] + 1}" if p in cost_row else ""
        cost += "".join(f"-{{c}}{r + 1}" for r in other_rows.get(p, []))
        template = "=" + plus([f"{{c}}{r + 1}" for r in cash_rows.get(p, [])]) + cost
        sh.label(row, f"Effect on {f.partner_names[p]}'s surplus", "£k")
        ctx.number(sh.ws, row, 1, p + 1, st.key)
        values = on_columns(f.surplus_change[o, p], n)
        sh.formulas(row, each(template), values, st.money, start=1, stop=n_model)
        ctx.name_row(
            f"financial.{s.investment_id}.surplus.{option_id}.{s.partner_ids[p]}", sh.name, row
        )
        effect_rows.append(row)
        if in_ct[p]:
            ct_rows.append(row)
        row += 1
    sh.subtotal(
        row,
        "Effect on the system surplus (sum of the partners)",
        _sum_of(effect_rows),
        on_columns(f.system_surplus[o] - f.system_surplus[s.baseline], n),
        start=1,
        stop=n_model,
    )
    row += 1
    r_var = row
    change = on_columns(f.system_variance_change[o], n)
    sh.subtotal(
        row,
        "Effect on the system variance against its control total",
        _sum_of(ct_rows),
        change,
        start=1,
        stop=n_model,
    )
    sh.note(row, "Sum of the effects on the partners in the control total.")
    ctx.name_row(f"financial.{s.investment_id}.variance_change.{option_id}", sh.name, row)
    row += 1
    sh.label(row, "Change in the system variance, finmodel's projections with and without it", "£k")
    sh.inputs(row, change, sh.fmt.engine, start=1)
    sh.note(row, "Values: the model projected with this option selected, less with do nothing.")
    ct_sum = sum((f.surplus_change[o, p] for p in f.involved if in_ct[p]), np.zeros(n_model - 1))
    sh.check_row(
        row + 1,
        "Check: the variance effect equals the projections' (1 = fails)",
        (r_var, row),
        on_columns(fails(ct_sum - f.system_variance_change[o]), n, 0.0),
        f"the effect of {option_id} on the system variance equals finmodel's projections with "
        "and without it",
        start=1,
        stop=n_model,
        parity=True,
    )
    return row + 3


def _sum_of(rows: list[int]) -> RowFormula:
    """The sum of ``rows`` in the year's column (``=0`` for none)."""
    return lambda c, p: "=" + plus([f"{c}{r + 1}" for r in rows])

"""The *Appraisal* sheet of an investment: the Green Book economic case as live formulas.

Its own timeline, the appraisal years (year 0 first, possibly past the model's horizon).
Inputs: GDP deflators, discount rates, flow timing, each option's nominal cost and benefit
streams and optimism-bias rates. Formulas: real price factor, discount factors
``DF_0 = 1, DF_t = DF_{t-1} / (1 + r_t)`` (mid-year: times ``(1 + r_t) ^ 0.5``; row
``appraisal.<inv>.discount_factor``), real costs after optimism bias, real benefits by type, PV
rows (``(option - do nothing) x DF``), PVC, PVB and NPSV (rows
``appraisal.<inv>.{pv_costs,pv_benefits,npsv}.<option>``, total in the *Total* column), the
cumulative discounted net benefit; then the results by option, their checks and the switching
values (:mod:`~finmodel.io.appendix.investment_results`).
"""

from __future__ import annotations

from typing import Any

import numpy as np

from finmodel.appraisal.discounting import (
    deflator_index,
    deflator_table,
    discount_factors,
    discount_rates,
    discount_table,
)
from finmodel.domain.investments import option_optimism_bias
from finmodel.investment.case import InvestmentCase
from finmodel.investment.service_benefits import BENEFIT_NAMES, HEALTH_STREAMS
from finmodel.investment.streams import RISK_STREAM, SERVICE_STREAM
from finmodel.io.appendix.context import AppendixContext
from finmodel.io.appendix.investment_layout import (
    CASH_LINK_NOTE,
    InvestmentFormats,
    InvestmentSheet,
    Links,
    each,
    incremental,
    new_sheet,
    option_label,
    plus,
    service_link,
)
from finmodel.io.appendix.investment_results import AppraisalRows, write_results, write_switching
from finmodel.io.appendix.print_bands import start_page
from finmodel.io.appendix.risk_register import option_risks, risk_formula
from finmodel.io.appendix.service_months import MonthRows
from finmodel.io.appendix.service_streams import (
    SERVICE_BENEFITS,
    benefit_formula,
    health_ratio,
    staff_cost_formula,
)
from finmodel.io.excel_styles import FIRST_YEAR_COL, HEADER_ROW, MONEY, col_letter

#: Sheet name (suffixed `` 2``, `` 3``, ... when the model has several investments).
APPRAISAL = "Appraisal"
#: Service benefits valued at real prices of the price-base year, made cash by the deflator.
REAL_VALUED = frozenset(BENEFIT_NAMES)
#: The PVC and PVB rows: label and row name by kind of stream.
_PV_TOTALS = {
    "cost": ("PV costs (PVC)", "pv_costs"),
    "benefit": ("PV benefits (PVB)", "pv_benefits"),
}
_TYPE_LABEL = {
    "cash_releasing": "cash-releasing",
    "non_cash_releasing": "non-cash-releasing",
    "societal": "societal",
}


def add_appraisal_sheet(
    ctx: AppendixContext, case: InvestmentCase, fmt: InvestmentFormats, suffix: str = ""
) -> InvestmentSheet:
    """The empty Appraisal sheet of an investment, on the appraisal years."""
    e = case.economic
    return new_sheet(
        ctx,
        case,
        fmt,
        APPRAISAL,
        suffix,
        description=f"Green Book economic case of {case.streams.investment_id}: discount "
        "factors, PVs, NPSV (formulas)",
        units=f"Real £k, {e.price_base_year} prices, discounted",
        headers=("Description", "Option", "Stream", "Kind / type", "Input", "Unit"),
        years=e.years,
    )


def write_appraisal(sh: InvestmentSheet, links: Links, months: MonthRows | None = None) -> None:
    """Write the Appraisal sheet (``links``: rows of the Service model sheet; ``months``: the
    Service months sheet, whose rows the staff costs and service benefits sum)."""
    ctx, st, case = sh.ctx, sh.ctx.styles, sh.case
    e = case.economic
    years, n = list(e.years), sh.n
    model_years = set(ctx.result.model.years)
    row = 4
    sh.section(row, "Appraisal timeline")
    row += 1
    sh.label(row, "Appraisal year t (0 = the first year, not discounted)", "t")
    sh.inputs(row, np.arange(n, dtype=float), st.flag)
    row += 1
    sh.label(row, "Year on the model's projection timeline (1 = yes)", "flag")
    sh.inputs(row, [float(y in model_years) for y in years], st.flag)
    sh.note(row, "Years marked 0 lie beyond the model's horizon: the investment's own streams.")
    row += 1
    rows = AppraisalRows()
    rows.calendar = row
    sh.label(row, "Calendar year the financial year starts in (from the year's label)", "year")
    header = f"{{c}}${HEADER_ROW + 1}"
    sh.formulas(
        row,
        each(f'=VALUE(LEFT({header},FIND("/",{header})-1))'),
        np.array([float(y[:4]) for y in years]),
        st.flag,
    )
    row += 2
    row = _write_prices(sh, row, rows)
    row = _write_discounting(sh, row, rows)
    for o in range(len(case.option_ids)):
        row = _write_option(sh, o, row, rows, links, months)
    results = row
    row = write_results(sh, row, rows)
    row = write_switching(sh, row, rows)
    if case.streams.unmonetised:
        row += 1
        sh.section(row, "Unmonetised benefits: described, not valued; weigh them beside the NPSV")
        row += 1
        for option_id, name, description in case.streams.unmonetised:
            ctx.text(sh.ws, row, 0, f"{option_id}: {name}", st.label)
            ctx.text(sh.ws, row, FIRST_YEAR_COL, " ".join(description.split()), st.note)
            row += 1
    _options_chart(sh, row + 1)
    beyond = [y for y in years if y not in model_years]
    sh.intro(
        f"Own timeline: the appraisal period, {n} years from {years[0]} (year 0, not discounted) "
        f"to {years[-1]}; the model's projection ends in {ctx.years[-1]}"
        + (f", so {beyond[0]} on come from the investment's own streams" if beyond else "")
        + f". Inputs blue on yellow. Results by option: row {results + 1}."
    )


def _options_chart(sh: InvestmentSheet, row: int) -> None:
    """PVC, PVB and NPSV of each option (from the results table), on its own printed page."""
    mine = [o.row for o in sh.ctx.options if o.sheet == sh.name]
    if not mine:
        return
    first, last = min(mine), max(mine)
    chart = sh.ctx.workbook.add_chart({"type": "column"})
    for i, (name, colour) in enumerate(
        (("PV costs (PVC)", "#C00000"), ("PV benefits (PVB)", "#548235"), ("NPSV", "#2F5597"))
    ):
        chart.add_series(
            {
                "name": name,
                "categories": [sh.name, first, 0, last, 0],
                "values": [sh.name, first, FIRST_YEAR_COL + i, last, FIRST_YEAR_COL + i],
                "fill": {"color": colour},
            }
        )
    chart.set_title(
        {"name": "Options against do nothing (£k, discounted)", "name_font": {"size": 12}}
    )
    chart.set_legend({"position": "bottom"})
    chart.set_y_axis({"num_format": MONEY})
    chart.set_x_axis({"label_position": "low"})
    chart.set_size({"width": 760, "height": 340})
    start_page(sh.ws, row)
    sh.ws.insert_chart(row, 0, chart)


def _write_prices(sh: InvestmentSheet, row: int, rows: AppraisalRows) -> int:
    """GDP deflators and the real price factor (from ``row``); returns the next free row."""
    ctx, st, fmt = sh.ctx, sh.ctx.styles, sh.fmt
    e, inv = sh.case.economic, sh.case.streams.investment
    years = list(e.years)
    table = deflator_table(e.deflator_version)
    extend = inv.deflator_extend_rate
    sh.section(
        row, f"Prices: nominal (cash) to real {e.price_base_year} prices by the GDP deflator"
    )
    row += 1
    r_defl = row
    index = deflator_index(years, e.deflator_version, extend)
    last = max(table.index)
    prefix = f"inputs.investments.{sh.case.streams.investment_id}"

    def on_inputs(name: str) -> str | None:
        found = ctx.rows.get(f"{prefix}.{name}")
        return None if found is None else f"Inputs!$E${found[1] + 1}"

    extend_ref = on_inputs("deflator_extend_rate")
    sh.label(row, f"GDP deflator index, table {table.version} ({table.reference})", "index")
    if extend is not None:
        if extend_ref is not None:
            ctx.write(sh.ws, row, 4, f"={extend_ref}", float(extend), st.rate)
        else:
            ctx.number(sh.ws, row, 4, extend, st.rate_input)
    listed = [y for y in table.index if on_inputs(f"deflator.index.{y}") is not None]
    covered = bool(listed) and years[0] >= min(table.index)  # none extended backwards
    if covered and (extend is None or extend_ref is not None):
        # the year's index from Inputs (looked up by its label), or past the table's last
        # year the previous year's x (1 + the growth a year in column E)
        first_row = ctx.rows[f"{prefix}.deflator.index.{listed[0]}"][1] + 1
        last_row = ctx.rows[f"{prefix}.deflator.index.{listed[-1]}"][1] + 1
        keys, values = (f"Inputs!${c}${first_row}:${c}${last_row}" for c in "DE")
        lookup = f"SUMIF({keys},{{c}}${HEADER_ROW + 1},{values})"
        template = (
            f"=IF(COUNTIF({keys},{{c}}${HEADER_ROW + 1})>0,{lookup},{{p}}{row + 1}*(1+$E${row + 1}))"
            if extend is not None
            else f"={lookup}"
        )
        sh.formulas(
            row, each(template), index, fmt.index, first="=" + lookup.format(c=sh.letter(0))
        )
    else:
        for t, year in enumerate(years):
            col = FIRST_YEAR_COL + t
            given = on_inputs(f"deflator.index.{year}")
            if given is not None:
                ctx.write(sh.ws, row, col, f"={given}", float(index[t]), fmt.index)
            elif extend is not None and year > last and t > 0:
                formula = f"={col_letter(col - 1)}{row + 1}*(1+$E${row + 1})"
                ctx.write(sh.ws, row, col, formula, float(index[t]), fmt.index)
            else:  # before the series: extended backwards by the engine (values)
                ctx.number(sh.ws, row, col, float(index[t]), fmt.index_input)
    extended = (
        f" Years after {last}: the previous year's index x (1 + the growth a year in column E, "
        "the investment's deflator_extend_rate)."
        if extend is not None and years[-1] > last
        else ""
    )
    sh.note(row, "From Inputs (the deflator index by year). " + table.citation + extended)
    row += 1
    r_base = row
    base = float(deflator_index([e.price_base_year], e.deflator_version, extend)[0])
    sh.label(row, f"GDP deflator index of the price-base year {e.price_base_year}", "index")
    base_ref = on_inputs(f"deflator.index.{e.price_base_year}")
    if base_ref is not None:
        ctx.write(sh.ws, row, 4, f"={base_ref}", base, fmt.index)
    else:
        ctx.number(sh.ws, row, 4, base, fmt.index_input)
    sh.note(row, f"Same table; the investment's price_base_year is {e.price_base_year}.")
    row += 1
    rows.real = row
    sh.label(row, "Real price factor: base-year index / the year's index", "factor")
    sh.formulas(row, each(f"=$E${r_base + 1}/{{c}}${r_defl + 1}"), e.real_factor, fmt.factor)
    return row + 2


def _write_discounting(sh: InvestmentSheet, row: int, rows: AppraisalRows) -> int:
    """Discount rates and factors (from ``row``); returns the next free row."""
    ctx, st, fmt, e, n = sh.ctx, sh.ctx.styles, sh.fmt, sh.case.economic, sh.n
    table = discount_table(e.discount_version)
    sh.section(row, f"Discounting: Green Book STPR, the schedule on Inputs, table {table.version}")
    row += 1
    choice = ctx.rows.get(f"inputs.investments.{sh.case.streams.investment_id}.discount.schedule")
    by_schedule: dict[str, int] = {}
    if choice is not None:
        for schedule in table.schedules:
            by_schedule[schedule] = row
            sh.label(row, f"Discount rate of the {schedule} schedule (table {table.version})", "%")
            values = np.concatenate(([np.nan], discount_rates(n - 1, schedule, e.discount_version)))
            sh.inputs(row, values, st.rate_input, start=1)
            row += 1
    r_rate = row
    rates = np.concatenate(([np.nan], discount_rates(n - 1, e.schedule, e.discount_version)))
    sh.label(row, "Discount rate r_t of year t", "% a year")
    if choice is not None:
        chosen = f"Inputs!$E${choice[1] + 1}"
        *others, last_schedule = list(by_schedule)
        formula = f"{{c}}${by_schedule[last_schedule] + 1}"
        for schedule in reversed(others):
            formula = f'IF({chosen}="{schedule}",{{c}}${by_schedule[schedule] + 1},{formula})'
        sh.formulas(row, each("=" + formula), rates, st.rate, start=1)
        sh.note(row, "The schedule chosen on Inputs. " + table.citation)
    else:
        sh.inputs(row, rates, st.rate_input, start=1)
        sh.note(row, table.citation)
    row += 1
    r_timing = row
    sh.label(row, "Flows discounted from: 0 = the end of each year, 0.5 = mid-year", "year")
    ctx.number(sh.ws, row, 4, 0.5 if e.mid_year else 0.0, fmt.timing_input)
    sh.note(row, f"The investment's discount.mid_year is {str(e.mid_year).lower()}.")
    row += 1
    r_eoy = row
    end_of_year = np.concatenate(([1.0], np.cumprod(1.0 / (1.0 + rates[1:]))))
    sh.label(row, "End-of-year discount factor: 1 in year 0, then previous / (1 + r_t)", "factor")
    sh.formulas(
        row, each(f"={{p}}{r_eoy + 1}/(1+{{c}}${r_rate + 1})"), end_of_year, fmt.factor, start=1
    )
    ctx.number(sh.ws, row, FIRST_YEAR_COL, 1.0, fmt.factor)
    row += 1
    rows.df = row
    sh.label(row, "Discount factor DF_t applied to the year's flows", "factor", st.label_bold)
    sh.formulas(
        row,
        each(f"={{c}}${r_eoy + 1}*(1+{{c}}${r_rate + 1})^$E${r_timing + 1}"),
        e.discount_factors,
        fmt.factor,
        first=f"={sh.letter(0)}${r_eoy + 1}",
    )
    sh.note(row, "DF_0 = 1; later years: the end-of-year factor x (1 + r_t) ^ timing.")
    ctx.name_row(f"appraisal.{sh.case.streams.investment_id}.discount_factor", sh.name, row)
    health = by_schedule.get("health")
    if health is None or not HEALTH_STREAMS & set(sh.case.economic.benefits):
        return row + 2
    # QALY streams are valued at the health schedule whatever the case's schedule: their
    # amounts are held as x DF_health / DF (engine: InvestmentStreams.benefit_factors)
    row += 1
    health_rates = np.concatenate(([np.nan], discount_rates(n - 1, "health", e.discount_version)))
    health_eoy = np.concatenate(([1.0], np.cumprod(1.0 / (1.0 + health_rates[1:]))))
    health_df = health_eoy * (1.0 + np.nan_to_num(health_rates)) ** (0.5 if e.mid_year else 0.0)
    sh.label(row, "End-of-year discount factor, health schedule", "factor")
    sh.formulas(
        row, each(f"={{p}}{row + 1}/(1+{{c}}${health + 1})"), health_eoy, fmt.factor, start=1
    )
    ctx.number(sh.ws, row, FIRST_YEAR_COL, 1.0, fmt.factor)
    row += 1
    sh.label(row, "Discount factor, health schedule", "factor")
    sh.formulas(
        row,
        each(f"={{c}}${row}*(1+{{c}}${health + 1})^$E${r_timing + 1}"),
        health_df,
        fmt.factor,
        first=f"={sh.letter(0)}${row}",
    )
    row += 1
    rows.health_ratio = row
    sh.label(row, "QALY streams: DF of the health schedule / DF_t", "factor")
    sh.formulas(
        row, each(f"={{c}}${row}/{{c}}${rows.df + 1}"), health_df / e.discount_factors, fmt.factor
    )
    sh.note(row, "QALYs are discounted at the health schedule whatever the case's schedule.")
    return row + 2


def _keys(sh: InvestmentSheet, row: int, o: int, stream: str, kind: str) -> None:
    """Columns B-D of a stream's row: option no., stream id, kind or type."""
    ctx = sh.ctx
    ctx.number(sh.ws, row, 1, o + 1, ctx.styles.key)
    ctx.text(sh.ws, row, 2, stream, ctx.styles.key)
    ctx.text(sh.ws, row, 3, kind, ctx.styles.key)


def _bias_rate(sh: InvestmentSheet, row: int, o: int, k: str, bias: Any) -> None:
    """Column E of a cost's row after optimism bias: the rate, a formula of the upper bound
    and mitigation share on Inputs when the bias applies to the cost's kind (``bias`` None:
    none, as for an option without this cost)."""
    ctx, s, e = sh.ctx, sh.case.streams, sh.case.economic
    rate = float(e.optimism_bias[k][o])
    option = s.investment.options[o]
    path = f"investments.{s.investment_id}"
    if option.optimism_bias is not None:
        path += f".options.{option.id}"
    upper = ctx.rows.get(f"inputs.{path}.optimism_bias.upper_bound")
    mitigation = ctx.rows.get(f"inputs.{path}.optimism_bias.mitigation_share")
    applies = bias is not None and s.cost_kinds[k].value in [x.value for x in bias.applies_to]
    if applies and upper is not None and mitigation is not None:
        formula = f"=Inputs!$E${upper[1] + 1}*(1-Inputs!$E${mitigation[1] + 1})"
        ctx.write(sh.ws, row, 4, formula, rate, ctx.styles.rate)
    else:
        ctx.number(sh.ws, row, 4, rate, ctx.styles.rate_input)


def _bias_note(bias: Any, kind: str) -> str:
    if bias is None or kind not in [k.value for k in bias.applies_to]:
        return "No optimism bias on this cost."
    what = (
        bias.project_type
        or "a combined project ("
        + ", ".join(f"{t} {w:.0%}" for t, w in (bias.combined or {}).items())
        + ")"
    )
    return (
        f"Optimism bias: the HMT upper bound for {what} ({bias.measure}) x (1 - mitigation share "
        f"{bias.mitigation_share:.0%}), table {bias.version}."
        + (f" {bias.source}" if bias.source else "")
    )


def _real_row(
    sh: InvestmentSheet, row: int, text: str, nominal: int, rows: AppraisalRows, values: np.ndarray
) -> None:
    """A real £k row: the ``nominal`` row's figure x the real price factor."""
    sh.label(row, text, "£k")
    sh.formulas(
        row, each(f"={{c}}{nominal + 1}*{{c}}${rows.real + 1}"), values, sh.ctx.styles.money
    )


def _write_option(
    sh: InvestmentSheet,
    o: int,
    row: int,
    rows: AppraisalRows,
    links: Links,
    months: MonthRows | None = None,
) -> int:
    """Option ``o``'s streams, nominal and real, and its present values (from ``row``)."""
    ctx, st, fmt, case = sh.ctx, sh.ctx.styles, sh.fmt, sh.case
    s, e = case.streams, case.economic
    inv, option, b = s.investment, s.investment.options[o], s.baseline
    years, window = list(e.years), s.appraisal_slice
    selected = o == s.selected and o != b
    sh.section(row, option_label(case, o), fmt.selected if selected else None)
    row += 1
    bias = option_optimism_bias(inv, option)
    nominal_rows: list[int] = []  # the option's nominal costs the risk register applies to
    for k in e.costs:
        active_rows: dict[str, int] = {}
        if k == RISK_STREAM:  # which years each of the option's risks runs in
            for risk_id, risk_name, on in option_risks(inv, o, years):
                sh.label(row, f"Risk {risk_name}: runs in the year (1 = yes)", "flag")
                sh.inputs(row, on, st.flag_input)
                sh.note(row, f"investments.{s.investment_id}.risks: {risk_id} year and years.")
                active_rows[risk_id] = row
                row += 1
        item = next((c for c in option.costs if c.id == k), None)
        name = s.cost_names[k]
        nominal = s.costs[k][o, window]
        amount = ctx.rows.get(
            f"inputs.investments.{s.investment_id}.options.{option.id}.costs.{k}.amount"
        )
        service_charged = inv.service is not None and item is not None and item.buys_capacity()
        if (
            item is not None
            and isinstance(item.amount, int | float)
            and item.amount
            and amount
            and not service_charged  # the service model charges the staff in post
        ):
            # the stream is the amount times its profile (ramp-up, uplift, years active)
            _profile(sh, row, o, k, item, nominal / float(item.amount), rows)
            r_profile, r_nom = row, row + 1
            row += 1
            sh.label(row, f"{name}: nominal cost = amount on Inputs x profile", "£k")
            _keys(sh, row, o, k, s.cost_kinds[k].value)
            ref = f"Inputs!$E${amount[1] + 1}"
            sh.formulas(row, each(f"={ref}*{{c}}${r_profile + 1}"), nominal, st.money)
            sh.note(row, item.source or "")
        elif service_charged and months is not None:
            # the staff in post the service model charges, summed from Service months
            r_nom = row
            sh.label(row, f"{name}: nominal cost, staff in post (from {months.sheet})", "£k")
            _keys(sh, row, o, k, s.cost_kinds[k].value)
            formula = staff_cost_formula(months, k, o)
            sh.formulas(row, formula, nominal, st.money)
            sh.note(
                row,
                f"Sum of the months' cost charged for staff in post on {months.sheet} (after "
                "the recruitment lag, net of vacancies, pay growing): it follows the amount and "
                "the service parameters on Inputs.",
            )
        elif service_charged:
            # what the service model charges: the staff in post from their arrival, at pay
            # growing with the pay series, net of vacancies (not a multiple of the amount)
            r_nom = row
            sh.label(row, f"{name}: nominal cost, staff in post (engine values)", "£k")
            _keys(sh, row, o, k, s.cost_kinds[k].value)
            sh.inputs(row, nominal, st.money)
            sh.note(
                row,
                "Engine values: the service model charges the staff in post (after the "
                "recruitment lag, net of vacancies, pay growing), so this is not the amount on "
                "Inputs times a profile.",
            )
            ctx.engine_rows.append(f"{sh.name}: {option.id} {name} charged by the service model")
        elif k == RISK_STREAM and (
            risk := risk_formula(ctx, s.investment_id, active_rows, nominal_rows)
        ):
            r_nom = row
            sh.label(row, f"{name}: nominal cost", "£k")
            _keys(sh, row, o, k, s.cost_kinds[k].value)
            sh.formulas(row, risk, nominal, st.money)
            sh.note(
                row,
                "Each risk active in the year: probability x (impact + share x the option's "
                "nominal costs above), its inputs on Inputs.",
            )
        else:
            r_nom = row
            sh.label(row, f"{name}: nominal cost", "£k")
            _keys(sh, row, o, k, s.cost_kinds[k].value)
            sh.inputs(row, nominal, st.money_input)
            sh.note(row, item.source if item is not None and item.source else "none in this option")
        if k not in s.economic_only:
            nominal_rows.append(r_nom)
        row += 1
        r_before = row
        text = f"{name}: real cost before optimism bias"
        _real_row(sh, row, text, r_nom, rows, e.costs_before_bias[k][o])
        row += 1
        rows.after[(k, o)] = row
        sh.label(row, f"{name}: real cost after optimism bias (rate in column E)", "£k")
        _bias_rate(sh, row, o, k, bias if item is not None else None)
        template = f"={{c}}{r_before + 1}*(1+$E{row + 1})"
        sh.formulas(row, each(template), e.costs[k][o], st.money)
        sh.note(row, _bias_note(bias, s.cost_kinds[k].value))
        row += 1
    for k in e.benefits:
        ratio_row = None
        health = k in HEALTH_STREAMS and k in SERVICE_BENEFITS
        if months is not None and health and rows.health_ratio == 0:
            ratio_row = row  # the factor the engine applies to QALYs: a ratio of tables
            sh.label(row, "QALYs: Green Book health / standard discount factor", "factor")
            sh.inputs(row, health_ratio(case), fmt.factor)
            sh.note(row, "Discount factor tables' ratio: QALYs are discounted at health rates.")
            row += 1
        name, r_nom = s.benefit_names[k], row
        kind = _TYPE_LABEL.get(e.benefit_types[k].value)
        item_b = next((x for x in option.benefits if x.id == k), None)
        if months is not None and k in SERVICE_BENEFITS:
            sh.label(row, f"{name}: nominal benefit", "£k")
            _keys(sh, row, o, k, kind or "")
            ratio = ratio_row if ratio_row is not None else rows.health_ratio  # a live row
            derived = benefit_formula(ctx, case, months, k, o, rows.real, ratio)
            assert derived is not None
            sh.formulas(row, derived, s.benefits[k][o, window], st.money)
            sh.note(row, f"Formula of the {months.sheet} rows and the parameters on Inputs.")
            ctx.name_row(f"appraisal.{s.investment_id}.benefit.{k}.{option.id}", sh.name, row)
            row += 1
            rows.benefit[(k, o)] = row
            _real_row(sh, row, f"{name}: real benefit ({kind})", r_nom, rows, e.benefits[k][o])
            row += 1
            continue
        if k in REAL_VALUED and inv.service is not None:
            row = _real_valued_stream(sh, row, o, k, kind or "", rows)
            r_nom = row - 1
        else:
            sh.label(row, f"{name}: nominal benefit", "£k")
            _keys(sh, row, o, k, kind or "")
            sh.linked_or_input(
                row,
                service_link(links, "cash_released", o, years)
                if k == SERVICE_STREAM and bool(np.all(s.benefit_factors.get(k, 1.0) == 1.0))
                else None,
                s.benefits[k][o, window],
                (st.money, st.money_input),
                (CASH_LINK_NOTE, item_b.source if item_b is not None and item_b.source else None),
            )
            row += 1
        rows.benefit[(k, o)] = row
        _real_row(sh, row, f"{name}: real benefit ({kind})", r_nom, rows, e.benefits[k][o])
        row += 1
    outcome = inv.outcome
    if e.outcomes is not None and outcome is not None:
        rows.units[o] = row
        sh.label(row, f"Outcome: {outcome.name}, units in the year", "units")
        sh.linked_or_input(
            row,
            service_link(links, outcome.service_series, o, years),
            e.outcomes[o],
            (fmt.count, fmt.count_input),
            (f"Linked: {outcome.service_series}, from the Service model sheet.", outcome.source),
        )
        row += 1
    return _write_present_values(sh, o, row, rows)


def _pv_row(
    sh: InvestmentSheet,
    row: int,
    text: str,
    unit: str,
    pair: tuple[int, int],
    df: int,
    values: np.ndarray,
    fmt: Any,
) -> None:
    """``(option - do nothing) x DF_t`` of the option's and do nothing's rows (``pair``), with
    the discount factors on row ``df``."""
    mine, base = pair
    sh.label(row, text, unit)
    sh.formulas(row, each(f"=({{c}}${mine + 1}-{{c}}${base + 1})*{{c}}${df + 1}"), values, fmt)


def _profile(
    sh: InvestmentSheet,
    row: int,
    o: int,
    k: str,
    item: Any,
    values: np.ndarray,
    rows: AppraisalRows,
) -> None:
    """Row ``row``: the share of a cost's amount falling in each year. A formula of the start
    year, end year and uplift on Inputs (``(1 + uplift) ^ (year - start)`` while the cost runs,
    or 1 in the start year of a one-off amount); a recurrent cost with a ramp-up keeps the
    engine's profile (values, listed on the Cover)."""
    ctx, s = sh.ctx, sh.case.streams
    key = f"inputs.investments.{s.investment_id}.options.{s.option_ids[o]}.costs.{k}"
    start, end, uplift = (
        ctx.rows.get(f"{key}.{name}") for name in ("start_year", "end_year", "uplift")
    )
    _keys(sh, row, o, k, s.cost_kinds[k].value)
    live = start is not None and (not item.recurrent or (end and uplift and not item.ramp_up))
    if not live:
        sh.label(
            row, f"{s.cost_names[k]}: profile, share of the amount a year (engine values)", "share"
        )
        sh.inputs(row, values, sh.fmt.factor)
        sh.note(row, "Engine values: ramp-up, uplift and the years the cost runs.")
        ctx.engine_rows.append(f"{sh.name}: {s.option_ids[o]} {s.cost_names[k]} profile")
        return

    def year_of(found: tuple[str, int]) -> str:
        cell = f"Inputs!$E${found[1] + 1}"
        return f'VALUE(LEFT({cell},FIND("/",{cell})-1))'

    year = f"{{c}}${rows.calendar + 1}"
    assert start is not None
    if item.recurrent:
        assert end is not None and uplift is not None
        template = (
            f"=IF(AND({year}>={year_of(start)},{year}<={year_of(end)}),"
            f"(1+Inputs!$E${uplift[1] + 1})^({year}-{year_of(start)}),0)"
        )
        text = "profile = (1 + uplift) ^ (years since the start) from the start to the end year"
    else:
        template = f"=IF({year}={year_of(start)},1,0)"
        text = "profile = 1 in the start year (a one-off amount)"
    sh.label(row, f"{s.cost_names[k]}: {text} on Inputs", "share")
    sh.formulas(row, each(template), values, sh.fmt.factor)


def _real_valued_stream(
    sh: InvestmentSheet, row: int, o: int, k: str, kind: str, rows: AppraisalRows
) -> int:
    """A service benefit valued at real prices of the price-base year (bed days, avoided
    retrospective handling, QALYs) for option ``o``: its value in those prices (for QALYs before
    the health-schedule ratio), then the nominal benefit = value / real price factor (x DF_health
    / DF for QALYs), so the deflator and schedule on Inputs move it as the engine does (from
    ``row``); returns the next free row."""
    ctx, st, s, e = sh.ctx, sh.ctx.styles, sh.case.streams, sh.case.economic
    name, nominal = s.benefit_names[k], s.benefits[k][o, s.appraisal_slice]
    health = k in HEALTH_STREAMS and rows.health_ratio > 0
    ratio = np.ones(len(e.discount_factors))
    if health:
        n = len(e.discount_factors)
        ratio = discount_factors(n - 1, "health", e.mid_year, e.discount_version) / (
            e.discount_factors
        )
    what = "before the health-schedule ratio, " if health else ""
    sh.label(row, f"{name}: value in {e.price_base_year} prices ({what}engine values)", "£k")
    _keys(sh, row, o, k, kind)
    sh.inputs(row, nominal * e.real_factor / ratio, st.money)
    sh.note(row, "Engine values: the service model's units x their values in real prices.")
    listed = (
        f"{sh.name}: the service benefits valued in real prices (avoided retrospective "
        "handling, bed days, QALYs) of every option, before the deflator (and the QALYs' "
        "health-schedule ratio) on this sheet: the service model's engine values"
    )
    if listed not in ctx.engine_rows:
        ctx.engine_rows.append(listed)
    row += 1
    text = "value / real price factor" + (" x DF_health / DF" if health else "")
    sh.label(row, f"{name}: nominal benefit = {text}", "£k")
    _keys(sh, row, o, k, kind)
    template = f"={{c}}{row}/{{c}}${rows.real + 1}" + (
        f"*{{c}}${rows.health_ratio + 1}" if health else ""
    )
    sh.formulas(row, each(template), nominal, st.money)
    return row + 1


def _write_present_values(sh: InvestmentSheet, o: int, row: int, rows: AppraisalRows) -> int:
    """PV rows, PVC, PVB, NPSV and the cumulative net benefit of option ``o`` against do
    nothing (from ``row``); returns the next free row."""
    ctx, st, s, e = sh.ctx, sh.ctx.styles, sh.case.streams, sh.case.economic
    a, b, n, df = e.appraisal, s.baseline, sh.n, e.discount_factors
    inv_id, option_id = s.investment_id, s.option_ids[o]
    if o == b:
        ctx.text(
            sh.ws,
            row,
            0,
            "Do nothing is the baseline: its present values against itself "
            "are 0 (the other options' PV rows subtract its streams).",
            st.note,
        )
        return row + 2
    d_cost = incremental(e.costs, o, b, n) * df
    d_benefit = incremental(e.benefits, o, b, n) * df
    pv_rows: dict[str, list[int]] = {"cost": [], "benefit": []}
    for kind, streams, rows_of, pvs, names in (
        ("cost", e.costs, rows.after, e.pv_costs, s.cost_names),
        ("benefit", e.benefits, rows.benefit, e.pv_benefits, s.benefit_names),
    ):
        for k, values in streams.items():
            pv_rows[kind].append(row)
            text = f"PV of {names[k]}: (option - do nothing) x DF_t"
            pair = (rows_of[(k, o)], rows_of[(k, b)])
            _pv_row(sh, row, text, "£k", pair, rows.df, (values[o] - values[b]) * df, st.money)
            sh.total(row, float(pvs[k][o]), st.money)
            row += 1
    r_pvc, r_pvb = row, row + 1
    for r, kind, values, total, target in (
        (r_pvc, "cost", d_cost, a.pv_costs[o], rows.pvc),
        (r_pvb, "benefit", d_benefit, a.pv_benefits[o], rows.pvb),
    ):
        text, name = _PV_TOTALS[kind]
        refs = plus([f"{{c}}${x + 1}" for x in pv_rows[kind]])
        sh.subtotal(r, f"{text}, against do nothing", each("=" + refs), values)
        target[o] = sh.total(r, float(total), st.money_bold)
        ctx.name_row(f"appraisal.{inv_id}.{name}.{option_id}", sh.name, r)
    row += 2
    r_npsv = row
    npsv = each(f"={{c}}{r_pvb + 1}-{{c}}{r_pvc + 1}")
    sh.subtotal(row, "Net present social value (NPSV = PVB - PVC)", npsv, d_benefit - d_cost)
    tc = col_letter(sh.total_col)
    ctx.write(sh.ws, row, sh.total_col, npsv(tc, ""), float(a.npsv[o]), st.money_bold)
    rows.npsv[o] = f"${tc}${row + 1}"
    ctx.name_row(f"appraisal.{inv_id}.npsv.{option_id}", sh.name, row)
    row += 1
    sh.label(row, "Cumulative discounted net benefit (paid back once it reaches 0)", "£k")
    sh.formulas(
        row,
        each(f"={{p}}{row + 1}+{{c}}{r_npsv + 1}"),
        np.cumsum(d_benefit - d_cost),
        st.money,
        first=f"={sh.letter(0)}{r_npsv + 1}",
    )
    rows.cum[o] = f"${sh.letter(n - 1)}${row + 1}"
    row += 1
    if o in rows.units and e.outcomes is not None:
        discounted = (e.outcomes[o] - e.outcomes[b]) * df
        text = "Discounted extra units of outcome: (option - do nothing) x DF_t"
        pair = (rows.units[o], rows.units[b])
        _pv_row(sh, row, text, "units", pair, rows.df, discounted, sh.fmt.count)
        rows.units_pv[o] = sh.total(row, float(discounted.sum()), sh.fmt.count)
        row += 1
    return row + 1

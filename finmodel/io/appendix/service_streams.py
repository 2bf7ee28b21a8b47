"""The Appraisal's service-driven rows as formulas of the *Service months* sheet.

* **Staff costs** a service model charges (staff in post, nominal with the pay series): the
  sum of the option's monthly cost charged over the appraisal year's months.
* **Benefit streams** (nominal £k, incremental to do nothing where the engine makes them so):
  cash released by reviews (``service_cash_released``), avoided retrospective handling, acute
  bed days and QALYs of people waiting (:mod:`finmodel.investment.service_benefits`): annual
  sums of the monthly rows, times the unit values on Inputs, made nominal by the Appraisal's
  real price factor (``/ real factor`` = ``x deflator index / price-base index``), times ``1 -
  benefit shortfall`` (and, for QALYs, the health / standard discount factor ratio).

Each function returns a :data:`~finmodel.io.appendix.context.RowFormula` over the appraisal
year columns, or None when the row is not laid out on Service months (engine values then).
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from finmodel.appraisal.discounting import discount_factors
from finmodel.investment.case import InvestmentCase
from finmodel.investment.streams import SERVICE_STREAM, InvestmentStreams, capacity_costs
from finmodel.io.appendix.context import AppendixContext, RowFormula
from finmodel.io.appendix.service_inputs import parameter_key
from finmodel.io.appendix.service_months import MonthRows
from finmodel.io.excel_styles import FIRST_YEAR_COL, HEADER_ROW, col_letter, quote_sheet

#: Benefit streams derived from the service model that :func:`benefit_formula` writes.
SERVICE_BENEFITS = frozenset(
    {SERVICE_STREAM, "avoided_retrospective", "acute_bed_days", "wellbeing_qalys"}
)


def _year_cell(c: str) -> str:
    """The year header of column ``c`` (text such as ``2020/21``)."""
    return f"{c}${HEADER_ROW + 1}"


def staff_cost_formula(months: MonthRows, cost_id: str, o: int) -> RowFormula:
    """``=SUMIF(the option's monthly cost charged, over the year's months)`` (``=0`` where the
    option buys no staff with this cost)."""
    key = f"staff_cost.{cost_id}"

    def formula(c: str, _p: str) -> str:
        found = months.year_sum(key, o, _year_cell(c))
        return f"={found}" if found else "=0"

    return formula


def service_costs_formula(
    months: MonthRows, streams: InvestmentStreams
) -> Callable[[int], RowFormula] | None:
    """Option -> its cost, all cost streams, as the sum of the staff charged by each cost that
    buys the service's staff (None when some other cost is in the total: it stays values)."""
    ids = capacity_costs(streams.investment)
    if set(streams.costs) - set(streams.economic_only) - set(ids):
        return None

    def of(o: int) -> RowFormula:
        def formula(c: str, _p: str) -> str:
            parts = [months.year_sum(f"staff_cost.{k}", o, _year_cell(c)) for k in ids]
            return "=" + ("+".join(p for p in parts if p) or "0")

        return formula

    return of


def cash_formula(
    ctx: AppendixContext, case: InvestmentCase, months: MonthRows, o: int
) -> RowFormula:
    """Option ``o``'s cash released by reviews in each year (nominal, after the benefit
    shortfall), on any sheet whose year header names the financial years."""

    def formula(c: str, _p: str) -> str:
        total = months.year_sum("cash_released", o, _year_cell(c))
        return f"={total}{shortfall_factor(ctx, case, o)}"

    return formula


def shortfall_factor(ctx: AppendixContext, case: InvestmentCase, o: int) -> str:
    """``*(1-benefit shortfall)`` of option ``o`` (its own optimism bias: the figure; the
    investment's: the row on Inputs), or ``""`` when no shortfall applies."""
    s = case.streams
    inv, option = s.investment, s.investment.options[o]
    path = f"inputs.investments.{s.investment_id}"
    bias = option.optimism_bias if option.optimism_bias is not None else inv.optimism_bias
    if option.optimism_bias is not None:
        path += f".options.{option.id}"
    if bias is None:
        return ""
    found = ctx.rows.get(f"{path}.optimism_bias.benefit_shortfall")
    if found is None:  # not on Inputs (no service model): the figure
        value = float(bias.benefit_shortfall)
        return f"*(1-{value!r})" if value else ""
    return f"*(1-Inputs!$E${found[1] + 1})"


def health_ratio(case: InvestmentCase) -> np.ndarray:
    """Green Book health / standard discount factors on the appraisal years (the factor the
    engine applies to QALY streams so that the case's one schedule discounts them at the
    health rates)."""
    d = case.streams.investment.discount
    n = len(case.streams.appraisal_years)
    return np.asarray(
        discount_factors(n - 1, "health", d.mid_year, d.version)
        / discount_factors(n - 1, d.schedule, d.mid_year, d.version)
    )


def benefit_formula(
    ctx: AppendixContext,
    case: InvestmentCase,
    months: MonthRows,
    key: str,
    o: int,
    real_row: int,
    ratio_row: int | None = None,
) -> RowFormula | None:
    """The nominal benefit ``key`` of option ``o`` in each appraisal year as a formula of the
    Service months rows (``real_row``: the Appraisal's real price factor; ``ratio_row``: the
    health / standard discount factor row, for QALYs). None: not a service benefit."""
    if key not in SERVICE_BENEFITS:
        return None
    s = case.streams
    b, inv_id = s.baseline, s.investment_id
    factor = shortfall_factor(ctx, case, o)

    def p(name: str) -> str:
        return f"Inputs!$E${ctx.rows[parameter_key(inv_id, name)][1] + 1}"

    def formula(c: str, _p: str) -> str:
        def total(series: str, option: int) -> str:
            return str(months.year_sum(series, option, _year_cell(c)))

        real = f"{c}${real_row + 1}"
        if key == SERVICE_STREAM:
            return f"={total('cash_released', o)}{factor}"
        if key == "avoided_retrospective":
            conv = p("conversion_rate")
            late = [
                f"({total('assessments', x)}-{total('decisions_within_28_days', x)})*{conv}"
                for x in (o, b)
            ]
            return f"=-({late[0]}-{late[1]})*{p('retrospective_cost_k')}/{real}{factor}"
        waiting = f"({total('incomplete_over_28_days', o)}-{total('incomplete_over_28_days', b)})"
        if key == "acute_bed_days":
            return (
                f"=-{waiting}*{p('acute_share_waiting')}*{months.days_ref}"
                f"*{p('bed_day_value_k')}/{real}{factor}"
            )
        ratio = f"{c}${(ratio_row or 0) + 1}"
        shortfall = f"({factor[1:]}*{ratio})" if factor else ratio
        return (
            f"=-{waiting}/{months.twelve_ref}*{p('qaly_loss_per_year_waiting')}"
            f"*{p('qaly_value_k')}/{real}*{shortfall}"
        )

    return formula


def cash_effect_formula(
    ctx: AppendixContext, case: InvestmentCase, months: MonthRows, key: str, o: int, share: str
) -> RowFormula | None:
    """Option ``o``'s cash effect ``key`` (extra spend +, incremental to do nothing) x a
    partner's ``share`` (a cell) in each case year, as
    :func:`finmodel.investment.service_benefits.service_streams` makes it: people in the
    caseload or waiting, summed over the year's months at each month's package prices, / 12,
    times the unit cost on Inputs. None: not a cash effect of the service model."""
    inv_id, b = case.streams.investment_id, case.streams.baseline

    def p(name: str) -> str:
        return f"Inputs!$E${ctx.rows[parameter_key(inv_id, name)][1] + 1}"

    units = {
        "package_spend": ("caseload", f"{p('package_cost_k_per_year')}"),
        "retrospective_liability": (
            "incomplete_over_28_days",
            f"{p('conversion_rate')}*{p('package_cost_k_per_year')}",
        ),
        "council_care": (
            "incomplete_over_28_days",
            f"{p('council_funded_share_waiting')}*{p('council_cost_k_per_year')}",
        ),
    }
    if key not in units:
        return None
    series, unit = units[key]

    def formula(c: str, _p: str) -> str:
        year = _year_cell(c)
        mine, base = (
            f"{months.year_sum_at_prices(series, x, year)}/{months.twelve_ref}*{unit}"
            for x in (o, b)
        )
        return f"=({mine}-{base})*{share}"

    return formula


def appraisal_link(
    ctx: AppendixContext, case: InvestmentCase, key: str, o: int, years: tuple[str, ...]
) -> RowFormula | None:
    """On a sheet whose columns show ``years`` (from the second): a link to the Appraisal's
    nominal row of benefit ``key`` of option ``o`` in the same year (None: not a formula
    there, or some year is not an appraisal year)."""
    s = case.streams
    found = ctx.rows.get(f"appraisal.{s.investment_id}.benefit.{key}.{s.option_ids[o]}")
    if found is None or not set(years[1:]) <= set(s.appraisal_years):
        return None
    sheet, row = found
    column = {
        col_letter(FIRST_YEAR_COL + t): col_letter(FIRST_YEAR_COL + s.appraisal_years.index(y))
        for t, y in enumerate(years)
        if t > 0
    }

    def formula(c: str, _p: str) -> str:
        return f"={quote_sheet(sheet)}!{column[c]}${row + 1}"

    return formula

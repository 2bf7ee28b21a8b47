"""An investment case's settings on the Inputs sheet: the discount schedule chosen, the GDP
deflator index of every year the appraisal uses (the bundled table's or the user's own series)
and the growth assumed past its last year.

Rows are named ``inputs.<dotted path>``; the Appraisal sheet's discount rates, deflator index and
real price factor are formulas of them (:mod:`finmodel.io.appendix.appraisal_sheet`). A deflator
value is the row ``inputs.investments.<id>.deflator.index.<year>``: the engine's run of a change
to it is the case with ``deflator:`` set to the series with that year changed.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from finmodel.domain.appraisal_tables import deflator_table, discount_table
from finmodel.domain.investments import Investment

if TYPE_CHECKING:
    from finmodel.io.appendix.sheets import _InputsWriter


def deflator_years(investment: Investment, years: list[str], base_year: str) -> list[str]:
    """The years of the deflator series the appraisal of ``years`` (and its price-base year)
    reads from the table, in the table's order.

    >>> from finmodel.domain.investments import Investment
    >>> inv = Investment.model_validate({"options": [{"id": "a"}]})
    >>> deflator_years(inv, ["2020/21", "2021/22"], "2019/20")
    ['2019/20', '2020/21', '2021/22']
    """
    table = deflator_table(investment.deflator_series())
    wanted = set(years) | {base_year}
    used = [y for y in table.index if y in wanted]
    beyond = [y for y in wanted if y > max(table.index)]
    if beyond and max(table.index) not in used:
        used.append(max(table.index))  # later years compound from the table's last year
    return used


def write_case_settings(
    w: _InputsWriter, investment_id: str, investment: Investment, years: list[str], base_year: str
) -> None:
    """The discount schedule, deflator index by year and extension rate of one investment."""
    ctx, s = w.ctx, w.ctx.styles
    prefix = f"investments.{investment_id}"
    d = investment.discount
    schedules = list(discount_table(d.version).schedules)
    row = w.line(
        f"{prefix}.discount.schedule",
        f"Discount schedule (one of: {', '.join(schedules)}), Green Book table {d.version}",
        "schedule",
        d.source,
    )
    ctx.text(w.ws, row, 4, d.schedule, s.key)
    ctx.exported_inputs.append((row, 4, d.schedule))
    w.ws.data_validation(row, 4, row, 4, {"validate": "list", "source": schedules})
    table = deflator_table(investment.deflator_series())
    own = investment.deflator is not None
    source = (
        f"{'the case own series' if own else 'bundled table'} {table.version} "
        f"({table.reference}): {table.citation}"
    )
    for year in deflator_years(investment, years, base_year):
        row = w.line(
            f"{prefix}.deflator.index.{year}",
            f"GDP deflator index {year}",
            "index",
            source,
        )
        ctx.text(w.ws, row, 3, year, s.key)  # the Appraisal sheet looks the year up here
        w.number(row, 4, float(table.index[year]), s.money_input)
    if investment.deflator_extend_rate is not None:
        row = w.line(
            f"{prefix}.deflator_extend_rate",
            f"GDP deflator growth a year after {max(table.index)} (the table's last year)",
            "%",
            investment.sources.get("deflator_extend_rate") or investment.source,
        )
        w.number(row, 4, float(investment.deflator_extend_rate), s.rate_input)

"""An investment case's settings on the Inputs sheet: the discount schedule chosen, the GDP
deflator index of every year the appraisal uses (the bundled table's or the user's own series)
and the growth assumed past its last year.

Rows are named ``inputs.<dotted path>``; the Appraisal sheet's discount rates, deflator index and
real price factor are formulas of them (:mod:`finmodel.io.appendix.appraisal_sheet`). The
schedule chosen is checked against the table's schedules, listed on the row below it (a check
rolled into the master check). A deflator value is the row
``inputs.investments.<id>.deflator.index.<year>``: the engine's run of a change to it is the
case with ``deflator:`` set to the series with that year changed.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from finmodel.domain.appraisal_tables import deflator_table, discount_table
from finmodel.domain.investments import Investment
from finmodel.io.excel_styles import FIRST_YEAR_COL

if TYPE_CHECKING:
    from finmodel.io.appendix.sheets import _InputsWriter


def _cost_years(
    w: _InputsWriter, investment_id: str, investment: Investment, case_years: list[str]
) -> None:
    """Start year of every cost with one amount, and the end year and cash uplift of a recurrent
    one, as the engine takes them (a cost's own, else the option's start year or the first
    projected year; the end by default the case's last year)."""
    ctx, s = w.ctx, w.ctx.styles
    for option in investment.options:
        path = f"investments.{investment_id}.options.{option.id}.costs"
        for item in option.costs:
            if not isinstance(item.amount, int | float):
                continue
            name = f"{option.name or option.id}: {item.name or item.id}"
            start = item.start_year or option.start_year or case_years[1]
            settings: list[tuple[str, str, str | float, str | None]] = [
                ("start_year", "first year", start, item.sources.get("start_year"))
            ]
            if item.recurrent:
                end = item.end_year or case_years[-1]
                settings += [
                    ("end_year", "last year", end, item.sources.get("end_year")),
                    (
                        "uplift",
                        "cash uplift a year",
                        float(item.uplift),
                        item.sources.get("uplift"),
                    ),
                ]
            for key, what, value, source in settings:
                default = {
                    "start_year": "the option's start year"
                    if option.start_year
                    else "the first projected year",
                    "end_year": "the case's last year",
                    "uplift": "no uplift",
                }[key]
                row = w.line(
                    f"{path}.{item.id}.{key}",
                    f"{name}, {what}",
                    "%" if key == "uplift" else "year",
                    source
                    or (item.source if getattr(item, key) is not None else None)
                    or f"not set on the cost: {default}",
                )
                if isinstance(value, str):
                    ctx.text(w.ws, row, 4, value, s.text_input)
                    ctx.exported_inputs.append((row, 4, value))
                else:
                    w.number(row, 4, value, s.rate_input)


def _discount_schedule(w: _InputsWriter, investment_id: str, investment: Investment) -> None:
    """The discount schedule chosen (a drop-down) and, on the row below, the table's schedules
    it must be one of, with a check: 1 in the Value column when the name typed or pasted is
    none of them (the Appraisal sheet's rates would otherwise take the last schedule), rolled
    into the master check and shown red on the choice itself."""
    ctx, s = w.ctx, w.ctx.styles
    d = investment.discount
    table = discount_table(d.version)
    schedules = list(table.schedules)
    if len(schedules) > ctx.n_years:
        raise ValueError(f"{len(schedules)} discount schedules do not fit {ctx.n_years} columns")
    row = w.line(
        f"investments.{investment_id}.discount.schedule",
        f"Discount schedule (one of: {', '.join(schedules)}), Green Book table {d.version}",
        "schedule",
        d.source,
    )
    ctx.text(w.ws, row, 4, d.schedule, s.text_input)
    ctx.exported_inputs.append((row, 4, d.schedule))
    listed = w.row
    w.row += 1
    ctx.text(
        w.ws,
        listed,
        0,
        f"Schedules of table {d.version} (the choice above must be one; Value: 1 when not)",
        s.label,
    )
    for k, schedule in enumerate(schedules):
        ctx.text(w.ws, listed, FIRST_YEAR_COL + k, schedule, s.key)
    ctx.text(w.ws, listed, 5, "flag", s.unit)
    ctx.text(w.ws, listed, w.source_col, table.citation, s.note_wrap)
    names = f"${ctx.letter(0)}${listed + 1}:${ctx.letter(len(schedules) - 1)}${listed + 1}"
    chosen = f"$E${row + 1}"
    flag = f"=IF(SUMPRODUCT(--({chosen}={names}))=0,1,0)"  # "=" as the Appraisal's IF compares
    ctx.write(w.ws, listed, 4, flag, float(d.schedule not in schedules), s.check)
    ctx.add_check(
        f"Inputs: investment {investment_id}'s discount schedule is one of table {d.version}'s",
        f"Inputs!E{listed + 1}",
        int(d.schedule not in schedules),
    )
    w.ws.data_validation(row, 4, row, 4, {"validate": "list", "source": "=" + names})
    w.ws.conditional_format(
        row,
        4,
        row,
        4,
        {
            "type": "formula",
            "criteria": f"=$E${listed + 1}>0",
            "format": ctx.workbook.add_format({"bg_color": "#FFC7CE", "bold": True}),
        },
    )


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
    w: _InputsWriter,
    investment_id: str,
    investment: Investment,
    years: list[str],
    base_year: str,
    case_years: list[str],
) -> None:
    """Each option's cost years, the discount schedule, the deflator index by year and its
    extension rate of one investment (``case_years``: the years a case amount can fall in)."""
    ctx, s = w.ctx, w.ctx.styles
    prefix = f"investments.{investment_id}"
    _cost_years(w, investment_id, investment, case_years)
    _discount_schedule(w, investment_id, investment)
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

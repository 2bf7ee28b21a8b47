"""The *Service model* sheet of an investment: the monthly service model's annual summary.

The answers by option (investment, extra FTE, when the backlog clears and the 28-day standard
is first met) and the headlines (each outcome's course in the words of ``finmodel appraise``)
are engine values; then each series of :data:`SERVICE_SERIES` by option (rows
``service.<inv>.<series>.<option>``): with the *Service months* sheet
(:mod:`~finmodel.io.appendix.service_months`), formulas of it (flows summed over the year's
months, stocks at its last month), else engine values; line charts of the overdue backlog and
of the share of decisions within 28 days. The Appraisal and Financial case sheets take the
outcome units from it by link (:func:`write_service` returns the rows they link to).
"""

from __future__ import annotations

import numpy as np

from finmodel.investment.case import InvestmentCase
from finmodel.io.appendix.context import AppendixContext, RowFormula
from finmodel.io.appendix.investment_layout import (
    InvestmentFormats,
    InvestmentSheet,
    Links,
    new_sheet,
    option_name,
)
from finmodel.io.appendix.service_months import MonthRows
from finmodel.io.excel_styles import FIRST_YEAR_COL, HEADER_ROW
from finmodel.service.ipa_results import NEVER

#: Sheet name (suffixed `` 2``, `` 3``, ... when the model has several investments).
SERVICE = "Service model"
#: Service-model series on the Service model sheet: (series, label, unit, format name).
SERVICE_SERIES = (
    ("overdue_backlog", "Overdue reviews (backlog) at year end", "reviews", "count"),
    ("share_within_28_days", "Share of decisions within 28 days", "%", "share"),
    (
        "incomplete_over_28_days",
        "Referrals incomplete after 28 days, at year end",
        "people",
        "count",
    ),
    ("reviews_done", "Reviews done in the year", "reviews", "count"),
    ("caseload", "Caseload (people eligible) at year end", "people", "count"),
    ("package_spend", "Package spend in the year (before cash released)", "£k", "money"),
    ("cash_released", "Cash released by reviews in the year", "£k", "money"),
    ("fte", "Assessment and review staff in post at year end", "FTE", "fte"),
)
#: Charts under the series: (series, title, axis name, axis number format).
SERVICE_CHARTS = (
    ("overdue_backlog", "Overdue reviews at year end", "Overdue reviews", "#,##0"),
    ("share_within_28_days", "Share of decisions within 28 days", "Share of decisions", "0%"),
)
_NEVER = "not within the horizon"


def add_service_sheet(
    ctx: AppendixContext, case: InvestmentCase, fmt: InvestmentFormats, suffix: str = ""
) -> InvestmentSheet:
    """The empty Service model sheet of an investment with a service model, on its years."""
    s = case.streams
    assert s.service is not None
    return new_sheet(
        ctx,
        case,
        fmt,
        SERVICE,
        suffix,
        description=f"Service model of {s.investment_id}: backlog, 28-day share by option, "
        "by year (sums of Service months where it is laid out; charts)",
        units="Annual summary of the monthly service model, by option",
        headers=("Description", "Option", "", "", "", "Unit"),
        years=s.service.annual(("referrals",)).years,
        extra=("Source / note",),
    )


def write_service(sh: InvestmentSheet, months: MonthRows | None = None) -> Links:
    """Write the Service model sheet; returns its rows by (series, option) for links.

    With ``months`` (the Service months sheet), every series row is a formula of it (flows
    summed over the year's months, stocks at its last month); otherwise engine values."""
    if months is None:
        sh.ctx.engine_rows.append(
            f"{sh.name}: every row (the service model's engine values; they do not follow Inputs)"
        )
    else:
        sh.ctx.engine_rows.append(
            f"{sh.name}: the answers by option and the headlines (engine values and words)"
        )
    ctx, st, s, fmt = sh.ctx, sh.ctx.styles, sh.case.streams, sh.fmt
    service = s.service
    assert service is not None
    names = tuple(n for n, *_ in SERVICE_SERIES if n != "share_within_28_days")
    annual = service.annual((*names, "assessments", "decisions_within_28_days"))
    years = list(annual.years)
    formats = {"count": fmt.count, "share": st.share, "money": st.money, "fte": fmt.fte}
    sh.intro(
        (
            "Values from finmodel's monthly service model, not formulas; months "
            if months is None
            else f"Formulas of the {months.sheet} sheet (itself formulas of Inputs); months "
        )
        + f"{service.month_labels[0]} to {service.month_labels[-1]}. Flows are totals in the "
        "year, stocks at the year's last month. The Appraisal and Financial case sheets link to "
        "the cash released."
    )
    row = 4
    sh.label(row, "Months of the service model in the year", "months")
    sh.inputs(row, np.asarray(annual.months_in_year, dtype=float), st.flag)
    row = _write_answers(sh, years, row + 2)
    row = _write_headlines(sh, row + 1)
    threshold = float(np.asarray(service.resolved["backlog_clear_threshold"]).flat[0])
    ctx.text(
        sh.ws,
        row,
        0,
        f"Backlog cleared: overdue reviews at or below {threshold:,.0f}; the national standard is "
        "at least 80% of decisions within 28 days of referral (by month and by year).",
        st.note,
    )
    row += 2
    links: Links = {}
    series_rows: dict[str, list[int]] = {}
    standard_row = -1
    for series, label, unit, kind in SERVICE_SERIES:
        sh.section(row, f"{label} ({unit})")
        row += 1
        values = (
            annual.share_within_28_days
            if series == "share_within_28_days"
            else annual.values[series]
        )
        series_rows[series] = []
        for o in range(len(s.option_ids)):
            sh.label(row, option_name(s, o), unit)
            ctx.number(sh.ws, row, 1, o + 1, st.key)
            formula = None if months is None else _annual_formula(months, series, o)
            if formula is None:
                sh.inputs(row, values[o], formats[kind])
            else:
                sh.formulas(row, formula, values[o], formats[kind])
            ctx.name_row(f"service.{s.investment_id}.{series}.{s.option_ids[o]}", sh.name, row)
            links[(series, o)] = (sh, row, years)
            series_rows[series].append(row)
            row += 1
        if series == "share_within_28_days":
            standard = float(np.asarray(service.resolved["standard_share"]).flat[0])
            standard_row = row
            sh.label(row, "National standard (at least)", unit, st.label_bold)
            sh.inputs(row, np.full(sh.n, standard), st.share_input)
            sh.note(row, "NHS Continuing Healthcare: 80% of decisions within 28 days of referral.")
            row += 1
        row += 1
    for series, title, axis, number_format in SERVICE_CHARTS:
        standard = standard_row if series == "share_within_28_days" else -1
        _chart(sh, series_rows[series], row, title, axis, number_format, standard)
        row += 20
    return links


#: Series summed over the year's months (flows); the others are stocks at the year's end.
_FLOWS = frozenset({"reviews_done", "package_spend", "cash_released"})


def _annual_formula(months: MonthRows, series: str, o: int) -> RowFormula | None:
    """Column letter -> the year's formula of the Service months rows (None: not laid out)."""
    if series != "share_within_28_days" and (series, o) not in months.rows:
        return None

    def formula(c: str, _p: str) -> str:
        year = f"{c}${HEADER_ROW + 1}"
        if series == "share_within_28_days":
            done = months.year_sum("assessments", o, year)
            within = months.year_sum("decisions_within_28_days", o, year)
            return f"=IF({done}>0,{within}/{done},0)"
        ref = (months.year_sum if series in _FLOWS else months.year_end)(series, o, year)
        return f"={ref}"

    return formula


def _write_headlines(sh: InvestmentSheet, row: int) -> int:
    """Each outcome's course in the words the CLI and JSON give (engine text)."""
    ctx, st, case = sh.ctx, sh.ctx.styles, sh.case
    answers = case.answers()
    sh.section(row, "Headlines: first reached, sustained from or lost in, value at the end")
    row += 1
    sh.table_header(
        row, "Option", ["80% of decisions within 28 days", "", "", "Overdue backlog cleared"]
    )
    row += 1
    for o, answer in enumerate(answers):
        sh.option_cells(row, o, key=False)
        for col, name in ((0, "standard_28_days"), (3, "backlog_cleared")):
            course = answer.get(name) or {}
            ctx.text(sh.ws, row, FIRST_YEAR_COL + col, str(course.get("text", "")), st.label)
        row += 1
    ctx.text(
        sh.ws,
        row,
        0,
        "Engine text (as finmodel appraise prints it): it does not follow changes on Inputs.",
        st.note,
    )
    return row + 1


def _write_answers(sh: InvestmentSheet, years: list[str], row: int) -> int:
    """The table of answers by option (from ``row``); returns the row after it."""
    ctx, st, s, G = sh.ctx, sh.ctx.styles, sh.case.streams, FIRST_YEAR_COL
    service = s.service
    assert service is not None
    sh.section(row, "Answers by option")
    row += 1
    sh.table_header(
        row,
        "Option",
        [
            "£k a year",
            "Extra FTE",
            "Months to clear backlog",
            "Backlog cleared in",
            "80% in 28 days first met",
            "Year first met",
        ],
        key="No.",
    )
    row += 1
    clear = service.months_to_clear_backlog()
    month = service.first_month_meeting_standard()
    year = service.first_year_meeting_standard()
    extra_fte = service.investment_k / service.resolved["cost_per_fte_k"]
    for o in range(len(s.option_ids)):
        sh.option_cells(row, o)
        ctx.number(sh.ws, row, G, float(service.investment_k[o]), st.money)
        ctx.number(sh.ws, row, G + 1, float(extra_fte[o]), sh.fmt.fte)
        months = int(clear[o])
        if months == NEVER:
            ctx.text(sh.ws, row, G + 2, _NEVER, st.label)
            ctx.text(sh.ws, row, G + 3, _NEVER, st.label)
        else:
            ctx.number(sh.ws, row, G + 2, months, st.flag)
            ctx.text(sh.ws, row, G + 3, service.month_labels[max(months - 1, 0)], st.label)
        first = int(month[o])
        ctx.text(
            sh.ws, row, G + 4, _NEVER if first == NEVER else service.month_labels[first], st.label
        )
        fy = int(year[o])
        ctx.text(sh.ws, row, G + 5, _NEVER if fy == NEVER else years[fy], st.label)
        row += 1
    return row


def _chart(
    sh: InvestmentSheet,
    option_rows: list[int],
    row: int,
    title: str,
    axis: str,
    number_format: str,
    standard_row: int = -1,
) -> None:
    """A line chart of the rows of one series by option (and the standard, if a row is given)."""
    G, last = FIRST_YEAR_COL, FIRST_YEAR_COL + sh.n - 1
    chart = sh.ctx.workbook.add_chart({"type": "line"})
    lines = [(r, {"marker": {"type": "circle", "size": 4}}) for r in option_rows]
    if standard_row >= 0:
        lines.append((standard_row, {"line": {"color": "#C00000", "dash_type": "dash"}}))
    for r, look in lines:
        chart.add_series(
            {
                "name": [sh.name, r, 0],
                "categories": [sh.name, HEADER_ROW, G, HEADER_ROW, last],
                "values": [sh.name, r, G, r, last],
                **look,
            }
        )
    chart.set_title({"name": f"{title}, by option", "name_font": {"size": 12}})
    chart.set_y_axis(
        {"name": axis, "num_format": number_format, "major_gridlines": {"visible": True}}
    )
    chart.set_x_axis({"name": "Financial year (first: part year)"})
    chart.set_legend({"position": "bottom"})
    chart.set_size({"width": 860, "height": 360})
    sh.ws.insert_chart(row, 0, chart)

"""The one-page Summary near the front of the appendix: the system position against its
control total, the options of each investment, and two charts (the position by year and the
gap bridge as a waterfall). Every figure is a link to the sheet that computes it.

The position rows are one declarative entry each (:data:`POSITION_ROWS`: label, named row,
bold); an entry whose row the appendix does not have is left out, so a new position (an
underlying surplus, the NHS position against its control total) is one more entry.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from xlsxwriter.worksheet import Worksheet

from finmodel.io.appendix.context import AppendixContext, RowFormula, RowSpec
from finmodel.io.appendix.waterfall import waterfall_chart
from finmodel.io.excel_styles import FIRST_ROW, FIRST_YEAR_COL, HEADER_ROW, MONEY, col_letter

#: Sheet name of the Summary.
SUMMARY = "Summary"

#: The position rows: (label, named row, bold). Rows the appendix lacks are skipped.
POSITION_ROWS: tuple[tuple[str, str, bool], ...] = (
    ("System income", "system.income", False),
    ("System expenditure", "system.expenditure", False),
    ("System surplus / (deficit), reported", "system.surplus", True),
    ("Non-recurrent items in the system surplus (net)", "system.non_recurrent", False),
    ("System underlying surplus / (deficit)", "system.underlying", False),
    ("Control total of the partners in it", "system.control_total", False),
    ("Variance against the control total", "system.variance", True),
    ("NHS position: partners in the control total, reported", "nhs.surplus", True),
    ("NHS position: underlying", "nhs.underlying", False),
    ("NHS control total", "nhs.control_total", False),
    ("NHS variance against the control total", "nhs.variance", False),
    ("Partners outside the control total: surplus / (deficit)", "outside.surplus", False),
    ("Surplus after risk share", "system.after_risk_share", False),
)


def add_summary_sheet(ctx: AppendixContext) -> Worksheet:
    """The (empty) Summary sheet, placed where it is called; filled by :func:`write_summary`."""
    return ctx.add_timeseries_sheet(
        SUMMARY,
        "One page: the system position against its control total, the options, two charts",
        title="Summary: the system position and the options",
    )


def _values(ctx: AppendixContext, name: str) -> np.ndarray:
    """The cached results of a named row: the figures stored on the sheet it links to."""
    return np.asarray(ctx.row_values[ctx.rows[name]], dtype=float)


def _link(ctx: AppendixContext, name: str) -> RowFormula:
    """A row formula linking each year to the named row."""
    return lambda c, _: f"={ctx.at(name, c)}"


def write_summary(ctx: AppendixContext, ws: Worksheet) -> None:
    """Fill the Summary once every sheet it links to is written."""
    row = FIRST_ROW
    ctx.section(ws, row, "System position by year, £k (links to the System sheet)")
    row += 1
    specs = [
        RowSpec(label, "£k", _link(ctx, name), _values(ctx, name), f"summary.{name}", bold=bold)
        for label, name, bold in POSITION_ROWS
        if name in ctx.rows and ctx.rows[name] in ctx.row_values
    ]
    position = {
        spec.name.removeprefix("summary."): row + k for k, spec in enumerate(specs) if spec.name
    }
    row = ctx.write_rows(ws, row, specs) + 1
    if ctx.options:
        row = _options_table(ctx, ws, row)
    _charts(ctx, ws, row + 1, position)
    ws.fit_to_pages(1, 1)  # one page


def _options_table(ctx: AppendixContext, ws: Worksheet, row: int) -> int:
    """PVC, PVB, NPSV and BCR of every option (links to the Appraisal sheets)."""
    s = ctx.styles
    ctx.section(ws, row, "Options: present values against do nothing, £k real (Appraisal sheets)")
    row += 1
    for i, header in enumerate(("PVC", "PVB", "NPSV", "BCR")):
        ws.write_string(row, FIRST_YEAR_COL + i, header, s.header)
    ws.write_string(row, 0, "Option", s.header)
    row += 1
    ratio = ctx.workbook.add_format({"num_format": "0.00", "font_size": 9})
    for option in ctx.options:
        ctx.text(ws, row, 0, f"{option.sheet}: {option.name}", s.label)
        for i, value in enumerate(option.values):
            ref = f"='{option.sheet}'!{col_letter(FIRST_YEAR_COL + i)}{option.row + 1}"
            fmt = s.money_bold if i == 2 else ratio if i == 3 else s.money
            if np.isnan(value):
                ctx.text(ws, row, FIRST_YEAR_COL + i, "n/a", s.note)
            else:
                ctx.write(ws, row, FIRST_YEAR_COL + i, ref, value, fmt)
        row += 1
    return row


def _charts(ctx: AppendixContext, ws: Worksheet, at_row: int, position: dict[str, int]) -> None:
    """The position against the control total by year, and the gap bridge as a waterfall."""
    last_col = FIRST_YEAR_COL + ctx.n_years - 1
    chart: Any = ctx.workbook.add_chart({"type": "column"})
    categories = [SUMMARY, HEADER_ROW, FIRST_YEAR_COL, HEADER_ROW, last_col]
    if "system.surplus" in position:
        r = position["system.surplus"]
        chart.add_series(
            {
                "name": "System surplus / (deficit)",
                "categories": categories,
                "values": [SUMMARY, r, FIRST_YEAR_COL, r, last_col],
                "fill": {"color": "#2F5597"},
                "invert_if_negative": True,
                "invert_if_negative_color": "#C00000",
            }
        )
    if "system.control_total" in position:
        r = position["system.control_total"]
        line = ctx.workbook.add_chart({"type": "line"})
        line.add_series(
            {
                "name": "Control total",
                "categories": categories,
                "values": [SUMMARY, r, FIRST_YEAR_COL, r, last_col],
                "line": {"color": "#000000", "dash_type": "dash"},
                "marker": {"type": "diamond"},
            }
        )
        chart.combine(line)
    chart.set_title(
        {"name": "System position against the control total (£k)", "name_font": {"size": 11}}
    )
    chart.set_legend({"position": "bottom"})
    chart.set_y_axis({"num_format": MONEY})
    chart.set_x_axis({"label_position": "low"})
    chart.set_size({"width": 520, "height": 300})
    ws.insert_chart(at_row, 0, chart)
    if "bridge_chart.opening" in ctx.rows:
        sheet, first = ctx.rows["bridge_chart.opening"]
        _, last = ctx.rows["bridge_chart.closing"]
        title = f"Gap bridge, {ctx.years[0]} to {ctx.years[-1]} (£k)"
        bridge = waterfall_chart(ctx, sheet, first, last, FIRST_YEAR_COL, title)
        bridge.set_size({"width": 520, "height": 300})
        ws.insert_chart(at_row, 0, bridge, {"x_offset": 540})

"""Gap bridges drawn as true waterfalls: stacked columns on an invisible base.

A step from ``before`` to ``after`` spans ``lo = min`` to ``hi = max``. Excel stacks positive
values up from 0 and negative values down from 0, so each bar is drawn from six series whose
values are formulas of the step (the constant 0 appears only as the axis):

=============  ================================  =======================================
Base +         ``MAX(0, lo)``                    no fill: lifts a bar above the axis
Base -         ``MIN(0, hi)``                    no fill: lowers a bar below the axis
Increase +/-   ``MAX(0,hi)-MAX(0,lo)`` and       the visible part when ``after >= before``
               ``MIN(0,lo)-MIN(0,hi)``
Decrease +/-   the same when ``after < before``  coloured red
Total          the opening and closing figures   from the axis
=============  ================================  =======================================

A bar crossing the axis is drawn as a positive and a negative part on a zero base.

>>> waterfall_parts(-10.0, 5.0)["increase_pos"], waterfall_parts(-10.0, 5.0)["increase_neg"]
(5.0, -10.0)
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from xlsxwriter.worksheet import Worksheet

from finmodel.io.appendix.context import AppendixContext
from finmodel.io.excel_styles import MONEY, col_letter

#: Columns of the chart-data table after the value: name and header.
PARTS = (
    ("before", "Before"),
    ("after", "After"),
    ("base_pos", "Base +"),
    ("base_neg", "Base -"),
    ("increase_pos", "Increase +"),
    ("increase_neg", "Increase -"),
    ("decrease_pos", "Decrease +"),
    ("decrease_neg", "Decrease -"),
    ("total", "Total"),
)
UP, DOWN, TOTAL = "#548235", "#C00000", "#2F5597"


def waterfall_parts(before: float, after: float, *, total: bool = False) -> dict[str, float]:
    """The chart-data values of one bar (a step from ``before`` to ``after``, £k); a
    ``total`` bar (opening or closing figure ``after``) stands on the axis."""
    if total:
        parts = dict.fromkeys((p for p, _ in PARTS), 0.0)
        return {**parts, "before": after, "after": after, "total": after}
    lo, hi = min(before, after), max(before, after)
    pos = max(0.0, hi) - max(0.0, lo)
    neg = min(0.0, lo) - min(0.0, hi)
    up = after >= before
    return {
        "before": before,
        "after": after,
        "base_pos": max(0.0, lo),
        "base_neg": min(0.0, hi),
        "increase_pos": pos if up else 0.0,
        "increase_neg": neg if up else 0.0,
        "decrease_pos": 0.0 if up else pos,
        "decrease_neg": 0.0 if up else neg,
        "total": 0.0,
    }


def _formulas(r: int, b: str, a: str, value: str, kind: str, prev_after: str) -> dict[str, str]:
    """The chart-data formulas of row ``r`` (1-based); ``b``/``a``: before/after columns."""
    if kind == "total":
        return {
            "before": f"={value}{r}",
            "after": f"={value}{r}",
            **{p: "=0" for p, _ in PARTS[2:-1]},
            "total": f"={value}{r}",
        }
    lo, hi = f"MIN({b}{r},{a}{r})", f"MAX({b}{r},{a}{r})"
    pos, neg = f"MAX(0,{hi})-MAX(0,{lo})", f"MIN(0,{lo})-MIN(0,{hi})"
    up = f"{a}{r}>={b}{r}"
    return {
        "before": f"={prev_after}",
        "after": f"={b}{r}+{value}{r}",
        "base_pos": f"=MAX(0,{lo})",
        "base_neg": f"=MIN(0,{hi})",
        "increase_pos": f"=IF({up},{pos},0)",
        "increase_neg": f"=IF({up},{neg},0)",
        "decrease_pos": f"=IF({up},0,{pos})",
        "decrease_neg": f"=IF({up},0,{neg})",
        "total": "=0",
    }


def write_waterfall_data(
    ctx: AppendixContext,
    ws: Worksheet,
    header_row: int,
    first: int,
    items: Sequence[tuple[str, float]],
    value_col: int,
    first_col: int,
) -> None:
    """The chart-data columns (from ``first_col``) of rows ``first`` onwards, whose values are
    in ``value_col``; ``items``: (kind ``total``/``step``, value) per row, first and last
    totals. Headers on ``header_row``; rows named by the caller."""
    s = ctx.styles
    for i, (_, header) in enumerate(PARTS):
        ws.write_string(header_row, first_col + i, header, s.header)
    v = col_letter(value_col)
    b, a = col_letter(first_col), col_letter(first_col + 1)
    before = 0.0
    for k, (kind, value) in enumerate(items):
        r = first + k + 1
        total = kind == "total"
        parts = waterfall_parts(before, value if total else before + value, total=total)
        formulas = _formulas(r, b, a, v, kind, f"{a}{r - 1}")
        for i, (name, _) in enumerate(PARTS):
            ctx.write(ws, first + k, first_col + i, formulas[name], parts[name], s.money)
        before = parts["after"]
    ws.set_column(first_col, first_col + len(PARTS) - 1, 11)


def waterfall_chart(
    ctx: AppendixContext, sheet: str, first: int, last: int, first_col: int, title: str
) -> Any:
    """A stacked-column waterfall of the rows ``first``..``last`` (labels in column A)."""
    chart = ctx.workbook.add_chart({"type": "column", "subtype": "stacked"})
    names = {
        "base_pos": ("Base", None),
        "base_neg": ("Base", None),
        "increase_pos": ("Increase", UP),
        "increase_neg": ("Increase", UP),
        "decrease_pos": ("Decrease", DOWN),
        "decrease_neg": ("Decrease", DOWN),
        "total": ("Surplus / (deficit)", TOTAL),
    }
    for i, (part, _) in enumerate(PARTS):
        if part not in names:
            continue
        label, colour = names[part]
        series: dict[str, Any] = {
            "name": label,
            "categories": [sheet, first, 0, last, 0],
            "values": [sheet, first, first_col + i, last, first_col + i],
            "gap": 60,
        }
        if colour is None:
            series |= {"fill": {"none": True}, "border": {"none": True}}
        else:
            series |= {"fill": {"color": colour}, "border": {"none": True}}
        chart.add_series(series)
    chart.set_title({"name": title, "name_font": {"size": 12}})
    chart.set_legend({"position": "bottom", "delete_series": [0, 1, 3, 5]})
    chart.set_y_axis(
        {"num_format": MONEY, "major_gridlines": {"visible": True, "line": {"color": "#D9D9D9"}}}
    )
    chart.set_x_axis({"label_position": "low"})
    chart.set_size({"width": 760, "height": 360})
    return chart

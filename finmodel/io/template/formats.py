"""Cell formats and writing helpers of the budget template (:mod:`finmodel.io.template.writer`).

:class:`TemplateWriter` holds the workbook's formats (yellow input cells, headers, notes) and
writes typed input cells, sheet titles with guidance, table headers with their comments, and the
drop-down lists and number checks on a column's data rows (rows ``FIRST_ROW`` to
:data:`LAST_ROW`). Money is in £k; rates and shares are fractions shown as percentages.

>>> import tempfile, pathlib
>>> from finmodel import load_model
>>> from xlsxwriter.workbook import Workbook
>>> wb = Workbook(str(pathlib.Path(tempfile.mkdtemp()) / "t.xlsx"))
>>> w = TemplateWriter(wb, load_model("models/minimal.yaml"))
>>> ws = w.sheet("Partners", "Partners", "One row per partner.")
>>> w.cell(ws, FIRST_ROW, 0, 0.03, "rate")
>>> wb.close()
"""

from __future__ import annotations

from typing import Any

from xlsxwriter.workbook import Workbook
from xlsxwriter.worksheet import Worksheet

from finmodel.domain.model import Model
from finmodel.domain.types import RATE_MAX, RATE_MIN
from finmodel.io.excel_styles import INPUT_FILL, INPUT_FONT, MONEY, RATE, SHARE, header_footer_text
from finmodel.io.template.layout import FIRST_ROW, HEADER_ROW, MAX_ROWS, NO, YES, Column

#: Last data row (0-based) offered for data: drop-downs and number checks stop here.
LAST_ROW = FIRST_ROW + MAX_ROWS - 1
#: Drop-down sources: the partner ids on the Partners sheet, the driver ids on Drivers.
PARTNER_IDS = f"=Partners!$A${FIRST_ROW + 1}:$A${FIRST_ROW + MAX_ROWS}"
DRIVER_IDS = f"=Drivers!$A${FIRST_ROW + 1}:$A${FIRST_ROW + MAX_ROWS}"
#: Number check of a rate a year (a fraction, -99% to 100%).
RATE_CHECK: dict[str, Any] = {
    "validate": "decimal",
    "criteria": "between",
    "minimum": RATE_MIN,
    "maximum": RATE_MAX,
    "input_message": "Type 3% (or 0.03) for 3% a year",
    "error_message": "A rate between -99% and 100% a year",
}


def year_cells(value: Any, horizon: int) -> tuple[float | None, list[float | None]]:
    """A year-varying value as (all-years value, per-year values).

    >>> year_cells(0.03, 2), year_cells([0.01, 0.02], 2), year_cells(None, 2)
    ((0.03, [None, None]), (None, [0.01, 0.02]), (None, [None, None]))
    """
    if value is None:
        return None, [None] * horizon
    if isinstance(value, list):
        return None, [float(v) for v in value]
    return float(value), [None] * horizon


class TemplateWriter:
    """The workbook, the model it is filled from, and the template's cell formats."""

    def __init__(self, workbook: Workbook, model: Model):
        self.wb, self.model = workbook, model
        self.horizon = model.timeline.horizon
        base = {"font_name": "Arial", "font_size": 10}
        inputs = {
            **base,
            "font_color": INPUT_FONT,
            "bg_color": INPUT_FILL,
            "border": 1,
            "border_color": "#BFBFBF",
        }
        self.f = {
            "title": workbook.add_format(
                {**base, "bold": True, "font_size": 14, "font_color": "#1F3864"}
            ),
            "note": workbook.add_format(
                {
                    **base,
                    "italic": True,
                    "font_color": "#595959",
                    "text_wrap": True,
                    "valign": "top",
                }
            ),
            "header": workbook.add_format(
                {
                    **base,
                    "bold": True,
                    "font_color": "#FFFFFF",
                    "bg_color": "#1F3864",
                    "text_wrap": True,
                    "valign": "top",
                }
            ),
            "label": workbook.add_format(base),
            "text": workbook.add_format({**inputs, "num_format": "@"}),
            "id": workbook.add_format({**inputs, "num_format": "@"}),
            "citation": workbook.add_format({**inputs, "num_format": "@"}),
            "yesno": workbook.add_format(inputs),
            "money": workbook.add_format({**inputs, "num_format": MONEY}),
            "rate": workbook.add_format({**inputs, "num_format": RATE}),
            "share": workbook.add_format({**inputs, "num_format": SHARE}),
        }

    def text(self, ws: Worksheet, row: int, col: int, value: Any, fmt: str) -> None:
        """Write text as text (never a formula), or a blank input cell."""
        if value is None or value == "":
            ws.write_blank(row, col, None, self.f[fmt])
        else:
            ws.write_string(row, col, str(value)[:32_767], self.f[fmt])

    def cell(self, ws: Worksheet, row: int, col: int, value: Any, kind: str) -> None:
        """Write an input cell of a column kind: money, rates and shares as numbers, yes/no as
        ``Yes``/``No``, anything else as text."""
        if kind in ("money", "rate", "share") and value is not None:
            ws.write_number(row, col, float(value), self.f[kind])
        elif kind == "yesno" and isinstance(value, bool):
            self.text(ws, row, col, YES if value else NO, kind)
        else:
            self.text(ws, row, col, value, kind if kind in self.f else "text")

    def sheet(self, name: str, title: str, guidance: str) -> Worksheet:
        """A new sheet with its title on row 1 and guidance on row 2, printed landscape on A4."""
        ws = self.wb.add_worksheet(name)
        ws.write_string(0, 0, title, self.f["title"])
        ws.write_string(1, 0, guidance, self.f["note"])
        ws.set_row(1, 30)
        ws.set_landscape()
        ws.set_paper(9)
        ws.fit_to_pages(1, 0)
        ws.set_header(f"&L{header_footer_text(self.model.name)}&R&A")
        return ws

    def headers(self, ws: Worksheet, columns: tuple[Column, ...], start: int = 0) -> None:
        """Column headers with their guidance as comments; panes frozen below them."""
        for offset, column in enumerate(columns):
            col = start + offset
            ws.write_string(HEADER_ROW, col, column.header, self.f["header"])
            ws.write_comment(HEADER_ROW, col, column.guidance)
            ws.set_column(col, col, column.width)
        ws.set_row(HEADER_ROW, 30)
        ws.freeze_panes(FIRST_ROW, 0)

    def check_rows(
        self, ws: Worksheet, first_col: int, last_col: int, rule: dict[str, Any]
    ) -> None:
        """An Excel data-validation ``rule`` on the data rows of columns ``first_col`` to
        ``last_col``."""
        ws.data_validation(FIRST_ROW, first_col, LAST_ROW, last_col, rule)

    def validate(
        self,
        ws: Worksheet,
        col: int,
        kind: str,
        source: str | list[str] | None = None,
        strict: bool = True,
    ) -> None:
        """Drop-down lists and number checks on a column's data rows."""
        if source is not None:
            self.check_rows(
                ws,
                col,
                col,
                {
                    "validate": "list",
                    "source": source,
                    "error_type": "stop" if strict else "warning",
                    "ignore_blank": True,
                },
            )
        elif kind == "money":
            self.check_rows(
                ws,
                col,
                col,
                {
                    "validate": "decimal",
                    "criteria": ">=",
                    "value": 0,
                    "input_title": "£ thousands",
                    "input_message": "Base-year outturn in £k (for £1.2m type 1200)",
                    "error_message": "A number of £k, 0 or more",
                },
            )
        elif kind == "rate":
            self.check_rows(ws, col, col, {**RATE_CHECK, "input_title": "Rate a year"})
        elif kind == "share":
            self.check_rows(
                ws,
                col,
                col,
                {
                    "validate": "decimal",
                    "criteria": "between",
                    "minimum": 0,
                    "maximum": 1,
                    "error_message": "A share between 0% and 100%",
                },
            )

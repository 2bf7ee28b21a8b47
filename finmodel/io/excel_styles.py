"""Look and layout shared by every sheet of the Excel appendix: formats, columns, references.

Every time-series sheet uses the same columns (FAST Standard: one consistent timeline):

======  =====================================================================
Column  Holds
======  =====================================================================
A       Description (what the row is, in words a finance reader uses)
B-E     Keys and constants of the row (partner no., payee no., flags, shares)
F       Unit (£k, %, flag)
G ...   One column per financial year, base year (outturn) first
======  =====================================================================

Rows 1-3 hold the sheet title, the model and the units; row 4 is the column header (years);
content starts on row 5. Panes are frozen below row 4 and right of column F.

Example
-------
>>> col_letter(6), cell(4, 6), cell(4, 6, row_abs=True), ref("Inputs", 9, 7, row_abs=True)
('G', 'G5', 'G$5', 'Inputs!H$10')
>>> quote_sheet("Financial case")
"'Financial case'"
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from typing import Any

from xlsxwriter.utility import xl_col_to_name
from xlsxwriter.workbook import Workbook
from xlsxwriter.worksheet import Worksheet

#: Column of the description, the unit and the first year (0-based).
LABEL_COL, UNIT_COL, FIRST_YEAR_COL = 0, 5, 6
#: Row of the column header (0-based, Excel row 4) and of the first content row.
HEADER_ROW, FIRST_ROW = 3, 4

#: £k with thousands separators, negatives in brackets, zero as a dash.
MONEY = '#,##0;(#,##0);"–"'
#: Rates a year: percentages with two decimals, negatives in brackets.
RATE = '0.00%;(0.00%);"–"'
#: Shares of a whole.
SHARE = "0.0%"
#: Flags and check results (0 or 1) and counts.
FLAG = "0"
DATE = "d mmm yyyy"

#: Colours (FAST-style: inputs stand out; calculations plain; checks green or red).
INPUT_FONT, INPUT_FILL = "#0000FF", "#FFF2CC"
HEADER_FILL, SECTION_FILL = "#1F3864", "#D9E1F2"
NA_FILL = "#F2F2F2"
OK_FILL, FAIL_FILL = "#C6EFCE", "#FFC7CE"


@functools.cache
def col_letter(col: int) -> str:
    """Column letter of a 0-based column index: 0 -> ``A`` (cached: called for every cell of a
    formula written along a timeline)."""
    return str(xl_col_to_name(col))


def cell(row: int, col: int, *, row_abs: bool = False, col_abs: bool = False) -> str:
    """An A1 reference of a 0-based row and column, optionally anchored with ``$``."""
    return f"{'$' if col_abs else ''}{col_letter(col)}{'$' if row_abs else ''}{row + 1}"


def quote_sheet(name: str) -> str:
    """A sheet name as a formula needs it: quoted when it is not a plain word."""
    if name.replace("_", "").isalnum():
        return name
    return "'" + name.replace("'", "''") + "'"


def ref(sheet: str, row: int, col: int, *, row_abs: bool = False, col_abs: bool = False) -> str:
    """A reference to a cell of another sheet: ``Inputs!H$10``."""
    return f"{quote_sheet(sheet)}!{cell(row, col, row_abs=row_abs, col_abs=col_abs)}"


def span(
    sheet: str | None, first_row: int, last_row: int, col: int, *, col_abs: bool = False
) -> str:
    """A bounded column range with anchored rows: ``Calculations!G$10:G$24``."""
    prefix = f"{quote_sheet(sheet)}!" if sheet else ""
    first = cell(first_row, col, row_abs=True, col_abs=col_abs)
    last = cell(last_row, col, row_abs=True, col_abs=col_abs)
    return f"{prefix}{first}:{last}"


def header_footer_text(text: str) -> str:
    """User text made safe for a page header or footer (``&`` starts a control code there)."""
    return text.replace("&", "&&")[:200]


@dataclass(frozen=True)
class Styles:
    """The cell formats of one workbook (XlsxWriter formats belong to a workbook)."""

    title: Any
    subtitle: Any
    header: Any
    header_year: Any
    section: Any
    label: Any
    label_bold: Any
    note: Any
    note_wrap: Any
    key: Any
    unit: Any
    money: Any
    money_bold: Any
    money_input: Any
    rate: Any
    rate_input: Any
    share: Any
    share_input: Any
    flag: Any
    flag_input: Any
    text_input: Any
    tolerance_input: Any
    na: Any
    date: Any
    check: Any
    check_master: Any
    link: Any
    wrap: Any

    @classmethod
    def create(cls, workbook: Workbook) -> Styles:
        """Add the formats to ``workbook``."""

        def fmt(**props: Any) -> Any:
            return workbook.add_format({"font_name": "Arial", "font_size": 10, **props})

        inputs = {
            "font_color": INPUT_FONT,
            "bg_color": INPUT_FILL,
            "border": 1,
            "border_color": "#BFBFBF",
        }
        return cls(
            title=fmt(bold=True, font_size=14, font_color=HEADER_FILL),
            subtitle=fmt(italic=True, font_color="#595959"),
            header=fmt(
                bold=True,
                font_color="#FFFFFF",
                bg_color=HEADER_FILL,
                valign="bottom",
                text_wrap=True,
            ),
            header_year=fmt(
                bold=True,
                font_color="#FFFFFF",
                bg_color=HEADER_FILL,
                align="right",
                valign="bottom",
            ),
            section=fmt(bold=True, bg_color=SECTION_FILL),
            label=fmt(),
            label_bold=fmt(bold=True),
            note=fmt(italic=True, font_color="#595959"),
            note_wrap=fmt(italic=True, font_color="#595959", text_wrap=True, valign="top"),
            key=fmt(font_color="#7F7F7F", align="center"),
            unit=fmt(font_color="#7F7F7F", align="center"),
            money=fmt(num_format=MONEY),
            money_bold=fmt(num_format=MONEY, bold=True, top=1),
            money_input=fmt(num_format=MONEY, **inputs),
            rate=fmt(num_format=RATE),
            rate_input=fmt(num_format=RATE, **inputs),
            share=fmt(num_format=SHARE),
            share_input=fmt(num_format=SHARE, **inputs),
            flag=fmt(num_format=FLAG, align="center"),
            flag_input=fmt(num_format=FLAG, align="center", **inputs),
            text_input=fmt(**inputs),
            tolerance_input=fmt(num_format="0.000", **inputs),
            na=fmt(bg_color=NA_FILL),
            date=fmt(num_format=DATE, align="right"),
            check=fmt(num_format=FLAG, align="center"),
            check_master=fmt(num_format=FLAG, bold=True, font_size=12, align="center", border=2),
            link=fmt(font_color="#0563C1", underline=1),
            wrap=fmt(text_wrap=True, valign="top"),
        )


def setup_timeseries_sheet(
    ws: Worksheet,
    styles: Styles,
    *,
    title: str,
    subtitle: str,
    headers: tuple[str, str, str, str, str, str],
    years: list[str],
    year_header: list[tuple[str | None, str]],
    model_name: str,
    extra_columns: tuple[str, ...] = (),
) -> None:
    """Title, column headers, widths, frozen panes and print set-up of a time-series sheet.

    ``headers`` names columns A-F; ``year_header`` gives, per year, a formula (or None) and the
    year label shown (its cached value); ``extra_columns`` are headers after the last year.
    """
    ws.write_string(0, 0, title, styles.title)
    ws.write_string(1, 0, subtitle, styles.subtitle)
    for col, text in enumerate(headers):
        ws.write_string(HEADER_ROW, col, text, styles.header)
    for t, (formula, label) in enumerate(year_header):
        if formula is None:
            ws.write_string(HEADER_ROW, FIRST_YEAR_COL + t, label, styles.header_year)
        else:
            ws.write_formula(HEADER_ROW, FIRST_YEAR_COL + t, formula, styles.header_year, label)
    after = FIRST_YEAR_COL + len(years)
    for offset, text in enumerate(extra_columns):
        ws.write_string(HEADER_ROW, after + offset, text, styles.header)
    ws.set_row(HEADER_ROW, 27)
    ws.set_column(LABEL_COL, LABEL_COL, 46)
    ws.set_column(1, 4, 9)
    ws.set_column(UNIT_COL, UNIT_COL, 6)
    ws.set_column(FIRST_YEAR_COL, after - 1, 12)
    if extra_columns:
        ws.set_column(after, after + len(extra_columns) - 1, 48)
    ws.freeze_panes(FIRST_ROW, FIRST_YEAR_COL)
    print_setup(ws, model_name, header_row=HEADER_ROW)


def print_setup(ws: Worksheet, model_name: str, *, header_row: int | None = None) -> None:
    """A4 landscape, one page wide, header and footer, repeated header rows."""
    ws.set_landscape()
    ws.set_paper(9)
    ws.fit_to_pages(1, 0)
    ws.set_margins(left=0.5, right=0.5, top=0.75, bottom=0.75)
    ws.set_header(f"&L{header_footer_text(model_name)}&R&A")
    ws.set_footer("&Lfinmodel appendix, £k&RPage &P of &N")
    if header_row is not None:
        ws.repeat_rows(0, header_row)

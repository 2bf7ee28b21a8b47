"""Print set-up of wide sheets: bands of columns, the labels repeated, at a legible scale.

A sheet is printed one page wide while that keeps its text at least :data:`MIN_PRINT_SCALE`
percent of its size on screen. A wider sheet (an appraisal of ten years with its keys and
notes, the Inputs sheet with its sources and dotted paths) shrunk to one page wide would
print at a third of that size, which no reviewer can read. It is printed instead in **bands**
of columns, as finance packs print wide schedules: column A (the labels) repeated on every
page, a page break between bands, every band at the same scale, the largest that fits the
widest band on an A4 landscape page.

Bands follow the sheet's groups of columns (adjacent columns of one width: the keys, the
years, the total, the notes), so a group is split only when it does not fit a page on its own
or would leave a page less than half used (then the years continue on the next page).

>>> band_breaks([100, 40, 40, 60, 60, 60, 200], capacity=300)  # A, keys, years, notes
[5, 6]
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Mapping, Sequence

from xlsxwriter.workbook import Workbook
from xlsxwriter.worksheet import Worksheet

#: Smallest print scale (%) used for a band: below it the text of a page is under about 5 pt.
MIN_PRINT_SCALE = 50
#: Column width (pixels, as XlsxWriter stores them) across an A4 landscape page with 0.5 inch
#: margins at 100%, measured in LibreOffice's PDF export (a year of months at 55%: 1,330 px
#: printed on one page, 1,400 px did not).
PAGE_PIXELS = 740
#: XlsxWriter's orientation flag of a landscape page (portrait sheets are left as they are).
LANDSCAPE = 0
#: Height of a row no one has sized (15 points).
ROW_PIXELS = 20
#: Width of a column no one has sized (Excel's default 8.43 characters).
DEFAULT_COLUMN_PIXELS = 64


def band_breaks(widths: Sequence[int], capacity: int) -> list[int]:
    """The first column of each band after the first, for columns of ``widths`` (pixels,
    column A first and repeated on every page) printed ``capacity`` pixels a page.

    Columns are taken in groups of adjacent equal widths; a group starts a new band when it
    does not fit the band's space left, unless the band is less than half used or the group
    alone is wider than a page: then it fills the band column by column.

    >>> band_breaks([50, 10, 10, 30, 30, 30], capacity=100)
    [4, 5]
    """
    room = capacity - widths[0]
    breaks: list[int] = []
    used = 0
    for group in _groups(widths):
        span = sum(widths[c] for c in group)
        if used and used + span > room and (used >= room / 2 and span <= room):
            breaks.append(group[0])
            used = 0
        for col in group:
            if used and used + widths[col] > room:
                breaks.append(col)
                used = 0
            used += widths[col]
    return breaks


def _groups(widths: Sequence[int]) -> list[list[int]]:
    """Runs of adjacent columns of equal width, after column A."""
    groups: list[list[int]] = []
    for col in range(1, len(widths)):
        if groups and widths[col] == widths[groups[-1][-1]]:
            groups[-1].append(col)
        else:
            groups.append([col])
    return groups


def band_scale(widths: Sequence[int], breaks: Sequence[int]) -> int:
    """The print scale (%) at which the widest band (column A and its columns) fits a page."""
    edges = [1, *breaks, len(widths)]
    widest = max(widths[0] + sum(widths[a:b]) for a, b in itertools.pairwise(edges))
    return max(10, min(100, math.floor(PAGE_PIXELS * 100 / widest)))


def column_widths(ws: Worksheet, last_col: int) -> list[int]:
    """Pixel widths of columns A to ``last_col`` of ``ws`` as set so far (hidden ones 0)."""
    widths = []
    for col in range(last_col + 1):
        info = ws.col_info.get(col)
        if info is None or info.width is None:
            widths.append(DEFAULT_COLUMN_PIXELS)
        else:
            widths.append(0 if info.hidden else int(info.width))
    return widths


def print_in_bands(ws: Worksheet, last_col: int) -> bool:
    """Print ``ws`` (columns A to ``last_col``) one page wide if that is legible, else in bands.

    Only a landscape sheet set to fit one page wide is changed, and only when its charts (if
    any) stand below its tables: they start at column A and are narrower than a page, so they
    print whole in the first band. True when it is now printed in bands.
    """
    if not ws.fit_page or ws.fit_width != 1 or ws.orientation != LANDSCAPE:
        return False
    if any(chart[0] < (ws.dim_rowmax or 0) for chart in ws.charts):
        return False  # a chart among the tables is drawn again on every band (LibreOffice)
    widths = column_widths(ws, last_col)
    if PAGE_PIXELS * 100 / sum(widths) >= MIN_PRINT_SCALE:
        return False
    breaks = band_breaks(widths, PAGE_PIXELS * 100 // MIN_PRINT_SCALE)
    ws.set_print_scale(band_scale(widths, breaks))
    ws.repeat_columns(0, 0)
    ws.set_v_pagebreaks(breaks)
    return True


def start_page(ws: Worksheet, row: int) -> None:
    """A printed page starts at ``row`` (0-based), as well as where pages started before (a
    chart placed there is never split across two pages)."""
    ws.set_h_pagebreaks([*ws.hbreaks, row])


def last_printed_row(ws: Worksheet) -> int:
    """The last row (0-based) a printout of ``ws`` needs: its last cell or the foot of its
    lowest chart (rows of the default 20 pixels; a chart below every cell is printed too)."""
    last = ws.dim_rowmax or 0
    for row, _col, chart, _x, y_offset, _xs, y_scale, *_ in ws.charts:
        last = max(last, row + math.ceil((y_offset + chart.height * y_scale) / ROW_PIXELS))
    return last


def band_wide_sheets(workbook: Workbook, print_widths: Mapping[str, int]) -> list[str]:
    """For every sheet with a bounded print width: the print area down to its last cell or
    chart, and :func:`print_in_bands` (other sheets up to their last used column); the names of
    the sheets now printed in bands."""
    banded = []
    for ws in workbook.worksheets():
        if ws.is_chartsheet:
            continue
        last_col = print_widths.get(ws.name)
        if last_col is not None:
            ws.print_area(0, 0, max(last_printed_row(ws), 1), last_col)
        if print_in_bands(ws, (ws.dim_colmax or 0) if last_col is None else last_col):
            banded.append(ws.name)
    return banded


__all__ = [
    "MIN_PRINT_SCALE",
    "PAGE_PIXELS",
    "band_breaks",
    "band_scale",
    "band_wide_sheets",
    "print_in_bands",
    "start_page",
]

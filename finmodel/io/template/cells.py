"""Reading the cells of a budget workbook: numbers, rates, text, Yes/No, with Sheet!Cell problems.

A :class:`CellReader` reads one cell at a time from a workbook opened twice by openpyxl (stored
results, and formulas to tell a formula without a stored result from an empty cell), collects
every problem with the cell it is in, and records which cell each value of the model came
from, so that the checks of the whole model can name cells too.

>>> column_name(0), column_name(27)
('A', 'AB')
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

from finmodel.domain.checks import Location
from finmodel.domain.model import PartnerKind
from finmodel.errors import Problem
from finmodel.io.template.layout import FIRST_ROW, HEADER_ROW, NO, YES, Column

#: Rows read per sheet at most.
MAX_SHEET_ROWS = 20_000
_IDENTIFIER = re.compile(r"^[A-Za-z][A-Za-z0-9_]{0,63}$")
_KINDS = tuple(k.value for k in PartnerKind)
#: Required table fields and the stand-in used after reporting them missing or wrong.
_REQUIRED: dict[str, Callable[[int], Any]] = {
    "id": lambda row: f"missing_row_{row + 1}",
    "Partners.name": lambda row: f"row {row + 1}",
    "kind": lambda row: "other",
    "place": lambda row: "?",
    "baseline": lambda row: 0.0,
}
_PERCENT = re.compile(r"^\s*([-+]?\d[\d,]*\.?\d*(?:[eE][-+]?\d+)?)\s*%\s*$")
_NUMBER = re.compile(r"^\s*£?\s*([-+]?\d[\d,]*\.?\d*(?:[eE][-+]?\d+)?)\s*$")


def column_name(col: int) -> str:
    name = ""
    col += 1
    while col:
        col, rem = divmod(col - 1, 26)
        name = chr(65 + rem) + name
    return name


class CellReader:
    """Reads cells, collecting problems and the cell each value of the model came from."""

    def __init__(self, path: Path, values: Any, formulas: Any):
        self.file = str(path)
        self.values, self.formulas = values, formulas
        self.problems: list[Problem] = []
        self.cells: dict[Location, str] = {}
        self.bad_cells: set[str] = set()

    def place(self, sheet: str, row: int, col: int) -> str:
        return f"{sheet}!{column_name(col)}{row + 1}"

    def problem(self, sheet: str, row: int, col: int, message: str) -> None:
        where = self.place(sheet, row, col)
        self.bad_cells.add(where)
        self.problems.append(Problem(self.file, where, message))

    def raw(self, sheet: str, row: int, col: int) -> Any:
        ws = self.values[sheet]
        value = ws.cell(row=row + 1, column=col + 1).value
        if value is None:
            formula = self.formulas[sheet].cell(row=row + 1, column=col + 1).value
            if isinstance(formula, str) and formula.startswith("="):
                self.problem(
                    sheet,
                    row,
                    col,
                    "a formula with no stored result: open and save the workbook in Excel or LibreOffice, or type the value",
                )
        if isinstance(value, str):
            value = value.strip()
            return value or None
        return value

    def text(self, sheet: str, row: int, col: int, what: str) -> str | None:
        value = self.raw(sheet, row, col)
        if value is None:
            return None
        if isinstance(value, bool):
            self.problem(sheet, row, col, f"{what} must be text, got {value}")
            return None
        if isinstance(value, float) and value.is_integer():
            return str(int(value))
        if isinstance(value, dt.datetime | dt.date):
            self.problem(
                sheet,
                row,
                col,
                f"{what} must be text, got a date ({value:%d %b %Y}); format the cell as text",
            )
            return None
        return str(value)

    def number(
        self, sheet: str, row: int, col: int, what: str, *, rate: bool = False
    ) -> float | None:
        value = self.raw(sheet, row, col)
        if value is None:
            return None
        if isinstance(value, bool | dt.datetime | dt.date | dt.time):
            self.problem(sheet, row, col, f"{what} must be a number, got {value!r}")
            return None
        if isinstance(value, int | float):
            number = float(value)
        else:
            text = str(value)
            percent, plain = _PERCENT.match(text), _NUMBER.match(text)
            if percent:
                number = float(percent.group(1).replace(",", "")) / 100
            elif plain:
                number = float(plain.group(1).replace(",", ""))
            else:
                self.problem(sheet, row, col, f"{what} must be a number, got {text!r}")
                return None
        if number != number or number in (float("inf"), float("-inf")):
            self.problem(sheet, row, col, f"{what} must be a finite number")
            return None
        if rate and abs(number) >= 1:
            self.problem(
                sheet,
                row,
                col,
                f"{what} of {number:g} is {number:.0%} a year: type 3% or 0.03 for 3% a year",
            )
            return None
        return number

    def yes_no(self, sheet: str, row: int, col: int, what: str) -> bool | None:
        value = self.raw(sheet, row, col)
        if value is None:
            return None
        text = str(value).strip().lower()
        if text in ("yes", "y", "true", "1"):
            return True
        if text in ("no", "n", "false", "0"):
            return False
        self.problem(sheet, row, col, f"{what} must be {YES} or {NO}, got {value!r}")
        return None

    def read(self, sheet: str, row: int, col: int, column: Column) -> Any:
        """A cell of a table column, checked here so that one pass reports every problem.

        A required value that is missing or wrong is reported and replaced by a stand-in, so
        the checks of the whole model (payees, control totals, ...) still run.
        """
        what = column.field
        if column.kind in ("money", "share"):
            value: Any = self.number(sheet, row, col, what)
            if column.kind == "money" and value is not None and value < 0:
                self.problem(sheet, row, col, f"{what} must be 0 or more (£k), got {value:g}")
                value = 0.0
        elif column.kind == "rate":
            value = self.number(sheet, row, col, what, rate=True)
        elif column.kind == "yesno":
            value = self.yes_no(sheet, row, col, what)
        else:
            value = self.text(sheet, row, col, what)
            if value is not None and column.kind == "id" and not _IDENTIFIER.match(value):
                self.problem(
                    sheet,
                    row,
                    col,
                    f"{what} must start with a letter and use only letters, digits and _ (at most 64), got {value!r}",
                )
                value = f"invalid_row_{row + 1}" if column.field == "id" else None
            elif value is not None and column.field == "kind" and value not in _KINDS:
                self.problem(
                    sheet, row, col, f"kind must be one of {', '.join(_KINDS)}, got {value!r}"
                )
                value = "other"
        stand_in = _REQUIRED.get(column.field) or _REQUIRED.get(f"{sheet}.{column.field}")
        if value is None and stand_in is not None:
            if self.place(sheet, row, col) not in self.bad_cells:
                self.problem(sheet, row, col, f"{what} is required")
            value = stand_in(row)
        return value

    def check_row_limit(self, sheet: str) -> None:
        """Report the first cell holding something past the rows read (never drop it silently).

        Only cells the workbook stores are looked at (openpyxl keeps them in a dict), so a
        sheet whose last row is 1,048,576 costs no more than the cells it holds.
        """
        ws = self.values[sheet]
        limit = FIRST_ROW + MAX_SHEET_ROWS  # 0-based index of the first row not read
        if ws.max_row <= limit:
            return
        stored = getattr(ws, "_cells", None)
        if isinstance(stored, dict):
            beyond = [
                (row, col)
                for (row, col), cell in stored.items()
                if row > limit and cell.value is not None and str(cell.value).strip() != ""
            ]
        else:  # pragma: no cover - openpyxl always has it; be strict without it
            beyond = [(ws.max_row, 1)]
        if beyond:
            row, col = min(beyond)
            self.problem(
                sheet,
                row - 1,
                col - 1,
                f"past row {limit}, the last row read: a sheet holds at most "
                f"{MAX_SHEET_ROWS:,} rows of data; split the data or remove what is below",
            )

    def rows(self, sheet: str, width: int) -> list[int]:
        """Data rows of a sheet that are not empty within the first ``width`` columns.

        Anything past the :data:`MAX_SHEET_ROWS` rows read is reported as a problem.
        """
        ws = self.values[sheet]
        self.check_row_limit(sheet)
        last = min(ws.max_row, FIRST_ROW + MAX_SHEET_ROWS)
        stored = getattr(ws, "_cells", None)
        if isinstance(stored, dict):  # only the cells the sheet holds: no empty rows made
            return sorted(
                {
                    row - 1
                    for (row, col), cell in stored.items()
                    if FIRST_ROW < row <= last
                    and col <= width
                    and cell.value is not None
                    and str(cell.value).strip() != ""
                }
            )
        found = []
        for r, cells in enumerate(
            ws.iter_rows(min_row=FIRST_ROW + 1, max_row=last, max_col=width, values_only=True),
            start=FIRST_ROW,
        ):
            if any(v is not None and str(v).strip() != "" for v in cells):
                found.append(r)
        return found

    def check_headers(self, sheet: str, headers: list[str]) -> bool:
        ok = True
        for col, header in enumerate(headers):
            got = self.values[sheet].cell(row=HEADER_ROW + 1, column=col + 1).value
            if str(got or "").strip().lower() != header.lower():
                self.problem(
                    sheet,
                    HEADER_ROW,
                    col,
                    f"expected the column {header!r} here, found {got!r}; do not insert, move or rename columns",
                )
                ok = False
        return ok

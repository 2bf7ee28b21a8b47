"""The state shared by the sheet writers of the Excel appendix: rows, checks, how cells are written.

An :class:`AppendixContext` is what every sheet writer receives (the core writers and any sheet
another part of the product adds, see :mod:`finmodel.io.appendix.writer`). It knows

* the projection (``result``), the formats (``styles``) and whether cells hold live formulas
  (``formulas``) or plain values (``--values``);
* where named rows are (``rows``): ``ctx.at("system.surplus", "H")`` is ``System!H$12``;
* how to write a formula with its cached result (``write`` and ``write_row``), so the file shows
  the engine's numbers in readers that do not recalculate;
* the checks to roll into the master check (``add_check``) and the table of contents.

Text is always written as text (``write_string``), never as a formula, whatever it starts with.
"""

from __future__ import annotations

import math
import os
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
from xlsxwriter.workbook import Workbook
from xlsxwriter.worksheet import Worksheet

from finmodel.engine.result import ProjectionResult
from finmodel.io.appendix.worksheet import TimelineWorksheet
from finmodel.io.atomic import default_mode
from finmodel.io.excel_styles import (
    FIRST_YEAR_COL,
    HEADER_ROW,
    Styles,
    col_letter,
    print_setup,
    quote_sheet,
    setup_timeseries_sheet,
)
from finmodel.tolerances import MONEY_TOLERANCE

#: Where the check tolerance lives (an input on the Checks sheet), for formulas of any sheet.
TOLERANCE_REF = "Checks!$E$6"
#: Tolerance of the checks, £k: a difference larger than this fails a check.
CHECK_TOLERANCE = MONEY_TOLERANCE
#: Excel limits the length of a text cell.
MAX_TEXT = 32_767

#: Builds the formula of one year column from its column letter and the previous one's.
RowFormula = Callable[[str, str], str]


def shareable_permissions(tmp: Path, target: Path) -> None:
    """Give a finished temporary file the permissions a new file would get (or the target's).

    Temporary files are created readable by their owner only; an appendix is meant to be shared.
    """
    os.chmod(tmp, default_mode(target))


@dataclass(frozen=True)
class CheckEntry:
    """A check rolled into the master check: cells that are 0 when it holds."""

    description: str
    """What is checked, in words."""
    cells: str
    """A reference to the cells holding 0 (holds) or 1 (fails), e.g. ``Appraisal!G20:P20``."""
    failures: int
    """How many of those cells fail, by the engine's arithmetic (the cached result)."""


@dataclass(frozen=True)
class RowSpec:
    """One row along the timeline, described once: what it is, its formula and the engine's
    figures stored with it. :meth:`AppendixContext.write_rows` lays a list of them out, so a
    writer never counts rows by hand and a new row (an underlying surplus, an NHS position, a
    benefit stream) is one more entry.

    >>> RowSpec("System surplus", "£k", lambda c, p: f"=System!{c}$9", [0.0], name="x").unit
    '£k'
    """

    label: str
    """Column A: what the row holds, in words."""
    unit: str
    """Column F: ``£k``, ``%``, ``flag``..."""
    formula: RowFormula
    """``formula(column letter, previous column letter)`` -> the year's formula."""
    values: Any
    """The engine's figure for each year (stored as each formula's result)."""
    name: str | None = None
    """The row's name for references (``ctx.rows``), if other rows refer to it."""
    fmt: Any = None
    """Number format of the figures (default: money, bold when ``bold``)."""
    bold: bool = False
    """A total: label and figures in bold."""
    years: Any = None
    """Year indices that get a formula (default all; the others are left blank, greyed)."""


@dataclass(frozen=True)
class OptionSummary:
    """An option's row of results on its Appraisal sheet, for the Summary's options table."""

    sheet: str
    """The Appraisal sheet."""
    row: int
    """0-based row of its results (PVC, PVB, NPSV, BCR from the first year column)."""
    name: str
    """The option's name as shown."""
    values: tuple[float, float, float, float]
    """PVC, PVB, NPSV (£k) and BCR (NaN: no costs), as the appraisal gave them."""


@dataclass
class AppendixContext:
    """What sheet writers share. Rows and columns are 0-based; formulas use A1 references."""

    workbook: Workbook
    result: ProjectionResult
    styles: Styles
    formulas: bool = True
    """True: live formulas with cached results; False (``--values``): plain values."""
    cached_values: bool = True
    """False stores 0 as every formula's result (tests use it to prove a spreadsheet recalculated)."""
    rows: dict[str, tuple[str, int]] = field(default_factory=dict)
    """Named rows: name -> (sheet, row). Names are listed in :mod:`finmodel.io.appendix.writer`."""
    checks: list[CheckEntry] = field(default_factory=list)
    """Checks registered so far, in the order they appear on the Checks sheet."""
    parity: list[CheckEntry] = field(default_factory=list)
    """Comparisons with the engine's run as exported (values), shown apart from the checks and
    never counted in the master check: they fail, as they should, once an input is changed."""
    exported_inputs: list[tuple[int, int, float | str]] = field(default_factory=list)
    """Every number written on Inputs as (row, column, value): the inputs as exported."""
    row_values: dict[tuple[str, int], Any] = field(default_factory=dict)
    """The engine's figures stored with each row written by :meth:`write_row`, by (sheet,
    row): what a link to that row stores as its result."""
    options: list[OptionSummary] = field(default_factory=list)
    """Every option's results row, in the order written (the Summary's options table)."""
    print_widths: dict[str, int] = field(default_factory=dict)
    """Last printed column by sheet (see :meth:`bound_print_width`)."""
    text_widths: dict[tuple[str, int], int] = field(default_factory=dict)
    """Longest label or key written by :meth:`text`, by (sheet, column)."""
    cases: Mapping[str, Any] = field(default_factory=dict)
    """The appraised investment cases to lay out, by investment id (from the bundle)."""
    risk: Any = None
    """The Monte Carlo run and tornados for the Risk sheet, as the caller passed them."""
    engine_rows: list[str] = field(default_factory=list)
    """Rows holding engine values where a formula would need the engine (listed on the Cover)."""
    inputs_changed_col: int | None = None
    """0-based column of the *changed since export* flags on Inputs (None: not written)."""
    contents: list[tuple[str, str]] = field(default_factory=list)
    """Sheets in order with a one-line description, for the Cover."""

    # ----- the timeline ---------------------------------------------------------------------
    @property
    def years(self) -> list[str]:
        """Year labels, base year (outturn) first."""
        return self.result.years

    @property
    def n_years(self) -> int:
        """Number of year columns (horizon + 1)."""
        return len(self.result.years)

    @property
    def model_name(self) -> str:
        """The model's name (text)."""
        return self.result.model.name

    @property
    def tolerance_ref(self) -> str:
        """Reference to the check tolerance (£k) for check formulas: ``Checks!$E$6``."""
        return TOLERANCE_REF

    @staticmethod
    def year_col(t: int) -> int:
        """0-based column of year index ``t`` (0 = base year) on every time-series sheet."""
        return FIRST_YEAR_COL + t

    def letter(self, t: int) -> str:
        """Column letter of year index ``t``."""
        return col_letter(FIRST_YEAR_COL + t)

    @property
    def last_letter(self) -> str:
        """Column letter of the last year."""
        return self.letter(self.n_years - 1)

    # ----- named rows -----------------------------------------------------------------------
    def name_row(self, name: str, sheet: str, row: int) -> None:
        """Record that the row ``name`` is on ``sheet`` at ``row``."""
        if name in self.rows:
            raise ValueError(f"row name {name!r} is used twice")
        self.rows[name] = (sheet, row)

    def write_rows(self, ws: Worksheet, row: int, specs: Iterable[RowSpec]) -> int:
        """Lay out ``specs`` from ``row`` (0-based), one row each: label, unit, the formula along
        the timeline with the engine's figures, the row's name; returns the next free row."""
        s = self.styles
        for spec in specs:
            self.text(ws, row, 0, spec.label, s.label_bold if spec.bold else s.label)
            self.text(ws, row, 5, spec.unit, s.unit)
            fmt = spec.fmt or (s.money_bold if spec.bold else s.money)
            self.write_row(ws, row, spec.formula, spec.values, fmt, spec.years)
            if spec.name is not None:
                self.name_row(spec.name, ws.name, row)
            row += 1
        return row

    def at(self, name: str, col: str, *, here: str | None = None, col_abs: bool = False) -> str:
        """Reference to the named row in column ``col`` with its row anchored: ``System!H$12``.

        ``here`` is the sheet the formula is on (no sheet prefix when the row is on it).
        """
        sheet, row = self.rows[name]
        prefix = "" if sheet == here else f"{quote_sheet(sheet)}!"
        return f"{prefix}{'$' if col_abs else ''}{col}${row + 1}"

    def first_year(self, name: str, *, here: str | None = None) -> str:
        """Fully anchored reference to the named row's base-year cell: ``System!$G$12``."""
        return self.at(name, self.letter(0), here=here, col_abs=True)

    def rows_span(
        self, first: str, last: str, col: str, *, here: str | None = None, col_abs: bool = False
    ) -> str:
        """A bounded range from named row ``first`` to ``last`` in one column."""
        sheet, r1 = self.rows[first]
        sheet2, r2 = self.rows[last]
        if sheet != sheet2:
            raise ValueError(f"{first} and {last} are on different sheets")
        prefix = "" if sheet == here else f"{quote_sheet(sheet)}!"
        d = "$" if col_abs else ""
        return f"{prefix}{d}{col}${r1 + 1}:{d}{col}${r2 + 1}"

    # ----- writing cells --------------------------------------------------------------------
    def text(self, ws: Worksheet, row: int, col: int, value: object, fmt: Any = None) -> None:
        """Write text as text, never as a formula (``=HYPERLINK(...)`` stays visible text).

        Labels and keys (columns A-E, not notes, not section headings: those run across their
        shaded band) are measured, so their columns can be made wide enough that nothing is
        clipped (:meth:`fit_columns`)."""
        text = str(value)[:MAX_TEXT]
        ws.write_string(row, col, text, fmt)
        unmeasured = (self.styles.note, self.styles.note_wrap, self.styles.section)
        if col <= 4 and all(fmt is not style for style in unmeasured):
            key = (ws.name, col)
            self.text_widths[key] = max(self.text_widths.get(key, 0), len(text))

    def bound_print_width(self, ws: Worksheet, last_col: int) -> None:
        """Print ``ws`` from column A to ``last_col`` only (long notes there wrap, never widen
        the page); the print area is set when the workbook is finished
        (:func:`~finmodel.io.appendix.print_bands.band_wide_sheets`)."""
        self.print_widths[ws.name] = last_col

    def fit_columns(self) -> None:
        """Widen columns A-E of every sheet to their longest label or key (A at most 72)."""
        sheets = {ws.name: ws for ws in self.workbook.worksheets()}
        for (name, col), length in self.text_widths.items():
            ws = sheets[name]
            if name == "Cover" or ws.is_chartsheet:
                continue
            width = min(72 if col == 0 else 30, length * 1.05 + 2)
            current = getattr(ws, "col_info", {}).get(col)  # widths set so far, in pixels
            if current is None or (current.width or 0) < width * 7 + 5:
                ws.set_column(col, col, width, current.column_format if current else None)

    def number(
        self, ws: Worksheet, row: int, col: int, value: float | None, fmt: Any = None
    ) -> None:
        """Write a constant number (an input); None or NaN leaves the cell blank with its format."""
        if value is None or math.isnan(value):
            ws.write_blank(row, col, None, fmt)
        else:
            ws.write_number(row, col, float(value), fmt)

    def write(
        self, ws: Worksheet, row: int, col: int, formula: str, value: float | str, fmt: Any = None
    ) -> None:
        """A formula with its cached result, or the value alone in ``--values`` mode."""
        if isinstance(value, str):
            if self.formulas:
                ws.write_formula(row, col, formula, fmt, value if self.cached_values else "")
            else:
                ws.write_string(row, col, value[:MAX_TEXT], fmt)
            return
        number = float(value)
        if math.isnan(number):
            ws.write_blank(row, col, None, fmt)
        elif self.formulas:
            ws.write_formula(row, col, formula, fmt, number if self.cached_values else 0)
        else:
            ws.write_number(row, col, number, fmt)

    def write_formulas(
        self,
        ws: Worksheet,
        row: int,
        first_col: int,
        formulas: Sequence[str],
        values: Sequence[float] | np.ndarray,
        fmt: Any,
    ) -> None:
        """Formulas in consecutive columns from ``first_col``, each with the engine's figure
        (``values``, numbers): what :meth:`write` of each gives, written as a batch."""
        numbers = np.asarray(values, dtype=float)
        if self.formulas and isinstance(ws, TimelineWorksheet) and np.isfinite(numbers).all():
            stored = numbers.tolist() if self.cached_values else [0] * len(formulas)
            ws.write_formula_row(row, first_col, formulas, fmt, stored)
            return
        for i, formula in enumerate(formulas):
            self.write(ws, row, first_col + i, formula, float(numbers[i]), fmt)

    def write_row(
        self,
        ws: Worksheet,
        row: int,
        formula: RowFormula,
        values: Sequence[float] | np.ndarray,
        fmt: Any,
        years: Iterable[int] | None = None,
    ) -> None:
        """One formula along the timeline: ``formula(col, previous_col)`` for each year.

        ``values`` are the engine's results per year (cached with each formula); NaN years and
        years not in ``years`` (default: all) are left blank.
        """
        self.row_values[(ws.name, row)] = values
        if years is None:
            letters = [col_letter(FIRST_YEAR_COL + t) for t in range(-1, self.n_years)]
            formulas = [formula(letters[t + 1], letters[t]) for t in range(self.n_years)]
            numbers = np.asarray(values, dtype=float)[: self.n_years]
            self.write_formulas(ws, row, FIRST_YEAR_COL, formulas, numbers, fmt)
            return
        chosen = list(years)
        for t in chosen:
            col = FIRST_YEAR_COL + t
            self.write(
                ws, row, col, formula(col_letter(col), col_letter(col - 1)), float(values[t]), fmt
            )
        for t in sorted(set(range(self.n_years)) - set(chosen)):
            ws.write_blank(row, FIRST_YEAR_COL + t, None, self.styles.na)

    # ----- sheets and checks ----------------------------------------------------------------
    def add_timeseries_sheet(
        self,
        name: str,
        description: str,
        *,
        title: str,
        headers: tuple[str, str, str, str, str, str] = ("Description", "", "", "", "", "Unit"),
        extra_columns: tuple[str, ...] = (),
    ) -> Worksheet:
        """A new sheet with the standard timeline columns, year header, panes and print set-up."""
        ws = self.workbook.add_worksheet(name, worksheet_class=TimelineWorksheet)
        self.contents.append((name, description))
        header = [
            (f"=Time!{self.letter(t)}${HEADER_ROW + 1}" if self.formulas else None, year)
            for t, year in enumerate(self.years)
        ]
        scenario = f", scenario {self.result.scenario}" if self.result.scenario else ""
        setup_timeseries_sheet(
            ws,
            self.styles,
            title=title,
            subtitle=f"{self.model_name}{scenario}. Money in £ thousands (£k); surplus +, deficit in brackets.",
            headers=headers,
            years=self.years,
            year_header=header,
            model_name=self.model_name,
            extra_columns=extra_columns,
        )
        return ws

    def add_plain_sheet(self, name: str, description: str) -> Worksheet:
        """A new sheet without the timeline layout (print set-up only)."""
        ws = self.workbook.add_worksheet(name, worksheet_class=TimelineWorksheet)
        self.contents.append((name, description))
        print_setup(ws, self.model_name)
        return ws

    def section(self, ws: Worksheet, row: int, title: str) -> None:
        """A section header row across the descriptor and year columns."""
        for col in range(FIRST_YEAR_COL + self.n_years):
            ws.write_blank(row, col, None, self.styles.section)
        ws.write_string(row, 0, title, self.styles.section)

    def add_check(self, description: str, cells: str, failures: int = 0) -> None:
        """Roll cells that are 0 when a check holds (1 when it fails) into the master check.

        ``cells`` is a bounded reference such as ``Appraisal!G20:P20`` (quote sheet names with
        spaces: ``'Financial case'!G9``); ``failures`` is the number failing by the engine's own
        arithmetic, stored as the cached result. Compare with ``ABS(a - b) > Checks!$E$6``, the
        workbook's tolerance (:data:`TOLERANCE_REF`).
        """
        self.checks.append(CheckEntry(description, cells, int(failures)))

    def add_parity(self, description: str, cells: str, failures: int = 0) -> None:
        """Show cells that compare a formula with the engine's figure as exported (0 = equal).

        Listed on Checks under *parity with the engine run* and summed on the Cover, but never
        counted in the master check: a reviewer who changes an input sees them move while every
        check (formulas against formulas) still holds. Arguments as :meth:`add_check`.
        """
        self.parity.append(CheckEntry(description, cells, int(failures)))

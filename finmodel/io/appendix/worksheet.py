"""The worksheet class of the Excel appendix: XlsxWriter's own output, written faster.

The appendix holds some 40,000 formulas (250,000 for a 2,000-line model). XlsxWriter examines
every formula for about thirty newer Excel functions and writes every cell through general
code, which dominated the export's time. :class:`TimelineWorksheet` takes shortcuts where the
result is known to be the same, and is held to XlsxWriter's own output byte for byte by the
contract tests in ``tests/test_appendix_worksheet.py``.

>>> _is_plain("=SUM(G5:G9)"), _is_plain("=XLOOKUP(A1,B:B,C:C)")
(True, False)
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from itertools import repeat
from typing import Any

from xlsxwriter.worksheet import (
    CellBlankTuple,
    CellFormulaTuple,
    CellNumberTuple,
    CellStringTuple,
    Worksheet,
)

from finmodel.io.excel_styles import col_letter

#: Functions the appendix uses: none needs XlsxWriter's rewriting of newer Excel functions.
PLAIN_FUNCTIONS = frozenset(
    {"IF", "SUM", "SUMIF", "SUMPRODUCT", "ABS", "MIN", "MAX", "INDEX", "MATCH", "AND"}
    | {"COUNTIF", "RANK", "VALUE", "LEFT", "FIND"}
)
#: A function name before its bracket (possessive: a name never ends inside a longer one).
_FUNCTION = re.compile(r"([A-Za-z_][A-Za-z0-9_.]*+)\(")


def _is_plain(formula: str) -> bool:
    """Whether XlsxWriter would store ``formula`` as it is, less its ``=``: a formula (not an
    array formula) whose functions are all :data:`PLAIN_FUNCTIONS`. Such a formula cannot name
    a dynamic array function either (XlsxWriter's ``re_dynamic_function`` needs one of its
    names right before a bracket, which the function names found here would include)."""
    return (
        formula.startswith("=")
        and not formula.endswith("}")  # XlsxWriter strips a closing array brace
        and ("(" not in formula or set(_FUNCTION.findall(formula)) <= PLAIN_FUNCTIONS)
    )


class TimelineWorksheet(Worksheet):
    """An XlsxWriter worksheet that writes the appendix's cells quickly, as XlsxWriter would.

    XlsxWriter examines every formula for about thirty newer Excel functions (dynamic arrays,
    ``_xlfn.`` prefixes) and writes every cell through general code; with 40,000 formulas
    that dominated the time of the appendix. Here

    * ``write_formula`` stores a plain formula (:func:`_is_plain`: functions only from
      :data:`PLAIN_FUNCTIONS`) as XlsxWriter would, without that examination;
      :meth:`write_formula_row` does it for a row of formulas at once;
    * ``_write_rows`` writes a cell with a format (a formula with a number as its result, a
      number, a shared string, a blank) as one string, and ``_calculate_spans`` finds each
      row's first and last cell without testing every column.

    Anything else goes through XlsxWriter's own code. The stored cells and the sheet's XML are
    XlsxWriter's own, byte for byte: ``tests/test_appendix_worksheet.py`` holds these overrides of
    its private methods to that over random sheets, and ``pyproject.toml`` pins XlsxWriter's
    major version.
    """

    def write_formula(
        self, row: int, col: int, formula: str, cell_format: Any = None, value: Any = 0
    ) -> int:
        """As XlsxWriter's ``write_formula`` (0-based row and column; ``value`` is the cached
        result), without its checks when the cell is given by numbers and the formula is plain."""
        if (
            row.__class__ is int
            and col.__class__ is int
            and formula.__class__ is str
            and not self.constant_memory
            and _is_plain(formula)
        ):
            if self._check_dimensions(row, col):
                return -1
            self.table[row][col] = CellFormulaTuple(formula[1:], cell_format, value)
            return 0
        return int(super().write_formula(row, col, formula, cell_format, value))

    def write_formula_row(
        self,
        row: int,
        first_col: int,
        formulas: Sequence[str],
        cell_format: Any,
        values: Sequence[Any],
    ) -> None:
        """``write_formula(row, first_col + i, formulas[i], cell_format, values[i])`` for each
        ``i``: formulas along a row in consecutive columns with their cached results, checked
        as a batch when they are all plain (the same cells as one call each)."""
        if len(values) != len(formulas):
            raise ValueError(f"{len(formulas)} formulas and {len(values)} values")
        last = first_col + len(formulas) - 1
        if (
            formulas
            and row.__class__ is int
            and first_col.__class__ is int
            and not self.constant_memory
            and set(map(type, formulas)) == {str}
            and all(map(str.startswith, formulas, repeat("=")))
            and not any(map(str.endswith, formulas, repeat("}")))
            and set(_FUNCTION.findall("\0".join(formulas))) <= PLAIN_FUNCTIONS
            and not self._check_dimensions(row, first_col)
            and not self._check_dimensions(row, last)
        ):
            stored = zip([f[1:] for f in formulas], repeat(cell_format), values)
            # tuple.__new__ is what the named tuple's own constructor calls, one cell each
            cells = map(tuple.__new__, repeat(CellFormulaTuple), stored)
            self.table[row].update(zip(range(first_col, last + 1), cells, strict=True))
            return
        for i, (formula, value) in enumerate(zip(formulas, values, strict=True)):
            self.write_formula(row, first_col + i, formula, cell_format, value)

    def _calculate_spans(self) -> None:
        """XlsxWriter's ``_calculate_spans`` (the first and last column used in each block of 16
        rows, 1-based), from each row's first and last cell rather than a test of every column."""
        spans: dict[int, str] = {}
        lo: int | None = None
        hi = 0
        colmin, colmax = self.dim_colmin, self.dim_colmax
        for row_num in range(self.dim_rowmin, self.dim_rowmax + 1):
            for used in (self.table.get(row_num), self.comments.get(row_num)):
                if not used:
                    continue
                first, last = min(used), max(used)
                if first < colmin or last > colmax:
                    inside = [col for col in used if colmin <= col <= colmax]
                    if not inside:
                        continue
                    first, last = min(inside), max(inside)
                lo, hi = (first, last) if lo is None else (min(lo, first), max(hi, last))
            if ((row_num + 1) % 16 == 0 or row_num == self.dim_rowmax) and lo is not None:
                spans[row_num // 16] = f"{lo + 1}:{hi + 1}"
                lo = None
        self.row_spans = spans

    def _write_rows(self) -> None:
        """XlsxWriter's ``_write_rows``, with the cells the appendix is made of (formulas with a
        number as their result, numbers, shared strings and blanks, each with its own format)
        written in one string each: the same XML as XlsxWriter's ``_write_cell`` writes."""
        if self.constant_memory or self.dim_rowmin is None:
            super()._write_rows()
            return
        self._calculate_spans()
        table, row_info, comments, spans = self.table, self.row_info, self.comments, self.row_spans
        colmin, colmax = self.dim_colmin, self.dim_colmax
        for row_num in range(self.dim_rowmin, self.dim_rowmax + 1):
            cells = table[row_num]
            if not (row_num in row_info or row_num in comments or cells):
                continue
            span = spans.get(row_num // 16)
            if not cells:
                self._write_empty_row(row_num, span, row_info.get(row_num))
                continue
            self._write_row(row_num, span, row_info.get(row_num))
            write = self.fh.write
            number = str(row_num + 1)
            for col_num in sorted(cells):
                if not colmin <= col_num <= colmax:
                    continue
                cell = cells[col_num]
                kind, fmt = cell.__class__, cell.format
                fast = fmt is not None and (
                    kind in (CellBlankTuple, CellNumberTuple, CellStringTuple)
                    or (kind is CellFormulaTuple and not isinstance(cell.value, (str, bool)))
                )
                if not fast:
                    self._write_cell(row_num, col_num, cell)
                    continue
                opening = f'<c r="{col_letter(col_num)}{number}" s="{fmt._get_xf_index()}"'
                if kind is CellFormulaTuple:
                    formula = cell.formula
                    if "&" in formula or "<" in formula or ">" in formula:
                        formula = (
                            formula.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
                        )
                    write(f"{opening}><f>{formula}</f><v>{cell.value}</v></c>")
                elif kind is CellBlankTuple:
                    write(f"{opening}/>")
                elif kind is CellNumberTuple:
                    write(f"{opening}><v>{cell.number:.16G}</v></c>")
                else:
                    write(f'{opening} t="s"><v>{cell.string}</v></c>')
            self._xml_end_tag("row")


__all__ = ["PLAIN_FUNCTIONS", "TimelineWorksheet"]

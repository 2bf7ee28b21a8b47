"""``TimelineWorksheet``: its shortcuts past XlsxWriter's private code are a contract.

The appendix's worksheets store formulas made only of plain functions without XlsxWriter's
examination of each (its rewriting of newer Excel functions, its search for dynamic array
functions), and write formula cells to the sheet's XML in one string each (several times
faster on a large appendix). That leans on XlsxWriter's private methods and cell tuples, so
these tests hold it to three promises: for any formula XlsxWriter stores exactly the cell
XlsxWriter's own ``write_formula`` stores (with and without ``use_future_functions``); a sheet
of any mix of cells, formats and row or column formats is byte for byte XlsxWriter's own XML;
and XlsxWriter really calls the overrides when the appendix is written (a renamed private
method would silently turn an override into dead code). ``pyproject.toml`` pins XlsxWriter's
major version.
"""

from __future__ import annotations

import datetime as dt
import itertools
import zipfile
from pathlib import Path
from unittest import mock

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from xlsxwriter.workbook import Workbook
from xlsxwriter.worksheet import Worksheet

from finmodel import project
from finmodel.io.appendix.context import AppendixContext
from finmodel.io.appendix.worksheet import PLAIN_FUNCTIONS, TimelineWorksheet, _is_plain
from finmodel.io.appendix.writer import write_appendix
from finmodel.io.excel_styles import Styles

#: Function names: the plain ones, ones XlsxWriter rewrites, near misses and odd spellings.
FUNCTIONS = [
    *sorted(PLAIN_FUNCTIONS),
    "XLOOKUP", "FILTER", "SORT", "STDEV.S", "IFS", "IFNA", "CONCAT", "LET", "SINGLE",
    "sum", "If", "SUMIFS", "MYSUM", "xSINGLE", "_xlfn.SUM", "_xlfn.XLOOKUP", "ABS.X",
]  # fmt: skip
ATOMS = [
    "A1", "$B$2", "H$12", "Checks!$E$6", "'Partners (all)'!C7", "Calculations!G5:P5",
    "0.001", "1", '"text"', '"XLOOKUP("', '"_xlfn."', '"{"', "TRUE",
]  # fmt: skip
OPERATORS = ["+", "-", "*", "/", ",", ">", "<=", "=", "&", "^"]


@st.composite
def expressions(draw: st.DrawFn, depth: int = 3) -> str:
    if depth == 0 or draw(st.booleans()):
        return draw(st.sampled_from(ATOMS))
    if draw(st.booleans()):
        name = draw(st.sampled_from(FUNCTIONS))
        args = draw(st.lists(expressions(depth - 1), min_size=1, max_size=3))
        return f"{name}({','.join(args)})"
    left, right = draw(expressions(depth - 1)), draw(expressions(depth - 1))
    return f"{left}{draw(st.sampled_from(OPERATORS))}{right}"


@st.composite
def formulas(draw: st.DrawFn) -> str:
    body = draw(expressions())
    start = draw(st.sampled_from(["=", "", "{=", "{", " ="]))
    end = draw(st.sampled_from(["", "", "}", " "]))
    return f"{start}{body}{end}"


def _sheets(future: bool) -> tuple[TimelineWorksheet, Worksheet]:
    ours, theirs = TimelineWorksheet(), Worksheet()
    ours.use_future_functions = theirs.use_future_functions = future
    return ours, theirs


@settings(max_examples=200)  # cheap: many shapes of formula
@given(formula=formulas(), future=st.booleans(), expand=st.booleans())
def test_a_plain_formula_is_one_xlsxwriter_stores_as_it_is(
    formula: str, future: bool, expand: bool
) -> None:
    if _is_plain(formula):
        _, theirs = _sheets(future)
        assert theirs._prepare_formula(formula, expand) == formula[1:]


def test_the_shortcut_applies_to_the_appendixs_formulas_and_not_to_newer_functions() -> None:
    plain = "=IF(ABS(SUM(Partners!H5:H20)-System!H$12)>Checks!$E$6,1,0)"
    newer = "=IFNA(XLOOKUP(A1,B:B,C:C),STDEV.S(D:D))"
    assert _is_plain(plain) and not _is_plain(newer)
    assert not _is_plain("=SORT(A1:A3)")  # a dynamic array function
    ours, theirs = _sheets(future=True)
    for row, formula in enumerate((plain, newer)):
        ours.write_formula(row, 0, formula)
        theirs.write_formula(row, 0, formula)
    assert dict(ours.table) == dict(theirs.table)
    assert ours.table[0][0].formula == plain[1:]
    assert ours.table[1][0].formula.count("_xlfn.") == 3


def _sheet_xml(path: Path) -> bytes:
    with zipfile.ZipFile(path) as book:
        return book.read("xl/worksheets/sheet1.xml")


def test_a_sheet_written_through_the_override_is_byte_for_byte_xlsxwriters(tmp_path: Path) -> None:
    rows = [
        "=SUM(A1:A3)*(1+Checks!$E$6)",
        "=IF(B2>0,SUMPRODUCT(C1:C3,D1:D3),ABS(B2))",
        "=XLOOKUP(A1,B:B,C:C)",
        "=STDEV.S(A1:A3)",
        '="=SUM(not a formula)"',
    ]
    files = {}
    for name, worksheet_class in (("ours", TimelineWorksheet), ("theirs", Worksheet)):
        files[name] = tmp_path / f"{name}.xlsx"
        workbook = Workbook(str(files[name]), {"use_future_functions": True})
        sheet = workbook.add_worksheet("Sheet1", worksheet_class=worksheet_class)
        for row, formula in enumerate(rows):
            sheet.write_formula(row, 0, formula, None, row)
        sheet.write_array_formula(0, 1, 2, 1, "{=SUM(A1:A3*2)}")
        workbook.close()
    assert _sheet_xml(files["ours"]) == _sheet_xml(files["theirs"])


# ----- write_formula and _write_rows: the cells stored and the XML written are XlsxWriter's own
VALUES = st.one_of(
    st.floats(allow_nan=True, allow_infinity=True),
    st.integers(-(10**6), 10**6),
    st.booleans(),
    st.sampled_from(["", "text", "#N/A", "#DIV/0!", "a<b & c>d", '"q"']),
    st.none(),
)
#: Cell formulas with characters XML escapes (comparisons, text with & and quotes).
TEXTUAL = ["=A1>B1", "=IF(A1<>0,1,0)", '=A1&"x"', '="<&>"', "=A1>=1", '="l\ni"&A1']


def _cell_formulas() -> st.SearchStrategy[str]:
    return st.one_of(formulas(), st.sampled_from(TEXTUAL))


@st.composite
def cells(draw: st.DrawFn) -> tuple[str, int, int, object, object, int | None]:
    """One write: (kind, row, col, content, value, format index or None)."""
    kind = draw(
        st.sampled_from(["formula"] * 3 + ["number", "string", "blank", "boolean", "array", "date"])
    )
    row, col = draw(st.integers(0, 40)), draw(st.integers(0, 20))
    fmt = draw(st.one_of(st.none(), st.integers(0, 2)))
    if kind == "formula":
        return kind, row, col, draw(_cell_formulas()), draw(VALUES), fmt
    if kind == "number":
        return kind, row, col, draw(st.floats(allow_nan=False, allow_infinity=False)), None, fmt
    if kind == "string":
        return kind, row, col, draw(st.sampled_from(["a", "<b>", "x & y"])), None, fmt
    if kind == "boolean":
        return kind, row, col, draw(st.booleans()), None, fmt
    if kind == "array":
        return kind, row, col, "{=SUM(A1:A3*2)}", draw(st.floats(0, 9)), fmt
    if kind == "date":
        return kind, row, col, dt.date(2020, 4, draw(st.integers(1, 30))), None, fmt
    return kind, row, col, None, None, fmt


def _write_sheet(
    path: Path,
    worksheet_class: type[Worksheet],
    writes: list[tuple[str, int, int, object, object, int | None]],
    row_formats: list[tuple[int, int]],
    col_formats: list[tuple[int, int]],
    future: bool,
) -> list[int | None]:
    workbook = Workbook(str(path), {"use_future_functions": future, "in_memory": True})
    formats = [workbook.add_format({"bold": True}), workbook.add_format({"num_format": "0.0"})]
    formats.append(workbook.add_format({"font_color": "red"}))
    sheet = workbook.add_worksheet("Sheet1", worksheet_class=worksheet_class)
    for row, row_format in row_formats:
        sheet.set_row(row, None, formats[row_format])
    for col, col_format in col_formats:
        sheet.set_column(col, col, 12, formats[col_format])
    returns: list[int | None] = []
    for kind, row, col, content, value, fmt in writes:
        cell_format = None if fmt is None else formats[fmt]
        if kind == "formula":
            returns.append(sheet.write_formula(row, col, content, cell_format, value))
        elif kind == "number":
            returns.append(sheet.write_number(row, col, content, cell_format))
        elif kind == "string":
            returns.append(sheet.write_string(row, col, content, cell_format))
        elif kind == "boolean":
            returns.append(sheet.write_boolean(row, col, content, cell_format))
        elif kind == "array":
            returns.append(
                sheet.write_array_formula(row, col, row, col, content, cell_format, value)
            )
        elif kind == "date":
            returns.append(sheet.write_datetime(row, col, content, cell_format or formats[1]))
        else:
            returns.append(sheet.write_blank(row, col, None, cell_format))
    sheet.write_comment(3, 2, "a comment on a row that may hold nothing else")
    workbook.close()
    return returns


@settings(max_examples=100, deadline=None)  # two small workbooks per example
@given(
    writes=st.lists(cells(), max_size=40),
    row_formats=st.lists(st.tuples(st.integers(0, 45), st.integers(0, 2)), max_size=4),
    col_formats=st.lists(st.tuples(st.integers(0, 22), st.integers(0, 2)), max_size=3),
    future=st.booleans(),
)
def test_a_sheet_of_any_cells_is_byte_for_byte_xlsxwriters(
    tmp_path_factory, writes, row_formats, col_formats, future
) -> None:
    folder = tmp_path_factory.mktemp("sheets")
    outcomes: list[tuple[object, object]] = []
    for name, worksheet_class in (("ours", TimelineWorksheet), ("theirs", Worksheet)):
        path = folder / f"{name}.xlsx"
        try:  # XlsxWriter fails on some odd cells (a dynamic formula with None as its value)
            returns = _write_sheet(path, worksheet_class, writes, row_formats, col_formats, future)
        except Exception as error:  # the same failure is the contract
            outcomes.append((type(error), str(error)))
        else:
            outcomes.append((returns, _sheet_xml(path)))
    assert outcomes[0] == outcomes[1]


@settings(max_examples=200)
@given(formula=_cell_formulas(), value=VALUES, row=st.integers(-1, 1_048_576), future=st.booleans())
def test_write_formula_stores_the_cell_xlsxwriter_stores(formula, value, row, future) -> None:
    ours, theirs = _sheets(future)
    assert ours.write_formula(row, 3, formula, None, value) == theirs.write_formula(
        row, 3, formula, None, value
    )
    assert dict(ours.table) == dict(theirs.table)
    assert (ours.dim_rowmin, ours.dim_rowmax, ours.dim_colmin, ours.dim_colmax) == (
        theirs.dim_rowmin, theirs.dim_rowmax, theirs.dim_colmin, theirs.dim_colmax
    )  # fmt: skip


def test_the_fast_paths_are_taken_when_the_appendix_is_written(minimal_model, tmp_path) -> None:
    """The shortcuts are live code: XlsxWriter still calls ``_write_rows`` and
    ``_calculate_spans`` (a renamed private method would leave an override unused), and every
    formula of the appendix's sheets is stored without XlsxWriter's examination of each one."""
    rows = mock.patch.object(
        TimelineWorksheet, "_write_rows", autospec=True, side_effect=TimelineWorksheet._write_rows
    )
    spans = mock.patch.object(
        TimelineWorksheet,
        "_calculate_spans",
        autospec=True,
        side_effect=TimelineWorksheet._calculate_spans,
    )
    examined = mock.patch.object(
        Worksheet, "_write_formula", autospec=True, side_effect=Worksheet._write_formula
    )
    with rows as rows_spy, spans as spans_spy, examined as examined_spy:
        write_appendix(project(minimal_model), tmp_path / "appendix.xlsx")
    assert rows_spy.call_count >= 5  # every timeline sheet
    assert spans_spy.call_count == rows_spy.call_count
    slow = [c.args[3] for c in examined_spy.call_args_list if type(c.args[0]) is TimelineWorksheet]
    assert slow == []  # every formula is plain (the Cover, a plain Worksheet, has a few)
    assert examined_spy.call_count > 0  # the spy works


@settings(max_examples=150)
@given(
    formulas=st.lists(_cell_formulas(), max_size=6),
    values=st.lists(VALUES, min_size=6, max_size=6),
    row=st.sampled_from([-1, 0, 7, 1_048_575]),
    col=st.sampled_from([-1, 0, 6, 16_380]),
    future=st.booleans(),
)
def test_a_row_of_formulas_stores_what_one_write_formula_each_stores(
    formulas, values, row, col, future
) -> None:
    """``write_formula_row``: the cells (and sheet dimensions) of one ``write_formula`` each,
    whether all formulas are plain (one batch) or not, in bounds or not."""
    ours, theirs = _sheets(future)
    values = values[: len(formulas)]
    ours.write_formula_row(row, col, formulas, None, values)
    for i, (formula, value) in enumerate(zip(formulas, values, strict=True)):
        theirs.write_formula(row, col + i, formula, None, value)
    assert dict(ours.table) == dict(theirs.table)
    assert (ours.dim_rowmin, ours.dim_rowmax, ours.dim_colmin, ours.dim_colmax) == (
        theirs.dim_rowmin, theirs.dim_rowmax, theirs.dim_colmin, theirs.dim_colmax
    )  # fmt: skip


@pytest.mark.parametrize(("formulas", "cached"), [(True, True), (True, False), (False, True)])
def test_a_batch_of_formulas_is_what_writing_each_gives(
    minimal_model, tmp_path: Path, formulas: bool, cached: bool
) -> None:
    """``AppendixContext.write_formulas``: NaN blank, infinity and numbers as :meth:`write`
    writes each, in live, values and zero-cached modes."""
    rows = [
        ["=A1*2", "=SUM(A1:A3)", "=B1+1"],
        ["=A1*2", "=XLOOKUP(A1,B:B,C:C)", "=B1+1"],
    ]
    values = [[1.5, 2.0, 3.25], [np.nan, np.inf, -0.0]]
    files = []
    for batch in (True, False):
        path = tmp_path / f"{batch}.xlsx"
        workbook = Workbook(str(path), {"nan_inf_to_errors": True})
        ctx = AppendixContext(
            workbook, project(minimal_model), Styles.create(workbook), formulas, cached
        )
        ws = ctx.add_plain_sheet("Sheet1", "test")
        for row, (texts, numbers) in enumerate(itertools.product(rows, values)):
            if batch:
                ctx.write_formulas(ws, row, 2, texts, np.asarray(numbers), ctx.styles.money)
            else:
                for i, (text, number) in enumerate(zip(texts, numbers, strict=True)):
                    ctx.write(ws, row, 2 + i, text, number, ctx.styles.money)
        workbook.close()
        files.append(_sheet_xml(path))
    assert files[0] == files[1]

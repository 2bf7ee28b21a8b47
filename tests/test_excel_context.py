"""``TimelineWorksheet``: its shortcut past XlsxWriter's private ``_prepare_formula`` is a contract.

The appendix's worksheets skip XlsxWriter's rewriting of newer Excel functions for formulas
made only of plain functions (several times faster on a large appendix). That leans on a
private method, so these tests hold it to two promises: for any formula it gives exactly what
XlsxWriter's own method gives (with and without ``use_future_functions``), and XlsxWriter
really calls it when the appendix is written (a renamed private method would silently turn the
override into dead code).
"""

from __future__ import annotations

import zipfile
from pathlib import Path
from unittest import mock

from hypothesis import given, settings
from hypothesis import strategies as st
from xlsxwriter.workbook import Workbook
from xlsxwriter.worksheet import Worksheet

from finmodel import project
from finmodel.io.appendix.context import PLAIN_FUNCTIONS, TimelineWorksheet
from finmodel.io.appendix.writer import write_appendix

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


def _sheets(future: bool) -> tuple[Worksheet, TimelineWorksheet]:
    ours, theirs = TimelineWorksheet(), Worksheet()
    ours.use_future_functions = theirs.use_future_functions = future
    return ours, theirs


@settings(max_examples=200)  # cheap: many shapes of formula
@given(formula=formulas(), future=st.booleans(), expand=st.booleans())
def test_prepared_formula_is_xlsxwriters_own(formula: str, future: bool, expand: bool) -> None:
    ours, theirs = _sheets(future)
    assert ours._prepare_formula(formula, expand) == theirs._prepare_formula(formula, expand)


def test_the_shortcut_applies_to_the_appendixs_formulas_and_not_to_newer_functions() -> None:
    ours, theirs = _sheets(future=True)
    plain = "=IF(ABS(SUM(Partners!H5:H20)-System!H$12)>Checks!$E$6,1,0)"
    assert ours._prepare_formula(plain) == theirs._prepare_formula(plain) == plain[1:]
    newer = "=IFNA(XLOOKUP(A1,B:B,C:C),STDEV.S(D:D))"
    assert ours._prepare_formula(newer) == theirs._prepare_formula(newer)
    assert ours._prepare_formula(newer).count("_xlfn.") == 3


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


def test_writing_the_appendix_calls_the_override(minimal_model, tmp_path: Path) -> None:
    original = TimelineWorksheet._prepare_formula
    with mock.patch.object(
        TimelineWorksheet, "_prepare_formula", autospec=True, side_effect=original
    ) as spy:
        write_appendix(project(minimal_model), tmp_path / "appendix.xlsx")
    assert spy.call_count > 50  # every formula of the core sheets
    formulas_seen = [call.args[1] for call in spy.call_args_list]
    assert any(f.startswith("=SUM(") for f in formulas_seen)

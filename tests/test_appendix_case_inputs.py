"""An investment case's settings on Inputs (discount schedule, GDP deflator, cost years) and the
Appraisal rows that are formulas of them (without LibreOffice: the formulas themselves)."""

from __future__ import annotations

from pathlib import Path

import openpyxl
import pytest

from finmodel import Model, load_model, project
from finmodel.domain.appraisal_tables import deflator_table
from finmodel.io.appendix.case_inputs import deflator_years
from finmodel.io.appendix.writer import write_appendix
from finmodel.io.excel_styles import FIRST_YEAR_COL
from tests.conftest import MODELS
from tests.test_excel_flex import with_case

G = FIRST_YEAR_COL + 1  # openpyxl's 1-based column of the first year


@pytest.fixture(scope="module")
def books(
    tmp_path_factory: pytest.TempPathFactory,
) -> dict[str, tuple[Model, dict[str, tuple[str, int]], Path]]:
    folder = tmp_path_factory.mktemp("case")
    out = {}
    for label, model in (
        ("default", load_model(MODELS / "lsc_ics.yaml")),
        ("case", with_case(load_model(MODELS / "minimal.yaml"))),
    ):
        path = folder / f"{label}.xlsx"
        layout = write_appendix(project(model), path)
        out[label] = (model, layout.rows, path)
    return out


def _row_with(ws, text: str) -> int:
    """1-based row whose label (column A) starts with ``text``."""
    return next(c.row for c in ws["A"] if isinstance(c.value, str) and c.value.startswith(text))


def test_the_discount_schedule_is_a_choice_on_inputs_and_the_rates_follow_it(books):
    _, rows, path = books["default"]
    book = openpyxl.load_workbook(path)
    _, row = rows["inputs.investments.ipa_uplift.discount.schedule"]
    assert book["Inputs"].cell(row=row + 1, column=5).value == "standard"
    appraisal = book["Appraisal"]
    rate = _row_with(appraisal, "Discount rate r_t of year t")
    formula = appraisal.cell(row=rate, column=G + 1).value
    assert formula.startswith("=IF(Inputs!$E$") and '="standard"' in formula
    ratio = _row_with(appraisal, "QALY streams: DF of the health schedule")
    assert appraisal.cell(row=ratio, column=G + 2).value.startswith("=")


def test_the_deflator_of_every_year_appraised_is_an_input_and_looked_up(books):
    model, rows, path = books["default"]
    investment = model.investments["ipa_uplift"]
    years = investment.appraisal_years(model)
    listed = deflator_years(investment, years, investment.base_price_year(model))
    table = deflator_table(investment.deflator_series())
    book = openpyxl.load_workbook(path)
    for year in listed:
        _, row = rows[f"inputs.investments.ipa_uplift.deflator.index.{year}"]
        assert book["Inputs"].cell(row=row + 1, column=5).value == table.index[year]
    appraisal = book["Appraisal"]
    index = _row_with(appraisal, "GDP deflator index, table")
    cells = [appraisal.cell(row=index, column=G + t).value for t in range(len(years))]
    assert all(isinstance(c, str) and "SUMIF(Inputs!$D$" in c for c in cells)
    base = _row_with(appraisal, "GDP deflator index of the price-base year")
    assert appraisal.cell(row=base, column=5).value.startswith("=Inputs!$E$")


def test_a_costs_years_are_inputs_and_its_profile_a_formula_of_them(books):
    model, rows, path = books["case"]
    book = openpyxl.load_workbook(path)
    key = "inputs.investments.upgrade.options.build.costs"
    inputs = book["Inputs"]
    assert (
        inputs.cell(row=rows[f"{key}.running.end_year"][1] + 1, column=5).value == (model.years[-2])
    )
    assert inputs.cell(row=rows[f"{key}.kit.start_year"][1] + 1, column=5).value == model.years[1]
    appraisal = book["Appraisal"]
    for text in ("running: profile", "kit: profile"):
        row = _row_with(appraisal, text)
        formula = appraisal.cell(row=row, column=G + 1).value
        assert formula.startswith("=IF(") and "Inputs!$E$" in formula, text
    cover = " ".join(str(c.value) for r in book["Cover"].iter_rows() for c in r if c.value)
    assert "profile" not in cover  # no cost keeps an engine-value profile


def test_the_schedule_chosen_is_checked_against_the_tables_schedules(books):
    _, rows, path = books["default"]
    book = openpyxl.load_workbook(path)
    inputs = book["Inputs"]
    _, row = rows["inputs.investments.ipa_uplift.discount.schedule"]
    listed = row + 2  # 1-based: the row below the choice
    assert [inputs.cell(row=listed, column=G + k).value for k in range(2)] == [
        "standard",
        "health",
    ]
    flag = inputs.cell(row=listed, column=5).value
    assert flag.startswith("=IF(SUMPRODUCT(") and f"$E${row + 1}" in flag
    (validation,) = [v for v in inputs.data_validations.dataValidation if f"E{row + 1}" in v.sqref]
    assert validation.formula1 == f"${_letter(G)}${listed}:${_letter(G + 1)}${listed}"
    checks = book["Checks"]
    sums = [c.value for c in checks["E"] if isinstance(c.value, str)]
    assert f"=SUM(Inputs!E{listed})" in sums


def _letter(column: int) -> str:
    return openpyxl.utils.get_column_letter(column)


@pytest.mark.slow
def test_a_name_that_is_not_a_schedule_fails_the_master_check(tmp_path: Path) -> None:
    """A reviewer pastes a name past the drop-down: recalculated in LibreOffice, the master check
    counts it; the other schedule, chosen properly, keeps every check holding."""
    from finmodel.io.recalc import recalculate
    from tests.test_excel_flex import set_cells

    model = load_model(MODELS / "lsc_ics.yaml")
    written = {}
    for label, name in (("bad", "standrd"), ("health", "health"), ("as_exported", None)):
        path = tmp_path / "in" / f"{label}.xlsx"
        layout = write_appendix(project(model), path, cached_values=False)
        _, row = layout.rows["inputs.investments.ipa_uplift.discount.schedule"]
        if name is not None:
            set_cells(path, {f"E{row + 1}": name})
        written[label] = (path, layout, row)
    outputs = recalculate([p for p, _, _ in written.values()], tmp_path / "out")
    master = {}
    for (label, (_, layout, row)), out in zip(written.items(), outputs, strict=True):
        book = openpyxl.load_workbook(out, data_only=True)
        sheet, master_row, col = layout.master_check
        master[label] = book[sheet].cell(row=master_row + 1, column=col + 1).value
        flag = book["Inputs"].cell(row=row + 2, column=5).value
        assert flag == (1 if label == "bad" else 0), label
    assert master["bad"] == 1
    assert master["health"] == 0 and master["as_exported"] == 0

"""The investment sheets of the Excel appendix: Appraisal, Financial case, Service model.

Stored results and a LibreOffice recalculation (all workbooks in one ``soffice`` run, written
with 0 stored as each formula's result) must both give the engine's figures
(:func:`finmodel.investment.case.appraise_model`).
"""

from __future__ import annotations

import dataclasses
import math
import re
from pathlib import Path
from typing import Any

import openpyxl
import pytest
from openpyxl.utils import column_index_from_string

from finmodel import Model, load_model, project
from finmodel.domain.validation import validate_data, with_overlay
from finmodel.engine.result import ProjectionResult
from finmodel.investment.case import InvestmentCase, appraise_model
from finmodel.io.appendix.context import AppendixContext
from finmodel.io.appendix.investment import investment_sheets, write_investment_sheets
from finmodel.io.appendix.writer import APPENDIX_SHEETS, AppendixLayout, write_appendix
from tests.conftest import MODELS

SHEETS = ("Appraisal", "Financial case", "Service model")
INV = "ipa_uplift"
REL = ABS = 1e-6
G = 7  # 1-based column of the first year
_REF = re.compile(r"((?:'[^']*'|[A-Za-z_][A-Za-z0-9_.]*)!)?(\$?)([A-Z]{1,3})(\$?)(\d+)")


# ----- helpers --------------------------------------------------------------------------------
def write(result: ProjectionResult, path: Path, **options: Any) -> AppendixLayout:
    """The appendix with only the core sheets and the investment sheets."""
    return write_appendix(
        result, path, appendix_sheets=False, extra_sheets=[investment_sheets], **options
    )


def variant(model: Model, **settings: Any) -> Model:
    return with_overlay(model, {f"investments.{INV}.{k}": v for k, v in settings.items()})


def close(got: Any, want: float) -> bool:
    return isinstance(got, int | float) and math.isclose(got, want, rel_tol=REL, abs_tol=ABS)


def mismatches(path: Path, layout: AppendixLayout, case: InvestmentCase) -> list[str]:
    """Every engine figure the sheets carry that the workbook at ``path`` gets wrong."""
    wb = openpyxl.load_workbook(path, data_only=True)
    s, e, f = case.streams, case.economic, case.financial
    a, n = e.appraisal, len(e.years)
    bad: list[str] = []

    def check(name: str, col: int, want: float, what: str) -> None:
        sheet, row = layout.rows[name]
        got = wb[sheet].cell(row=row + 1, column=col).value
        if not (math.isnan(want) or close(got, want)):
            bad.append(f"{what}: workbook {got!r}, engine {want!r}")

    for t in range(n):
        check(f"appraisal.{INV}.discount_factor", G + t, e.discount_factors[t], f"DF_{t}")
    for o, option in enumerate(s.option_ids):
        if o != s.baseline:
            for measure, values in (
                ("pv_costs", a.pv_costs),
                ("pv_benefits", a.pv_benefits),
                ("npsv", a.npsv),
            ):
                check(
                    f"appraisal.{INV}.{measure}.{option}", G + n, values[o], f"{measure} {option}"
                )
        summary = f"appraisal.{INV}.summary.{option}"
        for col, column in enumerate((a.pv_costs, a.pv_benefits, a.npsv, a.bcr, a.rank)):
            check(summary, G + col, float(column[o]), f"summary column {col} of {option}")
        if o == s.baseline:
            continue
        for p in f.involved:
            pid = s.partner_ids[p]
            funds = s.funder_shares[o, p] or s.funder_shares[s.baseline, p]
            for t, year in enumerate(f.years if funds else ()):  # councils pay no option cost
                check(f"financial.{INV}.cost.{option}.{pid}", G + 1 + t, f.cost[o, p, t],
                      f"cost to {pid} {year} {option}")  # fmt: skip
            for t, year in enumerate(f.model_years):
                check(f"financial.{INV}.surplus.{option}.{pid}", G + 1 + t,
                      f.surplus_change[o, p, t], f"surplus of {pid} {year} {option}")  # fmt: skip
        for t, year in enumerate(f.model_years):
            check(f"financial.{INV}.variance_change.{option}", G + 1 + t,
                  f.system_variance_change[o, t], f"variance change {year} {option}")  # fmt: skip
    if s.service is not None:
        annual = s.service.annual(("overdue_backlog", "assessments", "decisions_within_28_days"))
        for o, option in enumerate(s.option_ids):
            for t in range(len(annual.years)):
                check(f"service.{INV}.overdue_backlog.{option}", G + t,
                      annual.values["overdue_backlog"][o, t], f"backlog {option}")  # fmt: skip
                check(f"service.{INV}.share_within_28_days.{option}", G + t,
                      annual.share_within_28_days[o, t], f"28-day share {option}")  # fmt: skip
    return bad


def master_check(path: Path) -> Any:
    return openpyxl.load_workbook(path, data_only=True)["Checks"]["E5"].value


def numbers(path: Path, sheets: tuple[str, ...]) -> dict[tuple[str, str], float]:
    wb = openpyxl.load_workbook(path, data_only=True)
    return {
        (name, c.coordinate): c.value
        for name in sheets
        for row in wb[name].iter_rows()
        for c in row
        if isinstance(c.value, int | float) and not isinstance(c.value, bool)
    }


def shape(formula: str, row: int, col: int) -> str:
    """The formula with references relative to its cell (R1C1 style), to compare along a row."""

    def relative(m: re.Match[str]) -> str:
        sheet, cabs, letters, rabs, digits = m.groups()
        c, r = column_index_from_string(letters), int(digits)
        return (
            (sheet or "")
            + (f"R{r}" if rabs else f"R[{r - row}]")
            + (f"C{c}" if cabs else f"C[{c - col}]")
        )

    return _REF.sub(relative, formula)


# ----- fixtures -------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def model() -> Model:
    return load_model(MODELS / "lsc_ics.yaml")


@pytest.fixture(scope="module")
def registered_book(
    model: Model, tmp_path_factory: pytest.TempPathFactory
) -> tuple[ProjectionResult, AppendixLayout, Path]:
    """The default model's appendix as ``finmodel run`` writes it (every registered sheet)."""
    result = project(model)
    path = tmp_path_factory.mktemp("registered") / "appendix.xlsx"
    return result, write_appendix(result, path), path


@pytest.fixture(scope="module")
def scenario_book(
    model: Model, tmp_path_factory: pytest.TempPathFactory
) -> tuple[ProjectionResult, AppendixLayout, Path]:
    """The appendix under a scenario that selects the business case."""
    result = project(model, "ipa_business_case")
    path = tmp_path_factory.mktemp("scenario") / "appendix.xlsx"
    return result, write(result, path), path


# ----- the sheets, as stored ------------------------------------------------------------------
def test_the_default_model_gets_the_investment_sheets(registered_book):
    _, layout, path = registered_book
    assert investment_sheets in APPENDIX_SHEETS
    assert [s for s in layout.sheets if s in SHEETS] == list(SHEETS)
    assert layout.sheets[-2:] == ["Checks", "Inputs as exported"]
    wb = openpyxl.load_workbook(path)
    assert wb.sheetnames == layout.sheets
    assert len(wb["Service model"]._charts) == 2
    assert all(wb[name].freeze_panes == "G5" for name in SHEETS)
    assert master_check(path) == 0
    checks = [c.value for c in wb["Checks"]["A"] if isinstance(c.value, str)]
    assert sum(v.startswith(SHEETS) for v in checks) >= 4


def test_stored_results_equal_the_engines(registered_book):
    result, layout, path = registered_book
    case = appraise_model(result.model, INV)
    assert mismatches(path, layout, case) == []
    wb = openpyxl.load_workbook(path, data_only=True)
    a = case.economic.appraisal
    for o, option in enumerate(case.option_ids):  # stored exactly as the engine computed them
        sheet, row = layout.rows[f"appraisal.{INV}.summary.{option}"]
        got = [wb[sheet].cell(row=row + 1, column=G + i).value for i in range(3)]
        assert got == [float(a.pv_costs[o]), float(a.pv_benefits[o]), float(a.npsv[o])]
        bcr = wb[sheet].cell(row=row + 1, column=G + 3).value
        if o == case.streams.baseline:
            assert bcr.startswith("n/a")
        else:
            assert bcr == float(a.bcr[o])


def test_the_selected_option_is_highlighted_and_linked_to_the_system(scenario_book):
    result, layout, path = scenario_book
    case = appraise_model(result.model, INV)
    assert case.option_ids[case.streams.selected] == "business_case"
    assert mismatches(path, layout, case) == []
    assert master_check(path) == 0
    ws = openpyxl.load_workbook(path)["Financial case"]
    selected = [c for c in ws["A"] if isinstance(c.value, str) and "selected in" in c.value]
    assert len(selected) == 1 and "business_case" in selected[0].value
    assert selected[0].fill.fgColor.rgb.endswith("F8CBAD")
    links = [c for row in ws.iter_rows() for c in row if "System!" in str(c.value)]
    assert len(links) == len(result.years) - 1  # the System sheet's surplus, each projected year


def test_formulas_are_live_short_and_free_of_constants(registered_book):
    _, layout, path = registered_book
    wb = openpyxl.load_workbook(path)
    labels = openpyxl.load_workbook(path, data_only=True)
    count = 0
    for name in SHEETS:
        ws = wb[name]
        years = [re.fullmatch(r"\d{4}/\d{2}", str(c.value)) for c in labels[name][4]]
        last_year = max(i for i, y in enumerate(years) if y) + 1
        for row in ws.iter_rows():
            timeline = [c for c in row if c.data_type == "f" and G <= c.column <= last_year]
            if row[5].value and len(timeline) > 2:  # a row with a unit is a timeline row
                shapes = {shape(c.value, c.row, c.column) for c in timeline[1:]}
                assert len(shapes) == 1, f"{name} row {row[0].row}: {shapes}"
            for c in row:
                if c.data_type != "f":
                    continue
                count += 1
                assert "OFFSET" not in c.value and "INDIRECT" not in c.value
                literals = set(re.findall(r"(?<![A-Za-z_$])\d+(?:\.\d+)?", _REF.sub("", c.value)))
                assert literals <= {"0", "1"}, f"{name}!{c.coordinate}: {c.value}"
    assert count > 1000
    appraisal = wb["Appraisal"]
    _, row = layout.rows[f"appraisal.{INV}.discount_factor"]
    df = [appraisal.cell(row=row + 1, column=G + t).value for t in range(3)]
    assert df[0].startswith("=") and "^$E$" in df[1] and "^$E$" in df[2]
    _, row = layout.rows[f"appraisal.{INV}.summary.business_case"]
    assert appraisal.cell(row=row + 1, column=G + 2).value.startswith("=$")  # NPSV: a link
    assert appraisal.cell(row=row + 1, column=G + 3).value == f"=H{row + 1}/G{row + 1}"  # BCR
    assert appraisal.cell(row=row + 1, column=G + 4).value.startswith("=RANK(")
    amount = wb["Inputs"]["E"]  # the £796k a year is an input on Inputs
    cells = [c for c in amount if c.font.color is not None and c.data_type == "n"]
    assert any(c.font.color.rgb == "FF0000FF" and c.value == 796 for c in cells)
    # the staff it buys are charged by the service model (staff in post from their arrival):
    # the Appraisal's cost row sums the Service months sheet's formulas, so the Cover no
    # longer lists it (nor the Service model sheet) among the engine-value rows
    staff = [
        r for r in appraisal.iter_rows() if "staff in post (from Service months)" in str(r[0].value)
    ]
    assert staff and all(
        "'Service months'!" in str(c.value) for r in staff for c in r[G - 1 : G + 9]
    )
    cover = " ".join(str(c.value) for row in wb["Cover"].iter_rows() for c in row if c.value)
    assert "charged by the service model" not in cover
    assert "Service model: every row" not in cover


def test_discount_factors_of_a_long_appraisal_are_the_green_books(model, tmp_path):
    long = variant(model, appraisal_period=35)
    layout = write(project(long), tmp_path / "long.xlsx")
    sheet, row = layout.rows[f"appraisal.{INV}.discount_factor"]
    ws = openpyxl.load_workbook(tmp_path / "long.xlsx", data_only=True)[sheet]
    got = [round(ws.cell(row=row + 1, column=G + t).value, 5) for t in (10, 30, 31)]
    assert got == [0.70892, 0.35628, 0.34590]
    header = openpyxl.load_workbook(tmp_path / "long.xlsx")[sheet]
    assert header.cell(row=4, column=G + 34).value == "2054/55"  # past the model's horizon
    assert "2025/26 on come from the investment's own streams" in header["A3"].value


def test_a_model_without_investments_gets_no_investment_sheets(tmp_path):
    result = project(load_model(MODELS / "minimal.yaml"))
    assert not result.model.investments
    layout = write(result, tmp_path / "minimal.xlsx")
    assert not set(SHEETS) & set(layout.sheets)
    assert master_check(tmp_path / "minimal.xlsx") == 0


def test_several_investments_get_numbered_sheets(model, tmp_path):
    data = model.model_dump(mode="json", exclude_unset=True, by_alias=True)
    copy = dict(data["investments"][INV], name="Second case")
    copy.pop("service")
    copy.pop("outcome")
    data["investments"]["second"] = copy
    two, findings = validate_data(data)
    assert two is not None and not findings
    layout = write(project(two), tmp_path / "two.xlsx")
    assert [s for s in layout.sheets if s[:-2] in SHEETS] == [
        "Appraisal 1",
        "Financial case 1",
        "Service model 1",
        "Appraisal 2",
        "Financial case 2",
    ]
    assert master_check(tmp_path / "two.xlsx") == 0


def test_values_mode_writes_no_formulas(model, tmp_path):
    write(project(model), tmp_path / "values.xlsx", values_only=True)
    wb = openpyxl.load_workbook(tmp_path / "values.xlsx")
    assert not [c for name in SHEETS for row in wb[name].iter_rows() for c in row
                if c.data_type == "f"]  # fmt: skip
    stored = numbers(tmp_path / "values.xlsx", ("Appraisal",))
    assert len(stored) > 500


# ----- LibreOffice recalculation: the acceptance test -----------------------------------------
def broken_writer(model: Model) -> Any:
    """A sheet writer whose engine PV costs are off by £5k: the checks must catch it."""
    case = appraise_model(model, INV)
    a = case.economic.appraisal
    broken = dataclasses.replace(a, pv_costs=a.pv_costs + 5.0)
    bad = dataclasses.replace(case, economic=dataclasses.replace(case.economic, appraisal=broken))

    def writer(workbook: Any, ctx: AppendixContext) -> None:
        write_investment_sheets(ctx, bad)

    return writer


@pytest.fixture(scope="module")
def recalculated(model: Model, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """Default, scenario, long-period and mid-year workbooks (and one with a broken engine
    figure), written with 0 as every stored result and with the results, recalculated in one
    LibreOffice run."""
    from finmodel.io.recalc import recalculate

    results = {
        "default": project(model),
        "scenario": project(model, "ipa_business_case"),
        "long": project(variant(model, appraisal_period=35)),
        "mid_year": project(variant(model, option="uplift_3m", **{"discount.mid_year": True})),
    }
    folder = tmp_path_factory.mktemp("investment")
    books: dict[str, Any] = {}
    for label, result in results.items():
        blank, stored = folder / "in" / f"{label}.xlsx", folder / "stored" / f"{label}.xlsx"
        layout = write(result, blank, cached_values=False)
        write(result, stored)
        books[label] = (result, layout, blank, stored)
    broken = folder / "in" / "broken.xlsx"
    write_appendix(
        results["default"],
        broken,
        appendix_sheets=False,
        extra_sheets=[broken_writer(model)],
        cached_values=False,
    )
    outputs = recalculate([b[2] for b in books.values()] + [broken], folder / "out")
    return {
        **{
            label: (*book[:2], out, book[3])
            for (label, book), out in zip(books.items(), outputs[:-1], strict=True)
        },
        "broken": outputs[-1],
    }


@pytest.mark.slow
def test_libreoffice_gives_the_engines_npsv_pvs_and_discount_factors(recalculated):
    for label in ("default", "scenario", "long", "mid_year"):
        result, layout, path, _ = recalculated[label]
        case = appraise_model(result.model, INV)
        assert mismatches(path, layout, case) == [], label
        assert master_check(path) == 0, label
    _, layout, path, _ = recalculated["long"]
    sheet, row = layout.rows[f"appraisal.{INV}.discount_factor"]
    ws = openpyxl.load_workbook(path, data_only=True)[sheet]
    assert ws.cell(row=row + 1, column=G + 10).value == pytest.approx(0.70892, abs=5e-6)


@pytest.mark.slow
def test_libreoffice_reproduces_every_stored_figure(recalculated):
    """Every number on the sheets (inputs, formulas, checks) as LibreOffice computes it equals
    the result stored with the formula."""
    for label in ("default", "scenario", "long", "mid_year"):
        _, _, path, stored = recalculated[label]
        want, got = numbers(stored, SHEETS), numbers(path, SHEETS)
        assert len(want) > 2000
        wrong = [k for k, v in want.items() if not close(got.get(k), v)]
        assert wrong == [], (label, wrong[:5])


@pytest.mark.slow
def test_a_wrong_engine_figure_shows_as_parity_not_in_the_master_check(recalculated):
    """PV costs from the engine off by £5k: the parity with the engine run counts them, the
    master check (formulas against formulas) still holds."""
    book = openpyxl.load_workbook(recalculated["broken"], data_only=True)
    checks = book["Checks"]
    parity = next(
        r[4].value
        for r in checks.iter_rows()
        if r[0].value == "Figures differing from the engine run as exported"
    )
    assert parity >= 1
    assert master_check(recalculated["broken"]) == 0

"""The Service months sheet: the IPA service model month by month as live formulas of Inputs.

Without LibreOffice: every service row is a formula, the service parameters are inputs with
their dotted paths and sources, the Service model's annual rows and the Appraisal's staff costs
and service benefits are formulas of it, and the numbers stored with the formulas (the same
formulas evaluated in numpy) equal the engine's. With LibreOffice (slow): variants of the
review pipeline, lapses and a held budget recalculate to the engine's monthly series.
"""

from __future__ import annotations

from itertools import pairwise
from pathlib import Path
from typing import Any

import numpy as np
import openpyxl
import pytest

from finmodel import Model, load_model, project
from finmodel.domain.validation import with_overlay
from finmodel.investment.case import InvestmentCase, appraise_model
from finmodel.investment.streams import capacity_costs
from finmodel.io.appendix import service_months as sm
from finmodel.io.appendix.service_inputs import LAYOUT_PARAMETERS, SERVICE_INPUTS
from finmodel.io.appendix.service_trace import staff_blocks, trace, trace_mismatch
from finmodel.io.appendix.writer import AppendixLayout, write_appendix
from finmodel.io.excel_styles import FIRST_YEAR_COL
from finmodel.service.ipa_results import IpaServiceResult
from tests.conftest import MODELS

INV = "ipa_uplift"
P = f"investments.{INV}.service.parameters."
#: Variants of the layout: first review after the interval, no lapses, a held budget.
VARIANTS: dict[str, dict[str, Any]] = {
    "first_after_interval": {P + "first_review_months": 14, P + "vacancy_factor": 0.1},
    "no_lapse": {P + "overdue_reviews_lapse": False, P + "ramp_months": 0},
    "budget_held": {P + "budget_held": True, P + "first_review_months": 12},
}
#: Service months rows (labels in column A) and the engine's series they hold.
SERIES = {
    "Referrals": "referrals",
    "Withdrawals from the queue (deaths, withdrawn)": "withdrawals",
    "Assessments completed (decisions)": "assessments",
    "Decisions within 28 days": "decisions_within_28_days",
    "Queue at month end": "queue",
    "Referrals incomplete after 28 days, at month end": "incomplete_over_28_days",
    "Caseload (people eligible) at month end": "caseload",
    "Reviews falling due": "reviews_due",
    "Overdue reviews lapsed (the case left)": "lapsed_reviews",
    "Reviews done": "reviews_done",
    "Overdue reviews (backlog) at month end": "overdue_backlog",
    "Cash released by reviews": "cash_released",
    "Package spend (before cash released)": "package_spend",
    "Assessment and review staff in post": "fte",
}


@pytest.fixture(scope="module")
def model() -> Model:
    return load_model(MODELS / "lsc_ics.yaml")


@pytest.fixture(scope="module")
def book(model: Model, tmp_path_factory: pytest.TempPathFactory) -> tuple[AppendixLayout, Path]:
    path = tmp_path_factory.mktemp("months") / "appendix.xlsx"
    return write_appendix(project(model), path), path


def service_of(case: InvestmentCase) -> IpaServiceResult:
    """The case's service model run (the default case has one)."""
    assert case.streams.service is not None
    return case.streams.service


def option_rows(ws: Any) -> dict[tuple[str, int], int]:
    """(label, option no.) -> 1-based row of every monthly row of Service months."""
    return {
        (str(r[0].value), int(r[1].value)): r[0].row
        for r in ws.iter_rows(min_row=5)
        if r[0].value and isinstance(r[1].value, int | float)
    }


def test_every_service_row_is_a_formula_of_inputs(model, book):
    layout, path = book
    assert "Service months" in layout.sheets
    ws = openpyxl.load_workbook(path)["Service months"]
    months = service_of(appraise_model(model, INV)).months
    rows = option_rows(ws)
    options = len(model.investments[INV].options)
    assert len(rows) >= 30 * options  # every step of the loop, for every option
    for (label, _), r in rows.items():
        cells = [ws.cell(row=r, column=FIRST_YEAR_COL + 1 + t).value for t in range(months)]
        assert all(isinstance(c, str) and c.startswith("=") for c in cells), label
    # the model's parameters enter only through Inputs
    formulas = " ".join(
        str(c.value) for row in ws.iter_rows() for c in row if str(c.value).startswith("=")
    )
    assert "Inputs!$E$" in formulas
    assert "MIN(" in formulas and "MAX(" in formulas


#: Column width (characters, as Excel stores them) that one landscape A4 page holds at 100%,
#: measured in LibreOffice's PDF export of this sheet: at 55% a financial year of months beside
#: columns A-F printed on one page at 190 characters and split at 200.
PAGE_CHARACTERS_AT_100 = 195 * 0.55


def test_a_financial_year_of_months_prints_on_one_page_with_its_labels(book):
    _, path = book
    ws = openpyxl.load_workbook(path)["Service months"]
    setup = ws.page_setup
    assert setup.orientation == "landscape" and int(setup.scale) == sm.PRINT_SCALE
    assert ws.print_title_cols == "$A:$F" and ws.print_title_rows == "$1:$4"
    widths = {  # 1-based column -> width; an entry may cover several columns
        col: d.width for d in ws.column_dimensions.values() for col in range(d.min, d.max + 1)
    }
    labels = sum(widths[col] for col in range(1, FIRST_YEAR_COL + 1))
    months = sum(widths[FIRST_YEAR_COL + 1 + t] for t in range(12))
    assert labels + months <= PAGE_CHARACTERS_AT_100 * 100 / sm.PRINT_SCALE
    # every label in column A fits its column (section headings run across their band)
    longest = max(
        len(str(r[0].value))
        for r in ws.iter_rows(min_row=5)
        if r[0].value and not str(r[0].value).startswith(("Option ", "Shared factors"))
    )
    assert longest * 1.05 <= widths[1]
    breaks = [b.id for b in ws.col_breaks.brk]
    assert breaks and all(b2 - b1 == 12 for b1, b2 in pairwise(breaks))


def test_the_service_parameters_are_inputs_with_paths_and_sources(model, book):
    layout, path = book
    ws = openpyxl.load_workbook(path)["Inputs"]
    link = model.investments[INV].service
    for name in SERVICE_INPUTS:
        _, row = layout.rows[f"inputs.{P}{name}"]
        assert ws.cell(row=row + 1, column=5).value == float(getattr(link.parameters, name))
        texts = " ".join(str(c.value) for c in ws[row + 1] if isinstance(c.value, str))
        assert f"{P}{name}" in texts
        assert (link.sources.get(name) or link.source or "")[:40] in texts
        if name in LAYOUT_PARAMETERS:
            assert "change it in the model file" in str(ws.cell(row=row + 1, column=1).value)


def test_annual_rows_staff_costs_and_benefits_are_formulas_of_the_months(book):
    layout, path = book
    wb = openpyxl.load_workbook(path)
    for name, (sheet, row) in layout.rows.items():
        if name.startswith(f"service.{INV}."):
            cells = [wb[sheet].cell(row=row + 1, column=FIRST_YEAR_COL + 1 + t) for t in range(3)]
            assert all("'Service months'!" in str(c.value) for c in cells), name
    appraisal = wb["Appraisal"]
    linked = [
        str(r[0].value)
        for r in appraisal.iter_rows()
        if "'Service months'!" in str(r[FIRST_YEAR_COL + 1].value)
    ]
    for text in (
        "staff in post",
        "Cash released by reviews",
        "retrospective",
        "bed days",
        "QALYs",
    ):
        assert any(text in label for label in linked), text
    cover = " ".join(str(c.value) for row in wb["Cover"].iter_rows() for c in row if c.value)
    assert "Service model: every row" not in cover
    assert "the answers by option and the headlines" in cover


def test_stored_figures_are_the_engines(model, book):
    """The figures stored with the formulas (what a reader that does not recalculate shows)."""
    _, path = book
    ws = openpyxl.load_workbook(path, data_only=True)["Service months"]
    service = service_of(appraise_model(model, INV))
    for (label, o), r in option_rows(ws).items():
        if label in SERIES:
            want = service.get(SERIES[label])[o - 1]
            got = [ws.cell(row=r, column=FIRST_YEAR_COL + 1 + t).value for t in range(len(want))]
            np.testing.assert_allclose(got, want, rtol=1e-9, atol=1e-9, err_msg=label)


def test_headlines_are_the_clis_words(model, book):
    _, path = book
    ws = openpyxl.load_workbook(path)["Service model"]
    text = " ".join(str(c.value) for row in ws.iter_rows() for c in row if c.value)
    for answer in appraise_model(model, INV).answers():
        assert answer["standard_28_days"]["text"] in text
        assert answer["backlog_cleared"]["text"] in text


@pytest.mark.parametrize("name", sorted(VARIANTS))
def test_the_traced_formulas_reproduce_the_engine(model, name):
    case = appraise_model(with_overlay(model, VARIANTS[name]), INV)
    assert sm.supported(case)
    blocks = [staff_blocks(case, {}, o) for o in range(len(case.option_ids))]
    traced = trace(service_of(case), blocks)
    assert trace_mismatch(service_of(case), traced, capacity_costs(case.streams.investment)) < 1e-12


def test_a_model_the_sheet_cannot_lay_out_keeps_engine_values(model, tmp_path):
    reviews_first = with_overlay(model, {P + "priority": "reviews"})
    layout = write_appendix(project(reviews_first), tmp_path / "reviews.xlsx")
    assert "Service months" not in layout.sheets
    cover = openpyxl.load_workbook(tmp_path / "reviews.xlsx")["Cover"]
    text = " ".join(str(c.value) for row in cover.iter_rows() for c in row if c.value)
    assert "Service model: every row" in text


@pytest.mark.slow
def test_variants_recalculate_to_the_engines_months(model, tmp_path):
    from finmodel.io.recalc import recalculate

    paths, cases = [], []
    for name, change in VARIANTS.items():
        flexed = with_overlay(model, change)
        paths.append(tmp_path / f"{name}.xlsx")
        write_appendix(project(flexed), paths[-1], cached_values=False)
        cases.append(appraise_model(flexed, INV))
    for case, out in zip(cases, recalculate(paths, tmp_path / "out"), strict=True):
        ws = openpyxl.load_workbook(out, data_only=True)["Service months"]
        service = service_of(case)
        compared = 0
        for (label, o), r in option_rows(ws).items():
            if label in SERIES:
                want = service.get(SERIES[label])[o - 1]
                got = [
                    ws.cell(row=r, column=FIRST_YEAR_COL + 1 + t).value for t in range(len(want))
                ]
                np.testing.assert_allclose(got, want, rtol=1e-9, atol=1e-9, err_msg=label)
                compared += 1
        assert compared == len(SERIES) * len(case.option_ids)


@pytest.mark.slow
def test_a_broken_month_shows_in_the_master_check(model, tmp_path):
    """The conservation checks of each option (formulas against formulas) catch a queue that
    does not add up: one month of one option's queue typed over with a number."""
    import re
    import zipfile

    from finmodel.io.recalc import recalculate

    path = tmp_path / "broken.xlsx"
    layout = write_appendix(project(model), path, cached_values=False)
    part = f"xl/worksheets/sheet{layout.sheets.index('Service months') + 1}.xml"
    ws = openpyxl.load_workbook(path)["Service months"]
    row = option_rows(ws)[("Queue at month end", 2)]
    ref = f"{ws.cell(row=row, column=FIRST_YEAR_COL + 6).coordinate}"
    tmp = path.with_suffix(".editing")
    with zipfile.ZipFile(path) as zin, zipfile.ZipFile(tmp, "w", zipfile.ZIP_DEFLATED) as zout:
        for item in zin.infolist():
            data = zin.read(item.filename)
            if item.filename == part:
                cell = re.compile(rf'<c r="{ref}"( s="\d+")?(?: t="\w+")?\s*(?:/>|>.*?</c>)')
                text, found = cell.subn(
                    lambda m: f'<c r="{ref}"{m.group(1) or ""}><v>12345</v></c>',
                    data.decode("utf-8"),
                    count=1,
                )
                assert found == 1
                data = text.encode("utf-8")
            zout.writestr(item, data)
    tmp.replace(path)
    out = recalculate([path], tmp_path / "out")[0]
    sheet, r, c = layout.master_check
    failures = openpyxl.load_workbook(out, data_only=True)[sheet].cell(row=r + 1, column=c + 1)
    assert failures.value >= 1

"""Reading budget workbooks: every problem at once, each naming Sheet!Cell; unsafe files refused."""

from __future__ import annotations

import shutil
import warnings
import zipfile
from pathlib import Path
from typing import Any

import openpyxl
import pytest
from typer.testing import CliRunner

from finmodel import load_model, project
from finmodel.cli.main import app
from finmodel.errors import WorkbookInputError
from finmodel.io.template.reader import load_workbook_model
from finmodel.io.template.writer import write_template
from tests.conftest import MODELS


@pytest.fixture
def template(tmp_path: Path) -> Path:
    """The minimal model's template: Costs rows 5-8 are icb.acute_contract, icb.chc, trust.staff, trust.non_pay."""
    path = tmp_path / "budget.xlsx"
    write_template(path, load_model(MODELS / "minimal.yaml"))
    return path


def edit(path: Path, changes: dict[str, Any], out: Path | None = None) -> Path:
    """Set cells (``{"Costs!D7": "tbc"}``; None clears) as a user editing the workbook would."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        wb = openpyxl.load_workbook(path)
    for where, value in changes.items():
        sheet, cell = where.rsplit("!", 1)
        wb[sheet][cell] = value
    target = out or path
    wb.save(target)
    return target


def problems(path: Path) -> list[str]:
    with pytest.raises(WorkbookInputError) as err:
        load_workbook_model(path)
    return [f"{p.place}: {p.message}" for p in err.value.problems]


def test_template_reads_back(template):
    model = load_workbook_model(template)
    assert model.origin == str(template)
    assert project(model).to_json() == project(load_model(MODELS / "minimal.yaml")).to_json()


def test_a_partners_own_cip_and_qipp_are_read_with_their_cells(template):
    """Partners!I-M hold a partner's own CIP plan and QIPP; Rate overrides a year-by-year one
    (line blank). Bad values are named by their cell."""
    edit(
        template,
        {
            "Partners!I6": "4%",
            "Partners!J6": 1,
            "Partners!L6": "illustrative: own plan",
            "Partners!M5": 0.03,
            "Rate overrides!A5": "trust",
            "Rate overrides!C5": "cip.recurrent",
            "Rate overrides!D5": "illustrative: own recurrent share",
            "Rate overrides!F5": 1,
            "Rate overrides!G5": 0.7,
            "Rate overrides!H5": 0.7,
        },
    )
    model = load_workbook_model(template)
    cip = model.partner("trust").cip
    assert cip is not None and (cip.planned, cip.delivered, cip.recurrent) == (
        0.04,
        1.0,
        [1.0, 0.7, 0.7],
    )
    assert cip.source == "illustrative: own plan"
    assert cip.sources == {"recurrent": "illustrative: own recurrent share"}
    assert model.partner("icb").qipp == 0.03
    edit(
        template,
        {
            "Partners!I6": "lots",
            "Partners!J6": 1.5,
            "Partners!M5": 3,
            "Rate overrides!B5": "staff",
            "Rate overrides!A6": "icb",
            "Rate overrides!C6": "qipp",
            "Rate overrides!D6": "a source",
            "Rate overrides!E6": 0.01,
        },
    )
    found = problems(template)
    assert "Partners!I6: cip.planned must be a number, got 'lots'" in found
    assert "Partners!M5: qipp of 3 is 300% a year: type 3% or 0.03 for 3% a year" in found
    assert any(p.startswith("Partners!J6: delivered: ") for p in found), found
    assert (
        "Rate overrides!B5: cip.recurrent is the partner's own rate: leave the line blank, "
        "got 'staff'" in found
    )
    assert any(p.startswith("Rate overrides!D6: qipp takes no source of its own") for p in found)


def test_every_problem_is_reported_at_once_with_its_cell(template):
    edit(
        template,
        {
            "Costs!D7": "tbc",
            "Partners!C6": "hospital",
            "Funding!A5": "nobody",
            "Assumptions!D6": 3,
            "Control totals!A6": None,
            "Control totals!B6": None,
            "Control totals!D6": None,
            "Costs!E5": "trusst",
        },
    )
    found = problems(template)
    assert "Costs!D7: baseline must be a number, got 'tbc'" in found
    assert (
        "Partners!C6: kind must be one of commissioner, provider, local_authority, vcfse, other, got 'hospital'"
        in found
    )
    assert "Funding!A5: partner 'nobody' is not on the Partners sheet" in found
    assert any(p.startswith("Assumptions!D6: ") and "type 3% or 0.03" in p for p in found)
    assert any(p.startswith("Partners!E6: ") and "control_totals has no entry" in p for p in found)
    assert any(p.startswith("Costs!E5: ") and "'trusst' is not a partner" in p for p in found)
    assert len(found) == 6, found


def test_cli_validate_names_cells_and_exits_2(template):
    edit(template, {"Costs!D7": "tbc", "Partners!C6": "hospital"})
    out = CliRunner().invoke(app, ["validate", str(template)])
    assert out.exit_code == 2
    lines = out.stderr.strip().splitlines()
    assert f"{template}: Costs!D7: baseline must be a number, got 'tbc'" in lines
    assert any(line.startswith(f"{template}: Partners!C6: ") for line in lines)
    assert len(lines) == 2 and "Traceback" not in out.stderr
    run = CliRunner().invoke(app, ["run", str(template)])
    assert run.exit_code == 2 and run.stderr.count("\n") == 2


def test_friendly_numbers_are_accepted(template):
    edit(template, {"Costs!D7": "1,250", "Costs!I8": "2.5%", "Funding!D5": "£1000"})
    model = load_workbook_model(template)
    trust = model.partner("trust")
    assert trust.costs[0].baseline == 1250 and trust.costs[1].inflation == pytest.approx(0.025)
    assert model.partner("icb").funding[0].baseline == 1000


def test_year_by_year_values(template):
    # Assumptions row 6 is inflation: per-year values (E..G for a 3-year horizon) replace all years.
    edit(
        template,
        {
            "Assumptions!D6": None,
            "Assumptions!E6": 0.02,
            "Assumptions!F6": 0.03,
            "Assumptions!G6": 0.025,
        },
    )
    assert load_workbook_model(template).assumptions.inflation == [0.02, 0.03, 0.025]
    edit(template, {"Assumptions!D6": 0.02, "Assumptions!F6": None, "Assumptions!H6": 0.01})
    found = problems(template)
    assert any(p.startswith("Assumptions!D6: give one value for all years") for p in found)
    assert any(p.startswith("Assumptions!H6: the horizon is 3 years") for p in found)
    edit(template, {"Assumptions!D6": None, "Assumptions!H6": None})
    assert problems(template) == [
        "Assumptions!F6: a value is missing: give every year, or one value for all years"
    ]


def test_rate_overrides_sheet(template):
    edit(
        template,
        {
            "Rate overrides!A5": "trust",
            "Rate overrides!B5": "staff",
            "Rate overrides!C5": "inflation",
            "Rate overrides!D5": "pay award",
            "Rate overrides!F5": 0.03,
            "Rate overrides!G5": 0.02,
            "Rate overrides!H5": 0.01,
        },
    )
    staff = load_workbook_model(template).partner("trust").costs[0]
    assert staff.inflation == [0.03, 0.02, 0.01] and staff.sources == {"inflation": "pay award"}
    edit(template, {"Rate overrides!C5": "efficiency"})  # staff already sets efficiency on Costs
    assert any(
        p.startswith("Rate overrides!C5: efficiency of trust.staff is also given")
        for p in problems(template)
    )
    edit(template, {"Rate overrides!B5": "nope", "Rate overrides!C5": "inflation"})
    assert any(
        p.startswith("Rate overrides!B5: 'trust' has no line 'nope'") for p in problems(template)
    )


def test_moved_columns_are_refused(template):
    edit(template, {"Costs!D4": "Budget"})
    assert any(
        p.startswith("Costs!D4: expected the column 'Base-year outturn £k'")
        for p in problems(template)
    )


def test_other_settings_yaml_errors_name_the_row(template):
    edit(template, {"Other settings!A6": "  - id: [unclosed"})
    assert any(
        p.startswith("Other settings!A") and "not valid YAML" in p for p in problems(template)
    )
    edit(
        template,
        {f"Other settings!A{row}": None for row in range(5, 40)}
        | {"Other settings!A5": "partners: []"},
    )
    assert any(
        p.startswith("Other settings!A5: 'partners' cannot be set here") for p in problems(template)
    )


def test_formula_without_a_stored_result_is_an_error(template):
    edit(template, {"Costs!D7": "=400+100"})
    assert problems(template) == [
        "Costs!D7: a formula with no stored result: open and save the workbook in Excel or LibreOffice, or type the value"
    ]


@pytest.mark.slow
def test_formula_saved_by_a_spreadsheet_gives_its_result(template, tmp_path):
    """A formula typed by a finance lead and saved by a spreadsheet is read as its result."""
    from finmodel.io.recalc import recalculate

    edit(template, {"Costs!D7": "=400+100"})
    [saved] = recalculate([template], tmp_path / "saved")
    assert load_workbook_model(saved).partner("trust").costs[0].baseline == 500


def test_macro_enabled_and_old_formats_are_refused(template, tmp_path):
    for suffix, text in (
        (".xlsm", "macro-enabled workbooks (.xlsm) are refused"),
        (".xls", "(.xls) is not read"),
    ):
        other = tmp_path / f"budget{suffix}"
        shutil.copy(template, other)
        with pytest.raises(WorkbookInputError, match=text.replace("(", r"\(").replace(")", r"\)")):
            load_model(other)  # the ordinary loader dispatches workbooks here


def test_files_that_are_not_workbooks_are_refused(tmp_path, template):
    fake = tmp_path / "fake.xlsx"
    fake.write_text("name: not a workbook")
    assert problems(fake) == [": not an Excel .xlsx workbook (the file is not a zip package)"]
    with zipfile.ZipFile(tmp_path / "zip.xlsx", "w") as package:
        package.writestr("hello.txt", "hi")
    assert "no xl/workbook.xml" in problems(tmp_path / "zip.xlsx")[0]
    assert problems(tmp_path / "missing.xlsx") == [": no such file"]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        wb = openpyxl.load_workbook(template)
    del wb["Costs"]
    wb.save(template)
    assert problems(template) == [
        ": sheet 'Costs' is missing; start from `finmodel template -o FILE.xlsx`"
    ]


def test_macros_in_a_renamed_file_are_not_kept(template, tmp_path):
    """An .xlsx carrying a VBA project is read as data; the macros are neither run nor kept."""
    carrier = tmp_path / "carrier.xlsx"
    with zipfile.ZipFile(template) as src, zipfile.ZipFile(carrier, "w") as dst:
        for item in src.infolist():
            dst.writestr(item, src.read(item.filename))
        dst.writestr("xl/vbaProject.bin", b"\x00Attribute VB_Name = evil")
    model = load_workbook_model(carrier)
    assert [p.id for p in model.partners] == ["icb", "trust"]


def test_formula_like_text_is_read_as_text(template):
    edit(template, {"Partners!B5": '\'=HYPERLINK("http://x","y")'})
    name = load_workbook_model(template).partner("icb").name
    assert "HYPERLINK" in name


def test_non_recurrent_sheet(template):
    """Partners!H is the illustrative flag; a partner's non-recurrent items read from the
    Non-recurrent sheet (columns: partner, id,
    name, kind, base year, taper, source, all years, then the 3 projected years I..K)."""
    edit(
        template,
        {
            "Partners!H5": None,
            "Partners!H6": "Yes",
            "Non-recurrent!A5": "trust",
            "Non-recurrent!B5": "support",
            "Non-recurrent!C5": "Deficit support",
            "Non-recurrent!D5": "deficit_support",
            "Non-recurrent!E5": 50,
            "Non-recurrent!G5": "illustrative: an amount for the test",
            "Non-recurrent!I5": 20,
            "Non-recurrent!J5": 10,
            "Non-recurrent!K5": 0,
        },
    )
    model = load_workbook_model(template)
    trust = model.partner("trust")
    assert trust.illustrative and not model.partner("icb").illustrative
    (item,) = trust.non_recurrent
    assert (item.id, item.kind.value, item.base_year, item.projected) == (
        "support",
        "deficit_support",
        50.0,
        [20.0, 10.0, 0.0],
    )
    assert item.source == "illustrative: an amount for the test"
    a = project(model).arrays
    row = project(model).partner_index("trust")
    assert list(a.surplus[row] - a.underlying_surplus[row]) == [50.0, 20.0, 10.0, 0.0]
    # every problem names its cell: an unknown kind, a negative amount, an unknown partner
    edit(
        template,
        {
            "Non-recurrent!D5": "bonus",
            "Non-recurrent!J5": -10,
            "Non-recurrent!A6": "nobody",
            "Non-recurrent!B6": "grant",
            "Non-recurrent!D6": "one_off_grant",
        },
    )
    found = problems(template)
    assert any(p.startswith("Non-recurrent!D5: kind") for p in found), found
    # a year-by-year amount is validated as a whole: the row's first year cell is named
    assert any(p.startswith("Non-recurrent!I5: projected") for p in found), found
    assert any(
        p == "Non-recurrent!A6: partner 'nobody' is not on the Partners sheet" for p in found
    ), found

"""Provenance on the appendix's Cover: the scenario, every overlay entry (the app's what-ifs
included) with the value in the file and the value used, and the hash of the file as loaded."""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

import openpyxl
import pytest
from streamlit.testing.v1 import AppTest

from finmodel import load_model, project
from finmodel.app import exports
from finmodel.domain.validation import with_overlay
from finmodel.io.appendix.print_bands import MIN_PRINT_SCALE
from finmodel.io.appendix.provenance import provenance_entries, shown
from finmodel.io.appendix.writer import write_appendix
from finmodel.io.yaml_io import file_hash
from finmodel.resources import app_script
from tests.conftest import MODELS


def cover_text(book: Any) -> list[str]:
    return [c.value for row in book["Cover"].iter_rows() for c in row if isinstance(c.value, str)]


def test_entries_name_the_scenario_and_the_overlay():
    model = load_model(MODELS / "minimal.yaml")
    overlay = {"assumptions.inflation": 0.031}
    result = project(model, "high_demand")
    overlaid = with_overlay(result.model, overlay)
    result = type(result)(overlaid, "high_demand", result.inputs, result.arrays)
    entries = provenance_entries(result, model, overlay)
    assert [e.origin for e in entries] == ["scenario high_demand"] * 2 + ["overlay"]
    assert (entries[0].path, entries[0].in_file, entries[0].used) == (
        "assumptions.demand_growth",
        "0.03",
        "0.04",
    )
    assert (entries[-1].in_file, entries[-1].used) == ("0.02", "0.031")
    assert shown({"value": 5, "source": "x"}) == "5"
    assert shown(list(range(100))).endswith("…")


def test_the_cli_run_records_its_scenario_on_the_cover(tmp_path: Path):
    model = load_model(MODELS / "minimal.yaml")
    out = tmp_path / "a.xlsx"
    write_appendix(
        project(model, "high_demand"),
        out,
        model_file=MODELS / "minimal.yaml",
        model_as_loaded=model,
        appendix_sheets=False,
    )
    text = cover_text(openpyxl.load_workbook(out))
    assert "assumptions.demand_growth: 0.03 in the file -> 0.04 used" in text
    assert "scenario high_demand" in text
    assert file_hash(MODELS / "minimal.yaml") in text


def test_the_apps_download_records_its_overlay(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A what-if set in the app's sidebar is on the Cover of the appendix it downloads."""
    monkeypatch.setenv("FINMODEL_DATA_DIR", str(tmp_path / "data"))
    written: list[bytes] = []
    real = exports.appendix_bytes

    def recording(*args: Any, **kwargs: Any) -> bytes:  # the real writer; keeps its bytes
        data = real(*args, **kwargs)
        written.append(data)
        return data

    monkeypatch.setattr(exports, "appendix_bytes", recording)
    at = AppTest.from_file(str(app_script()), default_timeout=120).run()
    at.number_input(key="in:assumptions.efficiency").set_value(2.7).run()
    at.radio(key="page").set_value("Export").run()
    assert not at.exception, at.exception
    assert written, "the Export page wrote no appendix"
    book = openpyxl.load_workbook(io.BytesIO(written[-1]))
    text = cover_text(book)
    line = next(t for t in text if t.startswith("assumptions.efficiency:"))
    assert line.endswith("-> 0.027 used"), line
    assert any("with inputs set on top" in t for t in text)
    default = MODELS / "lsc_ics.yaml"
    assert file_hash(default) in text


def test_every_sheet_prints_one_page_wide_or_in_bands_with_bounded_notes(tmp_path: Path):
    """Landscape A4, title rows repeated, one page wide where that is legible, else in bands of
    columns with the labels repeated (tests/test_print_bands.py holds the widths); wide sheets
    print only up to their wrapped notes column; Bridge charts each start a page; labels are
    not clipped."""
    model = load_model(MODELS / "lsc_ics.yaml")
    out = tmp_path / "a.xlsx"
    write_appendix(project(model), out, model_as_loaded=model)
    book = openpyxl.load_workbook(out)
    for ws in book.worksheets:
        if ws.sheet_state == "hidden":
            continue
        setup = ws.page_setup
        if ws.title == "Service months":  # a financial year of months a page, labels repeated
            assert setup.scale == 55 and str(ws.print_title_cols) == "$A:$F"
            assert len(ws.col_breaks.brk) >= 10 and setup.orientation == "landscape"
            continue
        assert setup.orientation == ("portrait" if ws.title == "Cover" else "landscape"), ws.title
        if ws.title in ("Inputs", "Appraisal", "Financial case", "Service model"):  # bands
            assert int(setup.scale) >= MIN_PRINT_SCALE - 1, ws.title
            assert str(ws.print_title_cols) == "$A:$A" and ws.col_breaks.brk, ws.title
            continue
        assert ws.sheet_properties.pageSetUpPr.fitToPage, ws.title
        tall = (None, 1) if ws.title == "Summary" else (0,)  # the Summary: one page
        assert setup.fitToWidth in (None, 1) and setup.fitToHeight in tall, ws.title
    for name in ("Inputs", "Appraisal", "Financial case", "Service model"):
        area = str(book[name].print_area)
        assert "!$A$1:$" in area, (name, area)
        notes = book[name].column_dimensions
        assert max(d.width or 0 for d in notes.values()) <= 73  # bounded, wrapped notes
    breaks = [b.id for b in book["Bridge"].row_breaks.brk]
    assert len(breaks) == 2
    inputs = book["Inputs"]
    longest = max(len(str(c.value)) for c in inputs["A"] if isinstance(c.value, str))
    assert inputs.column_dimensions["A"].width >= min(longest, 68)


def test_the_summary_is_one_page_of_links_with_two_charts(tmp_path: Path):
    """Second sheet; the system position rows link to System and store its figures; one row
    per option with PVC, PVB, NPSV as on Appraisal; a position chart and the waterfall."""
    model = load_model(MODELS / "lsc_ics.yaml")
    result = project(model)
    out = tmp_path / "a.xlsx"
    layout = write_appendix(result, out, model_as_loaded=model)
    assert layout.sheets[1] == "Summary"
    formulas, values = openpyxl.load_workbook(out), openpyxl.load_workbook(out, data_only=True)
    ws, stored = formulas["Summary"], values["Summary"]
    assert len(ws._charts) == 2
    label_row = {c.value: c.row for c in ws["A"] if isinstance(c.value, str)}
    r = label_row["System surplus / (deficit), reported"]
    _, system_row = layout.rows["system.surplus"]
    assert ws.cell(row=r, column=7).value == f"=System!G${system_row + 1}"
    got = [stored.cell(row=r, column=7 + t).value for t in range(len(result.years))]
    assert got == pytest.approx(result.arrays.system_surplus.tolist(), rel=1e-12)
    options = [k for k in label_row if k.startswith("Appraisal: ")]
    assert len(options) == len(model.investments["ipa_uplift"].options)
    sheet, row = layout.rows["appraisal.ipa_uplift.summary.business_case"]
    r = label_row[
        "Appraisal: " + next(o for o in options if "Business case" in o).split(": ", 1)[1]
    ]
    assert [stored.cell(row=r, column=7 + i).value for i in range(3)] == [
        values[sheet].cell(row=row + 1, column=7 + i).value for i in range(3)
    ]


def test_charts_a_reviewer_expects(tmp_path: Path):
    """An options chart on Appraisal and a fan chart on Risk (when the caller passes a run)."""
    from finmodel.io.appendix.risk_sheet import default_risk_run

    model = load_model(MODELS / "lsc_ics.yaml")
    result = project(model)
    out = tmp_path / "a.xlsx"
    write_appendix(result, out, risk=default_risk_run(result.model))
    book = openpyxl.load_workbook(out)
    assert len(book["Appraisal"]._charts) == 1
    assert len(book["Risk"]._charts) >= 2  # the fan and the tornados
    fan = next(c for c in book["Risk"]._charts if c.tagname == "areaChart")
    assert fan.grouping == "stacked" and len(fan.series) == 4
    tornados = [c for c in book["Risk"]._charts if c.tagname == "barChart"]
    assert len(book["Risk"].row_breaks.brk) == 1 + len(tornados)  # each chart starts a page
    bands = {c.value: c.row for c in book["Risk"]["A"] if isinstance(c.value, str)}
    assert {"P5 to P10", "P10 to P90", "P90 to P95"} <= set(bands)
    out2 = tmp_path / "b.xlsx"
    write_appendix(result, out2)  # no run passed: the writer does not simulate
    assert "Risk" not in openpyxl.load_workbook(out2).sheetnames

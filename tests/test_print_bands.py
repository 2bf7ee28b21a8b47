"""Tests of finmodel.io.appendix.print_bands: wide sheets print in legible bands of columns."""

from __future__ import annotations

import itertools
from pathlib import Path

import openpyxl
import pytest
from hypothesis import given
from hypothesis import strategies as st

from finmodel import load_model, project
from finmodel.io.appendix.print_bands import (
    MIN_PRINT_SCALE,
    PAGE_PIXELS,
    band_breaks,
    band_scale,
)
from finmodel.io.appendix.risk_sheet import default_risk_run
from finmodel.io.appendix.writer import write_appendix
from tests.conftest import MODELS

widths_st = st.lists(st.integers(min_value=5, max_value=600), min_size=2, max_size=60)


def bands(widths: list[int], breaks: list[int]) -> list[list[int]]:
    edges = [1, *breaks, len(widths)]
    return [list(range(a, b)) for a, b in itertools.pairwise(edges)]


@given(widths_st, st.integers(min_value=700, max_value=3000))
def test_bands_cover_every_column_once_in_order(widths, capacity):
    breaks = band_breaks(widths, capacity)
    assert breaks == sorted(set(breaks))
    assert all(1 < b < len(widths) for b in breaks)
    assert [c for band in bands(widths, breaks) for c in band] == list(range(1, len(widths)))


@given(widths_st, st.integers(min_value=700, max_value=3000))
def test_a_band_overflows_a_page_only_when_one_column_does(widths, capacity):
    for band in bands(widths, band_breaks(widths, capacity)):
        if widths[0] + sum(widths[c] for c in band) > capacity:
            assert len(band) == 1


@given(widths_st)
def test_the_scale_fits_the_widest_band(widths):
    breaks = band_breaks(widths, PAGE_PIXELS * 100 // MIN_PRINT_SCALE)
    scale = band_scale(widths, breaks)
    widest = max(widths[0] + sum(widths[c] for c in band) for band in bands(widths, breaks))
    assert widest * scale / 100 <= PAGE_PIXELS or scale == 10
    assert widest * (scale + 1) / 100 > PAGE_PIXELS or scale == 100


def test_keys_years_and_notes_break_between_groups():
    # column A, five keys, ten years, a total and the notes, as the Appraisal sheet (pixels)
    widths = [509, 75, 178, 156, 73, 52, *[89] * 10, 96, 495]
    breaks = band_breaks(widths, PAGE_PIXELS * 100 // MIN_PRINT_SCALE)
    assert breaks == [6, 16]  # keys | the ten years | total and notes


@pytest.fixture(scope="module")
def book(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("bands") / "appendix.xlsx"
    model = load_model(MODELS / "lsc_ics.yaml")
    write_appendix(project(model), path, risk=default_risk_run(model))  # as `run --out` does
    return path


def column_pixels(ws, last_col: int) -> list[float]:
    """Pixel widths (7 px a character, as XlsxWriter stores them) of columns 1..last_col."""
    widths = {c: 64.0 for c in range(1, last_col + 1)}
    for d in ws.column_dimensions.values():
        for col in range(d.min, min(d.max, last_col) + 1):
            widths[col] = d.width * 7
    return [widths[c] for c in range(1, last_col + 1)]


def test_every_landscape_sheet_prints_at_a_legible_scale(book):
    wb = openpyxl.load_workbook(book)
    banded = []
    for ws in wb.worksheets:
        setup = ws.page_setup
        if setup.orientation != "landscape" or ws.title == "Service months":
            continue  # Service months: a year of months a page (tests/test_appendix_service_months)
        area = ws.print_area[0] if isinstance(ws.print_area, list) else ws.print_area
        bounds = openpyxl.utils.range_boundaries(area.split("!")[-1].replace("$", ""))
        last_col = bounds[2] or ws.max_column
        widths = column_pixels(ws, last_col)
        if setup.scale is None:  # one page wide: legible at that width
            assert PAGE_PIXELS * 100 / sum(widths) >= MIN_PRINT_SCALE - 1, ws.title
            continue
        scale = int(setup.scale)
        assert scale >= MIN_PRINT_SCALE - 1, ws.title
        breaks = [b.id for b in ws.col_breaks.brk]  # 0-based first column of each band
        edges = [1, *breaks, last_col]
        for a, b in itertools.pairwise(edges):
            band = widths[0] + sum(widths[a:b])
            assert band * scale / 100 <= PAGE_PIXELS * 1.02, (ws.title, a, b)
        assert ws.print_title_cols == "$A:$A", ws.title
        banded.append(ws.title)
    assert {"Appraisal", "Financial case", "Service model", "Inputs"} <= set(banded)
    assert "Risk" in wb.sheetnames and "Risk" not in banded  # its charts stand among tables

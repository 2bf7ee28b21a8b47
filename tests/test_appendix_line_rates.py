"""Where the appendix takes each line's rates from: Inputs rows, or formulas of them for the NHS
rules; engine values only where the rows would not reproduce the engine."""

from __future__ import annotations

import numpy as np
import openpyxl
import pytest

from finmodel import load_model, project
from finmodel.domain.validation import apply_scenario, with_overlay
from finmodel.engine.inputs import compile_model
from finmodel.io.appendix.line_rates import rate_plan, underlying_and_one_off
from finmodel.io.appendix.writer import write_appendix
from tests.conftest import MODELS
from tests.test_excel_appendix import generated


def test_every_model_is_formulas_of_inputs_throughout():
    models = [load_model(MODELS / n) for n in ("minimal.yaml", "lsc_ics.yaml", "lsc_icb.yaml")]
    icb = models[-1]
    models += [apply_scenario(icb, s) for s in icb.scenarios]
    weights = {"pay": 0.7, "drugs": 0.1, "non_pay": 0.2}
    models += [
        with_overlay(icb, {"assumptions.cip_recurrent": 0.5, "tariff.efficiency": 0.03}, "t"),
        with_overlay(icb, {"tariff.cost_uplift": None, "tariff.weights": weights}, "t"),
    ]
    models += generated(6)
    for model in models:
        plan = rate_plan(model, compile_model(model))
        assert not plan.engine_lines.any() and not plan.engine_streams.any(), model.name


def test_the_icb_models_nhs_rows_are_the_cip_rates_and_the_converging_allocation():
    model = load_model(MODELS / "lsc_icb.yaml")
    plan = rate_plan(model, compile_model(model))
    names = [r.name for r in plan.rows]
    providers = [p for p, partner in enumerate(model.partners) if partner.kind == "provider"]
    assert {f"calc.nhs.cip_recurrent.p{p}" for p in providers} <= set(names)
    assert any(n.startswith("calc.rate.funding_growth.f") for n in names)  # convergence
    lines = (c for p in model.partners for c in p.costs)
    contracts = [r for r, c in zip(plan.lines, lines, strict=True) if c.payee]
    assert {r.efficiency for r in contracts if r.efficiency.startswith("inputs.tariff")} == {
        "inputs.tariff.efficiency"
    }


def test_a_line_with_non_recurrent_cip_costs_underlying_less_the_saving():
    model = with_overlay(
        load_model(MODELS / "lsc_icb.yaml"), {"assumptions.cip_recurrent": 0.6}, label="test"
    )
    result = project(model)
    underlying, one_off = underlying_and_one_off(result.inputs)
    assert np.any(one_off > 0)
    np.testing.assert_allclose(underlying - one_off, result.arrays.cost, rtol=1e-12, atol=1e-9)


@pytest.fixture(scope="module")
def icb_book(tmp_path_factory: pytest.TempPathFactory) -> tuple[openpyxl.Workbook, dict]:
    path = tmp_path_factory.mktemp("rates") / "icb.xlsx"
    layout = write_appendix(project(load_model(MODELS / "lsc_icb.yaml")), path)
    return openpyxl.load_workbook(path), layout.rows


def test_nhs_rates_on_calculations_are_formulas_of_inputs(icb_book):
    book, rows = icb_book
    calc = book["Calculations"]
    for name, (sheet, row) in rows.items():
        nhs = ("calc.nhs.", "calc.rate.", "calc.underlying.", "calc.cip_one_off.")
        if not name.startswith(nhs):
            continue
        assert sheet == "Calculations"
        cell = calc.cell(row=row + 1, column=9).value  # the second projected year
        assert isinstance(cell, str) and cell.startswith("="), name
    uplift = [n for n in rows if n.startswith("inputs.tariff.")]
    assert {"inputs.tariff.efficiency", "inputs.tariff.cost_uplift"} <= set(uplift)
    for name in ("price_series.pay.growth", "assumptions.cip_delivered", "assumptions.qipp"):
        assert rows[f"inputs.{name}"][0] == "Inputs"
    cover = " ".join(str(c.value) for r in book["Cover"].iter_rows() for c in r if c.value)
    assert "under the NHS rules" not in cover and "non-recurrent CIP saving" not in cover


def test_every_cost_line_is_a_formula(icb_book):
    book, rows = icb_book
    calc = book["Calculations"]
    for name, (_, row) in rows.items():
        if name.startswith("calc.cost.") and name[len("calc.cost.") :].isdigit():
            value = calc.cell(row=row + 1, column=8).value
            assert isinstance(value, str) and value.startswith("="), name

"""Which lines and streams the appendix writes with the engine's compiled rates (engine values)."""

from __future__ import annotations

from finmodel import load_model
from finmodel.domain.validation import with_overlay
from finmodel.engine.inputs import compile_model
from finmodel.io.appendix.line_rates import engine_rates
from tests.conftest import MODELS
from tests.test_excel_appendix import generated


def test_models_without_nhs_rules_are_formulas_of_inputs_throughout():
    for model in [load_model(MODELS / "minimal.yaml")]:  # lsc_ics.yaml is on the NHS rules
        rates = engine_rates(model, compile_model(model))
        assert not rates.lines.any() and not rates.streams.any()
    for model in generated(6):
        rates = engine_rates(model, compile_model(model))
        assert not rates.lines.any() and not rates.streams.any()


def test_the_icb_models_tariff_and_cip_lines_and_converging_allocation_are_found():
    model = load_model(MODELS / "lsc_icb.yaml")
    rates = engine_rates(model, compile_model(model))
    lines = [(p, c) for p in model.partners for c in p.costs]
    flagged = {f"{p.id}.{c.id}" for (p, c), hit in zip(lines, rates.lines, strict=True) if hit}
    contracts = {f"{p.id}.{c.id}" for p, c in lines if c.payee is not None}
    assert contracts <= flagged  # the tariff prices every contract
    assert rates.streams.any()  # allocation growth with convergence
    assert not rates.one_off_lines.any()  # CIP wholly recurrent in the baseline


def test_non_recurrent_cip_keeps_the_lines_cost_as_engine_values():
    model = load_model(MODELS / "lsc_icb.yaml")
    changed = with_overlay(model, {"assumptions.cip_recurrent": 0.5}, label="test")
    rates = engine_rates(changed, compile_model(changed))
    assert rates.one_off_lines.any()
    assert (rates.lines | ~rates.one_off_lines).all()  # a one-off line is an engine-value line

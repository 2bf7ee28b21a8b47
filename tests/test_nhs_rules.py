"""NHS price and efficiency rules: tariff (cost uplift less efficiency), payment basis, CIP, QIPP."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given

from finmodel import project
from finmodel.domain.validation import validate_data, with_overlay
from finmodel.engine.projection import project_arrays
from finmodel.investment.projection import compile_inputs
from finmodel.risk.inputs import input_target
from finmodel.risk.kernel import Kernel
from tests.strategies import finance_model_dicts

ATOL = 1e-6


def _model(data):
    model, findings = validate_data(data)
    assert model is not None and not findings, findings
    return model


def _system(**extra):
    data = {
        "name": "rules",
        "timeline": {"base_year": "2024/25", "horizon": 2},
        "assumptions": {
            "demand_growth": 0.03,
            "inflation": 0.02,
            "efficiency": 0.01,
            "cip_planned": 0.05,
            "cip_delivered": 0.8,
            "cip_recurrent": 0.75,
            "qipp": 0.02,
        },
        "price_series": {
            "pay": {"growth": [0.04, 0.03]},
            "non_pay": {"growth": 0.02},
        },
        "tariff": {"weights": {"pay": 0.75, "non_pay": 0.25}, "efficiency": 0.02},
        "partners": [
            {
                "id": "icb",
                "name": "ICB",
                "kind": "commissioner",
                "place": "P",
                "funding": [{"id": "alloc", "baseline": 2000}],
                "costs": [
                    {"id": "acute", "baseline": 1000, "payee": "trust"},
                    {"id": "block", "baseline": 200, "payee": "trust", "basis": "block"},
                    {"id": "chc", "baseline": 300},
                ],
            },
            {
                "id": "trust",
                "name": "Trust",
                "kind": "provider",
                "place": "P",
                "costs": [
                    {"id": "pay", "baseline": 900, "price_series": "pay"},
                    {"id": "other", "baseline": 300, "price_series": "non_pay"},
                ],
            },
            {
                "id": "lcc",
                "name": "Council",
                "kind": "local_authority",
                "place": "P",
                "in_control_total": False,
                "funding": [{"id": "grant", "baseline": 100}],
                "costs": [{"id": "asc", "baseline": 100}],
            },
        ],
        "control_totals": {"icb": 0, "trust": 0},
    }
    data.update(extra)
    return _model(data)


def test_rules_by_hand():
    result = project(_system())
    a, inputs = result.arrays, result.inputs
    row = {line: i for i, line in enumerate(inputs.line_ids)}
    cuf = [0.75 * 0.04 + 0.25 * 0.02, 0.75 * 0.03 + 0.25 * 0.02]
    # a tariff contract: demand, then price by (1 + cost uplift)(1 - efficiency factor)
    acute = 1000 * 1.03 * (1 + cuf[0]) * 0.98
    assert a.cost[row["icb.acute"], 1] == pytest.approx(acute)
    # a block contract does not follow activity, only price
    block = 200 * (1 + cuf[0]) * 0.98
    assert a.cost[row["icb.block"], 1] == pytest.approx(block)
    # commissioner QIPP on a non-contract line, general inflation
    assert a.cost[row["icb.chc"], 1] == pytest.approx(300 * 1.03 * 1.02 * 0.98)
    # provider CIP: 5% planned, 80% delivered (4%), 75% of that recurrent (3%), 1% one-off
    before = 900 * 1.03 * 1.04
    assert result.arrays.cost[row["trust.pay"], 1] == pytest.approx(before * (1 - 0.03 - 0.01))
    underlying_pay_1 = before * 0.97
    before_2 = underlying_pay_1 * 1.03 * 1.03
    assert a.cost[row["trust.pay"], 2] == pytest.approx(before_2 * (1 - 0.04))
    other_before = 300 * 1.03 * 1.02
    trust = inputs.partner_ids.index("trust")
    assert a.cip_planned[trust, 1] == pytest.approx(0.05 * (before + other_before))
    assert a.cip_delivered[trust, 1] == pytest.approx(0.04 * (before + other_before))
    assert a.cip_recurrent[trust, 1] == pytest.approx(0.03 * (before + other_before))
    # non-recurrent CIP is in the reported position only
    assert a.non_recurrent[trust, 1] == pytest.approx(0.01 * (before + other_before))
    # a council line takes the general efficiency assumption
    assert a.cost[row["lcc.asc"], 1] == pytest.approx(100 * 1.03 * 1.02 * 0.99)


def test_given_cost_uplift_and_line_overrides():
    model = _system(tariff={"cost_uplift": 0.0483, "efficiency": 0.02})
    result = project(model)
    row = result.inputs.line_ids.index("icb.acute")
    assert result.arrays.cost[row, 1] == pytest.approx(1000 * 1.03 * 1.0483 * 0.98)
    local = with_overlay(model, {"partners.icb.costs.acute.inflation": 0.01})
    assert project(local).arrays.cost[row, 1] == pytest.approx(1000 * 1.03 * 1.01 * 0.98)


def test_without_tariff_old_rules_apply():
    data = {
        "name": "old",
        "timeline": {"base_year": "2024/25", "horizon": 1},
        "assumptions": {"inflation": 0.02, "efficiency": 0.01, "cip_planned": 0.05},
        "partners": [
            {
                "id": "trust",
                "name": "Trust",
                "kind": "provider",
                "place": "P",
                "costs": [{"id": "pay", "baseline": 100}],
            }
        ],
        "control_totals": {"trust": 0},
    }
    result = project(_model(data))
    assert result.arrays.cost[0, 1] == pytest.approx(100 * 1.02 * 0.99)


def test_cip_levers_as_scenarios():
    model = _system()
    at_plan = project(with_overlay(model, {"assumptions.cip_delivered": 1.0})).arrays
    short = project(with_overlay(model, {"assumptions.cip_delivered": 0.6})).arrays
    all_recurrent = project(with_overlay(model, {"assumptions.cip_recurrent": 1.0})).arrays
    trust = 1
    assert at_plan.cip_delivered[trust, 1] == pytest.approx(at_plan.cip_planned[trust, 1])
    assert short.surplus[trust, 1] < at_plan.surplus[trust, 1]
    # the same savings delivered recurrently leave a better run rate, no better reported year 1
    assert all_recurrent.surplus[trust, 1] == pytest.approx(project(model).arrays.surplus[trust, 1])
    assert (
        all_recurrent.underlying_surplus[trust, 1]
        > project(model).arrays.underlying_surplus[trust, 1]
    )


def test_problems_are_reported():
    _, findings = validate_data(
        {
            "name": "bad",
            "timeline": {"base_year": "2024/25", "horizon": 2},
            "tariff": {"weights": {"pay": 0.5}, "efficiency": [0.01]},
            "partners": [
                {
                    "id": "icb",
                    "name": "ICB",
                    "kind": "commissioner",
                    "place": "P",
                    "in_control_total": False,
                    "cip": {"planned": 0.05},
                    "costs": [{"id": "chc", "baseline": 1, "basis": "block", "price_series": "x"}],
                }
            ],
        }
    )
    text = " | ".join(str(f) for f in findings)
    for expected in (
        "'pay' is not in price_series",
        "weights must sum to 1",
        "exactly 2 values",
        "CIP applies to providers",
        "payment basis needs a payee",
        "'x' is not in price_series",
    ):
        assert expected in text


@given(finance_model_dicts())
def test_contract_identity_and_cip_never_above_plan(data):
    result = project(_model(data))
    a, inputs = result.arrays, result.inputs
    n_partners = len(inputs.partner_ids)
    internal = inputs.line_payee >= 0
    # what each payer books for a contract is what its payee books, under every basis
    paid = np.zeros((n_partners, a.cost.shape[1]))
    np.add.at(paid, inputs.line_payee[internal], a.cost[internal])
    funded = np.zeros_like(paid)
    np.add.at(funded, inputs.fund_partner, a.funding)
    nonrec_income = np.zeros_like(paid)
    np.add.at(nonrec_income, inputs.nonrec_partner, inputs.nonrec_income)
    np.testing.assert_allclose(a.income - funded - nonrec_income, paid, rtol=1e-9, atol=ATOL)
    np.testing.assert_allclose(
        a.system_eliminations, a.cost[internal].sum(axis=0), rtol=1e-9, atol=ATOL
    )
    # delivered CIP never above plan; recurrent never above delivered
    assert (a.cip_delivered <= a.cip_planned + ATOL).all()
    assert (a.cip_recurrent <= a.cip_delivered + ATOL).all()
    # reported - underlying = net non-recurrent (items and non-recurrent CIP)
    np.testing.assert_allclose(a.surplus - a.underlying_surplus, a.non_recurrent, atol=ATOL)
    np.testing.assert_allclose(
        a.bridge.sum(axis=0), a.system_surplus - a.system_surplus[0], rtol=1e-9, atol=ATOL
    )


@given(finance_model_dicts())
def test_block_contracts_do_not_follow_demand(data):
    model = _model(data)
    higher = with_overlay(model, {"assumptions.demand_growth": 0.09})
    base, more = project(model), project(higher)
    block = np.array([b == "block" for b in base.inputs.line_basis], dtype=bool)
    own = np.array(
        ["demand_growth" in line for p in data["partners"] for line in p["costs"]],
        dtype=bool,
    )
    chosen = block & ~own
    np.testing.assert_allclose(more.arrays.cost[chosen], base.arrays.cost[chosen], rtol=1e-12)


def test_kernel_matches_the_engine_with_non_recurrent_cip():
    model = _system()
    inputs = compile_inputs(model)
    assert inputs.nonrecurrent_cip.any()
    values = np.array([0.0, 0.02, 0.05])
    kernel = Kernel(inputs, [input_target(model, "assumptions.demand_growth")])
    out = kernel.evaluate(values[:, None])
    engine = project_arrays(inputs.with_values({"assumptions.demand_growth": values}))
    surplus = out.surplus  # (P, T, n)
    np.testing.assert_allclose(np.moveaxis(surplus, -1, 0), engine.surplus, rtol=1e-9, atol=1e-6)


def test_qipp_and_tariff_efficiency_are_batched_inputs():
    model = _system()
    inputs = compile_inputs(model)
    for path, overlay_value in (("assumptions.qipp", 0.04), ("tariff.efficiency", 0.03)):
        batch = project_arrays(inputs.with_values({path: np.array([overlay_value])}))
        one = project(with_overlay(model, {path: overlay_value})).arrays
        np.testing.assert_allclose(batch.surplus[0], one.surplus, rtol=1e-12, atol=1e-9)

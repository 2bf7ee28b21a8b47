"""The projection engine: hand-checked values and the invariants of SPEC section 9 (1-6)."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from finmodel import project
from finmodel.domain.validation import validate_data, with_overlay
from finmodel.engine.inputs import compile_model
from finmodel.engine.projection import project_arrays
from tests.strategies import model_dicts


def _model(data):
    model, findings = validate_data(data)
    assert model is not None and not findings, findings
    return model


def test_minimal_by_hand(minimal_model):
    result = project(minimal_model)
    a = result.arrays
    icb, trust = 0, 1
    # cost[t] = cost[t-1] * (1 + demand) * (1 + inflation) * (1 - efficiency)
    acute_1 = 700 * 1.03 * 1.02 * 0.99
    chc_1 = 300 * 1.05 * 1.02 * 0.99
    staff_1 = 500 * 1.03 * 1.02 * 0.98
    non_pay_1 = 220 * 1.03 * 1.02 * 0.99
    assert a.income[icb, 1] == pytest.approx(1040.0)
    assert a.expenditure[icb, 1] == pytest.approx(acute_1 + chc_1)
    assert a.income[trust, 1] == pytest.approx(acute_1)
    assert a.expenditure[trust, 1] == pytest.approx(staff_1 + non_pay_1)
    assert a.system_income[1] == pytest.approx(1040.0)
    assert a.system_eliminations[1] == pytest.approx(acute_1)
    assert a.system_expenditure[1] == pytest.approx(chc_1 + staff_1 + non_pay_1)
    # control totals: icb 0, trust -20; variance = surplus - control total
    assert a.variance[trust, 1] == pytest.approx(acute_1 - staff_1 - non_pay_1 + 20)
    assert math.isnan(a.variance[icb, 0])
    # proportional risk share on base-year expenditure: icb 1000, trust 720
    share_icb = 1000 / 1720
    assert a.risk_shares[icb] == pytest.approx(share_icb)
    assert a.surplus_after_risk_share[icb, 1] == pytest.approx(0 + share_icb * a.system_variance[1])


def test_scenario_changes_only_what_it_sets(minimal_model):
    base = project(minimal_model)
    high = project(minimal_model, "high_demand")
    assert high.scenario == "high_demand"
    assert high.arrays.system_surplus[-1] < base.arrays.system_surplus[-1]
    np.testing.assert_allclose(high.arrays.funding, base.arrays.funding)


def _check_invariants(result) -> None:
    a = result.arrays
    # 1. system surplus = sum of partner surpluses = sum of place surpluses
    np.testing.assert_allclose(a.system_surplus, a.surplus.sum(axis=0), rtol=1e-9, atol=1e-6)
    np.testing.assert_allclose(a.system_surplus, a.place_surplus.sum(axis=0), rtol=1e-9, atol=1e-6)
    # 2. consolidated income + eliminations = sum of partner incomes; each flow booked twice
    np.testing.assert_allclose(
        a.system_income + a.system_eliminations, a.income.sum(axis=0), rtol=1e-9, atol=1e-6
    )
    internal = result.inputs.line_payee >= 0
    np.testing.assert_allclose(
        a.system_eliminations, a.cost[internal].sum(axis=0), rtol=1e-9, atol=1e-6
    )
    np.testing.assert_allclose(
        a.system_expenditure + a.system_eliminations,
        a.expenditure.sum(axis=0),
        rtol=1e-9,
        atol=1e-6,
    )
    # 3. risk share is zero-sum over partners in the control total
    has_ct = ~np.isnan(a.control_total[:, 1:])
    if has_ct.any():
        before = np.where(has_ct, a.surplus[:, 1:], 0).sum(axis=0)
        after = np.nansum(a.surplus_after_risk_share[:, 1:], axis=0)
        np.testing.assert_allclose(after, before, rtol=1e-9, atol=1e-6)
    # 4. bridge steps sum to the total change, every year
    np.testing.assert_allclose(
        a.bridge.sum(axis=0), a.system_surplus - a.system_surplus[0], rtol=1e-9, atol=1e-6
    )


@given(model_dicts())
def test_invariants_on_generated_models(data):
    _check_invariants(project(_model(data)))


def test_invariants_on_bundled_models(minimal_model, default_model):
    for model in (minimal_model, default_model):
        _check_invariants(project(model))
        for scenario in model.scenarios:
            _check_invariants(project(model, scenario.id))


@given(model_dicts())
def test_all_rates_zero_every_year_equals_base(data):
    """Invariant 5."""
    data["assumptions"] = {k: 0.0 for k in data["assumptions"]}
    for partner in data["partners"]:
        for line in partner["funding"] + partner["costs"]:
            for key in ("demand_growth", "inflation", "efficiency", "funding_growth"):
                line.pop(key, None)
    a = project(_model(data)).arrays
    for array in (a.cost, a.funding, a.income, a.expenditure, a.surplus):
        np.testing.assert_allclose(
            array, np.repeat(array[..., :1], array.shape[-1], axis=-1), rtol=0, atol=1e-9
        )


@given(model_dicts(), st.floats(0.001, 0.05))
def test_monotonic_in_demand_and_efficiency(data, step):
    """Invariant 6: more demand growth never improves a surplus; more efficiency never worsens it.

    On lines with no payee this holds for every partner, place and the system. On a contract
    (a line with a payee), more demand is more income for the payee, as SPEC section 4's
    equations say, so there it holds for the payer and the system, not for the payee.
    """
    from dataclasses import replace

    inputs = compile_model(_model(data))
    base = project_arrays(inputs)
    external = (inputs.line_payee < 0)[:, None]

    def bumped(field, lines_mask, limit=None):
        values = getattr(inputs, field) + step * lines_mask
        return project_arrays(
            replace(inputs, **{field: values if limit is None else np.minimum(values, limit)})
        )

    def tol(array):
        return 1e-7 * (1 + np.abs(array))

    for mask in (external, np.ones_like(external)):
        demand = bumped("direct_growth", mask)
        efficiency = bumped("efficiency", mask, 0.99)
        assert np.all(demand.system_surplus <= base.system_surplus + tol(base.system_surplus))
        assert np.all(efficiency.system_surplus >= base.system_surplus - tol(base.system_surplus))
    demand = bumped("direct_growth", external)
    efficiency = bumped("efficiency", external, 0.99)
    for name in ("surplus", "place_surplus"):
        b = getattr(base, name)
        assert np.all(getattr(demand, name) <= b + tol(b))
        assert np.all(getattr(efficiency, name) >= b - tol(b))
    # every payer is worse off when demand on all its lines grows
    demand_all = bumped("direct_growth", np.ones_like(external))
    payers_only = np.isin(np.arange(len(inputs.partner_ids)), inputs.line_partner) & ~np.isin(
        np.arange(len(inputs.partner_ids)), inputs.line_payee
    )
    assert np.all(
        demand_all.surplus[payers_only]
        <= base.surplus[payers_only] + tol(base.surplus[payers_only])
    )


def test_batched_values_equal_one_overlay_at_a_time(default_model):
    """with_values over a draw dimension gives exactly what a scenario overlay gives per value."""
    inputs = compile_model(default_model)
    paths = {
        "assumptions.inflation": np.array([0.0, 0.025, 0.05]),
        "assumptions.efficiency": np.array([0.0, 0.01, 0.03]),
        "drivers.over_65.growth": np.array([0.0, 0.015, 0.03]),
    }
    batch = project_arrays(inputs.with_values(paths))
    for d in range(3):
        single = project(with_overlay(default_model, {p: float(v[d]) for p, v in paths.items()}))
        np.testing.assert_allclose(batch.surplus[d], single.arrays.surplus, rtol=1e-12, atol=1e-9)
        np.testing.assert_allclose(
            batch.system_surplus[d], single.arrays.system_surplus, rtol=1e-12, atol=1e-9
        )


def test_with_values_per_year_and_line(minimal_model):
    inputs = compile_model(minimal_model)
    per_year = inputs.with_values(
        {"partners.icb.costs.chc.demand_growth": np.array([[0.1, 0.2, 0.3]])}
    )
    chc = inputs.line_ids.index("icb.chc")
    np.testing.assert_allclose(per_year.direct_growth[0, chc], [0.1, 0.2, 0.3])
    other = inputs.line_ids.index("icb.acute_contract")
    np.testing.assert_allclose(per_year.direct_growth[0, other], inputs.direct_growth[other])


def test_unknown_input_path(minimal_model):
    from finmodel.domain.overlay import OverlayPathError

    with pytest.raises(OverlayPathError):
        compile_model(minimal_model).with_values({"partners.icb.costs.nope.baseline": 1.0})

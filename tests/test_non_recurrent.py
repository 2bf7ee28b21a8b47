"""Reported and underlying positions, non-recurrent items and the control-total boundary."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import given

from finmodel import project
from finmodel.domain.validation import validate_data
from finmodel.engine.inputs import taper_amounts
from tests.strategies import finance_model_dicts

ATOL = 1e-6


def _model(data):
    model, findings = validate_data(data)
    assert model is not None and not findings, findings
    return model


@given(finance_model_dicts())
def test_reported_less_underlying_is_net_non_recurrent(data):
    result = project(_model(data))
    a, inputs = result.arrays, result.inputs
    signed = inputs.nonrec_income + inputs.nonrec_saving - inputs.nonrec_cost
    by_partner = np.zeros_like(a.surplus)
    np.add.at(by_partner, inputs.nonrec_partner, signed)
    by_partner += a.cip_delivered - a.cip_recurrent  # non-recurrent CIP is non-recurrent too
    # every partner, place and the system, every year
    np.testing.assert_allclose(a.surplus - a.underlying_surplus, by_partner, atol=ATOL)
    np.testing.assert_allclose(
        a.system_surplus - a.system_underlying_surplus, by_partner.sum(axis=0), atol=ATOL
    )
    np.testing.assert_allclose(
        a.place_surplus - a.place_underlying_surplus, a.place_non_recurrent, atol=ATOL
    )
    np.testing.assert_allclose(a.place_non_recurrent.sum(axis=0), by_partner.sum(axis=0), atol=ATOL)
    # the bridge still closes, with non-recurrent items as their own step
    np.testing.assert_allclose(
        a.bridge.sum(axis=0), a.system_surplus - a.system_surplus[0], rtol=1e-9, atol=ATOL
    )
    np.testing.assert_allclose(
        a.bridge[4], a.system_non_recurrent - a.system_non_recurrent[0], atol=ATOL
    )


@given(finance_model_dicts())
def test_control_total_boundary_adds_up(data):
    result = project(_model(data))
    a = result.arrays
    np.testing.assert_allclose(
        a.control_total_surplus + a.outside_surplus, a.system_surplus, rtol=1e-9, atol=ATOL
    )
    # every partner in the control total has one, so its variance is the NHS surplus less it
    np.testing.assert_allclose(
        a.system_variance[1:],
        a.control_total_surplus[1:] - a.system_control_total[1:],
        rtol=1e-9,
        atol=ATOL,
    )
    boundary = result.to_json()["control_total_boundary"]
    assert set(boundary["partners_inside"]) | set(boundary["partners_outside"]) == set(
        result.inputs.partner_ids
    )
    assert not set(boundary["partners_inside"]) & set(boundary["partners_outside"])


def _two_partner_model(**item):
    return _model(
        {
            "name": "t",
            "timeline": {"base_year": "2024/25", "horizon": 4},
            "partners": [
                {
                    "id": "icb",
                    "name": "ICB",
                    "kind": "commissioner",
                    "place": "P",
                    "funding": [{"id": "alloc", "baseline": 1000}],
                    "costs": [{"id": "chc", "baseline": 1300}],
                    "non_recurrent": [{"id": "ds", **item}],
                },
                {
                    "id": "lcc",
                    "name": "Council",
                    "kind": "local_authority",
                    "place": "P",
                    "in_control_total": False,
                    "funding": [{"id": "grant", "baseline": 50}],
                },
            ],
            "control_totals": {"icb": -300},
        }
    )


def test_deficit_support_by_hand():
    model = _two_partner_model(kind="deficit_support", base_year=175, projected=[100, 50, 0, 0])
    result = project(model)
    a = result.arrays
    assert a.surplus[0].tolist() == pytest.approx([-125, -200, -250, -300, -300])
    assert a.underlying_surplus[0].tolist() == pytest.approx([-300] * 5)
    assert a.control_total_surplus.tolist() == pytest.approx([-125, -200, -250, -300, -300])
    assert a.outside_surplus.tolist() == pytest.approx([50] * 5)
    assert a.system_variance[1:].tolist() == pytest.approx([100, 50, 0, 0])
    table = result.system_table()
    underlying = table.loc["Underlying surplus / (deficit)"]
    assert isinstance(underlying, pd.Series)  # one row of that name
    assert underlying.tolist() == pytest.approx([-250] * 5)
    row = result.partner_table(0).loc["icb"]
    assert (row["surplus"], row["underlying_surplus"], row["non_recurrent"]) == (-125, -300, 175)
    frame = result.to_frame()
    chosen = frame[(frame.partner == "icb") & (frame.measure == "non_recurrent:deficit_support")]
    assert chosen.value.tolist() == pytest.approx([175, 100, 50, 0, 0])


def test_taper_to_zero():
    np.testing.assert_allclose(
        taper_amounts(np.array([175.0, 80.0]), [2, 4], 4), [[87.5, 0, 0, 0], [60.0, 40, 20, 0]]
    )
    model = _two_partner_model(kind="deficit_support", base_year=175, taper_to_zero_by="2026/27")
    assert project(model).arrays.non_recurrent[0].tolist() == pytest.approx([175, 87.5, 0, 0, 0])


def test_one_off_cost_and_saving_signs():
    cost = project(_two_partner_model(kind="one_off_cost", base_year=10, projected=5)).arrays
    saving = project(_two_partner_model(kind="non_recurrent_cip", base_year=10, projected=5)).arrays
    assert cost.non_recurrent[0].tolist() == pytest.approx([-10, -5, -5, -5, -5])
    assert saving.non_recurrent[0].tolist() == pytest.approx([10, 5, 5, 5, 5])
    assert saving.expenditure[0, 0] == pytest.approx(1290)
    assert cost.expenditure[0, 0] == pytest.approx(1310)


def test_taper_and_projected_together_is_a_problem():
    _, findings = validate_data(
        {
            "name": "t",
            "timeline": {"base_year": "2024/25", "horizon": 2},
            "partners": [
                {
                    "id": "icb",
                    "name": "ICB",
                    "kind": "commissioner",
                    "place": "P",
                    "in_control_total": False,
                    "non_recurrent": [
                        {
                            "id": "ds",
                            "kind": "deficit_support",
                            "base_year": 1,
                            "projected": 1,
                            "taper_to_zero_by": "2024/25",
                        }
                    ],
                }
            ],
        }
    )
    messages = " | ".join(str(f) for f in findings)
    assert "not both" in messages and "after the base year" in messages

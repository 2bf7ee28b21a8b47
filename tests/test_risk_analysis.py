"""Tornado sensitivity and goal seek on models (finmodel.risk.analysis)."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest
from scipy import stats

from finmodel import project
from finmodel.domain.model import Model
from finmodel.domain.validation import apply_scenario, with_overlay
from finmodel.errors import GoalSeekError, InputError
from finmodel.investment.effects import investment_draws
from finmodel.risk.analysis import goal_seek_model, parse_target, sensitivity

BASE, FUND, COST = 1000.0, 0.05, 900.0
D, I, E = 0.03, 0.02, 0.01  # noqa: E741 - demand, inflation, efficiency


def linear_toy() -> Model:
    """One partner, one year: final surplus = F (1 + g) - C (1 + d)(1 + i)(1 - e), which is
    linear in each input when the others stay at base."""
    return Model.model_validate(
        {
            "name": "toy",
            "timeline": {"base_year": "2019/20", "horizon": 1},
            "assumptions": {
                "demand_growth": D,
                "inflation": I,
                "efficiency": E,
                "funding_growth": FUND,
            },
            "partners": [
                {
                    "id": "p",
                    "name": "P",
                    "kind": "provider",
                    "place": "X",
                    "funding": [{"id": "f", "baseline": BASE}],
                    "costs": [{"id": "c", "baseline": COST}],
                }
            ],
            "control_totals": {"p": 0},
            "uncertainty": {
                "assumptions.funding_growth": {
                    "dist": "uniform",
                    "low": 0.03,
                    "high": 0.07,
                    "source": "illustrative",
                },
                "assumptions.demand_growth": {
                    "dist": "normal",
                    "mean": 0.03,
                    "sd": 0.01,
                    "source": "illustrative",
                },
                "assumptions.inflation": {
                    "dist": "interval80",
                    "low": 0.01,
                    "high": 0.04,
                    "source": "illustrative",
                },
                "partners.p.costs.c.baseline": {
                    "dist": "triangular",
                    "low": 0.9,
                    "mode": 1.0,
                    "high": 1.2,
                    "apply": "scale",
                    "source": "illustrative",
                },
            },
        }
    )


def test_tornado_of_a_linear_toy_model_matches_the_analytic_swings():
    result = sensitivity(linear_toy())
    tornado = result.tornados["system_surplus"]
    assert tornado.base == pytest.approx(BASE * (1 + FUND) - COST * (1 + D) * (1 + I) * (1 - E))
    z = stats.norm.ppf(0.9)
    tri = stats.triang(c=(1.0 - 0.9) / 0.3, loc=0.9, scale=0.3)
    # P10 and P90 of each distribution, and the surplus's slope in each input (others at base)
    ranges = {
        "assumptions.funding_growth": (0.034, 0.066),
        "assumptions.demand_growth": (0.03 - z * 0.01, 0.03 + z * 0.01),
        "assumptions.inflation": (0.025 - z * 0.03 / 2.5631, 0.025 + z * 0.03 / 2.5631),
        "partners.p.costs.c.baseline": (tri.ppf(0.1), tri.ppf(0.9)),
    }
    slopes = {
        "assumptions.funding_growth": BASE,
        "assumptions.demand_growth": -COST * (1 + I) * (1 - E),
        "assumptions.inflation": -COST * (1 + D) * (1 - E),
        "partners.p.costs.c.baseline": -COST * (1 + D) * (1 + I) * (1 - E),
    }
    got = {row.input: row for row in tornado.rows}
    for key, (low, high) in ranges.items():
        assert got[key].low_value == pytest.approx(low, rel=1e-9)
        assert got[key].high_value == pytest.approx(high, rel=1e-9)
        assert got[key].swing == pytest.approx(slopes[key] * (high - low), rel=1e-9)
        assert got[key].output_at_high - got[key].output_at_low == pytest.approx(
            got[key].swing, rel=1e-12
        )
    swings = [abs(row.swing) for row in tornado.rows]
    assert swings == sorted(swings, reverse=True)
    # interval80's low and high are its P10 and P90 (to the rounding of 2.5631)
    assert got["assumptions.inflation"].low_value == pytest.approx(0.01, abs=1e-5)


def test_default_model_tornados_cover_surplus_and_the_npsv(default_model):
    result = sensitivity(default_model)
    surplus = result.tornados["system_surplus"]
    assert surplus.base == pytest.approx(float(project(default_model).arrays.system_surplus[-1]))
    assert {row.input for row in surplus.rows} == set(default_model.uncertainty)
    npsv = result.tornados["npsv:ipa_uplift"]
    assert "(preferred option)" in npsv.label  # the option with the highest NPSV
    assert npsv.rows and all(row.input.startswith("investments.") for row in npsv.rows)
    data = result.to_json()
    assert set(data["tornados"]) == {"system_surplus", "npsv:ipa_uplift"}


def _variance(model: Model, path: str, value: float, year: int = -1) -> float:
    moved = with_overlay(model, {path: value})
    return float(project(moved).arrays.system_variance[year])


def test_goal_seek_meets_the_control_total_to_tolerance(default_model):
    found = goal_seek_model(default_model, "assumptions.qipp", "control_total")
    modelled = default_model.assumptions.qipp  # the CCGs' QIPP
    assert found.year == "2024/25"
    assert found.current == pytest.approx(modelled)
    assert abs(found.metric) < 1e-6
    assert abs(_variance(default_model, "assumptions.qipp", found.value)) < 1e-4
    assert found.metric_now == pytest.approx(_variance(default_model, "assumptions.qipp", modelled))


@pytest.mark.parametrize(
    ("target", "kwargs", "measure"),
    [
        ("break_even", {}, "surplus"),
        ("surplus=-20000", {"year": "2023/24"}, "surplus"),
        ("control_total", {"partner": "lth", "year": 2}, "variance"),
    ],
)
def test_goal_seek_targets_hold_at_the_value_found(default_model, target, kwargs, measure):
    found = goal_seek_model(default_model, "assumptions.demand_growth", target, **kwargs)
    moved = project(with_overlay(default_model, {"assumptions.demand_growth": found.value})).arrays
    t = (
        moved.system_surplus.shape[0] - 1
        if "year" not in kwargs
        else (2 if kwargs["year"] == 2 else 4)
    )
    goal = parse_target(target)
    if "partner" in kwargs:
        row = [p.id for p in default_model.partners].index(kwargs["partner"])
        value = moved.variance[row, t]
    else:
        value = moved.system_surplus[t] if measure == "surplus" else moved.system_variance[t]
    assert value == pytest.approx(goal.value, abs=1e-4)


def test_goal_seek_on_a_pattern_with_scale(default_model):
    found = goal_seek_model(
        default_model, "partners.*.costs.*pay.efficiency", "control_total", apply="scale"
    )
    assert found.apply == "scale" and found.current == 1.0
    assert len(found.paths) == 14  # pay and non-pay of the seven trusts
    assert abs(found.metric) < 1e-6


def test_goal_seek_service_target_is_met_by_the_year(default_model):
    path = "investments.ipa_uplift.service.parameters.base_fte"
    found = goal_seek_model(default_model, path, "standard_28d:business_case", year="2020/21")
    model = apply_scenario(default_model, None)
    options = list(model.investments["ipa_uplift"].option_ids())
    b = options.index("business_case")
    at = investment_draws(model, {"base_fte": np.array([found.value, found.value - 0.01])})
    first = at.first_month_meeting_standard[:, b]
    last_month = max(i for i, m in enumerate(at.month_labels) if m <= "2021-03")
    assert 0 <= first[0] <= last_month
    assert first[1] < 0 or first[1] > last_month  # a little less staff and it is not met
    assert "by the end of 2020/21" in found.sentence()


def test_goal_seek_explains_an_unreachable_target(default_model):
    with pytest.raises(GoalSeekError) as info:
        goal_seek_model(
            default_model, "assumptions.demand_growth", "surplus=1e9", low=0.0, high=0.1
        )
    message = str(info.value)
    assert "no value of assumptions.demand_growth between 0 and 0.1 meets the target" in message
    assert "at 0.1" in message


@pytest.mark.parametrize(
    ("kwargs", "place"),
    [
        ({"assumption": "assumptions.inflaton", "target": "control_total"}, "--assumption"),
        ({"assumption": "assumptions.inflation", "target": "gap"}, "--target"),
        ({"assumption": "assumptions.inflation", "target": "surplus=x"}, "--target"),
        (
            {"assumption": "assumptions.inflation", "target": "break_even", "year": "2030/31"},
            "--year",
        ),
        (
            {"assumption": "assumptions.inflation", "target": "break_even", "partner": "zz"},
            "--partner",
        ),
        ({"assumption": "assumptions.inflation", "target": "standard_28d"}, "--assumption"),
        (
            {
                "assumption": "investments.ipa_uplift.service.parameters.base_fte",
                "target": "standard_28d",
            },
            "--year",
        ),
    ],
)
def test_goal_seek_bad_requests_name_the_option(default_model, kwargs: dict[str, Any], place):
    with pytest.raises(InputError) as info:
        goal_seek_model(default_model, **kwargs)
    assert info.value.problems[0].place == place

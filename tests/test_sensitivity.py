"""Tests for finmodel.risk.sensitivity_maths: tornado swings and goal seek."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from finmodel.errors import GoalSeekError
from finmodel.risk.sensitivity_maths import (
    goal_seek,
    goal_seek_condition,
    one_at_a_time,
    tornado,
    tornados,
)

YEARS = 4


class LinearToy:
    """Surplus (£k) = c0 + sum_k c_k * input_k, year-varying inputs summed over years.

    Counts its calls and records batch sizes so tests can check there was one vectorised call.
    """

    def __init__(self, coefficients: dict[str, float]) -> None:
        self.coefficients = coefficients
        self.batches: list[int] = []

    def __call__(self, values: dict[str, np.ndarray]) -> np.ndarray:
        batch = {v.shape[0] for v in values.values()}
        assert len(batch) == 1
        self.batches.append(batch.pop())
        out = np.full(self.batches[-1], 100.0)
        for path, c in self.coefficients.items():
            v = values[path]
            out += c * v.reshape(v.shape[0], -1).sum(axis=1)
        return out


def test_tornado_of_a_linear_model_matches_analytic_swings():
    model = LinearToy({"demand.growth": -20_000.0, "efficiency.rate": 50_000.0, "pay": -1.0})
    base: dict[str, Any] = {
        "demand.growth": 0.03,
        "efficiency.rate": np.full(YEARS, 0.02),
        "pay": 500.0,
    }
    ranges: dict[str, tuple[Any, Any]] = {
        "demand.growth": (0.01, 0.05),
        "efficiency.rate": (np.full(YEARS, 0.01), np.full(YEARS, 0.03)),
        "pay": (400.0, 700.0),
    }
    rows = tornado(model, base, ranges)
    assert model.batches == [7]  # one call: base + low and high of each of three inputs
    expected = {
        "demand.growth": -20_000.0 * 0.04,
        "efficiency.rate": 50_000.0 * 0.02 * YEARS,
        "pay": -300.0,
    }
    assert [r.input for r in rows] == ["efficiency.rate", "demand.growth", "pay"]
    base_output = 100 - 20_000 * 0.03 + 50_000 * 0.02 * YEARS - 500
    for row in rows:
        assert row.swing == pytest.approx(expected[row.input])
        assert row.output_at_high - row.output_at_low == pytest.approx(row.swing)
        assert row.output_at_base == pytest.approx(base_output)
    assert rows[1].low_value == 0.01
    np.testing.assert_array_equal(rows[0].high_value, np.full(YEARS, 0.03))


@settings(max_examples=50, deadline=None)
@given(
    st.lists(
        st.tuples(st.floats(-1e4, 1e4), st.floats(-10, 10), st.floats(0, 10), st.floats(0, 10)),
        min_size=1,
        max_size=8,
    )
)
def test_tornado_swings_are_sorted_and_analytic(specs):
    coefficients = {f"x{i}": c for i, (c, _, _, _) in enumerate(specs)}
    base = {f"x{i}": b for i, (_, b, _, _) in enumerate(specs)}
    ranges = {f"x{i}": (b - d, b + u) for i, (_, b, d, u) in enumerate(specs)}
    rows = tornado(LinearToy(coefficients), base, ranges)
    swings = [abs(r.swing) for r in rows]
    assert swings == sorted(swings, reverse=True)
    for row in rows:
        low, high = ranges[row.input]
        assert row.swing == pytest.approx(
            coefficients[row.input] * (high - low), rel=1e-9, abs=1e-6
        )


def test_one_at_a_time_moves_one_input_per_case():
    values = one_at_a_time(
        {"a": 1.0, "b": [2.0, 2.0], "c": 3.0}, {"a": (0.0, 5.0), "b": (1.0, 4.0)}
    )
    assert values["a"].tolist() == [1.0, 0.0, 5.0, 1.0, 1.0]
    assert values["b"].tolist() == [[2, 2], [2, 2], [2, 2], [1, 1], [4, 4]]
    assert values["c"].tolist() == [3.0] * 5
    with pytest.raises(KeyError, match="zzz"):
        one_at_a_time({"a": 1.0}, {"zzz": (0.0, 1.0)})


def test_tornados_of_several_metrics_from_one_call():
    calls = []

    def model(values):
        calls.append(1)
        return np.stack([2 * values["a"] - values["b"], values["b"] * 10], axis=1)

    result = tornados(
        model, {"a": 1.0, "b": 1.0}, {"a": (0.0, 1.0), "b": (0.0, 2.0)}, ["surplus", "npsv"]
    )
    assert len(calls) == 1
    assert [(r.input, r.swing) for r in result["surplus"]] == [("a", 2.0), ("b", -2.0)]
    assert [(r.input, r.swing) for r in result["npsv"]] == [("b", 20.0), ("a", 0.0)]


def test_tornado_rejects_outputs_of_the_wrong_shape():
    with pytest.raises(ValueError, match="shape"):
        tornado(lambda v: np.zeros((3, 2)), {"a": 1.0}, {"a": (0.0, 2.0)})


def _surplus_after_efficiency(rate: float) -> float:
    """A non-linear toy: last-year surplus (£k) after five years of compounding efficiency."""
    return -30_000.0 + 400_000.0 * (1 - (1 - rate) ** 5)


@settings(max_examples=50, deadline=None)
@given(st.floats(min_value=-29_000.0, max_value=5_000.0))
def test_goal_seek_meets_the_target_to_tolerance(target):
    result = goal_seek(_surplus_after_efficiency, 0.0, 0.1, target, tol=1e-12)
    assert 0.0 <= result.value <= 0.1
    assert abs(_surplus_after_efficiency(result.value) - target) < 1e-5
    assert result.metric == pytest.approx(_surplus_after_efficiency(result.value))


def test_goal_seek_returns_an_end_that_meets_the_target_exactly():
    assert goal_seek(lambda x: 10 * x, 0.0, 1.0, 10.0).value == 1.0
    assert goal_seek(lambda x: 10 * x, 0.0, 1.0, 0.0).value == 0.0


def test_goal_seek_explains_an_unreachable_target():
    with pytest.raises(GoalSeekError) as caught:
        goal_seek(
            _surplus_after_efficiency,
            0.0,
            0.01,
            0.0,
            assumption="efficiency.rate",
            metric="2024/25 system surplus (£k)",
        )
    message = str(caught.value)
    assert "efficiency.rate" in message
    assert "between 0 and 0.01" in message
    assert "-30,000 at 0" in message
    assert f"{_surplus_after_efficiency(0.01):,.6g} at 0.01" in message
    with pytest.raises(GoalSeekError, match="cannot be computed"):
        goal_seek(lambda x: float("nan"), 0.0, 1.0, 0.0)
    with pytest.raises(ValueError):
        goal_seek(lambda x: x, 1.0, 0.0, 0.5)


def _first_year_met(investment: float) -> int | None:
    """Step-like toy: the standard is met in the first year t with investment * t >= 1000."""
    for t in range(1, 11):
        if investment * t >= 1000:
            return t
    return None


def test_goal_seek_condition_finds_the_threshold_of_a_step_target():
    def met_by_year_4(x: float) -> bool:
        year = _first_year_met(x)
        return year is not None and year <= 4

    result = goal_seek_condition(met_by_year_4, 0.0, 2000.0, tol=1e-6)
    assert met_by_year_4(result.value)
    assert not met_by_year_4(result.value - 2e-6)
    assert result.value == pytest.approx(250.0, abs=1e-6)


def test_goal_seek_condition_largest_and_ends():
    # Largest pay award at which the control total is still met.
    result = goal_seek_condition(lambda pay: pay <= 0.035, 0.0, 0.1, tol=1e-9, find="largest")
    assert result.value <= 0.035
    assert result.value == pytest.approx(0.035, abs=1e-9)
    assert goal_seek_condition(lambda x: True, 0.0, 1.0).value == 0.0
    assert goal_seek_condition(lambda x: True, 0.0, 1.0, find="largest").value == 1.0


def test_goal_seek_condition_explains_an_unreachable_condition():
    def describe(x: float) -> str:
        year = _first_year_met(x)
        return "never met" if year is None else f"first met in year {year}"

    with pytest.raises(GoalSeekError) as caught:
        goal_seek_condition(
            lambda x: (_first_year_met(x) or 99) <= 2,
            0.0,
            400.0,
            assumption="recurrent investment",
            condition="the 28-day standard by year 2",
            describe=describe,
        )
    message = str(caught.value)
    assert "recurrent investment between 0 and 400" in message
    assert "at 0: never met" in message
    assert "at 400: first met in year 3" in message
    with pytest.raises(GoalSeekError, match="not met even at 1"):
        goal_seek_condition(lambda x: False, 0.0, 1.0)

"""Economic-case measures: PV, NPSV, BCR, payback, ranking, switching values (SPEC section 5)."""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from finmodel.appraisal.discounting import AppraisalError, discount_factors
from finmodel.appraisal.measures import (
    NEVER,
    appraise,
    payback_year,
    present_value,
    rank_options,
    solve_switching_value,
    switching_values,
)

SETTINGS = settings(max_examples=80, deadline=None, derandomize=True)

IT_COSTS = np.array([[0.0] * 11, [1000.0] + [0.0] * 10])
IT_BENEFITS = np.array([[0.0] * 11, [0.0] + [150.0] * 10])


def amounts(shape: tuple[int, ...]) -> st.SearchStrategy[np.ndarray]:
    return hnp.arrays(np.float64, shape, elements=st.floats(0.0, 1e4, allow_subnormal=False))


def test_known_answer_it_system() -> None:
    """£1m IT system, £150k a year savings for 10 years, 3.5%: NPV about £247k."""
    result = appraise(IT_COSTS, IT_BENEFITS, option_names=["do_nothing", "it_system"])
    annuity = (1 - 1.035**-10) / 0.035
    assert result.npsv[1] == pytest.approx(150.0 * annuity - 1000.0)
    assert round(float(result.npsv[1])) == 247
    assert result.pv_costs[1] == 1000.0
    assert result.bcr[1] == pytest.approx(1.2475, abs=1e-4)
    assert result.payback(1) == 8
    assert result.preferred == 1 and result.rank.tolist() == [2, 1]
    assert result.npsv[0] == 0.0 and np.isnan(result.bcr[0])


@SETTINGS
@given(costs=amounts((3, 4, 6)), benefits=amounts((3, 4, 6)))
def test_npsv_at_zero_rate_is_the_undiscounted_sum(costs: np.ndarray, benefits: np.ndarray) -> None:
    """Invariant 7: with every discount factor 1, NPSV is the plain sum of net benefits."""
    result = appraise(costs, benefits, np.ones(6))
    net = (benefits - benefits[:, :1]) - (costs - costs[:, :1])
    np.testing.assert_allclose(result.npsv, net.sum(axis=-1), rtol=1e-12, atol=1e-6)


@SETTINGS
@given(costs=amounts((5, 3, 8)), benefits=amounts((5, 3, 8)))
def test_draws_are_appraised_like_single_runs(costs: np.ndarray, benefits: np.ndarray) -> None:
    df = discount_factors(7)
    batch = appraise(costs, benefits, df)
    for d in range(costs.shape[0]):
        single = appraise(costs[d], benefits[d], df)
        np.testing.assert_allclose(batch.npsv[d], single.npsv)
        np.testing.assert_array_equal(batch.payback_year[d], single.payback_year)
        np.testing.assert_array_equal(batch.rank[d], single.rank)
        assert batch.preferred[d] == single.preferred
    np.testing.assert_allclose(batch.npsv, batch.pv_benefits - batch.pv_costs)


def test_default_factors_are_the_standard_schedule() -> None:
    a = appraise(IT_COSTS, IT_BENEFITS)
    np.testing.assert_array_equal(a.discount_factors, discount_factors(10))
    mid = appraise(IT_COSTS, IT_BENEFITS, discount_factors(10, mid_year=True))
    assert mid.npsv[1] > a.npsv[1]


def test_measures_are_incremental_to_do_nothing() -> None:
    # Do nothing itself costs 50 a year; option 1 costs 80 and saves 40 a year against it.
    costs = np.array([[50.0, 50.0], [80.0, 80.0]])
    benefits = np.array([[0.0, 0.0], [40.0, 40.0]])
    a = appraise(costs, benefits, [1.0, 1.0])
    assert a.pv_costs.tolist() == [0.0, 60.0] and a.pv_benefits.tolist() == [0.0, 80.0]
    assert a.npsv.tolist() == [0.0, 20.0]
    raw = appraise(costs, benefits, [1.0, 1.0], baseline=None)
    assert raw.npsv.tolist() == [-100.0, -80.0]


def test_payback_and_never() -> None:
    assert payback_year([[-100.0, 50.0, 50.0, 50.0]], [1, 1, 1, 1]).tolist() == [2]
    assert payback_year([-100.0, 10.0], [1, 1]).item() == NEVER
    a = appraise([[0, 0], [100, 0]], [[0, 0], [0, 10]], [1.0, 1.0])
    assert a.payback(1) is None
    assert a.as_rows()[1]["payback_year"] is None


def test_ranking_and_ties() -> None:
    assert rank_options([5.0, 5.0, 7.0]).tolist() == [2, 3, 1]
    assert rank_options([[1.0, 2.0], [3.0, -1.0]]).tolist() == [[2, 1], [1, 2]]


def test_cost_per_unit_of_outcome() -> None:
    totals = appraise(IT_COSTS, IT_BENEFITS, outcomes=[0.0, 500.0])
    assert totals.cost_per_outcome is not None
    assert totals.cost_per_outcome[1] == pytest.approx(2.0)
    assert np.isnan(totals.cost_per_outcome[0])
    stream = np.array([[0.0, 0.0, 0.0], [0.0, 10.0, 10.0]])
    by_year = appraise([[0, 0, 0], [30, 0, 0]], np.zeros((2, 3)), [1.0, 0.5, 0.25],
                       outcomes=stream, outcome_factors=[1.0, 1.0, 1.0])  # fmt: skip
    assert by_year.cost_per_outcome is not None
    assert by_year.cost_per_outcome[1] == pytest.approx(30.0 / 20.0)


def test_shape_errors_are_clear() -> None:
    with pytest.raises(AppraisalError, match="one value per year"):
        appraise(IT_COSTS, IT_BENEFITS, np.ones(5))
    with pytest.raises(AppraisalError, match="do not match"):
        appraise(np.zeros((2, 3)), np.zeros((2, 4)))
    with pytest.raises(AppraisalError, match="option names"):
        appraise(IT_COSTS, IT_BENEFITS, option_names=["only_one"])
    with pytest.raises(AppraisalError, match="discount factors"):
        present_value([1.0, 2.0], [1.0])


# -- switching values ------------------------------------------------------------------------


def _npsv_after_switch(
    costs: dict[str, np.ndarray],
    benefits: dict[str, np.ndarray],
    kind: str,
    stream: str,
    x: float,
    option: int,
    df: np.ndarray,
    optimism_bias: float = 0.0,
) -> float:
    """Recompute the option's NPSV with one stream changed by x, through :func:`appraise`."""
    costs, benefits = dict(costs), dict(benefits)
    group = costs if kind == "cost" else benefits
    changed = group[stream].copy()
    changed[option] = changed[0] + (1.0 + x) * (changed[option] - changed[0])
    group[stream] = changed
    total_costs = sum(costs.values()) * (1.0 + optimism_bias)
    return float(appraise(total_costs, sum(benefits.values()), df).npsv[option])


streams_strategy = st.tuples(amounts((3, 6)), amounts((3, 6)), amounts((3, 6)), amounts((3, 6)))


@SETTINGS
@given(streams=streams_strategy, ob=st.sampled_from([0.0, 0.24, 2.0]))
def test_switching_values_take_npsv_to_zero(streams: tuple[np.ndarray, ...], ob: float) -> None:
    capital, running, savings, quality = streams
    costs = {"capital": capital, "running": running}
    benefits = {"savings": savings, "quality": quality}
    df = discount_factors(5)
    out = switching_values(costs, benefits, df, optimism_bias=ob)
    total = appraise((capital + running) * (1 + ob), savings + quality, df)
    option = int(total.preferred)
    scale = 1.0 + float(np.abs(total.pv_costs[option]) + np.abs(total.pv_benefits[option]))
    for sv in out:
        if sv.switching_value is None:
            assert sv.present_value == 0.0
            continue
        after = _npsv_after_switch(costs, benefits, sv.kind, sv.stream, sv.switching_value,
                                   option, df, ob)  # fmt: skip
        assert abs(after) <= 1e-9 * scale


@SETTINGS
@given(streams=streams_strategy)
def test_root_finder_agrees_with_the_closed_form(streams: tuple[np.ndarray, ...]) -> None:
    capital, running, savings, quality = streams
    costs = {"capital": capital, "running": running}
    benefits = {"savings": savings, "quality": quality}
    df = discount_factors(5)
    closed = switching_values(costs, benefits, df, option=1, optimism_bias={"capital": 0.44})
    root = switching_values(costs, benefits, df, option=1, optimism_bias={"capital": 0.44},
                            method="root")  # fmt: skip
    for c, r in zip(closed, root, strict=True):
        assert c.method == "closed_form" and r.method == "root"
        if c.switching_value is None or abs(c.switching_value) > 1e5:
            continue
        assume(r.switching_value is not None)
        assert r.switching_value == pytest.approx(c.switching_value, rel=1e-7, abs=1e-9)


def test_switching_values_of_the_it_system() -> None:
    out = {sv.stream: sv for sv in switching_values(
        {"capital": IT_COSTS}, {"savings": IT_BENEFITS})}  # fmt: skip
    npsv = 150.0 * (1 - 1.035**-10) / 0.035 - 1000.0
    assert out["capital"].switching_value == pytest.approx(npsv / 1000.0)  # costs may rise ~25%
    assert out["savings"].switching_value == pytest.approx(-npsv / (npsv + 1000.0))
    assert out["savings"].kind == "benefit" and out["savings"].method == "closed_form"


def test_non_linear_npsv_uses_the_root_finder() -> None:
    """Savings above £140k a year are not bankable: NPSV is not linear in the savings stream."""
    df = discount_factors(10)

    def capped(costs: Mapping[str, np.ndarray], benefits: Mapping[str, np.ndarray]) -> float:
        banked = np.minimum(benefits["savings"], 140.0)
        return float(banked @ df - costs["capital"] @ df * 1.1)

    out = switching_values({"capital": IT_COSTS}, {"savings": IT_BENEFITS}, df,
                           npsv_function=capped)  # fmt: skip
    by_name = {sv.stream: sv for sv in out}
    assert all(sv.method == "root" for sv in out)
    x = by_name["savings"].switching_value
    assert x is not None and -1.0 < x < 0.0
    banked = np.minimum(IT_BENEFITS[1] * (1 + x), 140.0) @ df
    assert banked == pytest.approx(1100.0, abs=1e-6)
    x_cost = by_name["capital"].switching_value
    assert x_cost is not None and x_cost > 0.0
    assert np.minimum(IT_BENEFITS[1], 140.0) @ df == pytest.approx(1100.0 * (1 + x_cost))
    # The linear closed form ignores the cap: costs could rise further before NPSV reaches 0.
    linear = {sv.stream: sv for sv in switching_values(
        {"capital": IT_COSTS}, {"savings": IT_BENEFITS}, df, optimism_bias=0.1)}  # fmt: skip
    linear_cost = linear["capital"].switching_value
    assert linear_cost is not None and linear_cost > x_cost + 0.05


def test_solve_switching_value_without_a_root() -> None:
    assert solve_switching_value(lambda x: 5.0) is None
    assert solve_switching_value(lambda x: 0.0) == 0.0
    assert solve_switching_value(lambda x: 100.0 - 1000.0 * x) == pytest.approx(0.1)


def test_switching_value_errors() -> None:
    with pytest.raises(AppraisalError, match="at least one"):
        switching_values({}, {})
    with pytest.raises(AppraisalError, match="same"):
        switching_values({"a": np.zeros((2, 3))}, {"b": np.zeros((2, 4))})
    with pytest.raises(AppraisalError, match="not one of"):
        switching_values({"a": IT_COSTS}, {"b": IT_BENEFITS}, option=5)
    with pytest.raises(AppraisalError, match="closed form"):
        switching_values({"a": IT_COSTS}, {}, npsv_function=lambda c, b: 0.0,
                         method="closed_form")  # fmt: skip

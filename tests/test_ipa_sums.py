"""Sums by period and headline months taken during the service model's run
(:mod:`finmodel.service.ipa_sums`) equal those taken afterwards from the recorded series, and the
Monte Carlo path's staff cost by year equals the month-by-month product."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from finmodel.service import IpaServiceParameters, simulate_ipa_service
from finmodel.service.ipa_results import STAFF_COST, Funding, matrix_key, sum_months

SERIES = (
    "assessments",
    "decisions_within_28_days",
    "incomplete_over_28_days",
    "caseload",
    "cash_released",
    "reviews_done",
    "overdue_backlog",
    "withdrawals",
    "lapsed_reviews",
)
INVESTMENT = [0.0, 796.0, 2000.0, 4000.0]


def _years(months: int, first: int) -> np.ndarray:
    """Months into years, the first holding ``first`` months."""
    years = 1 + (months - first + 11) // 12
    matrix = np.zeros((months, years))
    for m in range(months):
        matrix[m, 0 if m < first else 1 + (m - first) // 12] = 1.0
    return matrix


def _variant(
    draws: int, seed: int, **update: Any
) -> tuple[IpaServiceParameters, dict[str, np.ndarray]]:
    rng = np.random.default_rng(seed)
    params = IpaServiceParameters.example().model_copy(update=update)
    overrides = {
        "conversion_rate": rng.uniform(0.2, 0.4, (draws, 1)),
        "recruitment_lag_months": rng.uniform(1.5, 6.0, (draws, 1)),
        "referral_growth": rng.uniform(0.0, 0.05, (draws, 1)),
        "cost_per_fte_k": rng.uniform(45.0, 58.0, (draws, 1)),
        "review_finding_rate": rng.uniform(0.05, 0.15, (draws, 1)),
    }
    return params, overrides


VARIANTS = [
    {},
    {"priority": "reviews"},
    {"overdue_reviews_lapse": False},
    {"saving_persistence_months": 12, "saving_erosion_rate": 0.01},
    {"queue_withdrawal_rate": 0.01, "priority_max_share": 0.7},
    {"ramp_months": 4, "first_review_months": 12, "review_interval_months": 6},
]
TEAM = [Funding(np.array([0.0, 0.0, 500.0, 0.0]), np.array([0, 0, 3, 0]), np.array([121] * 4))]


def _asked(months: int) -> list[tuple[str, np.ndarray]]:
    years = _years(months, 3)
    grown = years * (1.03 ** (np.arange(months) / 12.0))[:, None]
    return [(name, years) for name in SERIES] + [("caseload", grown), (f"{STAFF_COST}1", years)]


@pytest.mark.parametrize("update", VARIANTS)
def test_sums_taken_during_the_run_equal_those_of_the_recorded_series(
    update: dict[str, Any],
) -> None:
    params, overrides = _variant(64, 7, **update)
    sums = _asked(params.horizon_months)
    during = simulate_ipa_service(
        params, INVESTMENT, overrides=overrides, funding=TEAM, record=(), sums=sums,
        first_months=True,
    )  # fmt: skip
    after = simulate_ipa_service(params, INVESTMENT, overrides=overrides, funding=TEAM)
    assert not during.series  # nothing kept month by month
    for name, matrix in sums:
        found = during.period_sums[(name, matrix_key(matrix))]
        if name.startswith(STAFF_COST):  # by period, not month by month: rounding apart
            expected = after.extra_staff_cost_profile(1) @ matrix
            np.testing.assert_allclose(found, expected, rtol=1e-13, atol=1e-12)
        else:  # the same additions in the same order: bit for bit
            assert np.array_equal(found, sum_months(after.get(name), matrix)), name
    assert np.array_equal(during.months_to_clear_backlog(), after.months_to_clear_backlog())
    assert np.array_equal(
        during.first_month_meeting_standard(), after.first_month_meeting_standard()
    )


@settings(max_examples=25, deadline=None)
@given(
    st.floats(0.0, 7.5),
    st.integers(0, 6),
    st.integers(0, 30),
    st.integers(1, 60),
    st.floats(-0.02, 0.08),
    st.floats(0.0, 0.2),
)
def test_staff_cost_by_period_equals_the_monthly_product(
    lag: float, ramp: int, start: int, length: int, pay: float, vacancy: float
) -> None:
    params = IpaServiceParameters.example().model_copy(
        update={"recruitment_lag_months": lag, "ramp_months": ramp, "pay_growth": pay,
                "vacancy_factor": vacancy, "horizon_months": 40}
    )  # fmt: skip
    block = Funding(np.array([0.0, 700.0]), np.array([0, start]), np.array([0, start + length]))
    run = simulate_ipa_service(params, [0.0, 796.0], funding=[block])
    years = _years(40, 5)
    for k in (0, 1):
        fast = run.extra_staff_cost_by_period(k, years)
        np.testing.assert_allclose(
            fast, run.extra_staff_cost_profile(k) @ years, rtol=1e-12, atol=1e-9
        )


def test_monte_carlo_path_equals_the_recorded_one_with_package_growth_drawn() -> None:
    """Drawing package cost growth (prices by draw) still gives the recorded path's answers."""
    from finmodel.investment.economic import economic_case
    from finmodel.investment.effects import investment_draws
    from finmodel.investment.streams import (
        DRAW_SERIES,
        compile_investment,
        service_by_year,
        year_matrix,
    )
    from finmodel.io.yaml_io import load_model

    model = load_model("models/lsc_ics.yaml")
    growth = np.array([0.0, 0.02, 0.05])
    draws = investment_draws(
        model, {"package_cost_growth": growth, "conversion_rate": growth + 0.3}
    )
    streams = compile_investment(
        model,
        "ipa_uplift",
        service_overrides={"package_cost_growth": growth, "conversion_rate": growth + 0.3},
        record=DRAW_SERIES,
    )
    expected = economic_case(streams, switching=False).appraisal.npsv
    scale = float(np.max(np.abs(expected)))
    np.testing.assert_allclose(draws.npsv, expected, rtol=0, atol=1e-13 * scale)
    assert streams.service is not None
    assert np.array_equal(
        draws.first_month_meeting_standard, streams.service.first_month_meeting_standard()
    )
    params = streams.investment.service.parameters.model_copy(  # type: ignore[union-attr]
        update={"horizon_months": streams.service.months}
    )
    # the year matrix the sums are asked with is the one the streams read them with
    assert np.array_equal(
        year_matrix(params, streams.years), service_by_year(streams.service, streams.years)
    )

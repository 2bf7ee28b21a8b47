"""Summing the service model's monthly series into years (:func:`sum_months`)."""

from __future__ import annotations

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from finmodel.service import IpaServiceParameters, simulate_ipa_service
from finmodel.service.ipa_results import sum_months


def _years_matrix(months: int, first_year_months: int, years: int) -> np.ndarray:
    """Months into years: the first year holds ``first_year_months`` months, later ones 12;
    months past the last year belong to none."""
    matrix = np.zeros((months, years))
    for m in range(months):
        year = 0 if m < first_year_months else 1 + (m - first_year_months) // 12
        if year < years:
            matrix[m, year] = 1.0
    return matrix


@settings(max_examples=40, deadline=None)
@given(
    st.integers(1, 40),
    st.integers(1, 12),
    st.integers(1, 5),
    st.floats(-0.05, 0.1),
    st.integers(0, 2**31 - 1),
)
def test_sums_equal_the_matrix_product(
    months: int, first: int, years: int, growth: float, seed: int
) -> None:
    rng = np.random.default_rng(seed)
    matrix = _years_matrix(months, first, years)
    # months-first memory, as the service model keeps its series, and months-last
    by_month = rng.normal(0.0, 1e4, (months, 3, 5))
    first_layout = np.moveaxis(by_month, 0, -1)
    last_layout = np.ascontiguousarray(first_layout)
    grown = matrix * ((1.0 + growth) ** (np.arange(months) / 12.0))[:, None]
    for weights in (matrix, grown):
        summed = sum_months(first_layout, weights)
        assert np.array_equal(summed, sum_months(last_layout, weights))  # layout: bit for bit
        np.testing.assert_allclose(summed, last_layout @ weights, rtol=1e-13, atol=1e-9)
    # in month order, one month after another
    expected = np.zeros((3, 5))
    for m in np.flatnonzero(matrix[:, 0]):
        expected = expected + by_month[m]
    assert np.array_equal(sum_months(first_layout, matrix)[..., 0], expected)


def test_other_matrices_use_the_product() -> None:
    monthly = np.arange(12.0).reshape(2, 6)
    scattered = np.zeros((6, 2))
    scattered[[0, 2, 4], 0] = 1.0  # not consecutive months
    scattered[:, 1] = 0.5
    assert np.array_equal(sum_months(monthly, scattered), monthly @ scattered)


def test_service_series_sum_like_the_product() -> None:
    r = simulate_ipa_service(
        IpaServiceParameters.example(),
        [0.0, 796.0, 4000.0],
        overrides={"conversion_rate": np.array([[0.3], [0.4]])},
    )
    matrix = _years_matrix(r.months, 3, 10)
    for name in ("assessments", "caseload", "cash_released", "incomplete_over_28_days"):
        np.testing.assert_allclose(
            sum_months(r.get(name), matrix), r.get(name) @ matrix, rtol=1e-13, atol=1e-9
        )

"""Rank correlation by Iman-Conover (issue 12): matches the matrix, reproducible whatever the
chunking, marginals unchanged, bad matrices refused; the default model correlates inflation with
funding growth."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from finmodel.domain.correlation import RankCorrelation
from finmodel.io.yaml_io import load_model
from finmodel.risk.correlation import (
    CorrelationError,
    correlated_uniforms,
    correlation_matrix,
    rank_correlation,
)
from finmodel.risk.montecarlo import draw_values, plan_simulation
from finmodel.risk.sampling import BLOCK_SIZE, draw_uniforms

MATRIX = np.array([[1.0, 0.6, -0.3], [0.6, 1.0, 0.0], [-0.3, 0.0, 1.0]])


def test_samples_match_the_matrix_within_tolerance() -> None:
    u = correlated_uniforms(3, slice(0, 3 * BLOCK_SIZE), 3, n_draws=3 * BLOCK_SIZE, matrix=MATRIX)
    np.testing.assert_allclose(rank_correlation(u), MATRIX, atol=0.03)


@settings(max_examples=15, deadline=None, derandomize=True)
@given(chunk=st.integers(1, 3 * BLOCK_SIZE), n=st.integers(1, 2 * BLOCK_SIZE + 50))
def test_any_chunking_gives_the_same_draws(chunk: int, n: int) -> None:
    whole = correlated_uniforms(5, slice(0, n), 3, n_draws=n, matrix=MATRIX)
    parts = [
        correlated_uniforms(5, slice(s, min(s + chunk, n)), 3, n_draws=n, matrix=MATRIX)
        for s in range(0, n, chunk)
    ]
    np.testing.assert_array_equal(np.concatenate(parts), whole)


def test_marginals_are_unchanged_block_by_block() -> None:
    n = BLOCK_SIZE + 100
    plain = draw_uniforms(9, slice(0, n), 3, n_draws=n)
    mixed = correlated_uniforms(9, slice(0, n), 3, n_draws=n, matrix=MATRIX)
    for block in (slice(0, BLOCK_SIZE), slice(BLOCK_SIZE, n)):
        np.testing.assert_array_equal(np.sort(plain[block], 0), np.sort(mixed[block], 0))
    same = correlated_uniforms(9, slice(0, n), 3, n_draws=n, matrix=np.eye(3))
    np.testing.assert_array_equal(same, plain)


def test_bad_correlations_are_refused() -> None:
    def pair(a: str, b: str, r: float) -> RankCorrelation:
        return RankCorrelation(between=[a, b], rank_correlation=r, source="illustrative")

    with pytest.raises(CorrelationError, match="not an uncertainty key: z"):
        correlation_matrix(["a", "b"], [pair("a", "z", 0.5)])
    with pytest.raises(CorrelationError, match="not positive definite"):
        correlation_matrix(
            ["a", "b", "c"], [pair("a", "b", 0.9), pair("b", "c", 0.9), pair("a", "c", -0.9)]
        )
    with pytest.raises(CorrelationError, match="given twice"):
        correlation_matrix(["a", "b"], [pair("a", "b", 0.1), pair("b", "a", 0.2)])


def test_the_default_model_correlates_inflation_with_funding_growth() -> None:
    model = load_model("models/lsc_ics.yaml")
    (pair,) = model.correlations
    assert set(pair.pair) == {"assumptions.inflation", "assumptions.funding_growth"}
    assert pair.source
    plan = plan_simulation(model, draws=BLOCK_SIZE, seed=1)
    keys = [v.key for v in plan.inputs]
    i, j = keys.index("assumptions.inflation"), keys.index("assumptions.funding_growth")
    values = draw_values(plan, slice(0, BLOCK_SIZE))
    assert rank_correlation(values[:, [i, j]])[0, 1] == pytest.approx(0.5, abs=0.05)
    others = [k for k in range(len(keys)) if k not in (i, j)]
    assert np.all(np.abs(rank_correlation(values[:, others]) - np.eye(len(others))) < 0.07)

"""``engine.projection.group_sum``: the sparse path taken at national scale equals the dense one.

Small models sum lines into partners and places with a dense one-hot product; above
``_DENSE_LIMIT`` (groups x rows) a sparse matrix product is used instead. Only national-scale
models reach the sparse path, so it is checked here against the dense one, for random group
indices (with dropped rows, -1) and values with and without leading draw dimensions, and for a
whole projection of a model large enough to take it on its own.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from unittest import mock

import numpy as np
from hypothesis import given
from hypothesis import strategies as st

from finmodel import project
from finmodel.domain.validation import validate_data
from finmodel.engine import projection
from finmodel.engine.projection import group_sum, one_hot


@contextmanager
def dense_limit(limit: int) -> Iterator[None]:
    """Force the dense (huge limit) or the sparse (limit -1) path of ``group_sum``."""
    with mock.patch.object(projection, "_DENSE_LIMIT", limit):
        yield


SPARSE, DENSE = -1, 2**62


@st.composite
def grouped_values(draw: st.DrawFn) -> tuple[np.ndarray, int, np.ndarray]:
    n_groups = draw(st.integers(1, 12))
    n_rows = draw(st.integers(0, 40))
    lead = draw(st.lists(st.integers(1, 3), max_size=2))
    n_years = draw(st.integers(1, 5))
    seed = draw(st.integers(0, 2**32 - 1))
    rng = np.random.default_rng(seed)
    index = rng.integers(-1, n_groups, size=n_rows)
    values = rng.normal(0.0, 1e5, size=(*lead, n_rows, n_years))
    return index, n_groups, values


@given(grouped_values())
def test_sparse_and_dense_group_sums_agree(case: tuple[np.ndarray, int, np.ndarray]) -> None:
    index, n_groups, values = case
    with dense_limit(SPARSE):
        sparse = group_sum(index, n_groups, values)
    with dense_limit(DENSE):
        dense = group_sum(index, n_groups, values)
    assert sparse.shape == dense.shape == (*values.shape[:-2], n_groups, values.shape[-1])
    np.testing.assert_allclose(sparse, dense, rtol=1e-12, atol=1e-6)
    # and both are the plain definition: a group's rows added up, rows of group -1 nowhere
    by_hand = np.zeros_like(dense)
    for row, group in enumerate(index.tolist()):
        if group >= 0:
            by_hand[..., group, :] += values[..., row, :]
    np.testing.assert_allclose(dense, by_hand, rtol=1e-12, atol=1e-6)
    np.testing.assert_allclose(dense, one_hot(index, n_groups) @ values, rtol=1e-12, atol=1e-6)


def test_at_national_scale_the_sparse_path_is_taken_and_adds_up() -> None:
    rng = np.random.default_rng(7)
    n_groups, n_rows = 1_680, 33_600  # 42 systems x 40 partners, 20 lines each
    index = rng.integers(-1, n_groups, size=n_rows)
    values = rng.uniform(0.0, 5e4, size=(2, n_rows, 11))  # two draws
    assert n_groups * n_rows > projection._DENSE_LIMIT  # the default limit: sparse
    expected = np.zeros((2, n_groups, 11))
    kept = index >= 0
    # numpy's stubs type ufunc.at's indices as integers only; it documents a tuple with slices
    np.add.at(expected, (slice(None), index[kept]), values[:, kept])  # type: ignore[arg-type]
    np.testing.assert_allclose(group_sum(index, n_groups, values), expected, rtol=1e-12)


def _wide_model(n_partners: int, lines_each: int) -> dict:
    """A valid model with many partners, every other line a contract with the next partner."""
    partners = []
    for p in range(n_partners):
        costs = [
            {"id": f"c{j}", "baseline": 100.0 + 7 * p + j}
            | ({"payee": f"p{(p + 1) % n_partners}"} if j % 2 else {})
            for j in range(lines_each)
        ]
        partners.append(
            {
                "id": f"p{p}",
                "name": f"Partner {p}",
                "kind": "provider" if p % 3 else "commissioner",
                "place": f"Place {p % 17}",
                "in_control_total": p % 5 != 0,
                "funding": [{"id": "allocation", "baseline": 150.0 * lines_each + p}],
                "costs": costs,
            }
        )
    return {
        "name": "Wide generated system",
        "units": "gbp_thousands",
        "timeline": {"base_year": "2019/20", "horizon": 4},
        "assumptions": {
            "demand_growth": 0.03,
            "inflation": [0.02, 0.025, 0.03, 0.02],
            "efficiency": 0.011,
            "funding_growth": 0.035,
        },
        "partners": partners,
        "control_totals": {f"p{p}": -1.0 for p in range(n_partners) if p % 5},
        "risk_share": {"method": "proportional_to_baseline_expenditure"},
    }


def test_a_projection_large_enough_for_the_sparse_path_matches_the_dense_one() -> None:
    model, findings = validate_data(_wide_model(n_partners=260, lines_each=4))
    assert model is not None and not findings, findings
    n_lines = sum(len(p.costs) for p in model.partners)
    assert len(model.partners) * n_lines > projection._DENSE_LIMIT  # sparse by default
    sparse = project(model).arrays
    with dense_limit(DENSE):
        dense = project(model).arrays
    for name in ("income", "expenditure", "surplus", "place_surplus", "system_surplus"):
        np.testing.assert_allclose(
            getattr(sparse, name), getattr(dense, name), rtol=1e-12, atol=1e-6, err_msg=name
        )
    np.testing.assert_allclose(sparse.system_surplus, sparse.surplus.sum(axis=0), rtol=1e-9)

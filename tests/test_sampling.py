"""Tests for finmodel.risk.sampling: reproducibility under chunking, LHS strata, bounds."""

from __future__ import annotations

import itertools
import time

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from finmodel.risk.sampling import (
    BLOCK_SIZE,
    SamplingMethod,
    chunk_slices,
    draw_uniforms,
    iter_chunks,
)

N = 2 * BLOCK_SIZE + 1000  # two full blocks and a partial one


def _run(n_draws: int, chunk_size: int, seed: int, n_inputs: int, method: str) -> np.ndarray:
    chunks = list(iter_chunks(n_draws, chunk_size, seed, n_inputs, method))  # type: ignore[arg-type]
    starts = [s.start for s, _ in chunks]
    assert starts == list(range(0, n_draws, chunk_size))
    for draws, u in chunks:
        assert u.shape == (draws.stop - draws.start, n_inputs)
        assert u.shape[0] <= chunk_size
    return np.concatenate([u for _, u in chunks])


@pytest.mark.parametrize("method", ["random", "lhs"])
def test_same_seed_gives_identical_draws_whatever_the_chunk_size(method):
    reference = _run(N, N, 42, 3, method)
    for chunk_size in (BLOCK_SIZE, 2 * BLOCK_SIZE, 1000, 3001, 5000):
        np.testing.assert_array_equal(_run(N, chunk_size, 42, 3, method), reference)


@settings(max_examples=25, deadline=None)
@given(st.lists(st.integers(min_value=1, max_value=N), min_size=1, max_size=6), st.booleans())
def test_any_partition_of_the_draws_gives_identical_draws(cuts, lhs):
    method: SamplingMethod = "lhs" if lhs else "random"
    edges = sorted({0, N, *cuts})
    pieces = [
        draw_uniforms(9, slice(a, b), 2, n_draws=N, method=method)
        for a, b in itertools.pairwise(edges)
    ]
    whole = draw_uniforms(9, slice(0, N), 2, n_draws=N, method=method)
    np.testing.assert_array_equal(np.concatenate(pieces), whole)


def test_different_seeds_and_inputs_give_different_draws():
    a = draw_uniforms(1, slice(0, 1000), 2, n_draws=1000)
    b = draw_uniforms(2, slice(0, 1000), 2, n_draws=1000)
    assert not np.array_equal(a, b)
    assert not np.array_equal(a[:, 0], a[:, 1])
    assert abs(np.corrcoef(a[:, 0], a[:, 1])[0, 1]) < 0.1


def test_random_draws_are_prefix_stable_and_adding_an_input_keeps_the_others():
    long = draw_uniforms(5, slice(0, N), 3, n_draws=N)
    short = draw_uniforms(5, slice(0, 5000), 2, n_draws=5000)
    np.testing.assert_array_equal(long[:5000, :2], short)


@pytest.mark.parametrize("method", ["random", "lhs"])
def test_uniforms_lie_in_the_open_unit_interval_with_the_right_moments(method):
    u = draw_uniforms(11, slice(0, 100_000), 2, n_draws=100_000, method=method)
    assert u.dtype == np.float64
    assert ((u > 0) & (u < 1)).all()
    assert abs(u.mean() - 0.5) < 0.003
    assert u.var() == pytest.approx(1 / 12, rel=0.01)


def test_lhs_is_stratified_within_each_block():
    u = draw_uniforms(3, slice(0, N), 4, n_draws=N, method="lhs")
    for start in range(0, N, BLOCK_SIZE):
        block = u[start : start + BLOCK_SIZE]
        length = block.shape[0]
        strata = np.floor(block * length).astype(int)
        for column in strata.T:
            # Exactly one draw in each of the block's equal-probability strata.
            np.testing.assert_array_equal(np.sort(column), np.arange(length))
    # Strata are paired at random across inputs, not in lock-step.
    assert not np.array_equal(np.argsort(u[:BLOCK_SIZE, 0]), np.argsort(u[:BLOCK_SIZE, 1]))


def test_lhs_of_fewer_draws_than_a_block_is_one_hypercube():
    u = draw_uniforms(8, slice(0, 10), 3, n_draws=10, method="lhs")
    for column in np.floor(u * 10).astype(int).T:
        assert sorted(column) == list(range(10))


def test_lhs_reduces_the_error_of_a_mean_estimate():
    def error(method: str) -> float:
        errors = []
        for seed in range(20):
            u = draw_uniforms(seed, slice(0, 2000), 1, n_draws=2000, method=method)  # type: ignore[arg-type]
            errors.append(abs(np.mean(u[:, 0] ** 2) - 1 / 3))
        return float(np.mean(errors))

    assert error("lhs") < error("random") / 10


def test_chunks_are_generated_lazily_so_memory_does_not_grow_with_n():
    started = time.perf_counter()
    chunks = iter_chunks(10**12, BLOCK_SIZE, 0, 5)
    draws, u = next(chunks)
    assert (draws.start, draws.stop) == (0, BLOCK_SIZE)
    assert u.nbytes == BLOCK_SIZE * 5 * 8
    assert time.perf_counter() - started < 1.0


def test_chunk_slices_match_iter_chunks():
    assert chunk_slices(N, 5000) == [s for s, _ in iter_chunks(N, 5000, 0, 1)]
    assert chunk_slices(0, 10) == []


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"n_draws": 10, "chunk_size": 0, "seed": 0, "n_inputs": 1}, "chunk_size"),
        ({"n_draws": 10, "chunk_size": 5, "seed": -1, "n_inputs": 1}, "seed"),
        ({"n_draws": -1, "chunk_size": 5, "seed": 0, "n_inputs": 1}, "n_draws"),
        ({"n_draws": 10, "chunk_size": 5, "seed": 0, "n_inputs": 1, "method": "sobol"}, "method"),
    ],
)
def test_bad_arguments_are_rejected(kwargs, message):
    with pytest.raises(ValueError, match=message):
        next(iter_chunks(**kwargs))


def test_draw_uniforms_needs_a_contiguous_slice():
    with pytest.raises(ValueError, match="contiguous"):
        draw_uniforms(0, slice(0, 10, 2), 1, n_draws=10)

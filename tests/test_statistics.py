"""Tests for finmodel.risk.statistics: exact streaming percentiles, means and shares."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from finmodel.risk import statistics
from finmodel.risk.statistics import (
    PERCENTILES,
    DrawStore,
    ShareCounter,
    linear_percentiles,
    order_statistics,
    percentile_summary,
)

SHAPE = (3, 4)  # e.g. partners x years


def _draws(n: int, seed: int = 0) -> np.ndarray:
    rng = np.random.default_rng(seed)
    return rng.normal(-5_000.0, 2_000.0, size=(n, *SHAPE)) + np.arange(4) * 100.0


def _filled(values: np.ndarray, chunk: int, **kwargs) -> DrawStore:
    store = DrawStore(values.shape[0], values.shape[1:], **kwargs)
    for start in range(0, values.shape[0], chunk):
        store.add(slice(start, start + chunk), values[start : start + chunk])
    return store


def test_float64_store_gives_numpy_percentiles_and_mean():
    values = _draws(10_001)
    summary = _filled(values, 3000, dtype=np.float64).summary()
    assert summary.levels == PERCENTILES
    assert summary.percentiles.shape == (5, *SHAPE)
    np.testing.assert_allclose(summary.percentiles, np.percentile(values, PERCENTILES, axis=0))
    np.testing.assert_allclose(summary.mean, values.mean(axis=0), rtol=1e-12)
    np.testing.assert_array_equal(summary.at(50), summary.as_dict()["P50"])
    with pytest.raises(KeyError):
        summary.at(25)


def test_float32_store_is_accurate_relative_to_the_spread():
    values = _draws(20_000) + 2.5e6  # a large level (£2.5bn in £k) with a £2m spread
    summary = _filled(values, 4096, reference=np.full(SHAPE, 2.5e6)).summary()
    exact = np.percentile(values, PERCENTILES, axis=0)
    np.testing.assert_allclose(summary.percentiles, exact, atol=1e-3)
    np.testing.assert_allclose(summary.mean, values.mean(axis=0), atol=1e-3)


def test_summary_does_not_depend_on_chunking_or_arrival_order():
    values = _draws(9_000)
    reference = _filled(values, 9_000).summary()
    for chunk in (1, 1000, 4096, 4097):
        other = _filled(values, chunk).summary()
        np.testing.assert_array_equal(other.percentiles, reference.percentiles)
        np.testing.assert_array_equal(other.mean, reference.mean)
    backwards = DrawStore(9_000, SHAPE)
    for start in reversed(range(0, 9_000, 2_000)):
        backwards.add(slice(start, min(start + 2_000, 9_000)), values[start : start + 2_000])
    np.testing.assert_array_equal(backwards.summary().percentiles, reference.percentiles)


def test_stores_filled_by_separate_workers_merge():
    values = _draws(5_000)
    reference = np.full(SHAPE, -5_000.0)
    first = DrawStore(5_000, SHAPE, reference=reference)
    second = DrawStore(5_000, SHAPE)  # a different reference is fine
    first.add(slice(0, 2_500), values[:2_500])
    second.add(slice(2_500, 5_000), values[2_500:])
    with pytest.raises(ValueError, match="not been stored"):
        first.summary()
    first.merge(second)
    whole = _filled(values, 5_000, reference=reference).summary()
    np.testing.assert_allclose(first.summary().percentiles, whole.percentiles, atol=1e-3)
    with pytest.raises(ValueError, match="same draws"):
        first.merge(second)


def test_draws_all_equal_to_the_reference_give_it_back_exactly():
    # SPEC invariant 10: distributions collapsed to a point give the deterministic result.
    deterministic = np.array([[-1234.5678901, 0.1, 1e7 / 3, -0.3]] * 3)
    store = DrawStore(10_000, SHAPE, reference=deterministic)
    for start in range(0, 10_000, 4096):
        n = min(4096, 10_000 - start)
        store.add(slice(start, start + n), np.broadcast_to(deterministic, (n, *SHAPE)))
    summary = store.summary()
    for level in PERCENTILES:
        np.testing.assert_array_equal(summary.at(level), deterministic)
    np.testing.assert_array_equal(summary.mean, deterministic)


@settings(max_examples=50, deadline=None)
@given(
    arrays(
        np.float64,
        st.tuples(st.integers(1, 200), st.integers(1, 3)),
        elements=st.floats(-1e6, 1e6, allow_nan=False),
    )
)
def test_percentiles_are_ordered(values):
    summary = percentile_summary(values)
    assert (np.diff(summary.percentiles, axis=0) >= 0).all()
    assert (summary.percentiles[0] >= values.min(axis=0)).all()
    assert (summary.percentiles[-1] <= values.max(axis=0)).all()
    assert (summary.mean >= values.min(axis=0) - 1e-6).all()
    assert (summary.mean <= values.max(axis=0) + 1e-6).all()


def test_discrete_outcomes_with_never_use_observed_values():
    # Backlog clearance month: inf when the backlog never clears within the horizon.
    months = np.array([[12.0], [14.0], [15.0], [np.inf], [np.inf]] * 20)
    summary = percentile_summary(months, method="inverted_cdf")
    assert summary.at(5).tolist() == [12.0]
    assert summary.at(50).tolist() == [15.0]
    assert summary.at(95).tolist() == [np.inf]


def test_store_rejects_wrong_shapes_and_repeated_draws():
    store = DrawStore(10, SHAPE)
    with pytest.raises(ValueError, match="shape"):
        store.add(slice(0, 5), np.zeros((4, *SHAPE)))
    store.add(slice(0, 5), np.zeros((5, *SHAPE)))
    with pytest.raises(ValueError, match="already stored"):
        store.add(slice(4, 6), np.zeros((2, *SHAPE)))
    with pytest.raises(ValueError, match="5 of 10 draws"):
        store.values()


def test_store_memory_is_four_bytes_a_value_in_float32():
    store = DrawStore(100_000, (12, 11))
    assert store.deviations.nbytes == 100_000 * 12 * 11 * 4
    assert store.nbytes < 1.01 * store.deviations.nbytes + 200_000


def test_share_counter_gives_probabilities_and_merges():
    rng = np.random.default_rng(1)
    surplus = rng.normal(0, 1, size=(10_000, 5))
    control_total = np.linspace(-1, 1, 5)
    meets = surplus >= control_total
    whole = ShareCounter((5,))
    whole.add(meets)
    np.testing.assert_array_equal(whole.probability(), meets.mean(axis=0))
    first, second = ShareCounter((5,)), ShareCounter((5,))
    first.add(meets[:3000])
    second.add(meets[3000:])
    first.merge(second)
    np.testing.assert_array_equal(first.probability(), whole.probability())
    assert first.n_draws == 10_000
    with pytest.raises(ValueError, match="shape"):
        first.add(meets[:, :4])
    with pytest.raises(ValueError, match="no draws"):
        ShareCounter(()).probability()


# Exact percentiles of long series (order_statistics): a sample of the draws brackets each
# wanted rank; when the sample misleads, or the brackets hold too many draws to sort, the code
# falls back. Monte Carlo draws in random order almost never reach those fallbacks, so series
# are built here to reach each, and the answer must still be numpy's, bit for bit.

LONG = 20_000  # above _SAMPLE_FROM; the sample is every 10th draw


def _long_series(kind: str, n: int, seed: int) -> np.ndarray:
    rng = np.random.default_rng(seed)
    row = rng.normal(-5_000.0, 2_000.0, size=n)
    step = statistics._selection_plan(n, (0,)).step  # the sample's stride
    if kind == "ties":  # a few discrete outcomes: the brackets hold most draws
        row = rng.integers(0, 3, size=n).astype(np.float64)
    elif kind == "sample high":  # the sampled draws are all far above the rest
        row[::step] = 1e9 + np.arange(row[::step].size)
    elif kind == "sample low":
        row[::step] = -1e9 - np.arange(row[::step].size)
    elif kind == "sorted":
        row.sort()
    elif kind == "reversed":
        row = np.sort(row)[::-1].copy()
    return row


FALLBACKS = [
    ("sample misleads: whole row", "sample high", PERCENTILES),
    ("sample misleads low", "sample low", PERCENTILES),
    ("many ties: bracket by bracket", "ties", PERCENTILES),
    ("ties at the ends: unbounded brackets", "ties", (0, 100)),
    ("ends of the range", "normal", (0, 0.001, 50, 99.999, 100)),
    ("brackets merge into one unbounded", "normal", tuple(np.linspace(0, 100, 201))),
]


@pytest.mark.parametrize(
    ("kind", "levels"), [c[1:] for c in FALLBACKS], ids=[c[0] for c in FALLBACKS]
)
def test_long_series_percentiles_are_numpys_on_every_fallback(kind, levels):
    row = _long_series(kind, LONG, seed=11)
    before = row.copy()
    np.testing.assert_array_equal(linear_percentiles(row, levels), np.percentile(row, levels))
    np.testing.assert_array_equal(row, before)  # the series is left as it was


@settings(max_examples=40, deadline=None)
@given(
    kind=st.sampled_from(["normal", "ties", "sample high", "sample low", "sorted", "reversed"]),
    n=st.integers(4_096, 40_000),
    seed=st.integers(0, 2**32 - 1),
    levels=st.lists(st.floats(0, 100), min_size=1, max_size=30),
    single=st.booleans(),
)
def test_long_series_order_statistics_are_exact(kind, n, seed, levels, single):
    row = _long_series(kind, n, seed)
    if single:
        row = row.astype(np.float32)
    np.testing.assert_array_equal(linear_percentiles(row, levels), np.percentile(row, levels))
    ranks = np.random.default_rng(seed).integers(-n, n, size=len(levels))
    np.testing.assert_array_equal(order_statistics(row, ranks), np.sort(row)[ranks])


def _fill(store: DrawStore, values: np.ndarray, chunk: int = 5000) -> None:
    for start in range(0, values.shape[0], chunk):
        stop = min(values.shape[0], start + chunk)
        store.add(slice(start, stop), values[start:stop])


@pytest.mark.parametrize("method", ["linear", "inverted_cdf", "lower", "higher", "midpoint"])
def test_streamed_percentiles_are_within_their_stated_bound(method):
    """Past the memory budget a store streams; its percentiles keep a stated error bound."""
    rng = np.random.default_rng(7)
    n = 60_000
    values = np.stack(
        [rng.normal(size=n), rng.lognormal(size=n), rng.integers(0, 40, n).astype(float)], axis=1
    )
    values[values[:, 2] > 35, 2] = np.inf  # months: inf = never
    store = DrawStore(n, (3,), reference=[1.0, 0.0, 0.0], budget=1024)
    assert not store.exact
    _fill(store, values)
    summary = store.summary(method=method)
    with np.errstate(invalid="ignore"):  # inf - inf in numpy's interpolation
        exact = np.percentile(values, PERCENTILES, axis=0, method=method)
    assert not summary.exact and summary.error_bound > 0
    finite = np.isfinite(exact)
    diff = np.abs(summary.percentiles[finite] - exact[finite])
    assert (diff <= summary.error_bound + 1e-9).all()
    assert np.array_equal(np.isfinite(summary.percentiles), finite)
    assert summary.percentiles[:, 2][finite[:, 2]].tolist() == exact[:, 2][finite[:, 2]].tolist()
    assert np.allclose(summary.mean[:2], values[:, :2].mean(axis=0))
    assert "estimated" in summary.describe()


def test_streamed_store_memory_does_not_grow_with_draws():
    small = DrawStore(10_000_000, SHAPE, budget=1024)
    large = DrawStore(1_000_000_000, SHAPE, budget=1024)
    rng = np.random.default_rng(1)
    for store in (small, large):
        store.add(slice(0, 4096), rng.normal(size=(4096, *SHAPE)))
    assert small.nbytes == large.nbytes < 2**22
    exact = DrawStore(10_000, SHAPE)
    assert exact.exact and exact.nbytes >= 10_000 * 12 * 4


def test_streamed_stores_merge_and_refuse_overlaps():
    rng = np.random.default_rng(2)
    values = rng.normal(size=(20_000, 2))
    whole = DrawStore(20_000, (2,), budget=64)
    whole.calibrate(values[:5000].T)
    _fill(whole, values)
    first, second = (DrawStore(20_000, (2,), budget=64) for _ in range(2))
    for part in (first, second):
        part.calibrate(values[:5000].T)
    first.add(slice(0, 12_000), values[:12_000])
    second.add(slice(12_000, 20_000), values[12_000:])
    with pytest.raises(ValueError, match="already stored"):
        first.add(slice(11_000, 13_000), values[11_000:13_000])
    with pytest.raises(ValueError, match="have not been stored"):
        first.summary()
    first.merge(second)
    assert np.array_equal(first.summary().percentiles, whole.summary().percentiles)

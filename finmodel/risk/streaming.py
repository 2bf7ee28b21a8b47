"""Percentiles of more draws than memory allows: a fixed-size histogram per series.

When keeping every draw of an output would take more than the memory budget
(:data:`finmodel.risk.statistics.EXACT_BUDGET_BYTES`), :class:`~finmodel.risk.statistics.DrawStore`
streams its draws into a :class:`BinnedSeries` instead. Its memory is fixed
(``series x (BINS + 2) x 24`` bytes: 1.2 MB for 12 series), whatever the number of draws.

**How.** Each series gets :data:`BINS` equal bins between bounds placed from a pilot sample
(the first draws of the run: its 0.1% and 99.9% points, widened by a quarter of their
distance each way), plus one bin below and one above for whatever falls outside. For every
bin it counts the draws and keeps their smallest and largest value. A percentile is the
order statistic of rank ``k``; the counts say exactly which bin holds it, so the exact value
lies between that bin's smallest and largest draw. The estimate interpolates by rank within
that range.

**Accuracy.** Every estimate is within ``max - min`` of the draws of its bin of the exact
(numpy ``linear``) percentile of all the draws: about ``(P99.9 - P0.1) x 1.5 / 4096`` (for a
normal output, 0.002 standard deviations). :attr:`Summary.error_bound` reports the largest such
bound over all series and levels, in the output's units; a bin whose draws are all equal (an
integer month, say) gives the exact value.

>>> import numpy as np
>>> rng = np.random.default_rng(1)
>>> draws = rng.normal(size=(1, 100_000))
>>> binned = BinnedSeries.from_pilot(draws[:, :10_000])
>>> binned.add(draws)
>>> values, bound = binned.percentiles((50,), method="linear")
>>> bool(abs(values[0, 0] - np.percentile(draws[0], 50)) <= bound[0, 0] < 0.01)
True
"""

from __future__ import annotations

import warnings
from collections.abc import Sequence

import numpy as np
from numpy.typing import NDArray

Floats = NDArray[np.float64]

#: Equal bins between the pilot bounds, per series.
BINS = 4096
#: Pilot points that place the bins (per cent), and how far the bins reach beyond them.
_PILOT_LOW, _PILOT_HIGH, _WIDEN = 0.1, 99.9, 0.25


class BinnedSeries:
    """Counts, smallest and largest draw per bin of ``n_series`` series (see the module)."""

    def __init__(self, low: Floats, width: Floats) -> None:
        self.n_series = low.shape[0]
        self.low, self.width = low, width
        self.inverse = 1.0 / width
        slots = self.n_series * (BINS + 2)
        self.counts = np.zeros(slots, dtype=np.int64)
        self.smallest = np.full(slots, np.inf)
        self.largest = np.full(slots, -np.inf)
        self.total = np.zeros(self.n_series)
        self.n_draws = 0
        self._offsets = (np.arange(self.n_series, dtype=np.intp) * (BINS + 2))[:, None]

    @classmethod
    def from_pilot(cls, pilot: NDArray[np.floating]) -> BinnedSeries:
        """Bins placed from pilot draws, shape ``(n_series, draws)``."""
        values = np.where(np.isfinite(pilot), pilot, np.nan).astype(np.float64)
        with np.errstate(all="ignore"), warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)  # a series with no finite draw
            ends = np.nanpercentile(values, [_PILOT_LOW, _PILOT_HIGH], axis=1)
        low, high = np.nan_to_num(ends[0]), np.nan_to_num(ends[1])
        span = high - low
        low = low - _WIDEN * span
        span = span * (1 + 2 * _WIDEN)
        # a constant pilot still needs bins of some width: a small fraction of its size, or 1
        width = np.where(span > 0, span, np.maximum(np.abs(low) * 1e-6, 1e-6)) / BINS
        return cls(low, width)

    def same_bins(self, other: BinnedSeries) -> bool:
        """True when ``other`` has the same bins (so the two can be merged)."""
        return bool(np.array_equal(self.low, other.low) and np.array_equal(self.width, other.width))

    def add(self, block: NDArray[np.floating]) -> None:
        """Take in draws, shape ``(n_series, draws)`` (deviations, any float type)."""
        values = np.asarray(block, dtype=np.float64)
        scaled = (values - self.low[:, None]) * self.inverse[:, None]
        np.nan_to_num(scaled, copy=False, nan=BINS, posinf=BINS, neginf=-1.0)
        np.clip(scaled, -1.0, BINS, out=scaled)
        index = scaled.astype(np.intp)
        index += 1  # bin 0 is below the bounds, BINS + 1 above
        # a value in [-1, 0) truncates to 0 and must go below: put it there
        index[scaled < 0] = 0
        index += self._offsets
        flat, flat_values = index.ravel(), values.ravel()
        self.counts += np.bincount(flat, minlength=self.counts.shape[0])
        np.minimum.at(self.smallest, flat, flat_values)
        np.maximum.at(self.largest, flat, flat_values)
        with np.errstate(invalid="ignore", over="ignore"):
            self.total += values.sum(axis=1)
        self.n_draws += values.shape[1]

    def merge(self, other: BinnedSeries) -> None:
        """Add in the draws of ``other`` (same bins, disjoint draws)."""
        if not self.same_bins(other):
            raise ValueError("can only merge binned series with the same bins")
        self.counts += other.counts
        np.minimum(self.smallest, other.smallest, out=self.smallest)
        np.maximum(self.largest, other.largest, out=self.largest)
        self.total += other.total
        self.n_draws += other.n_draws

    def mean(self) -> Floats:
        """Mean of each series (of the deviations added)."""
        return self.total / max(self.n_draws, 1)

    def percentiles(self, levels: Sequence[float], method: str) -> tuple[Floats, Floats]:
        """Estimated percentiles ``(len(levels), n_series)`` and their error bounds (same
        shape): each estimate is within its bound of numpy's ``method`` percentile."""
        n = self.n_draws
        q = np.asarray(levels, dtype=np.float64) / 100
        lower, upper, gamma = _ranks(n, q, method)
        if method in ("inverted_cdf", "lower", "higher", "nearest"):
            return self._order_statistic(lower, prefer="observed")
        a, bound_a = self._order_statistic(lower, prefer=None)
        b, bound_b = self._order_statistic(upper, prefer=None)
        with np.errstate(invalid="ignore"):
            values = np.where(gamma[:, None] > 0, a + (b - a) * gamma[:, None], a)
        return values, np.maximum(bound_a, bound_b)

    def _order_statistic(
        self, ranks: NDArray[np.intp], prefer: str | None
    ) -> tuple[Floats, Floats]:
        """Estimate of the order statistic of each rank, per series, and its error bound."""
        counts = self.counts.reshape(self.n_series, BINS + 2)
        smallest = self.smallest.reshape(self.n_series, BINS + 2)
        largest = self.largest.reshape(self.n_series, BINS + 2)
        cumulative = np.cumsum(counts, axis=1)  # (S, B + 2)
        rows = np.arange(self.n_series)
        values = np.empty((ranks.shape[0], self.n_series))
        bounds = np.empty_like(values)
        for i, k in enumerate(ranks.tolist()):  # a handful of levels, each vectorised
            j = np.argmax(cumulative > k, axis=1)  # the bin holding rank k, per series
            start = cumulative[rows, j] - counts[rows, j]
            low, high = smallest[rows, j], largest[rows, j]
            with np.errstate(invalid="ignore"):
                span = high - low
                if prefer == "observed":  # an observed value: the nearer end of the bin
                    position = (k - start) / np.maximum(counts[rows, j], 1)
                    values[i] = np.where(position < 0.5, low, high)
                else:
                    position = (k - start) / np.maximum(counts[rows, j] - 1, 1)
                    values[i] = np.where(span > 0, low + span * position, low)
            bounds[i] = np.where(span > 0, span, 0.0)
        return values, bounds


def _ranks(n: int, q: Floats, method: str) -> tuple[NDArray[np.intp], NDArray[np.intp], Floats]:
    """Lower and upper order statistics and the interpolation weight of numpy's ``method``."""
    if method == "inverted_cdf":
        k = np.clip(np.ceil(n * q).astype(np.intp) - 1, 0, n - 1)
        return k, k, np.zeros_like(q)
    virtual = (n - 1) * q
    lower = np.floor(virtual).astype(np.intp)
    upper = np.minimum(lower + 1, n - 1)
    gamma = virtual - lower
    if method == "lower":
        return lower, lower, np.zeros_like(q)
    if method == "higher":
        k = np.ceil(virtual).astype(np.intp)
        return k, k, np.zeros_like(q)
    if method == "nearest":
        k = np.around(virtual).astype(np.intp)
        return k, k, np.zeros_like(q)
    if method == "midpoint":
        return lower, upper, np.where(gamma > 0, 0.5, 0.0)
    return lower, upper, gamma

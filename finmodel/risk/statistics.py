"""Summaries of Monte Carlo outputs gathered chunk by chunk: percentiles, means, probabilities.

Two accumulators, both fed with ``(draw_slice, values)`` as chunks are computed, both mergeable
(so chunks may be computed by separate workers and combined in any order), and both giving
results that do not depend on how the draws were chunked:

:class:`DrawStore`
    Keeps every draw of an output of shape ``shape`` (for example partners x years) and gives
    **exact** percentiles (P5, P10, P50, P90, P95 by default) and the mean. Values are kept as
    deviations from a ``reference`` (pass the deterministic result), by default in float32.
    Memory: ``n_draws x prod(shape) x 4`` bytes (float32), held series by series (each
    element's draws contiguous), plus a temporary copy of at most ~64 MB while percentiles are
    computed. Example:
    100,000 draws x 12 series x 11 years = 53 MB. Storing deviations keeps float32 precise
    (error about 6e-8 of the *spread*, not of the level) and makes a run whose draws all equal
    the reference return the reference exactly (SPEC invariant 10).
:class:`ShareCounter`
    Counts, per element, the draws meeting a condition (surplus >= control total, NPSV > 0):
    exact integer counts at full precision, ``prod(shape)`` int64s of memory.

>>> import numpy as np
>>> store = DrawStore(n_draws=4, shape=(2,))
>>> store.add(slice(0, 2), np.array([[1.0, 10.0], [2.0, 20.0]]))
>>> store.add(slice(2, 4), np.array([[3.0, 30.0], [4.0, 40.0]]))
>>> store.summary().mean.tolist()
[2.5, 25.0]
>>> share = ShareCounter(shape=(2,))
>>> share.add(np.array([[1.0, -1.0], [2.0, 3.0]]) >= 0)
>>> share.probability().tolist()
[1.0, 0.5]
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

import numpy as np
from numpy.typing import ArrayLike, DTypeLike, NDArray

#: The percentiles reported for every Monte Carlo output.
PERCENTILES: tuple[float, ...] = (5, 10, 50, 90, 95)

#: Largest temporary buffer (bytes) used when computing percentiles.
_PERCENTILE_BATCH_BYTES = 64 * 2**20

Floats = NDArray[np.float64]
#: numpy percentile methods offered: interpolating, or returning observed values.
PercentileMethod = Literal["linear", "inverted_cdf", "lower", "higher", "nearest", "midpoint"]


@dataclass(frozen=True)
class Summary:
    """Percentiles and mean of one output over all draws.

    ``percentiles`` has shape ``(len(levels), *shape)``; ``mean`` has shape ``shape``; both are
    float64 in the output's units (£k for a surplus).
    """

    levels: tuple[float, ...]
    percentiles: Floats
    mean: Floats
    n_draws: int

    def at(self, level: float) -> Floats:
        """The values at one percentile level, e.g. ``summary.at(50)`` for the median."""
        try:
            return self.percentiles[self.levels.index(level)]
        except ValueError:
            raise KeyError(f"percentile {level} was not computed (have {self.levels})") from None

    def as_dict(self) -> dict[str, Floats]:
        """``{"P5": .., "P10": .., "P50": .., "P90": .., "P95": .., "mean": ..}``."""
        out = {f"P{level:g}": self.percentiles[i] for i, level in enumerate(self.levels)}
        out["mean"] = self.mean
        return out


class DrawStore:
    """Every draw of one output, filled chunk by chunk; exact percentiles and mean at the end.

    ``shape`` is the shape of the output for one draw (e.g. ``(n_partners, n_years)``).
    ``reference`` (broadcastable to ``shape``; default 0) is subtracted before storage and
    added back in :meth:`summary`; pass the deterministic result. ``dtype`` is float32 by
    default (float64 for full precision at twice the memory).
    """

    def __init__(
        self,
        n_draws: int,
        shape: Sequence[int] = (),
        *,
        reference: ArrayLike | None = None,
        dtype: DTypeLike = np.float32,
    ) -> None:
        if n_draws < 1:
            raise ValueError(f"n_draws must be >= 1, got {n_draws}")
        self.n_draws = n_draws
        self.shape = tuple(int(n) for n in shape)
        ref = np.zeros(self.shape) if reference is None else np.asarray(reference, np.float64)
        self.reference: Floats = np.broadcast_to(ref, self.shape).copy()
        self.n_series = int(np.prod(self.shape, dtype=np.int64))
        #: Deviations from the reference, one row per element of ``shape``, one column per draw.
        self.deviations = np.zeros((self.n_series, n_draws), dtype=dtype)
        self.filled = np.zeros(n_draws, dtype=bool)

    @property
    def nbytes(self) -> int:
        """Memory held by the stored draws, in bytes."""
        return int(self.deviations.nbytes + self.filled.nbytes + self.reference.nbytes)

    def add(self, draws: slice, values: ArrayLike, *, draws_last: bool = False) -> None:
        """Store ``values`` (shape ``(len(draws), *shape)``) for the draws in ``draws``.

        With ``draws_last=True`` the values have shape ``(*shape, len(draws))`` instead (the
        layout of the store itself, so no transposition is needed).
        """
        start, stop, step = draws.indices(self.n_draws)
        if step != 1:
            raise ValueError("draws must be a contiguous slice")
        block = np.asarray(values, dtype=np.float64)
        n = stop - start
        expected = (*self.shape, n) if draws_last else (n, *self.shape)
        if block.shape != expected:
            raise ValueError(
                f"values for draws {start}..{stop - 1} must have shape {expected}, got {block.shape}"
            )
        if self.filled[start:stop].any():
            raise ValueError(f"some of draws {start}..{stop - 1} were already stored")
        if draws_last:
            deviations = block - self.reference[..., None]
            self.deviations[:, start:stop] = deviations.reshape(-1, n)
        else:
            self.deviations[:, start:stop] = (block - self.reference).reshape(n, -1).T
        self.filled[start:stop] = True

    def add_deviations(self, draws: slice, deviations: ArrayLike) -> None:
        """Store draws given as deviations from the reference, shape ``(*shape, len(draws))``.

        The cheapest way in: no subtraction and no transposition. A deviation of exactly 0
        gives back the reference exactly.
        """
        start, stop, step = draws.indices(self.n_draws)
        if step != 1:
            raise ValueError("draws must be a contiguous slice")
        block = np.asarray(deviations)
        n = stop - start
        if block.shape != (*self.shape, n):
            raise ValueError(
                f"deviations for draws {start}..{stop - 1} must have shape "
                f"{(*self.shape, n)}, got {block.shape}"
            )
        if self.filled[start:stop].any():
            raise ValueError(f"some of draws {start}..{stop - 1} were already stored")
        self.deviations[:, start:stop] = block.reshape(-1, n)
        self.filled[start:stop] = True

    def merge(self, other: DrawStore) -> None:
        """Take in the draws stored in ``other`` (same run, same shape, disjoint draws)."""
        if (other.n_draws, other.shape) != (self.n_draws, self.shape):
            raise ValueError("can only merge stores of the same number of draws and shape")
        if (self.filled & other.filled).any():
            raise ValueError("the stores hold some of the same draws")
        draws = other.filled
        shift = (other.reference - self.reference).reshape(-1, 1)
        self.deviations[:, draws] = other.deviations[:, draws].astype(np.float64) + shift
        self.filled |= draws

    def values(self) -> Floats:
        """All draws as float64, shape ``(n_draws, *shape)`` (a full-size copy)."""
        self._check_complete()
        values = self.deviations.T.astype(np.float64).reshape(self.n_draws, *self.shape)
        return values + self.reference

    def summary(
        self, levels: Sequence[float] = PERCENTILES, *, method: PercentileMethod = "linear"
    ) -> Summary:
        """Exact percentiles (numpy ``method``, default linear interpolation) and the mean.

        For discrete outcomes that may be infinite (a backlog clearance month, ``inf`` for
        never), use ``method="inverted_cdf"`` so each percentile is an observed value.
        """
        self._check_complete()
        levels = tuple(levels)
        series = self.deviations
        pct = np.empty((len(levels), self.n_series), dtype=np.float64)
        mean = np.empty(self.n_series, dtype=np.float64)
        batch = max(1, _PERCENTILE_BATCH_BYTES // max(1, self.n_draws * series.itemsize))
        # A series whose draws all equal the reference (e.g. the base year) needs no sorting.
        moving = np.flatnonzero(np.any(series != 0, axis=1))
        pct[:] = 0.0
        mean[:] = 0.0
        for lo in range(0, moving.size, batch):
            chosen = moving[lo : lo + batch]
            rows = series[chosen]  # a copy, so the percentiles may partition it in place
            mean[chosen] = np.mean(rows, axis=1, dtype=np.float64)
            pct[:, chosen] = np.percentile(
                rows, levels, axis=1, method=method, overwrite_input=True
            )
        ref = self.reference.reshape(-1)
        return Summary(
            levels=levels,
            percentiles=(pct + ref).reshape(len(levels), *self.shape),
            mean=(mean + ref).reshape(self.shape),
            n_draws=self.n_draws,
        )

    def _check_complete(self) -> None:
        if not self.filled.all():
            missing = int((~self.filled).sum())
            raise ValueError(f"{missing} of {self.n_draws} draws have not been stored")


class ShareCounter:
    """Share of draws meeting a condition, per element of an output of shape ``shape``.

    Feed it boolean arrays of shape ``(chunk, *shape)``; :meth:`probability` gives the share
    of all draws added so far (a fraction in [0, 1]).
    """

    def __init__(self, shape: Sequence[int] = ()) -> None:
        self.shape = tuple(int(n) for n in shape)
        self.count = np.zeros(self.shape, dtype=np.int64)
        self.n_draws = 0

    def add(self, condition: ArrayLike, *, draws_last: bool = False) -> None:
        """Count the draws of ``condition`` that are true, element by element.

        ``condition`` has shape ``(draws, *shape)``, or ``(*shape, draws)`` with ``draws_last``.
        """
        mask = np.asarray(condition, dtype=bool)
        inner = mask.shape[:-1] if draws_last else mask.shape[1:]
        if inner != self.shape or mask.ndim != len(self.shape) + 1:
            layout = f"(*{self.shape}, draws)" if draws_last else f"(draws, *{self.shape})"
            raise ValueError(f"condition must have shape {layout}, got {mask.shape}")
        axis = -1 if draws_last else 0
        self.count += np.count_nonzero(mask, axis=axis)
        self.n_draws += mask.shape[axis]

    def merge(self, other: ShareCounter) -> None:
        """Add in the counts of another counter of the same shape (disjoint draws)."""
        if other.shape != self.shape:
            raise ValueError("can only merge counters of the same shape")
        self.count += other.count
        self.n_draws += other.n_draws

    def probability(self) -> Floats:
        """Share of draws meeting the condition, shape ``shape``."""
        if self.n_draws == 0:
            raise ValueError("no draws have been counted")
        return self.count / self.n_draws


def percentile_summary(
    draws: ArrayLike, levels: Sequence[float] = PERCENTILES, *, method: PercentileMethod = "linear"
) -> Summary:
    """Percentiles and mean of an in-memory array shaped ``(draws, ...)`` (float64 kept).

    >>> percentile_summary([[0.0], [10.0]], levels=(50,)).at(50).tolist()
    [5.0]
    """
    arr = np.asarray(draws, dtype=np.float64)
    store = DrawStore(arr.shape[0], arr.shape[1:], dtype=np.float64)
    store.add(slice(0, arr.shape[0]), arr)
    return store.summary(levels, method=method)

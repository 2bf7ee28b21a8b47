"""Period sums and headline months taken during the service model's month loop (numpy).

A Monte Carlo run needs of the monthly series only their sums by financial year and the first
months the backlog clears and the 28-day standard is met. Writing every series out month by
month (``(months, options x draws)`` arrays) and reading them back was most of the memory
traffic of the service model; :class:`MonthSums` instead gives the loop one reused row for each
series it would not keep (a months axis of stride 0: the loop's in-place arithmetic is
unchanged) and, after each month, adds the rows into the period totals and notes the headline
months, on arrays the size of one month (in cache).

The numbers are those of :func:`~finmodel.service.ipa_results.sum_months` on the recorded
series (months added one after another, in month order, weights multiplied first) and of
:meth:`~finmodel.service.ipa_results.IpaServiceResult.months_to_clear_backlog` and
:meth:`~finmodel.service.ipa_results.IpaServiceResult.first_month_meeting_standard` (the same
comparisons), so a run gives the same answers whether it records the series or not.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np

from finmodel.service.ipa_results import STAFF_COST, FloatArray, IntArray, month_groups

#: Series the headline months are found from.
HEADLINE_SERIES = ("overdue_backlog", "assessments", "decisions_within_28_days")


def summable(sums: Sequence[tuple[str, FloatArray]], months: int) -> bool:
    """Whether every ``(name, matrix)`` can be summed during the loop (each period a run of
    consecutive months; staff costs are summed apart, so any matrix will do for them)."""
    return all(
        name.startswith(STAFF_COST) or (np.shape(m)[0] == months and month_groups(m) is not None)
        for name, m in sums
    )


class MonthSums:
    """Accumulates period sums and headline months of one run as the loop goes (see the module
    docstring). ``shape`` is the loop's batch shape, ``p`` its compact parameters."""

    def __init__(
        self,
        months: int,
        shape: tuple[int, ...],
        p: Mapping[str, FloatArray],
        sums: Sequence[tuple[str, FloatArray]],
        first_months: bool,
    ) -> None:
        self.shape = shape
        self.requests: list[tuple[str, list[tuple[int, int, FloatArray, bool]], FloatArray]] = []
        for name, matrix in sums:
            if name.startswith(STAFF_COST):
                continue
            groups = month_groups(matrix)
            assert groups is not None
            totals = np.zeros((np.shape(matrix)[1], *shape))
            spans = [(a, b, w, bool(np.all(w == 1.0))) for a, b, w in groups]
            self.requests.append((name, spans, totals))
        self.by_month: list[list[tuple[int, float | None, int]]] = [[] for _ in range(months)]
        for r, (_, spans, _) in enumerate(self.requests):
            for j, (a, b, w, ones) in enumerate(spans):
                for m in range(a, b):
                    self.by_month[m].append((r, None if ones else float(w[m - a]), j))
        self.first_months = first_months
        self.clear = np.full(shape, -1, dtype=np.int64)
        self.standard = np.full(shape, -1, dtype=np.int64)
        self.threshold = p["backlog_clear_threshold"]
        self.standard_share = p["standard_share"] - 1e-12  # as first_month_meeting_standard
        self.share, self.met = np.empty(shape), np.empty(shape, bool)
        # elements whose backlog has not yet cleared / standard not yet been met
        self.clear_pending, self.standard_pending = np.ones(shape, bool), np.ones(shape, bool)
        self.scratch = np.empty(shape)
        self.rows: Mapping[str, FloatArray] = {}

    def needed(self) -> set[str]:
        """Series the loop must compute."""
        names = {name for name, _, _ in self.requests}
        return names | set(HEADLINE_SERIES) if self.first_months else names

    def attach(self, out: dict[str, FloatArray], months: int) -> None:
        """Give ``out`` a reused row (months stride 0) for each needed series it lacks."""
        for name in self.needed() - set(out):
            row = np.empty(self.shape)
            out[name] = np.lib.stride_tricks.as_strided(
                row, (months, *self.shape), (0, *row.strides), writeable=True
            )
        self.rows = out

    def add(self, t: int) -> None:
        """Take in month ``t`` (called by the loop at the end of each month)."""
        for r, weight, period in self.by_month[t]:
            name, _, totals = self.requests[r]
            row = self.rows[name][t]
            total = totals[period]
            if weight is None:
                np.add(total, row, out=total)
            else:
                np.add(total, np.multiply(row, weight, out=self.scratch), out=total)
        if not self.first_months:
            return
        met = self.met
        np.less_equal(self.rows["overdue_backlog"][t], self.threshold, out=met)
        np.logical_and(met, self.clear_pending, out=met)
        np.copyto(self.clear, t + 1, where=met)
        np.logical_xor(self.clear_pending, met, out=self.clear_pending)
        # A month with no decisions never meets the standard: 0 / 0 is NaN, and NaN >= x is
        # false (decisions within 28 days are at most the assessments, so none when none).
        with np.errstate(invalid="ignore", divide="ignore"):
            np.divide(self.rows["decisions_within_28_days"][t], self.rows["assessments"][t],
                      out=self.share)  # fmt: skip
        np.greater_equal(self.share, self.standard_share, out=met)
        np.logical_and(met, self.standard_pending, out=met)
        np.copyto(self.standard, t, where=met)
        np.logical_xor(self.standard_pending, met, out=self.standard_pending)

    def results(self) -> tuple[list[FloatArray], dict[str, IntArray]]:
        """The sums ``(periods, *shape)`` in the order asked (staff costs left out) and the
        headline months (``months_to_clear_backlog`` before the check of the initial backlog)."""
        heads = (
            {"months_to_clear_backlog": self.clear, "first_month_meeting_standard": self.standard}
            if self.first_months
            else {}
        )
        return [totals for _, _, totals in self.requests], heads

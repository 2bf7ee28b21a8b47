"""Results of the IPA / Continuing Healthcare service model: monthly series, summaries, checks.

Every monthly series is an array shaped ``(*batch, months)`` where ``batch`` is the broadcast
shape of the run's per-option / per-draw inputs (e.g. ``(options,)`` or ``(draws, options)``).
Flows are counts in the month (referrals, assessments, reviews) or £k in the month (spend, cash);
stocks are counts at the end of the month (queue, backlog, caseload).

Conservation, every month and every batch element (:func:`conservation_residuals`)::

    referrals = assessments + withdrawals + (queue_end - queue_start)
    reviews_due = reviews_done + (backlog_end - backlog_start) + lapsed_reviews

``withdrawals`` are referrals leaving the queue without a decision (deaths, withdrawals);
``lapsed_reviews`` are overdue reviews of people who left (zero when lapsing is switched off,
when the second line is SPEC section 6's original identity).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, TypeVar, overload

import numpy as np
import numpy.typing as npt

from finmodel.errors import FinmodelError
from finmodel.service.headlines import OutcomeCourse, outcome_course

if TYPE_CHECKING:
    from finmodel.domain.service_parameters import IpaServiceParameters

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]
T = TypeVar("T", bound=np.generic)

#: Prefix of a block's staff cost in :meth:`IpaServiceResult.sum_months` (``extra_staff_cost:1``).
STAFF_COST = "extra_staff_cost:"

#: Parameters the staff cost depends on.
_STAFF_FIELDS = (
    "interim_premium",
    "cost_per_fte_k",
    "interim_lag_months",
    "recruitment_lag_months",
    "vacancy_factor",
)

#: Month or year index meaning "not within the horizon".
NEVER = -1

#: Series summed within a financial year by :meth:`IpaServiceResult.annual` (the rest are stocks,
#: taken at the year's last month).
FLOW_SERIES = (
    "referrals",
    "assessments",
    "decisions_within_28_days",
    "new_eligible",
    "reviews_due",
    "reviews_done",
    "lapsed_reviews",
    "withdrawals",
    "package_spend",
    "cash_released",
    "extra_staff_cost",
)
STOCK_SERIES = ("queue", "incomplete_over_28_days", "overdue_backlog", "caseload", "fte")


class ConservationError(FinmodelError):
    """A service-model run broke a conservation identity (a bug, not an input problem)."""


@dataclass(frozen=True)
class Funding:
    """One block of money buying service staff, per batch element (arrays broadcast with it).

    ``amount_k`` is £k a year at the first simulated month's pay (it buys ``amount_k /
    (cost_per_fte_k x (1 + premium))`` posts); the posts are funded from month index ``start``
    to ``end`` (exclusive; the horizon or more = to the end). ``interim`` blocks use interim
    staff: ``interim_lag_months`` and ``interim_premium`` instead of the recruitment lag and no
    premium. Recurrent money is one block ending at its end year; a time-limited team is a block
    of its months.

    >>> Funding(amount_k=np.array([796.0]), start=np.array([3]), end=np.array([27])).interim
    False
    """

    amount_k: FloatArray
    """£k a year (at the first month's pay), batch-broadcastable."""
    start: IntArray
    """First funded month index, batch-broadcastable."""
    end: IntArray
    """Month index at which the money stops (exclusive), batch-broadcastable."""
    interim: bool = False
    """Whether the block buys interim staff (shorter lag, premium)."""


def staff_ramp(
    months: int,
    starts: npt.ArrayLike,
    params: IpaServiceParameters,
    ends: npt.ArrayLike | None = None,
    lag: npt.ArrayLike | None = None,
) -> FloatArray:
    """Share of the funded staff in post each month, ``(*batch, months)``, in [0, 1].

    Staff bought from month ``starts`` (per batch element) arrive after ``lag`` months (default
    ``recruitment_lag_months``; fractional lags put a part-month in post), linearly over
    ``ramp_months`` (all at once when 0), and leave at month ``ends`` (exclusive; default never),
    when the money stops.

    >>> from finmodel.service.ipa import IpaServiceParameters
    >>> p = IpaServiceParameters.example()  # lag 3 months, ramp 3 months
    >>> staff_ramp(9, [3], p).round(2).tolist()
    [[0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.33, 0.67, 1.0]]
    >>> staff_ramp(9, [3], p, ends=[8]).round(2).tolist()
    [[0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.33, 0.67, 0.0]]
    """
    m = np.arange(months)
    delay = params.recruitment_lag_months if lag is None else np.asarray(lag)[..., None]
    in_post_from = np.asarray(starts)[..., None] + delay
    share = np.clip((m - in_post_from + 1) / max(params.ramp_months, 1), 0.0, 1.0)
    if ends is not None:
        share = np.where(m < np.asarray(ends)[..., None], share, 0.0)
    return np.asarray(share, dtype=float)


def _staff_ramp_in_place(
    months: int,
    block: Funding,
    params: IpaServiceParameters,
    lag: npt.ArrayLike,
    shape: tuple[int, ...] = (),
) -> FloatArray:
    """:func:`staff_ramp` of a block, bit for bit, with each step done in place in one new
    array (rather than five), shaped to broadcast with ``shape`` as well."""
    m = np.arange(months)
    in_post_from = np.asarray(block.start)[..., None] + np.asarray(lag)[..., None]
    end = np.asarray(block.end)[..., None]
    share = np.empty(np.broadcast_shapes(m.shape, in_post_from.shape, end.shape, shape))
    np.subtract(m, in_post_from, out=share)
    np.add(share, 1, out=share)
    np.divide(share, max(params.ramp_months, 1), out=share)
    np.clip(share, 0.0, 1.0, out=share)
    # share * (m < end) is share where funded and +0.0 elsewhere (share is at least +0.0)
    np.multiply(share, m < end, out=share)
    return share


def _shrunk(values: npt.NDArray[T]) -> npt.NDArray[T]:
    """A broadcast array shrunk to length 1 along the axes it was broadcast along (a view)."""
    array = np.asarray(values)
    return array[tuple(slice(0, 1) if st == 0 else slice(None) for st in array.strides)]


def _monthly_growth(rate: npt.ArrayLike, months: int) -> FloatArray:
    """``(1 + rate) ** (m / 12)`` for each month, ``(*batch, months)``, computed on the rate's
    distinct values only and broadcast (a read-only view).

    >>> _monthly_growth(np.zeros(2), 2).tolist()
    [[1.0, 1.0], [1.0, 1.0]]
    """
    full = np.asarray(rate, dtype=float)
    small = (1.0 + _shrunk(full)[..., None]) ** (np.arange(months) / 12.0)
    return np.broadcast_to(small, (*full.shape, months))


def funded_share(months: int, block: Funding) -> FloatArray:
    """Share of a block's money being spent each month (1 from its start to its end), ``(*batch,
    months)``: what a held budget charges.

    >>> funded_share(5, Funding(np.array([1.0]), np.array([1]), np.array([3]))).tolist()
    [[0.0, 1.0, 1.0, 0.0, 0.0]]
    """
    m = np.arange(months)
    on = (m >= np.asarray(block.start)[..., None]) & (m < np.asarray(block.end)[..., None])
    return np.asarray(on, dtype=float)


def _month_groups(matrix: FloatArray) -> list[tuple[int, int, FloatArray]] | None:
    """Each column of a (months, periods) matrix as (first month, end month, weights), or None
    when some column is not one run of consecutive months or a month is in two columns."""
    rows, cols = np.nonzero(matrix.T)  # by column, months in order
    if np.unique(cols).size != cols.size:  # a month in two periods
        return None
    groups = []
    for j in range(matrix.shape[1]):
        months = cols[rows == j]
        if months.size and int(months[-1]) - int(months[0]) + 1 != months.size:
            return None
        first, end = (int(months[0]), int(months[-1]) + 1) if months.size else (0, 0)
        groups.append((first, end, matrix[first:end, j]))
    return groups


def sum_months(monthly: npt.ArrayLike, matrix: npt.ArrayLike) -> FloatArray:
    """``monthly @ matrix``: monthly values ``(*batch, months)`` summed into periods with a
    ``(months, periods)`` matrix of weights (e.g. 1 for the months of each financial year),
    ``(*batch, periods)``.

    When each period is a run of consecutive months (as financial years are), the months are
    added one after another, in month order, straight from the series' memory whatever its
    layout (the service model keeps its series months-first, which a matrix product would first
    copy, at more cost than the sum). The result is then the same bit for bit whatever the
    layout; it equals the matrix product within rounding (relative 1e-13: the product may add
    in another order). Other matrices: the product.

    >>> sum_months(np.arange(6.0).reshape(1, 6), np.repeat(np.eye(2), 3, axis=0)).tolist()
    [[3.0, 12.0]]
    """
    values = np.asarray(monthly, dtype=float)
    weights = np.asarray(matrix, dtype=float)
    groups = _month_groups(weights) if weights.ndim == 2 and values.ndim >= 1 else None
    if groups is None or values.shape[-1] != weights.shape[0]:
        return np.asarray(values @ weights)
    by_month = np.moveaxis(values, -1, 0)  # a view: contiguous rows for the service's series
    out = np.zeros((len(groups), *values.shape[:-1]))
    scratch = np.empty(values.shape[:-1])
    # months outermost in memory: numpy's sum over them adds whole rows one after another
    # (the same order as the loop below, in one call)
    outer = by_month.ndim > 1 and abs(by_month.strides[0]) >= max(
        abs(st) * n for st, n in zip(by_month.strides[1:], by_month.shape[1:], strict=True)
    )
    for j, (first, end, w) in enumerate(groups):
        total = out[j]
        if outer and end > first:
            rows = by_month[first:end]
            if not bool(np.all(w == 1.0)):
                rows = rows * w.reshape((-1,) + (1,) * (rows.ndim - 1))
            np.sum(rows, axis=0, out=total)
            continue
        for m in range(first, end):
            weight = float(w[m - first])
            if weight == 1.0:
                np.add(total, by_month[m], out=total)
            else:
                np.add(total, np.multiply(by_month[m], weight, out=scratch), out=total)
    return np.moveaxis(out, 0, -1)


def matrix_key(matrix: npt.ArrayLike) -> bytes:
    """A key identifying a ``(months, periods)`` weight matrix by its values."""
    weights = np.ascontiguousarray(matrix, dtype=float)
    return repr(weights.shape).encode() + weights.tobytes()


def month_groups(matrix: FloatArray) -> list[tuple[int, int, FloatArray]] | None:
    """Each column of a (months, periods) matrix as (first month, end month, weights), or None
    when :func:`sum_months` would not add its months one after another."""
    return _month_groups(np.asarray(matrix, dtype=float))


def financial_year_of(year: int, month: int) -> str:
    """The UK financial year (April-March) of a calendar month.

    >>> financial_year_of(2020, 3), financial_year_of(2020, 4)
    ('2019/20', '2020/21')
    """
    start = year if month >= 4 else year - 1
    return f"{start}/{(start + 1) % 100:02d}"


@dataclass(frozen=True)
class AnnualSummary:
    """Service results by financial year: flows summed, stocks at the year's last month."""

    years: tuple[str, ...]
    """Financial years covered, in order (the first and last may be part years)."""
    months_in_year: tuple[int, ...]
    """How many simulated months fall in each year (12 except possibly the first and last)."""
    values: dict[str, FloatArray]
    """Series name -> array ``(*batch, years)``; flows summed, stocks at year end."""
    share_within_28_days: FloatArray
    """Decisions within 28 days / assessments completed in the year; NaN when none completed."""


class _Series:
    """A monthly series of :class:`IpaServiceResult` as an attribute (``result.queue``)."""

    def __set_name__(self, owner: type, name: str) -> None:
        self.name = name

    @overload
    def __get__(self, obj: None, objtype: type | None = None) -> _Series: ...
    @overload
    def __get__(self, obj: IpaServiceResult, objtype: type | None = None) -> FloatArray: ...
    def __get__(
        self, obj: IpaServiceResult | None, objtype: type | None = None
    ) -> FloatArray | _Series:
        return self if obj is None else obj.get(self.name)


@dataclass(frozen=True)
class IpaServiceResult:
    """Monthly outputs of :func:`finmodel.service.ipa.simulate_ipa_service` and summaries."""

    parameters: IpaServiceParameters
    """The scalar parameters of the run (before per-option / per-draw overrides)."""
    resolved: Mapping[str, FloatArray]
    """Every numeric parameter as an array of the batch shape (overrides applied)."""
    investment_k: FloatArray
    """Investment of each batch element, £k a year, batch shape."""
    investment_start_month: IntArray
    """Month index from which each batch element's investment is funded, batch shape."""
    month_labels: tuple[str, ...]
    """Calendar month of each simulated month, ``"2020-01"``."""
    financial_years: tuple[str, ...]
    """Financial year of each simulated month, ``"2019/20"``."""
    initial_queue: FloatArray
    """Referrals waiting at the start (batch shape)."""
    initial_backlog: FloatArray
    """Overdue reviews at the start (batch shape)."""
    series: dict[str, FloatArray] = field(repr=False)
    """Recorded monthly series by name, each ``(*batch, months)``."""
    funding: tuple[Funding, ...] = ()
    """The blocks of money buying staff (the recurrent investment first), arrays broadcasting
    with the batch; empty means the recurrent investment alone, never ending."""
    period_sums: dict[tuple[str, bytes], FloatArray] = field(default_factory=dict, repr=False)
    """Monthly series summed into periods during the run, ``(*batch, periods)``, by (series
    name, :func:`matrix_key` of the ``(months, periods)`` weights): what :meth:`sum_months`
    returns without the series being kept (a Monte Carlo run keeps only these)."""
    first_months: dict[str, IntArray] = field(default_factory=dict, repr=False)
    """:meth:`months_to_clear_backlog` and :meth:`first_month_meeting_standard` found during
    the run (by those names), batch shape, when asked for."""

    # -- series (each ``(*batch, months)``; see :meth:`get`) ------------------------------------
    referrals = _Series()
    assessments = _Series()
    queue = _Series()
    incomplete_over_28_days = _Series()
    decisions_within_28_days = _Series()
    share_within_28_days = _Series()
    new_eligible = _Series()
    reviews_due = _Series()
    reviews_done = _Series()
    overdue_backlog = _Series()
    lapsed_reviews = _Series()
    withdrawals = _Series()
    caseload = _Series()
    package_spend = _Series()
    cash_released = _Series()
    fte = _Series()
    extra_fte = _Series()
    extra_staff_cost = _Series()

    def get(self, name: str) -> FloatArray:
        """A monthly series by name (recorded, or derived from recorded ones).

        Derived: ``share_within_28_days`` (decisions within 28 days / assessments, NaN when no
        assessment was completed), ``new_eligible``, ``fte``, ``extra_fte``,
        ``extra_staff_cost`` (£k a month), ``package_spend`` (£k a month, before cash released).
        """
        if name in self.series:
            return self.series[name]
        if name == "share_within_28_days":
            return self._share_within_28_days(np.nan)
        if name == "new_eligible":
            return self.get("assessments") * self.resolved["conversion_rate"][..., None]
        if name == "extra_fte":
            return self.extra_fte_profile()
        if name == "fte":
            return np.maximum(self.resolved["base_fte"][..., None] + self.extra_fte_profile(), 0.0)
        if name == "extra_staff_cost":
            return self.extra_staff_cost_profile()
        if name == "package_spend":
            return self.get("caseload") * self.package_cost_per_month()
        raise FinmodelError(
            f"series {name!r} was not recorded in this run; recorded: {sorted(self.series)}"
        )

    def sum_months(self, name: str, matrix: FloatArray) -> FloatArray:
        """A monthly series summed into periods, ``(*batch, periods)``: ``sum_months(get(name),
        matrix)``, taken from :attr:`period_sums` when the run summed it (the same numbers).
        ``extra_staff_cost:k`` is block ``k``'s staff cost, ``extra_staff_cost_profile(k,
        compact=True) @ matrix`` (in a Monte Carlo run, :meth:`extra_staff_cost_by_period`: equal
        within rounding)."""
        found = self.period_sums.get((name, matrix_key(matrix)))
        if found is not None:
            return found
        if name.startswith(STAFF_COST):  # one block's staff cost, as the streams sum it
            block = int(name[len(STAFF_COST) :])
            return np.asarray(self.extra_staff_cost_profile(block, compact=True) @ matrix)
        return sum_months(self.get(name), matrix)

    def _share_within_28_days(self, none: float) -> FloatArray:
        """Decisions within 28 days / assessments by month, ``none`` where no assessment was
        completed (in the memory layout of the recorded series, which keeps it fast)."""
        done = self.get("assessments")
        out = np.full_like(done, none)
        np.divide(self.get("decisions_within_28_days"), done, out=out, where=done > 0)
        return out

    @property
    def months(self) -> int:
        """Number of simulated months."""
        return len(self.month_labels)

    @property
    def batch_shape(self) -> tuple[int, ...]:
        """Shape of the options / draws dimensions."""
        return tuple(self.investment_k.shape)

    def funding_blocks(self) -> tuple[Funding, ...]:
        """The blocks of money buying staff (the recurrent investment alone when none given)."""
        if self.funding:
            return self.funding
        ends = np.full_like(self.investment_start_month, self.months + 1)
        return (Funding(self.investment_k, self.investment_start_month, ends),)

    def _block_terms(self, block: Funding) -> tuple[FloatArray, FloatArray, FloatArray]:
        """(posts funded, cost per post £k a year at the first month's pay, arrival lag) of a
        block, batch shape."""
        r = self.resolved
        premium = r["interim_premium"] if block.interim else np.zeros_like(r["cost_per_fte_k"])
        cost = r["cost_per_fte_k"] * (1.0 + premium)
        lag = r["interim_lag_months"] if block.interim else r["recruitment_lag_months"]
        return np.asarray(block.amount_k) / cost, cost, lag

    def extra_fte_profile(self) -> FloatArray:
        """Extra staff in post each month bought by the money, net of vacancies (FTE),
        ``(*batch, months)``: zero before they arrive and from the month the money stops."""
        total: FloatArray = np.zeros((*self.batch_shape, self.months))
        in_post = 1.0 - self.resolved["vacancy_factor"][..., None]
        for block in self.funding_blocks():
            posts, _, lag = self._block_terms(block)
            ramp = staff_ramp(self.months, block.start, self.parameters, block.end, lag)
            total = total + posts[..., None] * in_post * ramp
        return total

    def pay_index(self) -> FloatArray:
        """Cost of one FTE relative to the first month, ``(*batch, months)`` (pay growth; a
        broadcast view when the growth does not vary by draw)."""
        return _monthly_growth(self.resolved["pay_growth"], self.months)

    def extra_staff_cost_profile(
        self, block_index: int | None = None, *, compact: bool = False
    ) -> FloatArray:
        """Nominal cost charged each month, £k, ``(*batch, months)``: staff in post x cost per
        FTE (interim premium included) x pay index / 12, or, with ``budget_held``, the whole
        budget from the month it is funded to the month it stops (growing with pay).
        ``block_index`` limits it to one block of :meth:`funding_blocks` (default all).
        ``compact`` returns it computed on the inputs' distinct values only, length 1 along the
        batch axes nothing it depends on varies (it broadcasts to the batch shape)."""
        r = {name: _shrunk(r) for name, r in self.resolved.items()}
        total: FloatArray = np.zeros(1)
        in_post = 1.0 - r["vacancy_factor"][..., None]
        blocks = self.funding_blocks()
        chosen = blocks if block_index is None else (blocks[block_index],)
        for block in chosen:
            small = Funding(_shrunk(block.amount_k), _shrunk(block.start), _shrunk(block.end))
            premium = r["interim_premium"] if block.interim else 0.0
            cost = r["cost_per_fte_k"] * (1.0 + premium)
            lag = r["interim_lag_months"] if block.interim else r["recruitment_lag_months"]
            posts = np.asarray(small.amount_k) / cost
            scale = (posts * cost)[..., None]
            if self.parameters.budget_held:
                share = funded_share(self.months, small) * scale
            else:
                shape = np.broadcast_shapes(in_post.shape, scale.shape)
                share = _staff_ramp_in_place(self.months, small, self.parameters, lag, shape)
                np.multiply(share, in_post, out=share)
                np.multiply(share, scale, out=share)
            total = share if total.shape == (1,) and not total.any() else total + share
        growth = (1.0 + r["pay_growth"][..., None]) ** (np.arange(self.months) / 12.0)
        out = np.asarray(total * growth)
        np.divide(out, 12.0, out=out)
        full = (*self.batch_shape, self.months)
        return out if compact else np.broadcast_to(out, full).copy()

    def extra_staff_cost_by_period(self, block_index: int, matrix: npt.ArrayLike) -> FloatArray:
        """``extra_staff_cost_profile(block_index, compact=True) @ matrix`` (£k by period,
        nominal), computed without a monthly array: months with the staff fully in post are
        summed from cumulative sums of the pay index over the periods, and the few months of
        the ramp (at most ``ramp_months + 1``) one by one. Equal to the month-by-month product
        within rounding (relative 1e-13: the sums are added in another order); the Monte Carlo
        path uses it. Falls back to the product with ``budget_held`` or pay growth varying by
        option or draw.

        >>> from finmodel.service.ipa import IpaServiceParameters, simulate_ipa_service
        >>> r = simulate_ipa_service(IpaServiceParameters.example(), [0.0, 796.0])
        >>> years = np.repeat(np.eye(10), 12, axis=0)
        >>> fast = r.extra_staff_cost_by_period(0, years)
        >>> bool(np.allclose(fast, r.extra_staff_cost_profile(0) @ years, rtol=1e-13, atol=0))
        True
        """
        weights = np.asarray(matrix, dtype=float)
        pay = np.asarray(self.resolved["pay_growth"])
        if self.parameters.budget_held or not bool(np.all(pay == pay.flat[0])):
            return np.asarray(self.extra_staff_cost_profile(block_index, compact=True) @ weights)
        r = {name: _shrunk(self.resolved[name]) for name in _STAFF_FIELDS}
        months = self.months
        index = (1.0 + float(pay.flat[0])) ** (np.arange(months) / 12.0)
        by_month = index[:, None] * weights  # (months, periods): pay index x weight
        cumulative = np.zeros((months + 1, weights.shape[1]))
        np.cumsum(by_month, axis=0, out=cumulative[1:])
        block = self.funding_blocks()[block_index]
        premium = r["interim_premium"] if block.interim else 0.0
        cost = r["cost_per_fte_k"] * (1.0 + premium)
        lag = r["interim_lag_months"] if block.interim else r["recruitment_lag_months"]
        scale = np.asarray(_shrunk(block.amount_k)) / cost * cost * (1.0 - r["vacancy_factor"])
        arrive = _shrunk(block.start) + lag  # share in post (m - arrive + 1) / ramp, clipped
        end = np.asarray(_shrunk(block.end))
        ramp = max(self.parameters.ramp_months, 1)
        full_from = np.ceil(arrive - 1.0 + ramp)  # first month with every post filled
        lo = np.clip(full_from, 0, months).astype(np.int64)
        hi = np.maximum(np.clip(end, 0, months), lo)
        total = cumulative[hi] - cumulative[lo]
        first = np.floor(arrive - 1.0) + 1.0  # first month some may be in post
        for k in range(ramp + 1):
            m = first + k
            share = np.clip((m - arrive + 1.0) / ramp, 0.0, 1.0)
            share = share * ((m < full_from) & (m < end) & (m >= 0) & (m < months))
            rows = by_month[np.clip(m, 0, months - 1).astype(np.int64)]
            total = total + share[..., None] * rows
        return np.asarray(total * (scale / 12.0)[..., None])

    def package_cost_per_month(self) -> FloatArray:
        """Average package cost per eligible case in each month, £k, ``(*batch, months)``."""
        growth = _monthly_growth(self.resolved["package_cost_growth"], self.months)
        cost = _shrunk(self.resolved["package_cost_k_per_year"])[..., None]
        return np.broadcast_to(cost * growth / 12.0, (*self.batch_shape, self.months))

    # -- summaries ---------------------------------------------------------------------------
    def months_to_clear_backlog(self) -> IntArray:
        """Months from the start until the overdue backlog is first at or below the clearing
        threshold (0 if it starts there); ``NEVER`` (-1) if not within the horizon."""
        if "months_to_clear_backlog" in self.first_months:
            return self.first_months["months_to_clear_backlog"]
        # months first (a view: the service model's memory order), so the search runs along
        # contiguous rows
        backlog = np.moveaxis(self.get("overdue_backlog"), -1, 0)
        threshold = self.resolved["backlog_clear_threshold"]
        cleared = backlog <= threshold
        months = np.where(cleared.any(axis=0), cleared.argmax(axis=0) + 1, NEVER)
        return np.where(self.initial_backlog <= threshold, 0, months).astype(np.int64)

    def first_month_meeting_standard(self) -> IntArray:
        """Index of the first month whose share of decisions within 28 days reaches the standard
        (default 80%); ``NEVER`` (-1) if none. Months with no decisions do not count."""
        if "first_month_meeting_standard" in self.first_months:
            return self.first_months["first_month_meeting_standard"]
        done = np.moveaxis(self.get("assessments"), -1, 0)  # months first, as in memory
        share = np.full(done.shape, -1.0)  # a month with no decisions never meets it
        np.divide(
            np.moveaxis(self.get("decisions_within_28_days"), -1, 0),
            done,
            out=share,
            where=done > 0,
        )
        met = share >= self.resolved["standard_share"] - 1e-12
        return np.where(met.any(axis=0), met.argmax(axis=0), NEVER).astype(np.int64)

    def standard_met(self) -> npt.NDArray[np.bool_]:
        """Whether each month's share of decisions within 28 days reaches the standard
        ``(*batch, months)`` (a month with no decisions does not)."""
        share = self._share_within_28_days(-1.0)
        return np.asarray(share >= self.resolved["standard_share"][..., None] - 1e-12)

    def backlog_cleared(self) -> npt.NDArray[np.bool_]:
        """Whether the overdue backlog is at or below the clearing threshold each month."""
        threshold = self.resolved["backlog_clear_threshold"][..., None]
        return np.asarray(self.get("overdue_backlog") <= threshold)

    def headlines(self) -> dict[str, tuple[OutcomeCourse, FloatArray]]:
        """Each headline outcome's course (first reached, sustained from, lost in) and its value
        in the last month, batch shape: ``standard_28_days`` (share of decisions within 28
        days, a fraction) and ``backlog_cleared`` (overdue reviews).

        >>> from finmodel.service.ipa import IpaServiceParameters, simulate_ipa_service
        >>> r = simulate_ipa_service(IpaServiceParameters.example(), [0.0, 4000.0])
        >>> course, at_end = r.headlines()["backlog_cleared"]
        >>> course.first_reached.tolist()
        [-1, 12]
        """
        share = self._share_within_28_days(0.0)
        return {
            "standard_28_days": (outcome_course(self.standard_met()), share[..., -1]),
            "backlog_cleared": (
                outcome_course(self.backlog_cleared()),
                self.get("overdue_backlog")[..., -1],
            ),
        }

    def first_year_meeting_standard(self) -> IntArray:
        """Index into :attr:`AnnualSummary.years` of the first financial year whose annual share
        within 28 days reaches the standard; ``NEVER`` (-1) if none."""
        share = self.annual(("assessments", "decisions_within_28_days")).share_within_28_days
        met = np.nan_to_num(share, nan=-1.0) >= self.resolved["standard_share"][..., None] - 1e-12
        return np.where(met.any(axis=-1), met.argmax(axis=-1), NEVER).astype(np.int64)

    def annual(self, names: tuple[str, ...] | None = None) -> AnnualSummary:
        """Totals by financial year: flows summed, stocks at year end (see module constants).

        ``names`` chooses the series (default: every flow and stock that can be had)."""
        labels = list(self.financial_years)
        years = tuple(dict.fromkeys(labels))
        starts = np.asarray([labels.index(y) for y in years])
        ends = np.asarray([*starts[1:], len(labels)]) - 1
        wanted = names if names is not None else FLOW_SERIES + STOCK_SERIES
        values: dict[str, FloatArray] = {}
        for name in wanted:
            try:
                series = self.get(name)
            except FinmodelError:
                if names is not None:
                    raise
                continue
            if name in FLOW_SERIES:
                values[name] = np.add.reduceat(series, starts, axis=-1)
            else:
                values[name] = series[..., ends]
        share = np.full((*self.batch_shape, len(years)), np.nan)
        if "assessments" in values and "decisions_within_28_days" in values:
            done = values["assessments"]
            np.divide(values["decisions_within_28_days"], done, out=share, where=done > 0)
        return AnnualSummary(
            years=years,
            months_in_year=tuple(int(e - s + 1) for s, e in zip(starts, ends, strict=True)),
            values=values,
            share_within_28_days=share,
        )

    def option_summary(self, index: tuple[int, ...] | int) -> dict[str, object]:
        """Headline answers for one batch element (e.g. one option): months to clear the
        backlog, first month and year meeting the 28-day standard (None = not in horizon)."""
        clear = int(self.months_to_clear_backlog()[index])
        month = int(self.first_month_meeting_standard()[index])
        year = int(self.first_year_meeting_standard()[index])
        annual_years = self.annual(("assessments", "decisions_within_28_days")).years
        return {
            "investment_k": float(self.investment_k[index]),
            "months_to_clear_backlog": None if clear == NEVER else clear,
            "first_month_meeting_standard": None if month == NEVER else self.month_labels[month],
            "first_year_meeting_standard": None if year == NEVER else annual_years[year],
        }


def conservation_residuals(result: IpaServiceResult) -> dict[str, FloatArray]:
    """Monthly residuals of the two conservation identities (zero up to rounding).

    ``referrals``: referrals - assessments - withdrawals - change in queue;
    ``reviews``: reviews due - reviews done - change in overdue backlog - lapsed reviews.
    """
    queue = result.get("queue")
    backlog = result.get("overdue_backlog")
    queue_start = np.concatenate([result.initial_queue[..., None], queue[..., :-1]], axis=-1)
    backlog_start = np.concatenate([result.initial_backlog[..., None], backlog[..., :-1]], axis=-1)
    return {
        "referrals": result.get("referrals")
        - result.get("assessments")
        - result.get("withdrawals")
        - (queue - queue_start),
        "reviews": result.get("reviews_due")
        - result.get("reviews_done")
        - (backlog - backlog_start)
        - result.get("lapsed_reviews"),
    }


def check_conservation(result: IpaServiceResult, rtol: float = 1e-9) -> None:
    """Raise :class:`ConservationError` if either identity fails in any month (tolerance
    ``rtol`` times the largest stock or flow involved, at least 1e-9)."""
    for name, residual in conservation_residuals(result).items():
        scale = max(
            1.0,
            float(
                np.max(np.abs(result.get("queue" if name == "referrals" else "overdue_backlog")))
            ),
            float(
                np.max(np.abs(result.get("referrals" if name == "referrals" else "reviews_due")))
            ),
        )
        worst = float(np.max(np.abs(residual))) if residual.size else 0.0
        if worst > rtol * scale:
            raise ConservationError(
                f"{name} conservation fails: largest monthly residual {worst:.3g}"
            )

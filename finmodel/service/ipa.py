"""The IPA / Continuing Healthcare service model (SPEC section 6): a monthly stock-flow model.

Money buys capacity; capacity moves queues; queues move outcomes and money. Each month ``m``
(all steps vectorised over options and draws; the only loop is over months):

1. **Staff.** Capacity follows the money exactly. FTE in post = ``base_fte`` + for each block
   of money (:class:`Funding`: the recurrent investment, and any time-limited team) its posts
   ``amount_k / (cost_per_fte_k x (1 + premium))`` x ``(1 - vacancy_factor)``, from its start
   month plus the recruitment lag (``interim_lag_months`` for interim staff), ramped linearly
   over ``ramp_months``, until the month the money stops. The cost charged is that of the staff
   in post (or the whole budget with ``budget_held``), growing with ``pay_growth`` (nominal).
2. **Referrals** arrive: ``referrals_per_month * (1 + referral_growth) ** (m / 12)`` (or a given
   monthly series). The queue is kept as cohorts by month of arrival: *age 0* arrived this month,
   *age 1* last month, *age 2+* earlier (pooled: they are always the oldest, and the 28-day
   measures only tell ages 0 and 1 apart, so pooling loses nothing).
3. **Exits.** A share ``monthly_exit_rate`` of the caseload (and of the reviews scheduled for it,
   of its overdue reviews, which lapse, and of the savings found on it) leaves; a share
   ``queue_withdrawal_rate`` of the referrals waiting leaves the queue without a decision.
4. **Work.** Assessment capacity ``fte * assessments_per_fte_month`` and review capacity
   ``fte * reviews_per_fte_month`` share one team: with ``priority="assessments"`` (default)
   assessments take the FTE they need first (at most ``priority_max_share`` of the team) and
   reviews get the rest; ``"reviews"`` the other way.
   Assessments = ``min(queue, capacity)``, taken first-in first-out (oldest cohort first).
   Reviews done = ``min(overdue backlog + reviews due this month, capacity)``.
5. **28 days.** *Incomplete over 28 days* = referrals still waiting at the month's end that
   arrived in an earlier month (ages 1 and 2+). *Decisions within 28 days* = assessments of age
   0 (all within 28 days) plus ``next_month_within_28_days`` of those of age 1 (default 0.42 =
   ``d**2 / 2`` with ``d = 28 / 30.44`` months: the chance that a referral made and completed in
   consecutive months, at days spread evenly over each, waited at most 28 days); age 2+ never.
   The *share within 28 days* is decisions within 28 days / assessments completed.
6. **Eligibility.** ``conversion_rate`` of assessments become eligible cases (caseload).
7. **Reviews.** Each new case needs a review ``first_review_months`` (3) after eligibility, then
   ``review_interval_months`` (12) after each review done. Reviews that fall due and are not done
   join the **overdue backlog** (and wait there until done; with ``overdue_reviews_lapse`` a case
   that closes takes its overdue review with it, reported as ``lapsed_reviews``).
8. **Money.** Package spend = caseload x average package cost / 12 (growing at
   ``package_cost_growth``). A review finds over-provision with probability
   ``review_finding_rate``; the package falls by ``review_saving_k_per_year`` (at package
   prices) while the case stays (or for ``saving_persistence_months``; eroding at
   ``saving_erosion_rate``): that reduction is the **cash released**, the option's
   cash-releasing benefit.

Conservation every month: referrals = assessments + withdrawals + change in queue; reviews due =
reviews done + change in overdue backlog + lapsed reviews. See
:func:`finmodel.service.ipa_results.check_conservation`.

Example
-------
>>> p = IpaServiceParameters.example()
>>> r = simulate_ipa_service(p, investment_k=[0.0, 796.0, 4000.0])
>>> check_conservation(r)
>>> r.months_to_clear_backlog().tolist()  # -1: not within the 120 months
[-1, -1, 13]
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Mapping, Sequence

import numpy as np
import numpy.typing as npt

from finmodel.domain.service_parameters import (
    VARIABLE_FIELDS,
    IpaServiceParameters,
    cross_field_problems,
)
from finmodel.errors import FinmodelError
from finmodel.service.ipa_results import (
    STAFF_COST,
    FloatArray,
    Funding,
    IntArray,
    IpaServiceResult,
    check_conservation,
    financial_year_of,
    matrix_key,
)
from finmodel.service.ipa_sums import HEADLINE_SERIES, MonthSums, summable

__all__ = [
    "Funding",
    "IpaServiceParameters",
    "ServiceParameterError",
    "check_conservation",
    "simulate_ipa_service",
]

#: Series recorded by default (everything the loop produces).
RECORDED_SERIES = (
    "referrals",
    "assessments",
    "queue",
    "incomplete_over_28_days",
    "decisions_within_28_days",
    "reviews_due",
    "reviews_done",
    "overdue_backlog",
    "lapsed_reviews",
    "withdrawals",
    "caseload",
    "cash_released",
)


class ServiceParameterError(FinmodelError, ValueError):
    """Per-option or per-draw service parameters out of range (all problems listed)."""


def _field_problems(name: str, values: np.ndarray) -> list[str]:
    info = IpaServiceParameters.model_fields[name]
    problems = [] if np.all(np.isfinite(values)) else [f"{name}: values must be finite"]
    for meta in info.metadata:
        for attr, fails, text in (
            ("ge", np.less, ">="),
            ("gt", np.less_equal, ">"),
            ("le", np.greater, "<="),
            ("lt", np.greater_equal, "<"),
        ):
            bound = getattr(meta, attr, None)
            if bound is not None and np.any(fails(values, bound)):
                problems.append(f"{name}: values must be {text} {bound}")
    return problems


def _investment_starts(
    params: IpaServiceParameters, investment_start: npt.ArrayLike | None, batch: tuple[int, ...]
) -> IntArray:
    """Month index from which each batch element's investment is funded (batch shape; a
    read-only broadcast view)."""
    if investment_start is None:
        return np.broadcast_to(np.int64(params.investment_start_month), batch)
    starts = np.asarray(investment_start)
    if not np.all(np.isfinite(starts)) or np.any(starts < 0) or np.any(starts != np.round(starts)):
        raise ServiceParameterError("investment_start: month indices must be whole numbers >= 0")
    try:
        return np.broadcast_to(starts.astype(np.int64), batch)
    except ValueError:
        raise ServiceParameterError(
            f"investment_start: shape {starts.shape} does not broadcast with the batch {batch}"
        ) from None


def _resolve(
    params: IpaServiceParameters,
    investment_k: npt.ArrayLike,
    overrides: Mapping[str, npt.ArrayLike] | None,
    referrals: npt.ArrayLike | None,
) -> tuple[tuple[int, ...], dict[str, FloatArray], FloatArray, FloatArray | None]:
    overrides = dict(overrides or {})
    problems = [
        f"{name}: not a parameter that can vary by option or draw "
        f"(those are: {', '.join(VARIABLE_FIELDS)})"
        for name in overrides
        if name not in VARIABLE_FIELDS
    ]
    arrays = {name: np.asarray(value, dtype=float) for name, value in overrides.items()}
    for name, values in arrays.items():
        if name in VARIABLE_FIELDS:
            problems += _field_problems(name, values)
    invest = np.asarray(investment_k, dtype=float)
    if not np.all(np.isfinite(invest)):
        problems.append("investment_k: values must be finite")
    monthly = None if referrals is None else np.asarray(referrals, dtype=float)
    if monthly is not None and (
        monthly.ndim < 1 or monthly.shape[-1] != params.horizon_months or np.any(~(monthly >= 0))
    ):
        problems.append(
            f"referrals: need (..., {params.horizon_months}) non-negative values, "
            f"got shape {monthly.shape}"
        )
    shapes = [invest.shape, *(a.shape for a in arrays.values())]
    if monthly is not None and monthly.ndim >= 1:
        shapes.append(monthly.shape[:-1])
    try:
        batch = np.broadcast_shapes(*shapes)
    except ValueError:
        problems.append(f"shapes of investment, overrides and referrals do not broadcast: {shapes}")
        batch = ()
    if problems:
        raise ServiceParameterError("; ".join(problems))
    resolved = {
        name: np.broadcast_to(
            arrays.get(name, np.asarray(getattr(params, name), dtype=float)), batch
        )
        for name in VARIABLE_FIELDS
    }
    problems = cross_field_problems(resolved)
    if problems:
        raise ServiceParameterError("; ".join(problems))
    if monthly is not None:
        monthly = np.broadcast_to(monthly, (*batch, params.horizon_months))
    return batch, resolved, np.broadcast_to(invest, batch), monthly


def simulate_ipa_service(
    params: IpaServiceParameters,
    investment_k: npt.ArrayLike = 0.0,
    *,
    overrides: Mapping[str, npt.ArrayLike] | None = None,
    referrals: npt.ArrayLike | None = None,
    record: Collection[str] | None = None,
    investment_start: npt.ArrayLike | None = None,
    investment_end: npt.ArrayLike | None = None,
    funding: Sequence[Funding] = (),
    sums: Sequence[tuple[str, FloatArray]] = (),
    first_months: bool = False,
) -> IpaServiceResult:
    """Run the service model for every option (and draw) at once.

    ``investment_k`` is each option's recurrent investment (£k a year), e.g. ``[0, 796, 2000,
    3000, 4000]``. ``overrides`` gives per-option / per-draw values of numeric parameters (any
    of ``VARIABLE_FIELDS``) as arrays that broadcast with it, e.g. ``{"conversion_rate":
    draws[:, None]}`` with investment shaped ``(options,)`` gives a ``(draws, options)`` batch.
    ``referrals`` replaces the referral formula with a series ``(..., horizon_months)``.
    ``record`` limits the monthly series kept (default: all of ``RECORDED_SERIES``), to bound
    memory in large Monte Carlo runs. ``investment_start`` gives each option (batch element) its
    own month index from which its investment is funded, instead of the parameters'
    ``investment_start_month`` (integers >= 0 that broadcast with the batch), and
    ``investment_end`` the month index at which its recurrent money stops (exclusive; default
    never): staff bought by it leave then. ``funding`` adds further blocks of money (e.g. a
    time-limited backlog team, :class:`Funding`), each buying staff for its own months.

    ``sums`` asks for series summed into periods, ``(name, (months, periods) matrix)`` pairs
    (kept in :attr:`IpaServiceResult.period_sums`, read with
    :meth:`IpaServiceResult.sum_months`), and ``first_months`` for the months the backlog
    clears and the standard is first met (:attr:`IpaServiceResult.first_months`). They are
    taken as the months go (:class:`~finmodel.service.ipa_sums.MonthSums`), without keeping
    the series they come from unless in ``record``: the Monte Carlo path, whose memory traffic
    was mostly writing series out to sum them later. Same numbers as summing afterwards.

    >>> r = simulate_ipa_service(IpaServiceParameters.example(), [0.0, 4000.0])
    >>> r.get("overdue_backlog").shape
    (2, 120)
    """
    extra = [np.shape(a) for b in funding for a in (b.amount_k, b.start, b.end)]
    invest_in = np.asarray(investment_k, dtype=float)
    try:
        invest_in = np.broadcast_to(invest_in, np.broadcast_shapes(invest_in.shape, *extra))
    except ValueError:
        raise ServiceParameterError(
            f"funding: shapes {extra} do not broadcast with the investment {invest_in.shape}"
        ) from None
    batch, v, invest, monthly = _resolve(params, invest_in, overrides, referrals)
    starts = _investment_starts(params, investment_start, batch)
    ends = _investment_starts(
        params, params.horizon_months + 1 if investment_end is None else investment_end, batch
    )
    blocks = (
        Funding(np.asarray(invest, dtype=float), np.asarray(starts), np.asarray(ends)),
        *(
            Funding(
                np.broadcast_to(np.asarray(b.amount_k, dtype=float), batch),
                np.broadcast_to(np.asarray(b.start, dtype=np.int64), batch),
                np.broadcast_to(np.asarray(b.end, dtype=np.int64), batch),
                b.interim,
            )
            for b in funding
        ),
    )
    keep = set(RECORDED_SERIES if record is None else record)
    unknown = keep - set(RECORDED_SERIES)
    if unknown:
        raise ServiceParameterError(f"record: unknown series {sorted(unknown)}")
    n = params.horizon_months
    # The loop works on the batch with its axes reordered, longest last (e.g. (options, draws)),
    # so that a parameter varying along one axis broadcasts in long inner loops.
    shape = batch or (1,)
    order = tuple(sorted(range(len(shape)), key=lambda axis: shape[axis]))
    inner = tuple(shape[axis] for axis in order)
    back = (0, *(order.index(axis) + 1 for axis in range(len(shape))))

    def compact(values: npt.ArrayLike, months: bool = False) -> np.ndarray:
        """``values`` (batch shape, or months first), compact and reordered for the loop."""
        lead = (n,) if months else ()
        axes = (0, *(a + 1 for a in order)) if months else order
        if not batch:  # a single run: scalars, as numpy computes them (bit for bit)
            return np.reshape(values, (n, 1) if months else ())
        return np.ascontiguousarray(_compact(np.reshape(values, (*lead, *shape))).transpose(axes))

    unknown = {
        name for name, _ in sums if name not in RECORDED_SERIES and not name.startswith(STAFF_COST)
    }
    if unknown:
        raise ServiceParameterError(f"sums: unknown series {sorted(unknown)}")
    asked = bool(sums or first_months)
    p = {name: compact(v[name]) for name in VARIABLE_FIELDS}
    summer = MonthSums(n, inner, p, sums, first_months) if asked and summable(sums, n) else None
    if asked and summer is None:  # the series they come from, summed after
        keep |= {name for name, _ in sums if not name.startswith(STAFF_COST)}
        if first_months:
            keep |= set(HEADLINE_SERIES)
    out = {name: np.empty((n, *inner)) for name in RECORDED_SERIES if name in keep}
    kept = set(out)
    loop_args = (
        params,
        inner,
        p,
        [(compact(b.amount_k), compact(b.start), compact(b.end), b.interim) for b in blocks],
        None if monthly is None else compact(np.moveaxis(monthly, -1, 0), months=True),
        out,
    )
    period_sums: dict[tuple[str, bytes], FloatArray] = {}
    heads: dict[str, IntArray] = {}
    found: list[FloatArray] = []
    firsts: dict[str, IntArray] = {}
    if summer is not None:
        summer.attach(out, n)
        _run_months(*loop_args, on_month=summer.add)
        found, firsts = summer.results()
    else:
        _run_months(*loop_args)
    in_loop = [(name, m) for name, m in sums if not name.startswith(STAFF_COST)]
    if summer is not None:
        axes = tuple(order.index(axis) for axis in range(len(shape)))
        for (name, matrix), values in zip(in_loop, found, strict=True):
            by_batch = np.moveaxis(values.transpose((0, *(a + 1 for a in axes))), 0, -1)
            period_sums[(name, matrix_key(matrix))] = by_batch.reshape((*batch, -1))
        heads = {k: v.transpose(axes).reshape(batch) for k, v in firsts.items()}
    out = {name: values for name, values in out.items() if name in kept}
    series = {
        name: np.moveaxis(values.transpose(back).reshape((n, *batch)), 0, -1)
        for name, values in out.items()
    }

    months = [
        (
            (params.start_year * 12 + params.start_month - 1 + k) // 12,
            (params.start_month - 1 + k) % 12 + 1,
        )
        for k in range(n)
    ]
    result = IpaServiceResult(
        parameters=params,
        resolved=v,
        investment_k=np.array(invest, dtype=float),
        investment_start_month=np.array(starts, dtype=np.int64),
        month_labels=tuple(f"{y}-{mo:02d}" for y, mo in months),
        financial_years=tuple(financial_year_of(y, mo) for y, mo in months),
        initial_queue=np.broadcast_to(v["initial_queue"], batch).astype(float),
        initial_backlog=np.broadcast_to(v["initial_overdue_reviews"], batch).astype(float),
        series=series,
        funding=blocks,
        period_sums=period_sums,
        first_months=heads,
    )
    _complete_sums(result, sums, first_months)
    return result


def _complete_sums(
    result: IpaServiceResult, sums: Sequence[tuple[str, FloatArray]], first_months: bool
) -> None:
    """Fill in the period sums and headline months not taken during the run: the staff costs
    (:meth:`IpaServiceResult.extra_staff_cost_by_period`), sums of recorded series, and the
    check of the initial backlog."""
    period_sums, heads = result.period_sums, result.first_months
    for name, matrix in sums:
        key = (name, matrix_key(matrix))
        if key not in period_sums:
            period_sums[key] = (
                result.extra_staff_cost_by_period(int(name[len(STAFF_COST) :]), matrix)
                if name.startswith(STAFF_COST)
                else result.sum_months(name, matrix)
            )
    if not first_months:
        return
    if heads:  # found during the run: a backlog that starts cleared clears in month 0
        start = result.initial_backlog
        threshold = np.broadcast_to(result.resolved["backlog_clear_threshold"], start.shape)
        heads["months_to_clear_backlog"] = np.where(
            start <= threshold, 0, heads["months_to_clear_backlog"]
        ).astype(np.int64)
    else:
        heads["months_to_clear_backlog"] = result.months_to_clear_backlog()
        heads["first_month_meeting_standard"] = result.first_month_meeting_standard()


def _compact(values: np.ndarray) -> np.ndarray:
    """A broadcast array shrunk to length 1 along the axes it was broadcast along (a view).

    Per-option or per-draw parameters stay at their own size, so arithmetic on them alone
    (staff, capacity, survival factors) costs little; they broadcast in the loop.
    """
    return values[tuple(slice(0, 1) if s == 0 else slice(None) for s in values.strides)]


def _run_months(
    params: IpaServiceParameters,
    shape: tuple[int, ...],
    p: Mapping[str, FloatArray],
    blocks: Sequence[tuple[FloatArray, IntArray, IntArray, bool]],
    referrals: FloatArray | None,
    out: dict[str, FloatArray],
    on_month: Callable[[int], None] | None = None,
) -> None:
    """The monthly loop over ``shape`` (the batch, at least 1-D): fill ``out`` (series name
    -> ``(months, *shape)``, time-major).

    ``p`` and ``blocks`` (amount, start, end, interim) are the batch's values, compact (length 1 along the axes
    they do not vary on); ``referrals`` is ``None`` (the formula) or ``(months, *compact)``.
    Every step works in place on preallocated ``shape`` buffers (float64), and a series that is
    not recorded is not computed. The arithmetic, term by term and in the same order, is that
    of the module docstring, so results do not depend on what is recorded.

    ``on_month(t)`` is called at the end of each month, when ``out[name][t]`` holds its values.
    """
    n = params.horizon_months
    nd = len(shape)
    first, interval = params.first_review_months, params.review_interval_months
    ring = max(first, interval)
    by_month = (n,) + (1,) * nd

    # Inputs by month, time-major (months, *compact).
    if referrals is None:
        m = np.arange(n).reshape(by_month)
        referrals = p["referrals_per_month"] * (1.0 + p["referral_growth"]) ** (m / 12.0)
    staffing = _staffing(params, p, blocks)
    a_rate, r_rate = p["assessments_per_fte_month"], p["reviews_per_fte_month"]
    exit_rate, conversion = p["monthly_exit_rate"], p["conversion_rate"]
    next_share, cap = p["next_month_within_28_days"], p["priority_max_share"]
    saving = p["review_finding_rate"] * p["review_saving_k_per_year"]
    stay = 1.0 - exit_rate
    keep_saving = stay * (1.0 - p["saving_erosion_rate"])
    withdraw = p["queue_withdrawal_rate"]
    any_withdrawals = bool(np.any(withdraw > 0.0))
    keep_queue = 1.0 - withdraw
    package_growth = 1.0 + p["package_cost_growth"]
    by_assessments = params.priority == "assessments"
    lapse = params.overdue_reviews_lapse
    uncapped = bool(np.all(cap == 1.0))  # x * 1.0 == x: skip the multiplication
    # With every capacity of the priority work positive, the share of the team it uses is a
    # plain division (otherwise zero where nothing was done).
    first_rate = a_rate if by_assessments else r_rate
    positive = first_rate.size == 0 or (
        float(first_rate.min()) > 0.0 and float(np.min(p["base_fte"], initial=1.0)) > 0.0
    )

    # State, each a full buffer. Queue cohorts at the end of month -1: age 0, age 1, older.
    def full(value: npt.ArrayLike) -> FloatArray:
        buffer = np.empty(shape)
        np.copyto(buffer, value)
        return buffer

    q0 = full(p["initial_queue"] - p["initial_queue_over_28_days"])
    q1 = full(p["initial_queue_over_28_days"])
    q2 = full(0.0)
    caseload = full(p["initial_caseload"])
    backlog = full(p["initial_overdue_reviews"])
    # Reviews falling due in month T sit in slot T % ring. Exits are applied when a review is
    # scheduled (it survives the months until it is due), so the ring never needs decaying.
    pipeline = np.zeros((ring, *shape))
    soon = p["initial_outstanding_reviews"] - p["initial_overdue_reviews"]
    later = p["initial_caseload"] - p["initial_outstanding_reviews"]
    pipeline[:first] += soon / first
    if ring > first:
        pipeline[first:] += later / (ring - first)
    else:
        pipeline += later / ring
    pipeline *= stay ** np.arange(1, ring + 1).reshape((ring,) + (1,) * nd)
    survive_interval, survive_first = stay**interval, stay**first
    # Savings found on reviews: run-rate (£k a year, first-month prices) of the package
    # reductions in place, shrinking with exits and erosion; each ends after the persistence
    # months when set (else it lasts while the person stays).
    cash = out.get("cash_released")
    persist = params.saving_persistence_months
    found = np.zeros((persist, *shape)) if cash is not None and persist is not None else None
    survive_persist = keep_saving**persist if persist is not None else None
    run_rate = full(0.0)

    # Scratch buffers.
    waiting, wanted, used, ac, rc, limit = (np.empty(shape) for _ in range(6))
    team_rc = np.empty(shape)  # review capacity of the whole team (assessments first)
    last_team: FloatArray | None = None  # the FTE array of last month
    take0, take1, take2, rest, eligible, scratch = (np.empty(shape) for _ in range(6))
    assessed_buf, reviewed_buf, lapsed_buf = (np.empty(shape) for _ in range(3))
    o_referrals, o_assessed, o_queue = (
        out.get("referrals"),
        out.get("assessments"),
        out.get("queue"),
    )
    o_incomplete, o_decisions = (
        out.get("incomplete_over_28_days"),
        out.get("decisions_within_28_days"),
    )
    o_due, o_reviewed = out.get("reviews_due"), out.get("reviews_done")
    o_backlog, o_lapsed, o_caseload = (
        out.get("overdue_backlog"),
        out.get("lapsed_reviews"),
        out.get("caseload"),
    )
    o_withdrawals = out.get("withdrawals")
    if o_withdrawals is not None and not any_withdrawals:
        o_withdrawals.fill(0.0)
    if o_lapsed is not None and not lapse:
        o_lapsed.fill(0.0)
    add, sub, mul = np.add, np.subtract, np.multiply
    minimum, maximum, copyto = np.minimum, np.maximum, np.copyto

    for t in range(n):
        # Queue: age the cohorts (the freed age-1 buffer takes this month's referrals).
        add(q2, q1, out=q2)
        q0, q1 = q1, q0
        copyto(q0, referrals[t])
        if o_referrals is not None:
            copyto(o_referrals[t], referrals[t])
        if not any_withdrawals or o_withdrawals is not None:  # else: summed after them
            add(q0, q1, out=waiting)
            add(waiting, q2, out=waiting)
        if any_withdrawals:  # deaths and withdrawals from every cohort before the work
            if o_withdrawals is not None:
                mul(waiting, withdraw, out=o_withdrawals[t])
            mul(q0, keep_queue, out=q0)
            mul(q1, keep_queue, out=q1)
            mul(q2, keep_queue, out=q2)
            add(q0, q1, out=waiting)
            add(waiting, q2, out=waiting)
        # Exits from the caseload (its scheduled reviews already allow for them). Recorded
        # stocks are updated in their output row, which then holds the state.
        new = o_caseload[t] if o_caseload is not None else caseload
        mul(caseload, stay, out=new)
        caseload = new
        slot = t % ring
        due = pipeline[slot]
        if o_due is not None:
            copyto(o_due[t], due)
        new = o_backlog[t] if o_backlog is not None else backlog
        if lapse:
            lapsed = o_lapsed[t] if o_lapsed is not None else lapsed_buf
            mul(backlog, exit_rate, out=lapsed)
            sub(backlog, lapsed, out=new)
            add(new, due, out=new)
        else:
            add(backlog, due, out=new)
        backlog = new  # the demand for reviews until the reviews done are taken off
        # Work, in priority order, from one team. The share of the team's time the first kind
        # of work uses is done / its capacity.
        f = staffing(t)
        same_team = f is last_team  # the same FTE as last month: the same capacities
        last_team = f
        reviewed = o_reviewed[t] if o_reviewed is not None else reviewed_buf
        if by_assessments:
            if not same_team:
                mul(f, a_rate, out=ac)
                if not uncapped:
                    mul(ac, cap, out=limit)
                mul(f, r_rate, out=team_rc)
            minimum(waiting, ac if uncapped else limit, out=wanted)
            _share_used(wanted, ac, used, positive)
            mul(team_rc, used, out=rc)
            minimum(backlog, rc, out=reviewed)
        else:
            mul(f, r_rate, out=rc)
            minimum(backlog, rc if uncapped else mul(rc, cap, out=limit), out=reviewed)
            _share_used(reviewed, rc, used, positive)
            mul(f, a_rate, out=ac)
            mul(ac, used, out=ac)
            minimum(waiting, ac, out=wanted)
        # First in, first out: oldest cohort first.
        minimum(wanted, q2, out=take2)
        sub(wanted, take2, out=rest)
        minimum(rest, q1, out=take1)
        sub(rest, take1, out=rest)
        minimum(rest, q0, out=take0)
        sub(q2, take2, out=q2)
        sub(q1, take1, out=q1)
        sub(q0, take0, out=q0)
        assessed = o_assessed[t] if o_assessed is not None else assessed_buf
        add(take0, take1, out=assessed)
        add(assessed, take2, out=assessed)
        # Eligibility and reviews; the slot just emptied takes the reviews due in `ring` months.
        mul(conversion, assessed, out=eligible)
        add(caseload, eligible, out=caseload)
        sub(backlog, reviewed, out=backlog)
        if interval == ring:
            mul(reviewed, survive_interval, out=pipeline[slot])
            later_slot = pipeline[(t + first) % ring]
            add(later_slot, mul(eligible, survive_first, out=scratch), out=later_slot)
        else:
            later_slot = pipeline[(t + interval) % ring]
            add(later_slot, mul(reviewed, survive_interval, out=scratch), out=later_slot)
            mul(eligible, survive_first, out=pipeline[slot])
        # Cash released: this month's findings start (and, with a persistence limit, those of
        # `persist` months ago end), at this month's package prices.
        if cash is not None:
            mul(run_rate, keep_saving, out=run_rate)
            if found is not None and survive_persist is not None and persist is not None:
                started = found[t % persist]
                mul(started, survive_persist, out=scratch)
                sub(run_rate, scratch, out=run_rate)
                mul(reviewed, saving, out=started)
                add(run_rate, started, out=run_rate)
            else:
                add(run_rate, mul(reviewed, saving, out=scratch), out=run_rate)
            maximum(run_rate, 0.0, out=cash[t])
            mul(cash[t], package_growth ** (t / 12.0) / 12.0, out=cash[t])
        if o_queue is not None:
            sub(waiting, assessed, out=o_queue[t])
        if o_incomplete is not None:
            add(q1, q2, out=o_incomplete[t])
        if o_decisions is not None:
            mul(next_share, take1, out=o_decisions[t])
            add(take0, o_decisions[t], out=o_decisions[t])
        if on_month is not None:  # e.g. sums by year taken as the loop goes (ipa_sums)
            on_month(t)


def _staffing(
    params: IpaServiceParameters,
    p: Mapping[str, FloatArray],
    blocks: Sequence[tuple[FloatArray, IntArray, IntArray, bool]],
) -> Callable[[int], FloatArray]:
    """FTE in post in month ``t`` (compact batch shape): base staff plus each block's posts
    (money / cost per FTE with any interim premium, net of vacancies) from its start plus its
    lag, ramped over ``ramp_months``, until the money stops. The same arithmetic as
    :meth:`IpaServiceResult.extra_fte_profile`."""
    in_post = 1.0 - p["vacancy_factor"]
    ramp = float(max(params.ramp_months, 1))
    terms = []
    for amount, start, end, interim in blocks:
        premium = p["interim_premium"] if interim else 0.0
        posts = amount / (p["cost_per_fte_k"] * (1.0 + premium)) * in_post
        lag = p["interim_lag_months"] if interim else p["recruitment_lag_months"]
        arrive = start + lag - 1.0
        terms.append((posts, arrive, end))
    base = p["base_fte"]
    changes = _staff_changes(params.horizon_months, terms, ramp)
    last: list[tuple[int, FloatArray]] = []  # the month computed last and its FTE

    def fte(t: int) -> FloatArray:
        if last and last[0][0] == t - 1 and not changes[t]:
            last[0] = (t, last[0][1])  # every block's share as last month: the same FTE
            return last[0][1]
        total = base
        for posts, arrive, end in terms:
            share = np.clip((t - arrive) / ramp, 0.0, 1.0) * (t < end)
            total = total + posts * share
        found = np.maximum(total, 0.0)
        last[:] = [(t, found)]
        return found

    return fte


def _staff_changes(
    months: int, terms: Sequence[tuple[FloatArray, FloatArray, IntArray]], ramp: float
) -> npt.NDArray[np.bool_]:
    """For each month, whether some batch element's staff in post may differ from the month
    before (month 0: always). An element's ramp share ``clip((t - arrive) / ramp, 0, 1)`` is
    the same in months ``t - 1`` and ``t`` when it is still 0 (``t - arrive <= 0``) or was
    already 1 (``t - 1 - arrive >= ramp``), in the same floating-point arithmetic; its money
    stops in month ``t`` when ``end == t``. Staff are ramping from the month after the
    earliest arrival until the latest arrival has ramped up, at most."""
    t = np.arange(months)
    changes = t == 0
    for _, arrive, end in terms:
        a = np.sort(np.ravel(np.asarray(arrive, dtype=float)))
        if a.size == 0:
            continue
        if np.isnan(a).any():
            return np.ones(months, dtype=bool)
        below = np.searchsorted(a, t, side="left") - 1  # the latest arrival before month t
        latest = a[np.maximum(below, 0)]
        changes |= (below >= 0) & ((t - 1) - latest < ramp)
        changes |= np.isin(t, np.ravel(end))
    return changes


def _share_used(done: FloatArray, capacity: FloatArray, out: FloatArray, positive: bool) -> None:
    """``out = max(1 - done / capacity, 0)``: the share of the team left for the other work
    (``done / capacity`` taken as 0 where nothing was done, so a zero capacity is no error)."""
    if positive:
        np.divide(done, capacity, out=out)
    else:
        out.fill(0.0)
        np.divide(done, capacity, out=out, where=done > 0)
    np.subtract(1.0, out, out=out)
    np.maximum(out, 0.0, out=out)

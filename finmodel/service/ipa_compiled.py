"""The service model's month loop compiled with numba (optional): the same arithmetic as
:func:`finmodel.service.ipa._run_months`, fused into one pass per batch element.

The numpy loop in :mod:`finmodel.service.ipa` is the reference: this module does term by term
the same IEEE float64 operations in the same order (no ``fastmath``; the set-up, the pipeline
of reviews, staff terms, referrals and price factors, is computed by the reference's own
numpy code), so its series equal the reference's bit for bit (tests/test_ipa_compiled.py).
What changes is the memory traffic: the numpy loop makes about forty passes over the whole
batch each month; this one keeps each element's state in registers.

numba is imported only when a large batch is run (:func:`available`), never by the command
line's start-up, validation or a projection. The compiled code is cached on disk
(``cache=True``: next to this file, or, where the installed package is not writable, numba's
user-wide cache directory, ``NUMBA_CACHE_DIR`` if set).

**Opt-in** (``FINMODEL_NUMBA=1``, with numba installed; numba is not a dependency): measured on
this 2-core machine it does not pay for itself end to end. The kernel runs in scalar code (the
compiler does not vectorise most of its steps): with the sums and headline months taken during
the run it saves 10-20 us a draw of about 50, while numba's import costs about 0.3 s CPU and 100 MB of resident memory per process and a cold
compile 2.5-4 s. See ``bench/montecarlo.py --numba``.
"""

from __future__ import annotations

import importlib.util
import os
from collections.abc import Callable, Mapping, Sequence
from typing import Any

import numpy as np

from finmodel.service.ipa_results import STAFF_COST, FloatArray, IntArray, month_groups

#: Smallest batch (options x draws) worth the compiled loop: below it, numba's import and the
#: load of the cached machine code (about 0.35 s CPU once per process) cost more than it saves.
MIN_ELEMENTS = 4096

#: Output series in the order the kernel takes them.
SERIES = (
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

#: Per-element parameters in the order the kernel takes them (rows of one array).
_PARAMS = (
    "assessments_per_fte_month",
    "reviews_per_fte_month",
    "monthly_exit_rate",
    "conversion_rate",
    "next_month_within_28_days",
    "priority_max_share",
    "base_fte",
)
_DERIVED = ("stay", "keep_saving", "saving", "keep_queue", "withdraw", "survive_interval")
_DERIVED2 = ("survive_first", "survive_persist")

_kernel: Callable[..., None] | None = None


def available() -> bool:
    """Whether the compiled loop can be used: numba is installed and not switched off."""
    if os.environ.get("FINMODEL_NUMBA", "0") != "1":  # opt-in: see the module docstring
        return False
    return _kernel is not None or importlib.util.find_spec("numba") is not None


def wanted(shape: tuple[int, ...]) -> bool:
    """Whether to run a batch of ``shape`` compiled: large enough, 1-D or 2-D, numba there."""
    return 1 <= len(shape) <= 2 and int(np.prod(shape)) >= MIN_ELEMENTS and available()


def _get_kernel() -> Callable[..., None]:
    global _kernel
    if _kernel is None:
        from finmodel.service import _ipa_kernel

        _kernel = _ipa_kernel.compiled()
    return _kernel


def _series_index(name: str) -> int:
    """Row of a series (or a block's staff cost) in the kernel's month buffer."""
    if name.startswith(STAFF_COST):
        return len(SERIES) + int(name[len(STAFF_COST) :])
    return SERIES.index(name)


def _staff_cost_terms(
    params: Any,
    shape: tuple[int, ...],
    p: Mapping[str, FloatArray],
    blocks: Sequence[tuple[FloatArray, IntArray, IntArray, bool]],
    charged: bool,
) -> tuple[FloatArray, FloatArray, FloatArray, int, int]:
    """Per block: the month staff start arriving (``start + lag``) and ``posts x cost per post``;
    and the pay index / nothing, as :meth:`IpaServiceResult.extra_staff_cost_profile` has them
    (every block, so that block ``k`` is row ``k``); empty when no staff cost is asked for."""
    rows, cols = (shape[0], shape[1]) if len(shape) == 2 else (1, shape[0])
    if not charged:
        none = np.zeros((0, rows, cols))
        return none, none, np.zeros((1, 1, 1)), 0, 0
    if params.budget_held:
        raise ValueError("staff cost sums: not with budget_held")
    starts, scales = [], []
    for amount, start, _, interim in blocks:
        premium = p["interim_premium"] if interim else 0.0
        cost = p["cost_per_fte_k"] * (1.0 + premium)
        lag = p["interim_lag_months"] if interim else p["recruitment_lag_months"]
        starts.append(np.broadcast_to(start + lag, shape).reshape(rows, cols))
        scales.append(np.broadcast_to(amount / cost * cost, shape).reshape(rows, cols))
    n = params.horizon_months
    growth = (1.0 + p["pay_growth"][None]) ** (
        np.arange(n).reshape((n,) + (1,) * len(shape)) / 12.0
    )
    growth = np.ascontiguousarray(growth, dtype=float)
    growth = growth.reshape(n, *growth.shape[1:]) if len(shape) == 2 else growth.reshape(n, 1, -1)
    ga, gb = _stride_flags(growth, 2)
    return np.stack(starts).astype(float), np.stack(scales), growth, ga, gb


def _stride_flags(compact: np.ndarray, nd: int) -> tuple[int, int]:
    """For a compact ``(months, a, b)`` array: 1 along an axis it varies on, else 0."""
    shape = compact.shape[1:]
    return (int(shape[0] > 1), int(shape[1] > 1)) if nd == 2 else (0, int(shape[0] > 1))


def run_months(
    params: Any,
    shape: tuple[int, ...],
    p: Mapping[str, FloatArray],
    blocks: Sequence[tuple[FloatArray, IntArray, IntArray, bool]],
    referrals: FloatArray | None,
    out: dict[str, FloatArray],
    sums: Sequence[tuple[str, FloatArray]] = (),
    first_months: bool = False,
) -> tuple[list[FloatArray], dict[str, IntArray]]:
    """:func:`finmodel.service.ipa._run_months` (same arguments, same results), compiled.

    Also sums series into periods as it goes: for each ``(name, matrix)`` of ``sums`` (a
    ``(months, periods)`` matrix each of whose periods is a run of consecutive months,
    :func:`~finmodel.service.ipa_results.month_groups`), the same numbers as
    :func:`~finmodel.service.ipa_results.sum_months` of the series, ``(periods, *shape)``,
    whether the series is recorded or not; and with ``first_months`` the first month the
    backlog clears (+1; ``months_to_clear_backlog`` before the check of the initial backlog)
    and the first month meeting the 28-day standard, ``shape`` each (-1: never)."""
    from finmodel.service.ipa import _initial_pipeline, _staff_terms

    n = params.horizon_months
    nd = len(shape)
    rows, cols = (shape[0], shape[1]) if nd == 2 else (1, shape[0])

    def full(value: Any) -> FloatArray:
        return np.ascontiguousarray(np.broadcast_to(value, shape), dtype=float).reshape(rows, cols)

    def by_month(values: FloatArray) -> tuple[FloatArray, int, int]:
        """A compact ``(months, *compact)`` array as ``(months, a, b)`` and its stride flags."""
        array = np.ascontiguousarray(values, dtype=float)
        array = array.reshape((n, *array.shape[1:])) if nd == 2 else array.reshape(n, 1, -1)
        return array, *_stride_flags(array, 2)

    if referrals is None:  # the reference's formula, as it computes it
        m = np.arange(n).reshape((n,) + (1,) * nd)
        referrals = p["referrals_per_month"] * (1.0 + p["referral_growth"]) ** (m / 12.0)
    exit_rate = p["monthly_exit_rate"]
    stay = 1.0 - exit_rate
    keep_saving = stay * (1.0 - p["saving_erosion_rate"])
    saving = p["review_finding_rate"] * p["review_saving_k_per_year"]
    withdraw = p["queue_withdrawal_rate"]
    first, interval = params.first_review_months, params.review_interval_months
    persist = params.saving_persistence_months
    package_growth = 1.0 + p["package_cost_growth"]
    # the price factor of each month, as the reference computes it month by month
    prices = np.stack(
        [np.broadcast_to(package_growth ** (t / 12.0) / 12.0, np.shape(package_growth))
         for t in range(n)]
    )  # fmt: skip
    first_rate = p["assessments_per_fte_month" if params.priority == "assessments" else
                   "reviews_per_fte_month"]  # fmt: skip
    positive = first_rate.size == 0 or (
        float(first_rate.min()) > 0.0 and float(np.min(p["base_fte"], initial=1.0)) > 0.0
    )
    values = np.empty((len(_PARAMS) + len(_DERIVED) + len(_DERIVED2) + 8, rows, cols))
    columns: list[Any] = [p[name] for name in _PARAMS]
    columns += [stay, keep_saving, saving, 1.0 - withdraw, withdraw, stay**interval]
    columns += [stay**first, keep_saving**persist if persist is not None else 0.0]
    columns += [
        p["initial_queue"] - p["initial_queue_over_28_days"],
        p["initial_queue_over_28_days"],
        p["initial_caseload"],
        p["initial_overdue_reviews"],
        exit_rate if params.overdue_reviews_lapse else 0.0,  # overdue reviews lapsing
        p["standard_share"] - 1e-12,  # as IpaServiceResult.first_month_meeting_standard
        p["backlog_clear_threshold"],
        1.0 - p["vacancy_factor"],  # staff in post, of those funded
    ]
    for k, column in enumerate(columns):
        values[k] = full(column)
    pipeline = _initial_pipeline(params, shape, p, stay).reshape(-1, rows, cols)
    terms = _staff_terms(p, blocks)
    posts = np.stack([full(t[0]) for t in terms]) if terms else np.zeros((0, rows, cols))
    arrive = np.stack([full(t[1]) for t in terms]) if terms else np.zeros((0, rows, cols))
    ends = (
        np.stack([np.broadcast_to(t[2], shape).reshape(rows, cols) for t in terms]).astype(np.int64)
        if terms
        else np.zeros((0, rows, cols), dtype=np.int64)
    )
    monthly, ra, rb = by_month(referrals)
    price, pa, pb = by_month(prices)
    if "withdrawals" in out and not np.any(withdraw > 0.0):
        out["withdrawals"].fill(0.0)
    if "lapsed_reviews" in out and not params.overdue_reviews_lapse:
        out["lapsed_reviews"].fill(0.0)
    dummy = np.empty((1, rows, cols))
    outputs = tuple(out[name].reshape(n, rows, cols) if name in out else dummy for name in SERIES)
    recorded = np.asarray([name in out for name in SERIES], dtype=np.int64)
    asked = {name for name, _ in sums}
    needed = np.asarray([name in out or name in asked for name in SERIES], dtype=np.int64)
    charged = any(name.startswith(STAFF_COST) for name in asked)
    sum_series = np.asarray([_series_index(name) for name, _ in sums], dtype=np.int64)
    in_post_from, staff_scale, pay, ga, gb = _staff_cost_terms(params, shape, p, blocks, charged)
    periods = max((int(np.shape(matrix)[1]) for _, matrix in sums), default=0)
    sum_period = np.full((len(sums), n), -1, dtype=np.int64)
    sum_weight = np.zeros((len(sums), n))
    for r, (_, matrix) in enumerate(sums):
        groups = month_groups(matrix)
        if groups is None or np.shape(matrix)[0] != n:
            raise ValueError("sums: each period must be a run of consecutive months")
        for j, (start, end, weights) in enumerate(groups):
            sum_period[r, start:end] = j
            sum_weight[r, start:end] = weights
    totals = np.zeros((len(sums), periods, rows, cols))
    firsts = np.full((2, rows, cols), -1, dtype=np.int64)
    flags = np.asarray(
        [
            n,
            first,
            interval,
            persist if persist is not None else 0,
            int(params.priority == "assessments"),
            int(params.overdue_reviews_lapse),
            int(bool(np.any(withdraw > 0.0))),
            int(positive),
            ra,
            rb,
            pa,
            pb,
            int(first_months),
            ga,
            gb,
        ],
        dtype=np.int64,
    )
    ramp = float(max(params.ramp_months, 1))
    _get_kernel()(flags, ramp, values, pipeline, posts, arrive, ends, monthly, price, outputs,
                  recorded, needed, sum_series, sum_period, sum_weight, totals, firsts,
                  in_post_from, staff_scale, pay)  # fmt: skip
    found = [
        totals[r, : np.shape(matrix)[1]].reshape((np.shape(matrix)[1], *shape))
        for r, (_, matrix) in enumerate(sums)
    ]
    heads = (
        {
            "months_to_clear_backlog": firsts[0].reshape(shape),
            "first_month_meeting_standard": firsts[1].reshape(shape),
        }
        if first_months
        else {}
    )
    return found, heads

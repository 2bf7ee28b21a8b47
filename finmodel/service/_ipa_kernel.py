"""The numba kernel of :mod:`finmodel.service.ipa_compiled` (imports numba: import lazily).

One batch element at a time, months inner, its state in local variables; every operation is
the reference loop's (:func:`finmodel.service.ipa._run_months`), in the same order, in IEEE
float64 (no fastmath), so the series are the same bit for bit. Rows of ``values`` (per element,
``(rows, cols)``): the rates and derived factors listed in
:data:`finmodel.service.ipa_compiled._PARAMS` etc., then the initial stocks.
"""

from __future__ import annotations

from collections.abc import Callable

import numba
import numpy as np

#: Batch elements run side by side, month by month (their state stays in the L1 cache, and
#: each month's outputs are written in runs of this many contiguous numbers).
BLOCK = 128


@numba.njit(cache=True, nogil=True, boundscheck=False)
def _minimum(a: float, b: float) -> float:  # np.minimum for numbers (no NaN here)
    return a if a <= b else b


@numba.njit(cache=True, nogil=True, boundscheck=False)
def _kernel(
    flags,
    ramp,
    values,
    pipeline0,
    posts,
    arrive,
    ends,
    referrals,
    prices,
    outputs,
    recorded,
    needed,
    sum_series,
    sum_period,
    sum_weight,
    sums,
    firsts,
):
    n, first, interval, persist = flags[0], flags[1], flags[2], flags[3]
    by_assessments, lapse, any_withdrawals = flags[4] == 1, flags[5] == 1, flags[6] == 1
    positive = flags[7] == 1
    ra, rb, pa, pb = flags[8], flags[9], flags[10], flags[11]
    o_ref, o_ass, o_queue, o_inc, o_dec, o_due, o_rev, o_back, o_lap, o_wd, o_case, o_cash = outputs
    r_ref, r_ass, r_queue, r_inc = (
        recorded[0] == 1,
        recorded[1] == 1,
        recorded[2] == 1,
        recorded[3] == 1,
    )
    r_dec, r_due, r_rev, r_back = (
        recorded[4] == 1,
        recorded[5] == 1,
        recorded[6] == 1,
        recorded[7] == 1,
    )
    r_lap, r_wd, r_case, r_cash = (
        recorded[8] == 1,
        recorded[9] == 1,
        recorded[10] == 1,
        recorded[11] == 1,
    )
    heads = flags[12] == 1
    c_wd, c_cash = needed[9] == 1, needed[11] == 1
    n_sums = sum_series.shape[0]
    current = np.zeros(12)
    ring = max(first, interval)
    rows, cols = values.shape[1], values.shape[2]
    nblocks = posts.shape[0]
    width = min(BLOCK, cols)
    pipe = np.empty((ring, width))
    found = np.zeros((max(persist, 1), width))
    state = np.empty((6, width))
    for i in range(rows):
        for j0 in range(0, cols, width):
            m = min(width, cols - j0)
            for jj in range(m):
                j = j0 + jj
                state[0, jj] = values[15, i, j]  # queue cohorts: age 0, 1, 2+
                state[1, jj] = values[16, i, j]
                state[2, jj] = 0.0
                state[3, jj] = values[17, i, j]  # caseload
                state[4, jj] = values[18, i, j]  # overdue backlog
                state[5, jj] = 0.0  # run-rate of savings
                for s in range(ring):
                    pipe[s, jj] = pipeline0[s, i, j]
                for s in range(found.shape[0]):
                    found[s, jj] = 0.0
            for t in range(n):
                slot = t % ring
                fs = t % persist if persist > 0 else 0
                for jj in range(m):
                    j = j0 + jj
                    q0, q1, q2 = state[0, jj], state[1, jj], state[2, jj]
                    caseload, backlog, run_rate = state[3, jj], state[4, jj], state[5, jj]
                    # queue: age the cohorts, this month's referrals arrive
                    q2 = q2 + q1
                    q1 = q0
                    q0 = referrals[t, i * ra, j * rb]
                    if r_ref:
                        o_ref[t, i, j] = q0
                    waiting = 0.0
                    withdrawn = 0.0
                    if not any_withdrawals or c_wd:
                        waiting = q0 + q1
                        waiting = waiting + q2
                    if any_withdrawals:
                        withdraw, keep_queue = values[11, i, j], values[10, i, j]
                        if c_wd:
                            withdrawn = waiting * withdraw
                        if r_wd:
                            o_wd[t, i, j] = withdrawn
                        q0 = q0 * keep_queue
                        q1 = q1 * keep_queue
                        q2 = q2 * keep_queue
                        waiting = q0 + q1
                        waiting = waiting + q2
                    caseload = caseload * values[7, i, j]
                    due = pipe[slot, jj]
                    if r_due:
                        o_due[t, i, j] = due
                    lapsed = 0.0
                    if lapse:
                        lapsed = backlog * values[2, i, j]
                        backlog = backlog - lapsed
                        backlog = backlog + due
                        if r_lap:
                            o_lap[t, i, j] = lapsed
                    else:
                        backlog = backlog + due
                    # staff in post
                    total = values[6, i, j]
                    for k in range(nblocks):
                        share = (t - arrive[k, i, j]) / ramp
                        if share < 0.0:
                            share = 0.0
                        elif share > 1.0:
                            share = 1.0
                        share = share * (1.0 if t < ends[k, i, j] else 0.0)
                        total = total + posts[k, i, j] * share
                    f = 0.0 if total < 0.0 else total
                    # work, in priority order, from one team
                    a_rate, r_rate, cap = values[0, i, j], values[1, i, j], values[5, i, j]
                    if by_assessments:
                        ac = f * a_rate
                        limit = ac * cap
                        team_rc = f * r_rate
                        wanted = _minimum(waiting, limit)
                        used = wanted / ac if (positive or wanted > 0.0) else 0.0
                        used = 1.0 - used
                        used = 0.0 if used < 0.0 else used
                        rc = team_rc * used
                        reviewed = _minimum(backlog, rc)
                    else:
                        rc = f * r_rate
                        limit = rc * cap
                        reviewed = _minimum(backlog, limit)
                        used = reviewed / rc if (positive or reviewed > 0.0) else 0.0
                        used = 1.0 - used
                        used = 0.0 if used < 0.0 else used
                        ac = f * a_rate
                        ac = ac * used
                        wanted = _minimum(waiting, ac)
                    # first in, first out
                    take2 = _minimum(wanted, q2)
                    rest = wanted - take2
                    take1 = _minimum(rest, q1)
                    rest = rest - take1
                    take0 = _minimum(rest, q0)
                    q2 = q2 - take2
                    q1 = q1 - take1
                    q0 = q0 - take0
                    assessed = take0 + take1
                    assessed = assessed + take2
                    eligible = values[3, i, j] * assessed
                    caseload = caseload + eligible
                    backlog = backlog - reviewed
                    if interval == ring:
                        pipe[slot, jj] = reviewed * values[12, i, j]
                        later = (t + first) % ring
                        pipe[later, jj] = pipe[later, jj] + eligible * values[13, i, j]
                    else:
                        later = (t + interval) % ring
                        pipe[later, jj] = pipe[later, jj] + reviewed * values[12, i, j]
                        pipe[slot, jj] = eligible * values[13, i, j]
                    cash = 0.0
                    if c_cash:
                        run_rate = run_rate * values[8, i, j]
                        if persist > 0:
                            run_rate = run_rate - found[fs, jj] * values[14, i, j]
                            started = reviewed * values[9, i, j]
                            found[fs, jj] = started
                            run_rate = run_rate + started
                        else:
                            run_rate = run_rate + reviewed * values[9, i, j]
                        cash = 0.0 if run_rate < 0.0 else run_rate
                        cash = cash * prices[t, i * pa, j * pb]
                        if r_cash:
                            o_cash[t, i, j] = cash
                    if r_queue:
                        o_queue[t, i, j] = waiting - assessed
                    if r_inc:
                        o_inc[t, i, j] = q1 + q2
                    decided = take0 + values[4, i, j] * take1
                    if r_dec:
                        o_dec[t, i, j] = decided
                    if r_ass:
                        o_ass[t, i, j] = assessed
                    if r_rev:
                        o_rev[t, i, j] = reviewed
                    if r_back:
                        o_back[t, i, j] = backlog
                    if r_case:
                        o_case[t, i, j] = caseload
                    if n_sums > 0:
                        current[0], current[1] = referrals[t, i * ra, j * rb], assessed
                        current[2], current[3] = waiting - assessed, q1 + q2
                        current[4], current[5], current[6] = decided, due, reviewed
                        current[7], current[8], current[9] = backlog, lapsed, withdrawn
                        current[10], current[11] = caseload, cash
                        for r in range(n_sums):
                            period = sum_period[r, t]
                            if period >= 0:
                                sums[r, period, i, j] = (
                                    sums[r, period, i, j]
                                    + current[sum_series[r]] * sum_weight[r, t]
                                )
                    if heads:
                        if firsts[0, i, j] < 0 and backlog <= values[20, i, j]:
                            firsts[0, i, j] = t + 1
                        if (
                            firsts[1, i, j] < 0
                            and assessed > 0.0
                            and decided / assessed >= values[19, i, j]
                        ):
                            firsts[1, i, j] = t
                    state[0, jj], state[1, jj], state[2, jj] = q0, q1, q2
                    state[3, jj], state[4, jj], state[5, jj] = caseload, backlog, run_rate


def compiled() -> Callable[..., None]:
    """The kernel (compiled on first call, or loaded from numba's cache)."""
    return _kernel

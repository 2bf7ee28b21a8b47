"""The numba kernel of :mod:`finmodel.service.ipa_compiled` (imports numba: import lazily).

Batch elements go in blocks of :data:`BLOCK` side by side, month by month; each step of a month
is a loop over the block with unit strides and no branches (selects), which the compiler turns
into SIMD code, and each step's results stay in small block buffers (L1 cache) from which the
recorded series, the period sums and the headline months are written. Every operation is the
reference loop's (:func:`finmodel.service.ipa._run_months`), in the same order, in IEEE float64
(no fastmath), so the series are the same bit for bit. Steps the reference skips are done here
with neutral factors that leave the numbers unchanged (``x * 1.0``, ``x - 0.0``).

Rows of ``values`` (per element, ``(rows, cols)``): see
:func:`finmodel.service.ipa_compiled.run_months`.
"""

from __future__ import annotations

from collections.abc import Callable

import numba
import numpy as np

#: Batch elements run side by side, month by month.
BLOCK = 128

# Rows of the block buffer `cur` (the series, in ipa_compiled.SERIES order).
_REF, _ASS, _QUEUE, _INC, _DEC, _DUE, _REV, _BACK, _LAP, _WD, _CASE, _CASH = range(12)


@numba.njit(cache=True, nogil=True, error_model="numpy")
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
    in_post_from,
    staff_scale,
    pay,
):
    n, first, interval, persist = flags[0], flags[1], flags[2], flags[3]
    by_assessments, positive = flags[4] == 1, flags[7] == 1
    ra, rb, pa, pb = flags[8], flags[9], flags[10], flags[11]
    heads = flags[12] == 1
    n_sums = sum_series.shape[0]
    ring = max(first, interval)
    rows, cols = values.shape[1], values.shape[2]
    nblocks = posts.shape[0]
    width = min(BLOCK, cols)
    slots = max(persist, 1)
    pipe = np.empty((ring, width))
    found = np.zeros((slots, width))
    q0, q1, q2 = np.empty(width), np.empty(width), np.empty(width)
    caseload, backlog, run_rate = np.empty(width), np.empty(width), np.empty(width)
    fte, wait, want, elig = np.empty(width), np.empty(width), np.empty(width), np.empty(width)
    staff = in_post_from.shape[0]  # blocks whose cost is charged (0: none asked for)
    ga, gb = flags[13], flags[14]
    cur = np.zeros((12 + staff, width))
    for i in range(rows):
        for j0 in range(0, cols, width):
            m = min(width, cols - j0)
            for jj in range(m):
                j = j0 + jj
                q0[jj] = values[15, i, j]
                q1[jj] = values[16, i, j]
                q2[jj] = 0.0
                caseload[jj] = values[17, i, j]
                backlog[jj] = values[18, i, j]
                run_rate[jj] = 0.0
                for s in range(ring):
                    pipe[s, jj] = pipeline0[s, i, j]
                for s in range(slots):
                    found[s, jj] = 0.0
            for t in range(n):
                slot = t % ring
                later = (t + first) % ring if interval == ring else (t + interval) % ring
                fs = t % slots
                # staff in post
                for jj in range(m):
                    fte[jj] = values[6, i, j0 + jj]
                for k in range(nblocks):
                    for jj in range(m):
                        j = j0 + jj
                        share = (t - arrive[k, i, j]) / ramp
                        share = 0.0 if share < 0.0 else share
                        share = 1.0 if share > 1.0 else share
                        share = share * (1.0 if t < ends[k, i, j] else 0.0)
                        fte[jj] = fte[jj] + posts[k, i, j] * share
                # cost charged for each block's staff in post (IpaServiceResult
                # .extra_staff_cost_profile's arithmetic)
                for k in range(staff):
                    for jj in range(m):
                        j = j0 + jj
                        share = t - in_post_from[k, i, j]
                        share = share + 1.0
                        share = share / ramp
                        share = 0.0 if share < 0.0 else share
                        share = 1.0 if share > 1.0 else share
                        share = share * (1.0 if t < ends[k, i, j] else 0.0)
                        share = share * values[22, i, j]
                        share = share * staff_scale[k, i, j]
                        share = share * pay[t, i * ga, j * gb]
                        cur[12 + k, jj] = share / 12.0
                for jj in range(m):
                    cur[_REF, jj] = referrals[t, i * ra, (j0 + jj) * rb]
                    cur[_CASH, jj] = prices[t, i * pa, (j0 + jj) * pb]
                # queue: age the cohorts, this month's referrals arrive, withdrawals leave
                for jj in range(m):
                    j = j0 + jj
                    a2 = q2[jj] + q1[jj]
                    a1 = q0[jj]
                    a0 = cur[_REF, jj]
                    waiting = a0 + a1
                    waiting = waiting + a2
                    cur[_WD, jj] = waiting * values[11, i, j]
                    keep = values[10, i, j]
                    a0 = a0 * keep
                    a1 = a1 * keep
                    a2 = a2 * keep
                    q0[jj], q1[jj], q2[jj] = a0, a1, a2
                    waiting = a0 + a1
                    wait[jj] = waiting + a2
                # exits from the caseload; reviews falling due; overdue ones lapsing
                for jj in range(m):
                    j = j0 + jj
                    caseload[jj] = caseload[jj] * values[7, i, j]
                    due = pipe[slot, jj]
                    cur[_DUE, jj] = due
                    lapsed = backlog[jj] * values[19, i, j]  # exit rate, or 0 without lapsing
                    cur[_LAP, jj] = lapsed
                    owed = backlog[jj] - lapsed
                    backlog[jj] = owed + due
                # work, in priority order, from one team
                if by_assessments:
                    for jj in range(m):
                        j = j0 + jj
                        f = fte[jj]
                        f = 0.0 if f < 0.0 else f
                        ac = f * values[0, i, j]
                        limit = ac * values[5, i, j]
                        team_rc = f * values[1, i, j]
                        waiting = wait[jj]
                        wanted = waiting if waiting <= limit else limit
                        used = wanted / ac if (positive or wanted > 0.0) else 0.0
                        used = 1.0 - used
                        used = 0.0 if used < 0.0 else used
                        rc = team_rc * used
                        owed = backlog[jj]
                        cur[_REV, jj] = owed if owed <= rc else rc
                        want[jj] = wanted
                else:
                    for jj in range(m):
                        j = j0 + jj
                        f = fte[jj]
                        f = 0.0 if f < 0.0 else f
                        rc = f * values[1, i, j]
                        limit = rc * values[5, i, j]
                        owed = backlog[jj]
                        reviewed = owed if owed <= limit else limit
                        used = reviewed / rc if (positive or reviewed > 0.0) else 0.0
                        used = 1.0 - used
                        used = 0.0 if used < 0.0 else used
                        ac = f * values[0, i, j]
                        ac = ac * used
                        waiting = wait[jj]
                        want[jj] = waiting if waiting <= ac else ac
                        cur[_REV, jj] = reviewed
                # first in, first out; eligibility
                for jj in range(m):
                    j = j0 + jj
                    wanted = want[jj]
                    a0, a1, a2 = q0[jj], q1[jj], q2[jj]
                    take2 = wanted if wanted <= a2 else a2
                    rest = wanted - take2
                    take1 = rest if rest <= a1 else a1
                    rest = rest - take1
                    take0 = rest if rest <= a0 else a0
                    a2 = a2 - take2
                    a1 = a1 - take1
                    q0[jj], q1[jj], q2[jj] = a0 - take0, a1, a2
                    assessed = take0 + take1
                    assessed = assessed + take2
                    cur[_ASS, jj] = assessed
                    cur[_QUEUE, jj] = wait[jj] - assessed
                    cur[_INC, jj] = a1 + a2
                    cur[_DEC, jj] = take0 + values[4, i, j] * take1
                    eligible = values[3, i, j] * assessed
                    elig[jj] = eligible
                    caseload[jj] = caseload[jj] + eligible
                    cur[_CASE, jj] = caseload[jj]
                    backlog[jj] = backlog[jj] - cur[_REV, jj]
                    cur[_BACK, jj] = backlog[jj]
                # reviews: the slot just emptied takes those due in `ring` months
                if interval == ring:
                    for jj in range(m):
                        j = j0 + jj
                        pipe[slot, jj] = cur[_REV, jj] * values[12, i, j]
                    for jj in range(m):
                        j = j0 + jj
                        pipe[later, jj] = pipe[later, jj] + elig[jj] * values[13, i, j]
                else:
                    for jj in range(m):
                        j = j0 + jj
                        pipe[later, jj] = pipe[later, jj] + cur[_REV, jj] * values[12, i, j]
                    for jj in range(m):
                        j = j0 + jj
                        pipe[slot, jj] = elig[jj] * values[13, i, j]
                # savings found (without a persistence limit, found * 0.0 ends nothing)
                for jj in range(m):
                    j = j0 + jj
                    rate = run_rate[jj] * values[8, i, j]
                    rate = rate - found[fs, jj] * values[14, i, j]
                    started = cur[_REV, jj] * values[9, i, j]
                    found[fs, jj] = started
                    rate = rate + started
                    run_rate[jj] = rate
                    cash = 0.0 if rate < 0.0 else rate
                    cur[_CASH, jj] = cash * cur[_CASH, jj]
                for s in range(12):
                    if recorded[s] == 1:
                        out = outputs[s]
                        for jj in range(m):
                            out[t, i, j0 + jj] = cur[s, jj]
                for r in range(n_sums):
                    period = sum_period[r, t]
                    if period >= 0:
                        weight = sum_weight[r, t]
                        s = sum_series[r]
                        for jj in range(m):
                            j = j0 + jj
                            sums[r, period, i, j] = sums[r, period, i, j] + cur[s, jj] * weight
                if heads:
                    for jj in range(m):
                        j = j0 + jj
                        clear = firsts[0, i, j] < 0 and cur[_BACK, jj] <= values[21, i, j]
                        firsts[0, i, j] = t + 1 if clear else firsts[0, i, j]
                        done = cur[_ASS, jj]
                        share = cur[_DEC, jj] / done if done > 0.0 else -1.0
                        met = firsts[1, i, j] < 0 and share >= values[20, i, j]
                        firsts[1, i, j] = t if met else firsts[1, i, j]


def compiled() -> Callable[..., None]:
    """The kernel (compiled on first call, or loaded from numba's cache)."""
    return _kernel

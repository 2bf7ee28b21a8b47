"""Allocations: convergence towards fair share, and ring-fences checked on the projection.

Convergence, for a funding stream ``f`` with base-year allocation ``A0``, fair-share target
``F0``, pace ``p`` and funding growth ``g[t]`` (the national uplift)::

    target[t]   = F0 * prod_{s<=t} (1 + g[s])
    distance[t] = (A0 / F0 - 1) * (1 - p)^t                 (closes by p each year)
    alloc[t]    = target[t] * (1 + distance[t])
    growth[t]   = (1 + g[t]) * (1 + distance[t]) / (1 + distance[t-1]) - 1

so the engine's ``fund[t] = fund[t-1] * (1 + growth[t])`` gives the converging allocation.

Ring-fence (the mental health investment standard): for partner ``p`` and ring-fence ``r``,
spend ``S[t]`` = its lines marked ``ring_fence: r``; allocation ``A[t]`` = its funding; the
standard is met in year ``t`` when ``S[t]/S[t-1] - 1 >= A[t]/A[t-1] - 1``.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from numpy.typing import NDArray

FloatArray = NDArray[np.float64]


def converge(
    convergence: list[Any], baseline: FloatArray, growth: FloatArray, horizon: int
) -> tuple[NDArray[np.bool_], FloatArray, FloatArray]:
    """Which streams converge, their fair-share targets (F, T; NaN if none) and the growth
    rates (F, H) that take each allocation towards its target.

    >>> from finmodel.domain.model import Convergence
    >>> c = [Convergence(fair_share=100.0, pace=0.5)]
    >>> on, target, g = converge(c, np.array([110.0]), np.zeros((1, 2)), 2)
    >>> (np.array([110.0]) * np.cumprod(1 + g, axis=1)).round(6).tolist()
    [[105.0, 102.5]]
    """
    n = len(convergence)
    on = np.fromiter((c is not None for c in convergence), dtype=bool, count=n)
    target = np.full((n, horizon + 1), np.nan)
    if not on.any():
        return on, target, growth
    rows = np.flatnonzero(on)
    chosen = [convergence[i] for i in rows]
    fair = np.array([c.fair_share for c in chosen], dtype=float)
    pace = np.array([c.pace for c in chosen], dtype=float)
    g = growth[rows]
    cum = np.concatenate([np.ones((rows.size, 1)), np.cumprod(1 + g, axis=1)], axis=1)
    target[rows] = fair[:, None] * cum
    growth = growth.copy()
    growth[rows] = converged_growth(g, start_distance(baseline[rows], fair), pace)
    return on, target, growth


def start_distance(baseline: FloatArray, fair_share: FloatArray) -> FloatArray:
    """Base-year distance from target, ``allocation / fair share - 1`` (0 with no target).

    >>> start_distance(np.array([110.0, 5.0]), np.array([100.0, 0.0])).round(6).tolist()
    [0.1, 0.0]
    """
    fair = fair_share
    return np.where(fair > 0, baseline / np.where(fair > 0, fair, 1.0) - 1.0, 0.0)


def converged_growth(uplift: FloatArray, distance0: FloatArray, pace: FloatArray) -> FloatArray:
    """Growth a year taking allocations towards target: ``(1 + g[t]) * (1 + d[t]) / (1 +
    d[t-1]) - 1`` with ``d[t] = d0 * (1 - pace)^t``.

    ``uplift`` is (..., F, H), ``distance0`` (F,) and ``pace`` (..., F) (any batch in front,
    e.g. Monte Carlo draws of the pace); returns (..., F, H).

    >>> converged_growth(np.zeros((1, 2)), np.array([0.1]), np.array([0.5])).round(6).tolist()
    [[-0.045455, -0.02381]]
    """
    horizon = uplift.shape[-1]
    distance = distance0[:, None] * (1 - pace[..., None]) ** np.arange(horizon + 1)
    return (1 + uplift) * (1 + distance[..., 1:]) / (1 + distance[..., :-1]) - 1


def ring_fences(
    line_partner: NDArray[np.int64],
    line_ring_fence: list[str | None],
    partner_ids: list[str],
    cost: FloatArray,
    partner_funding: FloatArray,
) -> dict[str, dict[str, list[float | bool | None]]]:
    """Each partner's ring-fenced spend against its allocation growth, by year.

    Keys ``"<partner>.<ring fence>"``; values: ``spend`` (£k), ``spend_growth``,
    ``allocation_growth`` (fractions, None in the base year) and ``met`` (None in the base
    year). ``cost`` is (L, T), ``partner_funding`` (P, T).
    """
    fences = sorted({f for f in line_ring_fence if f})
    out: dict[str, dict[str, list[float | bool | None]]] = {}
    for fence in fences:
        marked = np.array([f == fence for f in line_ring_fence], dtype=bool)
        spend = np.zeros((len(partner_ids), cost.shape[-1]))
        np.add.at(spend, line_partner[marked], cost[marked])
        for p in np.unique(line_partner[marked]).tolist():
            s, a = spend[p], partner_funding[p]
            spend_growth = s[1:] / np.where(s[:-1] != 0, s[:-1], np.nan) - 1
            alloc_growth = a[1:] / np.where(a[:-1] != 0, a[:-1], np.nan) - 1
            met = spend_growth >= alloc_growth - 1e-12
            out[f"{partner_ids[p]}.{fence}"] = {
                "spend": [float(v) for v in s],
                "spend_growth": [None, *(float(v) for v in spend_growth)],
                "allocation_growth": [None, *(float(v) for v in alloc_growth)],
                "met": [None, *(bool(v) for v in met)],
            }
    return out

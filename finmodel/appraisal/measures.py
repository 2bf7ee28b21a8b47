"""Economic-case measures of investment options against do nothing (Green Book), vectorised.

Inputs are real amounts (£k, prices of the price-base year) shaped ``(..., options, years)``:
leading dimensions, if any, are Monte Carlo draws (or anything else to broadcast over); year
``t = 0`` is the first appraisal year. Costs and benefits are positive numbers (a cost of 100 is
``+100`` in ``costs``). Every measure is *incremental*: the option minus the do-nothing option
(``baseline``, index 0 by default), so do nothing itself scores zero.

* ``PVC = sum_t DF_t * dCost_t``, ``PVB = sum_t DF_t * dBenefit_t``
* ``NPSV = PVB - PVC`` (net present social value), ``BCR = PVB / PVC`` (NaN when PVC is 0)
* payback year: the first ``t`` at which the cumulative discounted net benefit
  ``sum_{k<=t} DF_k (dBenefit_k - dCost_k)`` is ``>= 0`` (``-1``/``None``: never in the horizon)
* cost per unit of outcome: ``PVC / outcome units`` (outcomes discounted when given by year)
* rank: 1 for the highest NPSV (ties keep option order); the preferred option has rank 1
* switching value of a stream: the fractional change ``x`` in the option's incremental stream
  (stream -> ``(1 + x) * stream``) that takes the option's NPSV to zero; closed form when NPSV
  is linear in the stream, a bracketed root (``scipy.optimize.brentq``) when it is not.

Example: an IT system costing £1m in year 0 and saving £150k a year in years 1-10, at 3.5%.

>>> costs = np.array([[0.0] * 11, [1000.0] + [0.0] * 10])
>>> benefits = np.array([[0.0] * 11, [0.0] + [150.0] * 10])
>>> result = appraise(costs, benefits, option_names=["do_nothing", "it_system"])
>>> round(float(result.npsv[1]), 1), result.payback(1)
(247.5, 8)
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from functools import partial
from typing import Literal

import numpy as np
import numpy.typing as npt

from finmodel.appraisal.discounting import AppraisalError, discount_factors
from finmodel.tolerances import PAYBACK_TOLERANCE

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]

#: Payback year (and other year indices) meaning "not within the horizon".
NEVER = -1
#: Cumulative discounted net benefits above ``-PAYBACK_TOLERANCE`` (£k, defined in
#: :mod:`finmodel.tolerances`) count as paid back, so rounding cannot hide an exact break-even.


def _factors(factors: npt.ArrayLike | None, n_years: int) -> FloatArray:
    if factors is None:
        return discount_factors(n_years - 1)
    df = np.asarray(factors, dtype=float)
    if df.shape != (n_years,):
        raise AppraisalError(
            f"discount factors must have one value per year ({n_years}), got shape {df.shape}"
        )
    return df


def present_value(values: npt.ArrayLike, factors: npt.ArrayLike) -> FloatArray:
    """Present value over the last (years) axis: ``sum_t values[..., t] * factors[t]``.

    >>> float(present_value([100.0, 100.0], [1.0, 0.5]))
    150.0
    """
    v = np.asarray(values, dtype=float)
    df = np.asarray(factors, dtype=float)
    if v.shape[-1:] != df.shape:
        raise AppraisalError(
            f"values have {v.shape[-1:]} years but there are {df.shape} discount factors"
        )
    # Year by year, in year order: the same arithmetic for every option and draw whatever the
    # batch's size or memory layout (a matrix product, or numpy's sum, adds in an order that
    # depends on them, so a draw's PV could differ in the last bit with the batch around it).
    if df.size == 0:
        return np.zeros(v.shape[:-1])
    total = v[..., 0] * df[0]
    for t in range(1, df.size):
        total = total + v[..., t] * df[t]
    return np.asarray(total, dtype=float)


def incremental(values: npt.ArrayLike, baseline: int | None = 0) -> FloatArray:
    """Each option minus the baseline option along the options axis (``-2``); unchanged if
    ``baseline`` is None (the streams are already incremental).

    >>> incremental([[1.0, 2.0], [4.0, 6.0]]).tolist()
    [[0.0, 0.0], [3.0, 4.0]]
    """
    v = np.asarray(values, dtype=float)
    if baseline is None:
        return v
    if v.ndim < 2 or not -v.shape[-2] <= baseline < v.shape[-2]:
        raise AppraisalError(f"baseline option {baseline} is not an option of shape {v.shape}")
    return v - v[..., baseline : baseline + 1, :]


def payback_year(net: npt.ArrayLike, factors: npt.ArrayLike) -> IntArray:
    """First year index at which the cumulative discounted net benefit is ``>= 0``; ``NEVER``
    (-1) when it stays negative over the horizon. ``net`` is benefit minus cost by year.

    >>> payback_year([[-100.0, 60.0, 60.0], [-100.0, 10.0, 10.0]], [1.0, 1.0, 1.0]).tolist()
    [2, -1]
    """
    cum = np.cumsum(np.asarray(net, dtype=float) * np.asarray(factors, dtype=float), axis=-1)
    paid = cum >= -PAYBACK_TOLERANCE
    return np.where(paid.any(axis=-1), paid.argmax(axis=-1), NEVER).astype(np.int64)


def rank_options(npsv: npt.ArrayLike) -> IntArray:
    """Rank of each option by NPSV along the last axis: 1 = highest; ties keep option order.

    >>> rank_options([0.0, 250.0, -10.0, 250.0]).tolist()
    [3, 1, 4, 2]
    """
    v = np.asarray(npsv, dtype=float)
    order = np.argsort(-v, axis=-1, kind="stable")
    ranks = np.empty(v.shape, dtype=np.int64)
    np.put_along_axis(ranks, order, np.arange(1, v.shape[-1] + 1), axis=-1)
    return ranks


@dataclass(frozen=True)
class Appraisal:
    """Economic-case measures per option (arrays shaped ``(..., options)``, £k real)."""

    option_names: tuple[str, ...]
    """Option names in order (``option_0``, ... when none were given)."""
    baseline: int | None
    """Index of the do-nothing option the measures are incremental to (None: given as such)."""
    discount_factors: FloatArray
    """The discount factor of each year, ``DF_0 .. DF_n``."""
    pv_costs: FloatArray
    """Present value of incremental costs."""
    pv_benefits: FloatArray
    """Present value of incremental benefits."""
    npsv: FloatArray
    """Net present social value ``PVB - PVC``."""
    bcr: FloatArray
    """Benefit-cost ratio ``PVB / PVC``; NaN where PVC is 0."""
    payback_year: IntArray
    """First year index with cumulative discounted net benefit ``>= 0``; -1 = never."""
    rank: IntArray
    """Rank by NPSV, 1 = highest."""
    preferred: IntArray
    """Index of the option ranked 1, shaped like the leading dimensions."""
    cost_per_outcome: FloatArray | None
    """PVC per unit of (incremental, discounted) outcome; NaN where the outcome is 0."""

    def payback(self, option: int) -> int | None:
        """Payback year index of one option, or None when it does not pay back (no draws).

        >>> a = appraise([[0.0, 0.0], [10.0, 0.0]], [[0.0, 0.0], [0.0, 5.0]], factors=[1, 1])
        >>> a.payback(1) is None
        True
        """
        year = int(self.payback_year[..., option].item())
        return None if year == NEVER else year

    def as_rows(self) -> list[dict[str, object]]:
        """One dict per option (no draws): name, pv_costs, pv_benefits, npsv, bcr, payback_year,
        rank, cost_per_outcome; ready for a table or JSON."""
        if self.npsv.ndim != 1:
            raise AppraisalError("as_rows needs an appraisal without leading (draw) dimensions")
        rows: list[dict[str, object]] = []
        for i, name in enumerate(self.option_names):
            bcr = float(self.bcr[i])
            cpo = None if self.cost_per_outcome is None else float(self.cost_per_outcome[i])
            rows.append(
                {
                    "option": name,
                    "pv_costs": float(self.pv_costs[i]),
                    "pv_benefits": float(self.pv_benefits[i]),
                    "npsv": float(self.npsv[i]),
                    "bcr": None if np.isnan(bcr) else bcr,
                    "payback_year": self.payback(i),
                    "rank": int(self.rank[i]),
                    "cost_per_outcome": None if cpo is None or np.isnan(cpo) else cpo,
                }
            )
        return rows


def _ratio(numerator: FloatArray, denominator: FloatArray) -> FloatArray:
    out = np.full(np.broadcast_shapes(numerator.shape, denominator.shape), np.nan)
    np.divide(numerator, denominator, out=out, where=denominator != 0)
    return out


def appraise(
    costs: npt.ArrayLike,
    benefits: npt.ArrayLike,
    factors: npt.ArrayLike | None = None,
    *,
    baseline: int | None = 0,
    outcomes: npt.ArrayLike | None = None,
    outcome_factors: npt.ArrayLike | None = None,
    option_names: Sequence[str] | None = None,
) -> Appraisal:
    """Appraise options against do nothing: PVC, PVB, NPSV, BCR, payback, rank, cost per outcome.

    ``costs`` and ``benefits`` (£k real, positive) are shaped ``(..., options, years)``;
    ``factors`` are the discount factors of the years (default: the Green Book standard STPR,
    end of year, ``DF_0 = 1``). ``outcomes`` (units of outcome, e.g. reviews done or QALYs) are
    either totals ``(..., options)`` or a stream ``(..., options, years)``, which is made
    incremental and discounted with ``outcome_factors`` (default ``factors``; pass the health
    schedule for QALYs). Costs, benefits and outcomes are all taken against the ``baseline``
    option (None: already incremental).

    >>> a = appraise([[0, 0], [100, 0]], [[0, 0], [0, 100]], factors=[1.0, 1.0])
    >>> float(a.npsv[1]), float(a.bcr[1]), int(a.preferred)
    (0.0, 1.0, 0)
    """
    c = np.asarray(costs, dtype=float)
    b = np.asarray(benefits, dtype=float)
    if c.ndim < 2:
        raise AppraisalError(f"costs must be shaped (..., options, years), got {c.shape}")
    try:
        shape = np.broadcast_shapes(c.shape, b.shape)
    except ValueError:
        raise AppraisalError(f"costs {c.shape} and benefits {b.shape} do not match") from None
    n_options, n_years = shape[-2:]
    df = _factors(factors, n_years)
    d_cost = incremental(np.broadcast_to(c, shape), baseline)
    d_benefit = incremental(np.broadcast_to(b, shape), baseline)
    pvc = present_value(d_cost, df)
    pvb = present_value(d_benefit, df)
    npsv = pvb - pvc
    ranks = rank_options(npsv)
    names = (
        tuple(option_names)
        if option_names is not None
        else tuple(f"option_{i}" for i in range(n_options))
    )
    if len(names) != n_options:
        raise AppraisalError(f"{len(names)} option names for {n_options} options")

    cost_per_outcome = None
    if outcomes is not None:
        o = np.asarray(outcomes, dtype=float)
        if o.ndim == len(shape):
            odf = df if outcome_factors is None else _factors(outcome_factors, n_years)
            units = present_value(incremental(o, baseline), odf)
        elif o.ndim == len(shape) - 1:
            units = o - o[..., baseline : baseline + 1] if baseline is not None else o
        else:
            raise AppraisalError(
                f"outcomes must be shaped (..., options) or (..., options, years), got {o.shape}"
            )
        cost_per_outcome = _ratio(pvc, units)

    return Appraisal(
        option_names=names,
        baseline=baseline,
        discount_factors=df,
        pv_costs=pvc,
        pv_benefits=pvb,
        npsv=npsv,
        bcr=_ratio(pvb, pvc),
        payback_year=payback_year(d_benefit - d_cost, df),
        rank=ranks,
        preferred=np.argmin(ranks, axis=-1).astype(np.int64),
        cost_per_outcome=cost_per_outcome,
    )


# --------------------------------------------------------------------------------------------
# Switching values
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class SwitchingValue:
    """How much one cost or benefit stream of an option must change for its NPSV to be zero."""

    stream: str
    """Name of the stream."""
    kind: Literal["cost", "benefit"]
    """Whether the stream is a cost or a benefit."""
    present_value: float
    """PV of the option's incremental stream (£k; costs after optimism bias)."""
    switching_value: float | None
    """Fractional change (``-0.25`` = a 25% fall) in the stream that takes NPSV to zero; None
    when no change does (the stream does not move NPSV, or no root within +-1e6)."""
    method: Literal["closed_form", "root"]
    """``closed_form`` (NPSV linear in the stream) or ``root`` (bracketed root finder)."""


#: NPSV from the option's incremental streams by year (name -> array of years): costs, benefits.
NpsvFunction = Callable[[Mapping[str, FloatArray], Mapping[str, FloatArray]], float]


def solve_switching_value(npsv_at: Callable[[float], float], limit: float = 1e6) -> float | None:
    """The change ``x`` closest to 0 with ``npsv_at(x) == 0``, by bracketing then ``brentq``.

    Scans outwards from 0 in both directions (steps doubling from 1/64 up to ``limit``) for a
    sign change and refines it; None when there is none. ``npsv_at(x)`` is the NPSV with the
    stream scaled by ``1 + x``.

    >>> round(solve_switching_value(lambda x: 100.0 - 400.0 * (1 + x) ** 2), 6)
    -0.5
    """
    f0 = npsv_at(0.0)
    if f0 == 0.0:
        return 0.0
    step, previous = 1.0 / 64.0, 0.0
    while previous < limit:
        for sign in (1.0, -1.0):
            a, b = sign * previous, sign * step
            fa, fb = npsv_at(a), npsv_at(b)
            if fb == 0.0:
                return b
            if np.sign(fa) != np.sign(fb):
                lo, hi = (a, b) if a < b else (b, a)
                from scipy.optimize import brentq  # a second to import; only solving needs it

                return float(brentq(npsv_at, lo, hi, xtol=1e-12, rtol=1e-12, maxiter=500))
        previous, step = step, step * 2.0
    return None


def switching_values(
    cost_streams: Mapping[str, npt.ArrayLike],
    benefit_streams: Mapping[str, npt.ArrayLike],
    factors: npt.ArrayLike | None = None,
    *,
    option: int | None = None,
    baseline: int | None = 0,
    optimism_bias: float | Mapping[str, float] = 0.0,
    npsv_function: NpsvFunction | None = None,
    method: Literal["auto", "closed_form", "root"] = "auto",
) -> list[SwitchingValue]:
    """Switching value of every cost and benefit stream for one option (default: the preferred).

    Streams are ``(options, years)`` arrays of real £k (no draw dimension). Each is taken
    against ``baseline``; a cost stream is raised by its ``optimism_bias`` rate (one rate, or a
    mapping by stream name). The option's NPSV is ``sum PV(benefits) - sum PV(costs)`` unless
    ``npsv_function`` is given: it receives an option's incremental streams by year (after the
    switching change, before optimism bias) and returns its NPSV, so any non-linear adjustment
    can be appraised (it also ranks the options when ``option`` is None). With ``method="auto"`` the closed form ``x = -NPSV / PV(benefit)`` or
    ``x = NPSV / PV(cost)`` is used when NPSV is linear (no ``npsv_function``), else the root
    finder; ``"root"`` forces the root finder.

    >>> out = switching_values({"capital": [[0, 0], [100, 0]]}, {"savings": [[0, 0], [0, 150]]},
    ...                        factors=[1.0, 1.0])
    >>> [(s.stream, s.switching_value) for s in out]
    [('capital', 0.5), ('savings', -0.3333333333333333)]
    """
    if not cost_streams and not benefit_streams:
        raise AppraisalError("switching values need at least one cost or benefit stream")
    if method == "closed_form" and npsv_function is not None:
        raise AppraisalError("a closed form needs linear NPSV: drop npsv_function or use 'root'")
    streams: dict[tuple[str, str], FloatArray] = {}
    for kind, group in (("cost", cost_streams), ("benefit", benefit_streams)):
        for name, values in group.items():
            v = np.asarray(values, dtype=float)
            if v.ndim != 2:
                raise AppraisalError(
                    f"{kind} stream {name!r} must be (options, years), got {v.shape}"
                )
            streams[(kind, name)] = incremental(v, baseline)
    shapes = {v.shape for v in streams.values()}
    if len(shapes) != 1:
        raise AppraisalError(f"all streams must have the same (options, years) shape: {shapes}")
    n_options, n_years = shapes.pop()
    df = _factors(factors, n_years)

    def ob(name: str) -> float:
        rate = optimism_bias.get(name, 0.0) if isinstance(optimism_bias, Mapping) else optimism_bias
        return float(rate)

    pv_all = {
        key: present_value(v, df) * ((1.0 + ob(key[1])) if key[0] == "cost" else 1.0)
        for key, v in streams.items()
    }
    npsv_all = sum(pv_all[k] for k in pv_all if k[0] == "benefit") - sum(
        pv_all[k] for k in pv_all if k[0] == "cost"
    )
    npsv_by_option = np.broadcast_to(np.asarray(npsv_all, dtype=float), (n_options,))
    if npsv_function is not None:
        npsv_by_option = np.asarray(
            [
                npsv_function(
                    {k[1]: v[i] for k, v in streams.items() if k[0] == "cost"},
                    {k[1]: v[i] for k, v in streams.items() if k[0] == "benefit"},
                )
                for i in range(n_options)
            ],
            dtype=float,
        )
    if option is None:
        option = int(np.argmin(rank_options(npsv_by_option)))
    if not -n_options <= option < n_options:
        raise AppraisalError(f"option {option} is not one of {n_options} options")
    pv = {key: float(values[option]) for key, values in pv_all.items()}
    option_streams = {key: v[option] for key, v in streams.items()}

    def npsv_scaled(target: tuple[str, str], x: float) -> float:
        scaled = {k: (v * (1.0 + x) if k == target else v) for k, v in option_streams.items()}
        if npsv_function is not None:
            costs = {k[1]: v for k, v in scaled.items() if k[0] == "cost"}
            benefits = {k[1]: v for k, v in scaled.items() if k[0] == "benefit"}
            return float(npsv_function(costs, benefits))
        total = 0.0
        for (kind, name), v in scaled.items():
            value = float(v @ df)
            total += value if kind == "benefit" else -value * (1.0 + ob(name))
        return total

    npsv0 = float(npsv_by_option[option])
    use_root = method == "root" or (method == "auto" and npsv_function is not None)
    out: list[SwitchingValue] = []
    for key in streams:
        kind, name = key
        if use_root:
            x = solve_switching_value(partial(npsv_scaled, key))
        else:
            p = pv[key]
            x = None if p == 0 else (-npsv0 / p if kind == "benefit" else npsv0 / p)
        out.append(
            SwitchingValue(
                stream=name,
                kind="cost" if kind == "cost" else "benefit",
                present_value=pv[key],
                switching_value=x,
                method="root" if use_root else "closed_form",
            )
        )
    return out

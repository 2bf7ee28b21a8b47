"""One-at-a-time sensitivity (tornado) and goal seek on one assumption.

**Tornado.** Each uncertain input is moved to its low and then its high value with every other
input at base; the output's *swing* is ``output at high - output at low`` (negative when raising
the input lowers the output). All ``2 x n_inputs + 1`` cases (base first) go to the model in
**one** vectorised call: the model function takes ``{path: array}`` whose arrays have a leading
batch dimension and returns outputs with the same leading dimension.

**Goal seek.** :func:`goal_seek` finds the value of one assumption at which a continuous metric
equals a target (bracketed root finding, Brent's method); :func:`goal_seek_condition` finds the
smallest (or largest) value at which a monotone yes/no condition holds, by bisection (for
step-like targets such as "the 28-day standard is met by 2027/28"). Both raise
:class:`~finmodel.errors.GoalSeekError`, stating the metric at both ends of the range, when no
value in the range meets the target.

>>> def surplus(v):  # a toy model: surplus (£k) = 1000 * efficiency - 20 * demand growth (%)
...     return 1000 * v["efficiency"] - 20 * v["demand"]
>>> rows = tornado(surplus, {"efficiency": 0.02, "demand": 3.0},
...                {"efficiency": (0.01, 0.03), "demand": (2.0, 5.0)})
>>> [(r.input, round(r.swing, 6)) for r in rows]
[('demand', -60.0), ('efficiency', 20.0)]
>>> round(goal_seek(lambda x: 1000 * x - 60, 0.0, 0.1, target=0.0).value, 6)
0.06
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Literal

import numpy as np
from numpy.typing import ArrayLike, NDArray

from finmodel.errors import GoalSeekError

Floats = NDArray[np.float64]
#: A model function vectorised over a leading batch dimension: {path: (batch, ...)} -> (batch, ...).
BatchModel = Callable[[dict[str, Floats]], ArrayLike]


@dataclass(frozen=True)
class TornadoRow:
    """One input's bar in a tornado, in the output's units (e.g. £k of final-year surplus)."""

    input: str
    low_value: float | Floats
    high_value: float | Floats
    output_at_low: float
    output_at_high: float
    swing: float
    """``output_at_high - output_at_low``; rows are sorted by its absolute value."""
    output_at_base: float


def one_at_a_time(
    base: Mapping[str, ArrayLike], ranges: Mapping[str, tuple[ArrayLike, ArrayLike]]
) -> dict[str, Floats]:
    """The batch of one-at-a-time cases: row 0 is base, rows ``2i+1`` / ``2i+2`` move input ``i``
    (in the order of ``ranges``) to its low / high value, every other input at base.

    Returns ``{path: array of shape (2 * len(ranges) + 1, *shape of the base value)}`` for every
    path in ``base``.

    >>> one_at_a_time({"a": 1.0, "b": 2.0}, {"a": (0.0, 3.0)})["a"].tolist()
    [1.0, 0.0, 3.0]
    """
    unknown = [path for path in ranges if path not in base]
    if unknown:
        raise KeyError(f"no base value for {', '.join(unknown)}")
    batch = 2 * len(ranges) + 1
    values: dict[str, Floats] = {}
    for path, value in base.items():
        arr = np.asarray(value, dtype=np.float64)
        values[path] = np.repeat(arr[np.newaxis], batch, axis=0)
    for i, (path, (low, high)) in enumerate(ranges.items()):
        values[path][2 * i + 1] = low
        values[path][2 * i + 2] = high
    return values


def _rows(
    outputs: Floats,
    ranges: Mapping[str, tuple[ArrayLike, ArrayLike]],
) -> list[TornadoRow]:
    rows = []
    for i, (path, (low, high)) in enumerate(ranges.items()):
        out_low, out_high = float(outputs[2 * i + 1]), float(outputs[2 * i + 2])
        rows.append(
            TornadoRow(
                input=path,
                low_value=_plain(low),
                high_value=_plain(high),
                output_at_low=out_low,
                output_at_high=out_high,
                swing=out_high - out_low,
                output_at_base=float(outputs[0]),
            )
        )
    rows.sort(key=lambda row: (-abs(row.swing), row.input))
    return rows


def _plain(value: ArrayLike) -> float | Floats:
    arr = np.asarray(value, dtype=np.float64)
    return float(arr) if arr.ndim == 0 else arr


def tornado(
    f: BatchModel,
    base: Mapping[str, ArrayLike],
    ranges: Mapping[str, tuple[ArrayLike, ArrayLike]],
) -> list[TornadoRow]:
    """Swing of a scalar output as each input in ``ranges`` goes from low to high, alone.

    ``f`` maps ``{path: (batch, ...)}`` to outputs of shape ``(batch,)`` and is called once.
    ``base`` holds every input ``f`` needs (scalars or arrays such as year-varying rates);
    ``ranges`` gives ``(low, high)`` for the inputs to vary. Rows are sorted by absolute
    swing, largest first (ties by input name).
    """
    outputs = np.asarray(f(one_at_a_time(base, ranges)), dtype=np.float64)
    expected = (2 * len(ranges) + 1,)
    if outputs.shape != expected:
        raise ValueError(f"the model must return outputs of shape {expected}, got {outputs.shape}")
    return _rows(outputs, ranges)


def tornados(
    f: BatchModel,
    base: Mapping[str, ArrayLike],
    ranges: Mapping[str, tuple[ArrayLike, ArrayLike]],
    metrics: list[str],
) -> dict[str, list[TornadoRow]]:
    """Tornados of several outputs from one batch call: ``f`` returns ``(batch, len(metrics))``.

    For example the final-year system surplus and the preferred option's NPSV together.
    """
    outputs = np.asarray(f(one_at_a_time(base, ranges)), dtype=np.float64)
    expected = (2 * len(ranges) + 1, len(metrics))
    if outputs.shape != expected:
        raise ValueError(f"the model must return outputs of shape {expected}, got {outputs.shape}")
    return {name: _rows(outputs[:, k], ranges) for k, name in enumerate(metrics)}


@dataclass(frozen=True)
class GoalSeekResult:
    """The assumption's value meeting the target, and the metric there."""

    value: float
    """The assumption's value (in the assumption's units)."""
    metric: float
    """The target metric at ``value`` (for a condition: 1.0, it holds)."""
    iterations: int
    """Model evaluations used."""


def goal_seek(
    f: Callable[[float], float],
    lo: float,
    hi: float,
    target: float,
    tol: float = 1e-9,
    *,
    assumption: str = "the assumption",
    metric: str = "the target metric",
    max_iterations: int = 200,
) -> GoalSeekResult:
    """The value ``x`` in ``[lo, hi]`` at which ``f(x) == target``, to within ``tol`` in ``x``.

    ``f`` is the target metric (e.g. last-year system surplus less control total, £k) as a
    function of one assumption (e.g. an efficiency rate). ``f(lo) - target`` and
    ``f(hi) - target`` must differ in sign (or one be zero); otherwise no value in the range
    meets the target and :class:`GoalSeekError` says what the metric is at both ends. If the
    metric crosses the target more than once, one crossing is returned.

    >>> round(goal_seek(lambda rate: 500 * rate - 10, 0, 0.1, target=0).value, 9)
    0.02
    """
    if not lo < hi:
        raise ValueError(f"need lo < hi, got {lo} and {hi}")
    f_lo, f_hi = float(f(lo)), float(f(hi))
    calls = 2
    if np.isnan(f_lo) or np.isnan(f_hi):
        raise GoalSeekError(f"{metric} cannot be computed at an end of the range [{lo:g}, {hi:g}]")
    g_lo, g_hi = f_lo - target, f_hi - target
    if g_lo == 0:
        return GoalSeekResult(float(lo), f_lo, calls)
    if g_hi == 0:
        return GoalSeekResult(float(hi), f_hi, calls)
    if (g_lo > 0) == (g_hi > 0):
        raise GoalSeekError(
            f"no value of {assumption} between {lo:g} and {hi:g} meets the target "
            f"{target:,.6g}: {metric} is {f_lo:,.6g} at {lo:g} and {f_hi:,.6g} at {hi:g}"
        )
    from scipy import optimize  # imported on first use: a second to import

    root, info = optimize.brentq(
        lambda x: float(f(x)) - target,
        lo,
        hi,
        xtol=tol,
        maxiter=max_iterations,
        full_output=True,
        disp=False,
    )
    if not info.converged:
        raise GoalSeekError(
            f"goal seek on {assumption} did not converge in {max_iterations} iterations"
        )
    value = float(root)
    return GoalSeekResult(value, float(f(value)), calls + info.function_calls + 1)


def goal_seek_condition(
    holds: Callable[[float], bool],
    lo: float,
    hi: float,
    tol: float = 1e-9,
    *,
    find: Literal["smallest", "largest"] = "smallest",
    assumption: str = "the assumption",
    condition: str = "the condition",
    describe: Callable[[float], str] | None = None,
    max_iterations: int = 200,
) -> GoalSeekResult:
    """The smallest (or largest) ``x`` in ``[lo, hi]`` at which a monotone condition holds.

    For ``find="smallest"`` the condition must be false below some threshold and true above it
    (e.g. "the 28-day standard is met by 2027/28" as recurrent investment rises); for
    ``"largest"``, true below and false above. Bisection to within ``tol``; the value
    returned always satisfies the condition. Raises :class:`GoalSeekError` if the condition
    holds nowhere in the range, quoting ``describe(x)`` (e.g. "first met in 2029/30") at both
    ends when given.

    >>> round(goal_seek_condition(lambda x: x >= 0.3, 0.0, 1.0, tol=1e-6).value, 5)
    0.3
    """
    if not lo < hi:
        raise ValueError(f"need lo < hi, got {lo} and {hi}")
    if find not in ("smallest", "largest"):
        raise ValueError(f"find must be 'smallest' or 'largest', got {find!r}")
    good, bad = (hi, lo) if find == "smallest" else (lo, hi)
    if not holds(good):
        if describe is not None:
            ends = f"at {lo:g}: {describe(lo)}; at {hi:g}: {describe(hi)}"
        else:
            ends = f"not met even at {good:g}"
        raise GoalSeekError(
            f"no value of {assumption} between {lo:g} and {hi:g} meets {condition} ({ends})"
        )
    calls = 1
    if holds(bad):
        return GoalSeekResult(float(bad), 1.0, calls + 1)
    calls += 1
    while abs(good - bad) > tol and calls < max_iterations:
        mid = (good + bad) / 2
        if mid in (good, bad):
            break
        calls += 1
        if holds(mid):
            good = mid
        else:
            bad = mid
    return GoalSeekResult(float(good), 1.0, calls)

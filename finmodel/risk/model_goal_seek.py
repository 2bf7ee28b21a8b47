"""Goal seek on a model: the value of one assumption at which a target holds.

The assumption is a dotted path, or a pattern with ``*`` (every matched input takes the value);
the targets are in :mod:`finmodel.risk.goal_targets`. The search scans the range (by default the
input's valid range) on a grid of 401 values in one vectorised call, takes the crossing nearest
the modelled value, and refines it by Brent's method; if the target is met nowhere in the range,
:class:`~finmodel.errors.GoalSeekError` says what the metric is at both ends. Service targets
(``standard_28d``, ``backlog_cleared``) find the smallest (or largest) value at which the service
model reaches them by the end of the year.

>>> from finmodel.io.yaml_io import load_model
>>> found = goal_seek_model(load_model("models/minimal.yaml"), "assumptions.efficiency", "break_even")
>>> round(abs(found.metric), 6)
0.0
"""

from __future__ import annotations

from typing import Any, Literal

import numpy as np

from finmodel.domain.model import Model
from finmodel.domain.uncertainty import ApplyMode
from finmodel.domain.validation import apply_scenario
from finmodel.engine.inputs import FloatArray
from finmodel.engine.projection import project_arrays
from finmodel.errors import GoalSeekError, InputError, Problem
from finmodel.investment.projection import compile_inputs
from finmodel.risk.goal_targets import (
    SERVICE_MEASURES,
    GoalSeekOutcome,
    GoalTarget,
    parse_target,
    year_index,
)
from finmodel.risk.inputs import InputTarget, base_values, input_target
from finmodel.risk.kernel import Kernel
from finmodel.risk.sensitivity_maths import goal_seek, goal_seek_condition
from finmodel.risk.service_draws import InvestmentEvaluator

#: Values scanned for a crossing before Brent's method refines it.
GOAL_SEEK_GRID = 401


def goal_seek_model(
    model: Model,
    assumption: str,
    target: str | GoalTarget,
    *,
    year: str | int | None = None,
    scenario: str | None = None,
    partner: str | None = None,
    low: float | None = None,
    high: float | None = None,
    apply: ApplyMode = "set",
) -> GoalSeekOutcome:
    """The value of ``assumption`` at which ``target`` holds in ``year`` (default: the last).

    ``assumption`` is a dotted path (or pattern) of a numeric input; with ``apply="add"`` or
    ``"scale"`` the value sought is a change to, or a multiple of, the modelled values.
    ``low``/``high`` bound the search (default: the input's valid range). Raises
    :class:`InputError` for an unknown path, year, partner or target, and
    :class:`GoalSeekError` when no value in the range meets the target.
    """
    goal = parse_target(target) if isinstance(target, str) else target
    projected = apply_scenario(model, scenario)
    inputs = compile_inputs(projected)
    where = input_target(projected, assumption, apply=apply, inputs=inputs)
    if goal.measure in SERVICE_MEASURES:
        return _goal_seek_service(projected, where, goal, year, low, high)
    t = year_index(inputs.years, year)
    if partner is not None and partner not in inputs.partner_ids:
        raise _input_error(model.origin, "--partner", f"{partner!r} is not a partner of the model")
    row = inputs.partner_ids.index(partner) if partner is not None else None
    if row is not None and goal.measure == "variance" and np.isnan(inputs.control_total[row, t]):
        raise _input_error(model.origin, "--partner", f"{partner!r} has no control total")
    current = _current_value(inputs, where) if apply == "set" else _unchanged(apply)
    lo, hi = _search_range(where, low, high, current)
    kernel = Kernel(inputs, [where], project_arrays(inputs))

    def metric(values: FloatArray) -> FloatArray:
        out = kernel.evaluate(np.asarray(values, dtype=float).reshape(-1, 1))
        if goal.measure == "surplus":
            series = out.system_surplus if row is None else out.surplus[row]
        else:
            series = (
                out.system_variance
                if row is None
                else out.surplus[row] - (inputs.control_total[row][:, None])
            )
        return np.asarray(series[t], dtype=float)

    metric_now = float(metric(np.array([np.nan]))[0])
    who = "the system" if partner is None else partner
    grid = np.linspace(lo, hi, GOAL_SEEK_GRID)
    gap = metric(grid) - goal.value
    a, b = _bracket(grid, gap, current)
    label = f"{goal.describe(who)} in {inputs.years[t]}"
    if a is None or b is None:
        best = int(np.nanargmin(np.abs(gap)))
        raise GoalSeekError(
            f"no value of {assumption} between {lo:g} and {hi:g} meets the target ({label}): "
            f"the {goal.measure} is {gap[0] + goal.value:,.0f} £k at {lo:g} and "
            f"{gap[-1] + goal.value:,.0f} £k at {hi:g} (closest {gap[best] + goal.value:,.0f} £k "
            f"at {grid[best]:.6g})"
        )
    found = goal_seek(
        lambda x: float(metric(np.array([x]))[0]),
        a,
        b,
        goal.value,
        tol=1e-12 * max(1.0, abs(hi - lo)),
        assumption=assumption,
        metric=label,
    )
    return GoalSeekOutcome(
        assumption=assumption,
        paths=where.paths,
        apply=apply,
        value=found.value,
        current=current,
        metric=found.metric,
        metric_now=metric_now,
        target=goal,
        who=who,
        year=inputs.years[t],
        low=float(lo),
        high=float(hi),
        iterations=found.iterations + GOAL_SEEK_GRID + 1,
    )


def _input_error(origin: str, place: str, message: str) -> InputError:
    """One problem the user must fix, e.g. an option (``--partner``) naming nothing in the model."""
    return InputError([Problem(origin, place, message)])


def _unchanged(apply: ApplyMode) -> float:
    """The change that leaves an input at its modelled values: 0 to add, 1 to scale by."""
    return 0.0 if apply == "add" else 1.0


def _current_value(inputs: Any, where: Any) -> float | None:
    """The modelled value of an input if every element it sets has the same one."""
    found = [base_values(inputs, slot) for slot in where.slots if slot.index.size]
    if not found:
        return None
    values = np.concatenate([np.ravel(v) for v in found])
    return float(values[0]) if values.size and np.all(values == values[0]) else None


def _bracket(
    grid: FloatArray, gap: FloatArray, current: float | None
) -> tuple[float | None, float | None]:
    """The grid interval where ``gap`` changes sign (or is 0) nearest ``current``."""
    ok = ~np.isnan(gap)
    crossings = np.flatnonzero(ok[:-1] & ok[1:] & ((np.sign(gap[:-1]) * np.sign(gap[1:])) <= 0))
    if crossings.size == 0:
        return None, None
    centre = grid[len(grid) // 2] if current is None else current
    mid = (grid[crossings] + grid[crossings + 1]) / 2
    i = int(crossings[np.argmin(np.abs(mid - centre))])
    return float(grid[i]), float(grid[i + 1])


def _search_range(
    where: InputTarget, low: float | None, high: float | None, current: float | None = None
) -> tuple[float, float]:
    """The range searched: as given, else the input's valid range; an input with no upper
    bound (an amount, a count) is searched up to four times its modelled value."""
    default_low, default_high = where.valid
    if where.apply != "set":
        default_low, default_high = (-1.0, 1.0) if where.apply == "add" else (0.0, 2.0)
    if default_high is None and current is not None and current > 0:
        default_high = 4.0 * current
    if default_low is None and current is not None and current < 0:
        default_low = 4.0 * current
    lo = low if low is not None else default_low
    hi = high if high is not None else default_high
    if lo is None or hi is None or not lo < hi:
        raise _input_error(
            "command line",
            "--low/--high",
            f"give a search range low < high for {where.key} (got {lo}, {hi})",
        )
    return float(lo), float(hi)


def _financial_year(label: str) -> str:
    """``"2022-05"`` -> ``"2022/23"``; ``"2023-02"`` -> ``"2022/23"``."""
    year, month = (int(x) for x in label.split("-"))
    start = year if month >= 4 else year - 1
    return f"{start}/{(start + 1) % 100:02d}"


def _goal_seek_service(
    model: Model,
    where: InputTarget,
    goal: GoalTarget,
    year: str | int | None,
    low: float | None,
    high: float | None,
) -> GoalSeekOutcome:
    """Smallest (or largest) value at which a service answer is reached by the end of ``year``."""
    if not where.service:
        raise _input_error(
            model.origin,
            "--assumption",
            f"{where.key} is not a service-model parameter, so it cannot move "
            f"{goal.measure} (use investments.<id>.service.parameters.<name>)",
        )
    evaluator = InvestmentEvaluator(model, [where])
    inv_id = where.service[0].investment
    base = evaluator.evaluate(np.array([[np.nan]])).answers[inv_id]
    options = list(base.option_ids)
    if goal.option is None:
        baseline = model.investments[inv_id].baseline_index()
        option = base.selected
        if option == baseline and len(options) > 1:
            option = next(i for i in range(len(options)) if i != baseline)
    elif goal.option in options:
        option = options.index(goal.option)
    else:
        raise _input_error(
            model.origin, "--target", f"no option {goal.option!r} ({', '.join(options)})"
        )
    years = sorted({_financial_year(label) for label in base.month_labels})
    label = str(year) if year is not None else None
    if label is None or label not in years:
        raise _input_error(
            "command line",
            "--year",
            f"give the year to meet {goal.measure} by, one of {years[0]} .. {years[-1]}"
            + (f" (not {year!r})" if year is not None else ""),
        )
    last_month = max(i for i, m in enumerate(base.month_labels) if _financial_year(m) <= label)
    current = where.service[0].base if where.apply == "set" else _unchanged(where.apply)
    lo, hi = _search_range(where, low, high, current)

    def months(values: FloatArray) -> FloatArray:
        answers = evaluator.evaluate(np.asarray(values, dtype=float).reshape(-1, 1)).answers[inv_id]
        series = (
            answers.months_to_standard
            if goal.measure == "standard_28d"
            else answers.months_to_clear_backlog
        )
        return np.asarray(series[:, option], dtype=float)

    def describe(x: float) -> str:
        m = float(months(np.array([x]))[0])
        return (
            "never within the horizon"
            if not np.isfinite(m)
            else f"first in {base.month_labels[int(m)]}"
        )

    grid = np.linspace(lo, hi, GOAL_SEEK_GRID)
    holds = months(grid) <= last_month
    who = f"option {options[option]}"
    text = f"{goal.describe(who)} by the end of {label}"
    if not holds.any():
        raise GoalSeekError(
            f"no value of {where.key} between {lo:g} and {hi:g} means {text}: at {lo:g} "
            f"{describe(lo)}, at {hi:g} {describe(hi)}"
        )
    find: Literal["smallest", "largest"] = "smallest" if holds[-1] else "largest"
    if find == "smallest":
        first = int(np.argmax(holds))
        a, b = (float(grid[first - 1]), float(grid[first])) if first > 0 else (lo, lo + 1e-12)
    else:
        last = len(holds) - 1 - int(np.argmax(holds[::-1]))
        a, b = (
            (float(grid[last]), float(grid[last + 1]))
            if last < len(holds) - 1
            else (hi - 1e-12, hi)
        )
    found = goal_seek_condition(
        lambda x: bool(months(np.array([x]))[0] <= last_month),
        a,
        b,
        tol=1e-9 * max(1.0, abs(hi - lo)),
        find=find,
        assumption=where.key,
        condition=text,
        describe=describe,
    )
    now = float(months(np.array([np.nan]))[0])
    reached = float(months(np.array([found.value]))[0])
    return GoalSeekOutcome(
        assumption=where.key,
        paths=where.paths,
        apply=where.apply,
        value=found.value,
        current=current,
        metric=reached,
        metric_now=now,
        target=goal,
        who=who,
        year=label,
        low=lo,
        high=hi,
        iterations=found.iterations + GOAL_SEEK_GRID + 2,
    )

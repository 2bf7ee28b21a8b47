"""Sensitivity (tornado) and goal seek on a model, through the vectorised kernel.

**Tornado** (:func:`sensitivity`). Each uncertain input of the ``uncertainty:`` section moves
from its P10 to its P90 (for ``interval80`` these are its ``low`` and ``high``; for the others
the 10th and 90th percentiles of the distribution, so every bar covers the same 80% of
probability) with every other input at its modelled value; the bar is the change in the
final-year system surplus (£k). All ``2K + 1`` cases go through the kernel in one call.

**Goal seek** (:func:`goal_seek_model`). The value of one assumption (a dotted path, or a
pattern with ``*``: every matched input takes the value) at which a target holds in a year:

==================  ===========================================================================
``control_total``   the surplus equals the control total (system: summed over the partners in
                    it), i.e. the variance is 0
``break_even``      the surplus is 0
``surplus=X``       the surplus is X (£k)
``variance=X``      the surplus less the control total is X (£k)
==================  ===========================================================================

for the system, or for one partner (``partner=``). The search scans the range (by default the
input's valid range) on a grid of 401 values in one vectorised call, takes the crossing nearest
the modelled value, and refines it by Brent's method; if the target is met nowhere in the range,
:class:`~finmodel.errors.GoalSeekError` says what the metric is at both ends.

>>> from finmodel.io.yaml_io import load_model
>>> model = load_model("models/minimal.yaml")
>>> found = goal_seek_model(model, "assumptions.efficiency", "break_even")
>>> round(abs(found.metric), 6)
0.0
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from typing import Any, Literal

import numpy as np

from finmodel.domain.model import Model
from finmodel.domain.uncertainty import ApplyMode
from finmodel.domain.validation import apply_scenario
from finmodel.engine.inputs import FloatArray
from finmodel.engine.projection import project_arrays
from finmodel.engine.result import compile_inputs
from finmodel.errors import GoalSeekError, InputError, Problem
from finmodel.risk.inputs import (
    InputTarget,
    UncertainValue,
    base_values,
    input_target,
    uncertain_inputs,
)
from finmodel.risk.kernel import Kernel
from finmodel.risk.sensitivity import TornadoRow, goal_seek, goal_seek_condition, tornados
from finmodel.risk.service_draws import InvestmentAnswers, InvestmentEvaluator

#: Probabilities of the low and high end of each tornado bar.
TORNADO_LEVELS = (0.1, 0.9)
#: Values scanned for a crossing before Brent's method refines it.
GOAL_SEEK_GRID = 401


def tornado_range(value: UncertainValue) -> tuple[float, float]:
    """The low and high value of an input's tornado bar: its P10 and P90 (clipped to range)."""
    valid = value.target.valid if value.target.apply == "set" else None
    return value.distribution.interval(*TORNADO_LEVELS, valid=valid)


@dataclass(frozen=True)
class Tornado:
    """One tornado: the swing of a metric as each input goes from its P10 to its P90."""

    metric: str
    """Machine name, e.g. ``system_surplus``."""
    label: str
    """Readable name with year and unit, e.g. "System surplus 2024/25, £k"."""
    base: float
    """The metric with every input at its modelled value."""
    rows: list[TornadoRow]
    """Bars sorted by absolute swing, largest first."""

    def to_json(self) -> dict[str, Any]:
        """JSON-ready rows."""
        return {
            "metric": self.metric,
            "label": self.label,
            "base": self.base,
            "rows": [
                {
                    "input": row.input,
                    "low": float(np.asarray(row.low_value)),
                    "high": float(np.asarray(row.high_value)),
                    "at_low": row.output_at_low,
                    "at_high": row.output_at_high,
                    "swing": row.swing,
                }
                for row in self.rows
            ],
        }


@dataclass(frozen=True)
class SensitivityResult:
    """Tornados of a model's uncertain inputs."""

    model_name: str
    scenario: str | None
    year: str
    inputs: list[UncertainValue]
    tornados: dict[str, Tornado]

    def to_json(self) -> dict[str, Any]:
        """JSON-ready summary."""
        return {
            "model": self.model_name,
            "scenario": self.scenario,
            "units": "gbp_thousands",
            "year": self.year,
            "range": "each input from its P10 to its P90, the others at their modelled values",
            "tornados": {name: t.to_json() for name, t in self.tornados.items()},
        }


def tornado_option(
    answers: InvestmentAnswers, deterministic: FloatArray, baseline: int
) -> tuple[int, str]:
    """The option whose NPSV the tornado shows: the preferred one (highest NPSV), or when that
    is do nothing (``baseline``, NPSV 0 by definition), the best other option; with a note."""
    order = [int(i) for i in np.argsort(-deterministic, kind="stable")]
    preferred = order[0]
    if preferred != baseline or len(order) == 1:
        return preferred, "preferred option"
    best_other = next(i for i in order if i != baseline)
    return best_other, f"best option other than {answers.option_ids[preferred]}, which is preferred"


def sensitivity(model: Model, scenario: str | None = None) -> SensitivityResult:
    """Tornados of every uncertain input: on the final-year system surplus (£k) and, for each
    investment with a service model, on the NPSV of its preferred option (£k real).

    Raises :class:`~finmodel.errors.InputError` for a model without uncertain inputs.
    """
    projected = apply_scenario(model, scenario)
    inputs = compile_inputs(projected)
    values = uncertain_inputs(projected, inputs)
    if not values:
        raise InputError(
            [Problem(model.origin, "uncertainty", "the model has no uncertain inputs")]
        )
    targets = [v.target for v in values]
    kernel = Kernel(inputs, targets, project_arrays(inputs))
    evaluator = InvestmentEvaluator(projected, targets)
    keys = [v.key for v in values]
    year = inputs.years[-1]
    base_answers = evaluator.evaluate(np.full((1, len(keys)), np.nan)).answers
    chosen = {
        inv_id: tornado_option(a, a.npsv[0], projected.investments[inv_id].baseline_index())
        for inv_id, a in base_answers.items()
    }
    metrics = ["system_surplus", *(f"npsv:{inv_id}" for inv_id in chosen)]

    def outputs(batch: dict[str, FloatArray]) -> FloatArray:
        columns = np.column_stack([np.asarray(batch[key], dtype=float) for key in keys])
        invest = evaluator.evaluate(columns)
        out = kernel.evaluate(columns, invest.expenditure_deviation)
        npsv = [invest.answers[i].npsv[:, option] for i, (option, _) in chosen.items()]
        return np.column_stack([out.system_surplus[-1], *npsv])

    base = {key: math.nan for key in keys}
    ranges = {v.key: tornado_range(v) for v in values}
    found = tornados(outputs, base, ranges, metrics)
    reference = float(kernel.reference.system_surplus[-1])
    result = {
        "system_surplus": Tornado(
            "system_surplus", f"System surplus {year}, £k", reference, found["system_surplus"]
        )
    }
    for inv_id, (option, why) in chosen.items():
        answers = base_answers[inv_id]
        rows = [row for row in found[f"npsv:{inv_id}"] if row.swing != 0]
        label = f"NPSV of {inv_id} option {answers.option_ids[option]} ({why}), £k real"
        result[f"npsv:{inv_id}"] = Tornado(
            f"npsv:{inv_id}", label, float(answers.npsv[0, option]), rows
        )
    return SensitivityResult(projected.name, scenario, year, values, result)


Measure = Literal["variance", "surplus", "standard_28d", "backlog_cleared"]
#: Targets on an investment's service model: met by the end of the year given.
SERVICE_MEASURES = ("standard_28d", "backlog_cleared")


@dataclass(frozen=True)
class GoalTarget:
    """What goal seek aims at: a measure of the system or a partner equal to a value (£k), or a
    service-model answer reached by the end of a year (``standard_28d``, ``backlog_cleared``)."""

    measure: Measure
    value: float
    text: str
    option: str | None = None
    """For service targets: the option (default: the selected one, else the first other than
    do nothing)."""

    def describe(self, who: str) -> str:
        """Words for messages, e.g. "the system meets its control total"."""
        if self.measure == "standard_28d":
            return f"{who} meets the 28-day standard"
        if self.measure == "backlog_cleared":
            return f"{who} clears the overdue review backlog"
        if self.measure == "variance" and self.value == 0:
            return f"{who} meets its control total"
        if self.measure == "surplus" and self.value == 0:
            return f"{who} breaks even"
        what = "surplus" if self.measure == "surplus" else "surplus less control total"
        return f"{who}'s {what} is {self.value:,.6g} £k"


_TARGET = re.compile(r"^\s*(surplus|variance)\s*=\s*(\S+)\s*$")


def parse_target(text: str) -> GoalTarget:
    """A target from the command line: ``control_total``, ``break_even``, ``surplus=X``,
    ``variance=X`` (£k), ``standard_28d[:OPTION]``, ``backlog_cleared[:OPTION]``.
    :class:`InputError` (place ``--target``) otherwise.

    >>> parse_target("surplus=-5000")
    GoalTarget(measure='surplus', value=-5000.0, text='surplus=-5000', option=None)
    """
    name = text.strip().lower()
    head, _, option = name.partition(":")
    if head in ("standard_28d", "backlog_cleared"):
        return GoalTarget(head, 0.0, text, option.strip() or None)  # type: ignore[arg-type]
    if name in ("control_total", "control-total"):
        return GoalTarget("variance", 0.0, text)
    if name in ("break_even", "break-even", "breakeven"):
        return GoalTarget("surplus", 0.0, text)
    match = _TARGET.match(name)
    if match:
        try:
            value = float(match.group(2).replace(",", "").replace("_", ""))
        except ValueError:
            value = math.nan
        if math.isfinite(value):
            return GoalTarget(match.group(1), value, text)  # type: ignore[arg-type]
    raise InputError(
        [
            Problem(
                "command line",
                "--target",
                f"{text!r} is not a target: use control_total, break_even, surplus=VALUE, "
                "variance=VALUE (£k), or standard_28d[:OPTION] / backlog_cleared[:OPTION] (by the "
                "end of --year)",
            )
        ]
    )


@dataclass(frozen=True)
class GoalSeekOutcome:
    """The value of an assumption at which a target holds."""

    assumption: str
    paths: tuple[str, ...]
    apply: ApplyMode
    value: float
    """The assumption's value meeting the target (its units: a rate, £k, ...)."""
    current: float | None
    """The modelled value, when the input has a single one."""
    metric: float
    """The target measure at ``value`` (£k), equal to the target to tolerance."""
    metric_now: float
    """The target measure with the modelled value (£k)."""
    target: GoalTarget
    who: str
    year: str
    low: float
    high: float
    iterations: int

    def sentence(self) -> str:
        """One line a finance lead can quote."""
        now = "" if self.current is None else f" (modelled: {self.current:.6g})"
        when = "by the end of" if self.target.measure in SERVICE_MEASURES else "in"
        return (
            f"{self.assumption} = {self.value:.6g}{now}: {self.target.describe(self.who)} "
            f"{when} {self.year}."
        )

    def to_json(self) -> dict[str, Any]:
        """JSON-ready outcome."""
        return {
            "assumption": self.assumption,
            "paths": list(self.paths),
            "apply": self.apply,
            "value": self.value,
            "current": self.current,
            "target": self.target.text,
            "measure": self.target.measure,
            "target_value": self.target.value,
            "who": self.who,
            "year": self.year,
            "metric_at_value": self.metric,
            "metric_now": self.metric_now,
            "range": [self.low, self.high],
            "iterations": self.iterations,
        }


def year_index(years: list[str], year: str | int | None, place: str = "--year") -> int:
    """Index of a projected year given as ``"2024/25"`` or an index (default: the last year)."""
    if year is None:
        return len(years) - 1
    if isinstance(year, int) or str(year).isdigit():
        index = int(year)
        if 1 <= index < len(years):
            return index
    elif str(year) in years[1:]:
        return years.index(str(year))
    raise InputError(
        [
            Problem(
                "command line", place, f"{year!r} is not a projected year ({', '.join(years[1:])})"
            )
        ]
    )


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
        raise InputError(
            [Problem(model.origin, "--partner", f"{partner!r} is not a partner of the model")]
        )
    row = inputs.partner_ids.index(partner) if partner is not None else None
    if row is not None and goal.measure == "variance" and np.isnan(inputs.control_total[row, t]):
        raise InputError([Problem(model.origin, "--partner", f"{partner!r} has no control total")])
    current = _current_value(inputs, where) if apply == "set" else (0.0 if apply == "add" else 1.0)
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
        raise InputError(
            [
                Problem(
                    "command line",
                    "--low/--high",
                    f"give a search range low < high for {where.key} (got {lo}, {hi})",
                )
            ]
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
        raise InputError(
            [
                Problem(
                    model.origin,
                    "--assumption",
                    f"{where.key} is not a service-model parameter, so it cannot move "
                    f"{goal.measure} (use investments.<id>.service.parameters.<name>)",
                )
            ]
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
        raise InputError(
            [Problem(model.origin, "--target", f"no option {goal.option!r} ({', '.join(options)})")]
        )
    years = sorted({_financial_year(label) for label in base.month_labels})
    label = str(year) if year is not None else None
    if label is None or label not in years:
        raise InputError(
            [
                Problem(
                    "command line",
                    "--year",
                    f"give the year to meet {goal.measure} by, one of {years[0]} .. {years[-1]}"
                    + (f" (not {year!r})" if year is not None else ""),
                )
            ]
        )
    last_month = max(i for i, m in enumerate(base.month_labels) if _financial_year(m) <= label)
    current = (
        where.service[0].base if where.apply == "set" else (0.0 if where.apply == "add" else 1.0)
    )
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

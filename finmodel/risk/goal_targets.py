"""What goal seek aims at and how its answer reads.

A target (:func:`parse_target`) holds in a year, for the system or for one partner:

===================  ==========================================================================
``control_total``    the surplus equals the control total (system: summed over the partners in
                     it), i.e. the variance is 0
``break_even``       the surplus is 0
``surplus=X``        the surplus is X (£k)
``variance=X``       the surplus less the control total is X (£k)
``standard_28d``     the option's service model meets the 28-day standard by the end of the year
``backlog_cleared``  the option's service model clears the overdue review backlog by then
===================  ==========================================================================

:class:`GoalSeekOutcome` is the value found, with a sentence a finance lead can quote.

>>> parse_target("break_even").describe("the system")
'the system breaks even'
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from typing import Any, Literal

from finmodel.domain.uncertainty import ApplyMode
from finmodel.errors import InputError, Problem

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

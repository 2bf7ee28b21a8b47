"""Sensitivity (tornado) and goal seek on a model, through the vectorised kernel.

**Tornado** (:func:`sensitivity`, in :mod:`finmodel.risk.model_sensitivity`). Each uncertain input
of the ``uncertainty:`` section moves from its P10 to its P90 (for ``interval80`` these are its
``low`` and ``high``; for the others the 10th and 90th percentiles of the distribution, so every
bar covers the same 80% of probability) with every other input at its modelled value; the bar is
the change in the final-year system surplus (£k). All ``2K + 1`` cases go through the kernel in
one call.

**Goal seek** (:func:`goal_seek_model`, in :mod:`finmodel.risk.model_goal_seek`). The value of one
assumption (a dotted path, or a pattern with ``*``: every matched input takes the value) at which
a target holds in a year (targets in :mod:`finmodel.risk.goal_targets`):

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

This module re-exports the names of those three modules.

>>> from finmodel.io.yaml_io import load_model
>>> model = load_model("models/minimal.yaml")
>>> found = goal_seek_model(model, "assumptions.efficiency", "break_even")
>>> round(abs(found.metric), 6)
0.0
"""

from finmodel.risk.goal_targets import (
    SERVICE_MEASURES,
    GoalSeekOutcome,
    GoalTarget,
    Measure,
    parse_target,
    year_index,
)
from finmodel.risk.model_goal_seek import GOAL_SEEK_GRID, goal_seek_model
from finmodel.risk.model_sensitivity import (
    TORNADO_LEVELS,
    SensitivityResult,
    Tornado,
    sensitivity,
    tornado_option,
    tornado_range,
)

__all__ = [
    "GOAL_SEEK_GRID",
    "SERVICE_MEASURES",
    "TORNADO_LEVELS",
    "GoalSeekOutcome",
    "GoalTarget",
    "Measure",
    "SensitivityResult",
    "Tornado",
    "goal_seek_model",
    "parse_target",
    "sensitivity",
    "tornado_option",
    "tornado_range",
    "year_index",
]

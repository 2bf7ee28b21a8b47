"""Honest headlines of the service model: when an outcome is first reached, whether it is kept,
and where it ends.

A headline such as "80% within 28 days: Dec 2022" hides relapse when the share falls back to
0.3% by 2030. For every outcome (a monthly yes/no series, e.g. "the 28-day standard is met" or
"the overdue backlog is cleared") :func:`outcome_course` gives, per batch element:

* ``first_reached``: the first month it holds (``NEVER`` = -1 if none);
* ``sustained_from``: the first month from which it holds in every month to the end of the
  horizon (``NEVER`` if it does not hold in the last month);
* ``lost_in``: when it was reached but does not hold at the end, the first month of the final
  run of months in which it fails (``NEVER`` otherwise);

and :func:`describe_course` says it in the same words in the CLI, the JSON and the appendix:
``"first Dec 2022; lost Mar 2025; 0.3% in Mar 2030"``.

Example
-------
>>> import numpy as np
>>> c = outcome_course(np.array([[False, True, True, False, False]]))
>>> c.first_reached.tolist(), c.sustained_from.tolist(), c.lost_in.tolist()
([1], [-1], [3])
>>> describe_course(1, -1, 3, ["2020-01", "2020-02", "2020-03", "2020-04", "2020-05"], "1")
'first Feb 2020; lost Apr 2020; 1 in May 2020'
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from finmodel.formatting import month_name

IntArray = npt.NDArray[np.int64]

#: Month index meaning "not within the horizon".
NEVER = -1


@dataclass(frozen=True)
class OutcomeCourse:
    """When a monthly outcome is first reached, sustained from or lost, ``(*batch,)`` each."""

    first_reached: IntArray
    """First month index it holds; ``NEVER`` if none."""
    sustained_from: IntArray
    """First month index from which it holds to the end; ``NEVER`` if not held at the end."""
    lost_in: IntArray
    """First month of the final failing run after it was reached; ``NEVER`` if kept or never
    reached."""


def outcome_course(holds: npt.ArrayLike) -> OutcomeCourse:
    """First reached, sustained from and lost in of a monthly boolean ``(*batch, months)``.

    >>> outcome_course([[True, True], [False, False]]).sustained_from.tolist()
    [0, -1]
    """
    met = np.asarray(holds, dtype=bool)
    months = met.shape[-1]
    any_met = met.any(axis=-1)
    first = np.where(any_met, met.argmax(axis=-1), NEVER)
    # The last month it fails (from the end backwards); -1 when it never fails.
    fails_reversed = ~met[..., ::-1]
    never_fails = ~fails_reversed.any(axis=-1)
    last_fail = months - 1 - fails_reversed.argmax(axis=-1)
    held_at_end = met[..., -1] if months else np.zeros(met.shape[:-1], dtype=bool)
    sustained = np.where(never_fails, 0, last_fail + 1)
    sustained = np.where(held_at_end, sustained, NEVER)
    # Lost: reached, not held at the end: the month after the last month it held.
    last_met = months - 1 - met[..., ::-1].argmax(axis=-1)
    lost = np.where(any_met & ~held_at_end, last_met + 1, NEVER)
    return OutcomeCourse(
        first_reached=np.asarray(first, dtype=np.int64),
        sustained_from=np.asarray(sustained, dtype=np.int64),
        lost_in=np.asarray(lost, dtype=np.int64),
    )


def describe_course(
    first: int, sustained: int, lost: int, month_labels: Sequence[str], value_at_end: str
) -> str:
    """One outcome's course in words: first reached, sustained from or lost in, value at the end.

    >>> labels = ["2020-01", "2020-02"]
    >>> describe_course(-1, -1, -1, labels, "12%")
    'not reached by Feb 2020; 12% in Feb 2020'
    >>> describe_course(0, 1, -1, labels, "81%")
    'first Jan 2020; sustained from Feb 2020; 81% in Feb 2020'
    """
    end = month_name(month_labels[-1])
    if first == NEVER:
        return f"not reached by {end}; {value_at_end} in {end}"
    parts = [f"first {month_name(month_labels[first])}"]
    if sustained != NEVER:
        parts.append(f"sustained from {month_name(month_labels[sustained])}")
    elif lost != NEVER:
        parts.append(f"lost {month_name(month_labels[lost])}")
    parts.append(f"{value_at_end} in {end}")
    return "; ".join(parts)

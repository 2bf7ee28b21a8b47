"""The last guard before an output file: no result holding ``inf`` or ``nan`` is ever written.

The model schema bounds every amount (|£k| <= 1e9), count and rate, so a valid model projects
to finite numbers; this guard catches whatever slips through anyway (say compounding growth
over a long horizon in a future feature) and turns it into an input error naming the model
file and the first places affected, before anything is written. Spreadsheet readers refuse
workbooks holding ``inf``/``nan``, and JSON has no spelling for them.

``NaN`` is the engine's "not applicable" in a few arrays (no control total: the control total,
the variance and the surplus after risk share); those are written as blanks or ``null``, and
are allowed there only.

>>> from finmodel import load_model, project
>>> check_finite_projection(project(load_model("models/minimal.yaml")))  # finite: no error
"""

from __future__ import annotations

import math
from collections.abc import Iterator, Mapping
from dataclasses import fields
from typing import Any

import numpy as np

from finmodel.engine.result import ProjectionResult
from finmodel.errors import InputError, Problem

#: Arrays where NaN means "not applicable" (no control total) rather than a fault.
NAN_MEANS_NONE = frozenset(
    {
        "control_total",
        "variance",
        "surplus_after_risk_share",
        "system_control_total",
        "system_variance",
    }
)
#: Problems listed before the rest are counted in one line.
_SHOWN = 5

_MESSAGE = (
    "the projection reaches a value too large to hold (inf or nan): check the growth rates, "
    "amounts and horizon; nothing was written"
)


def _bad_places(result: ProjectionResult) -> Iterator[str]:
    years = result.years
    for item in fields(result.arrays):
        values = np.asarray(getattr(result.arrays, item.name), dtype=np.float64)
        bad = np.isinf(values) if item.name in NAN_MEANS_NONE else ~np.isfinite(values)
        for index in zip(*np.nonzero(bad), strict=True):
            year = years[index[-1]] if values.ndim >= 1 and len(years) == values.shape[-1] else ""
            yield f"{item.name}[{', '.join(str(int(i)) for i in index)}] {year}".rstrip()


def check_finite_projection(result: ProjectionResult) -> None:
    """Raise :class:`InputError` (naming the model file) if any projected number is not finite.

    Checked before writing a workbook or printing JSON; costs one pass over the arrays.
    """
    places = []
    for place in _bad_places(result):
        places.append(place)
        if len(places) > _SHOWN:
            break
    if not places:
        return
    origin = result.model.origin
    problems = [Problem(origin, place, _MESSAGE) for place in places[:_SHOWN]]
    if len(places) > _SHOWN:
        problems.append(Problem(origin, "", "more values are not finite (not listed)"))
    raise InputError(problems)


def non_finite_paths(data: Any, path: str = "") -> Iterator[str]:
    """Dotted paths of every ``inf``/``nan`` float in JSON-like ``data`` (dicts, lists).

    >>> list(non_finite_paths({"a": [1.0, float("inf")], "b": None}))
    ['a[1]']
    """
    if isinstance(data, float):
        if not math.isfinite(data):
            yield path or "(value)"
    elif isinstance(data, Mapping):
        for key, value in data.items():
            yield from non_finite_paths(value, f"{path}.{key}" if path else str(key))
    elif isinstance(data, list | tuple):
        for i, value in enumerate(data):
            yield from non_finite_paths(value, f"{path}[{i}]")


def check_finite_json(data: Any, origin: str) -> None:
    """Raise :class:`InputError` naming ``origin`` if JSON-like ``data`` holds inf or nan."""
    places = []
    for place in non_finite_paths(data):
        places.append(place)
        if len(places) >= _SHOWN:
            break
    if places:
        raise InputError(Problem(origin, place, _MESSAGE) for place in places)

"""Phasing: a total change over the horizon with a shape, expanded to yearly rates.

Planners phase CIP delivery, service changes and convergence: "3% over four years, back-loaded".
Anywhere a model file takes a rate a year, it may give a profile instead::

    demand_growth: {total: 0.10, profile: front_loaded}
    cip_planned: {total: 0.20, profile: step, year: "2026/27"}

The profile is expanded, when the model is read, to one rate per projected year whose compound
is the total: with weights ``w[t]`` summing to 1, ``rate[t] = (1 + total)^w[t] - 1`` so
``prod(1 + rate[t]) = 1 + total``. Weights by profile, years ``t = 1..H``:

* ``linear``: ``w[t] = 1/H`` (the same rate every year);
* ``front_loaded``: ``w[t]`` proportional to ``H - t + 1`` (most of the change early);
* ``back_loaded``: ``w[t]`` proportional to ``t`` (most of the change late);
* ``step``: all of it in ``year`` (``w = 1`` there, 0 elsewhere).

>>> [round(r, 6) for r in phase(0.21, "linear", 2)]
[0.1, 0.1]
>>> [round(r, 4) for r in phase(0.10, "step", 3, step_year=2)]
[0.0, 0.1, 0.0]
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import numpy as np

PROFILES = ("linear", "front_loaded", "back_loaded", "step")
#: Keys a phasing mapping may have.
PHASING_KEYS = {"total", "profile", "year"}


class PhasingError(ValueError):
    """A phasing profile that cannot be expanded (message names the path)."""


def weights(profile: str, horizon: int, step_year: int | None = None) -> np.ndarray:
    """Weights a year (summing to 1) of a profile over ``horizon`` years.

    >>> weights("back_loaded", 3).round(4).tolist()
    [0.1667, 0.3333, 0.5]
    """
    t = np.arange(1, horizon + 1, dtype=float)
    if profile == "linear":
        raw = np.ones(horizon)
    elif profile == "front_loaded":
        raw = horizon - t + 1
    elif profile == "back_loaded":
        raw = t
    elif profile == "step":
        if step_year is None or not 1 <= step_year <= horizon:
            raise PhasingError(f"a step needs a projected year (1 to {horizon}), got {step_year}")
        raw = (t == step_year).astype(float)
    else:
        raise PhasingError(f"profile {profile!r} is not one of {', '.join(PROFILES)}")
    return raw / raw.sum()


def phase(total: float, profile: str, horizon: int, step_year: int | None = None) -> list[float]:
    """Yearly rates whose compound is ``total`` (0.10 = +10% over the horizon), by profile."""
    if not np.isfinite(total) or total <= -1:
        raise PhasingError(f"total must be a finite change above -1 (-100%), got {total}")
    w = weights(profile, horizon, step_year)
    return [float(v) for v in np.power(1.0 + total, w) - 1.0]


def _is_phasing(value: Any) -> bool:
    return isinstance(value, dict) and "profile" in value and set(value) <= PHASING_KEYS


def _expand(value: dict[str, Any], horizon: int, base_start: int, where: str) -> list[float]:
    try:
        total = float(value.get("total", 0.0))
    except (TypeError, ValueError):
        raise PhasingError(f"{where}.total must be a number") from None
    step_year = None
    if value.get("year") is not None:
        label = str(value["year"])
        if len(label) != 7 or label[4] != "/" or not label[:4].isdigit():
            raise PhasingError(f'{where}.year must be a financial year like "2026/27"')
        step_year = int(label[:4]) - base_start
    try:
        return phase(total, str(value["profile"]), horizon, step_year)
    except PhasingError as err:
        raise PhasingError(f"{where}: {err}") from None


def _walk(node: Any, path: str) -> Iterator[tuple[Any, Any, str]]:
    """(container, key, dotted path) of every phasing mapping under ``node``."""
    items: Any
    if isinstance(node, dict):
        items = node.items()
    elif isinstance(node, list):
        items = enumerate(node)
    else:
        return
    for key, value in items:
        here = f"{path}.{key}" if path else str(key)
        if _is_phasing(value):
            yield node, key, here
        else:
            yield from _walk(value, here)


def expand_phasing(data: Any) -> Any:
    """The raw model data with every phasing mapping replaced by its yearly rates.

    Needs ``timeline.horizon`` and ``timeline.base_year``; data without them is returned as it
    is (validation reports the timeline). Raises :class:`PhasingError` naming the path.
    """
    if not isinstance(data, dict):
        return data
    timeline = data.get("timeline")
    if not isinstance(timeline, dict):
        return data
    try:
        horizon = int(timeline["horizon"])
        base_start = int(str(timeline["base_year"])[:4])
    except (KeyError, TypeError, ValueError):
        return data
    found = list(_walk({k: v for k, v in data.items() if k != "timeline"}, ""))
    if not found or not 1 <= horizon <= 50:
        return data
    import copy

    data = copy.deepcopy(data)
    for _, _, where in found:
        container: Any = data
        *parents, last = where.split(".")
        for key in parents:
            container = container[int(key)] if isinstance(container, list) else container[key]
        index: Any = int(last) if isinstance(container, list) else last
        container[index] = _expand(container[index], horizon, base_start, where)
    return data

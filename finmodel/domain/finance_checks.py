"""Whole-model checks of the NHS finance fields: non-recurrent items, CIP, tariff, allocations.

Like :mod:`finmodel.domain.checks`, each check yields ``(keys, message)`` with the concrete
location in the model data, and every problem is collected.

>>> from finmodel.domain.model import Model
>>> m = Model.model_validate({"name": "x", "timeline": {"base_year": "2024/25", "horizon": 2},
...     "partners": [{"id": "a", "name": "A", "kind": "commissioner", "place": "P",
...                   "non_recurrent": [{"id": "ds", "kind": "deficit_support",
...                                      "base_year": 1, "projected": [1, 2, 3]}]}]})
>>> [msg for _, msg in finance_findings(m)]
['needs a single number or a list of exactly 2 values (horizon), got 3']
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from finmodel.domain.model import Model

Location = tuple[str | int, ...]
Finding = tuple[Location, str]


def _length(value: Any, horizon: int) -> str | None:
    if isinstance(value, list) and len(value) != horizon:
        return (
            f"needs a single number or a list of exactly {horizon} values (horizon), "
            f"got {len(value)}"
        )
    return None


def _non_recurrent(model: Model) -> Iterator[Finding]:
    horizon = model.timeline.horizon
    start = int(model.timeline.base_year[:4])
    for p_index, partner in enumerate(model.partners):
        seen: set[str] = set()
        for i, item in enumerate(partner.non_recurrent):
            where: Location = ("partners", p_index, "non_recurrent", i)
            if item.id in seen:
                yield (*where, "id"), f"item id {item.id!r} is used twice in {partner.id!r}"
            seen.add(item.id)
            message = _length(item.projected, horizon)
            if message:
                yield (*where, "projected"), message
            if item.taper_to_zero_by is not None:
                if int(item.taper_to_zero_by[:4]) <= start:
                    yield (
                        (*where, "taper_to_zero_by"),
                        f"the taper must end after the base year {model.timeline.base_year}",
                    )
                if item.projected != 0.0:
                    yield (
                        (*where, "projected"),
                        "give projected amounts or taper_to_zero_by, not both",
                    )


def finance_findings(model: Model) -> list[Finding]:
    """Every problem of the finance fields of a structurally valid model (empty if none)."""
    return [*_non_recurrent(model)]

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

import math
from collections.abc import Iterator
from typing import Any

from finmodel.domain.model import Model, PartnerKind

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


def _lengths(obj: Any, fields: tuple[str, ...], where: Location, horizon: int) -> Iterator[Finding]:
    for name in fields:
        message = _length(getattr(obj, name, None), horizon)
        if message:
            yield (*where, name), message


def _prices(model: Model) -> Iterator[Finding]:
    horizon = model.timeline.horizon
    yield from _lengths(
        model.assumptions,
        ("cip_planned", "cip_delivered", "cip_recurrent", "qipp"),
        ("assumptions",),
        horizon,
    )
    for series_id, series in model.price_series.items():
        yield from _lengths(series, ("growth",), ("price_series", series_id), horizon)
    tariff = model.tariff
    if tariff is not None:
        yield from _lengths(tariff, ("cost_uplift", "efficiency"), ("tariff",), horizon)
        for series_id in tariff.weights:
            if series_id not in model.price_series:
                known = ", ".join(model.price_series) or "none declared"
                yield (
                    ("tariff", "weights", series_id),
                    f"price series {series_id!r} is not in price_series ({known})",
                )
        if tariff.cost_uplift is None:
            total = sum(tariff.weights.values())
            if not tariff.weights:
                yield ("tariff",), "give cost_uplift, or weights of price series to derive it"
            elif not math.isclose(total, 1.0, abs_tol=1e-9):
                yield ("tariff", "weights"), f"weights must sum to 1, they sum to {total:.6g}"
        elif tariff.weights:
            yield ("tariff", "weights"), "give cost_uplift or weights, not both"
    for p_index, partner in enumerate(model.partners):
        where: Location = ("partners", p_index)
        if partner.cip is not None:
            yield from _lengths(
                partner.cip, ("planned", "delivered", "recurrent"), (*where, "cip"), horizon
            )
            if partner.kind != PartnerKind.provider:
                yield (*where, "cip"), "a CIP applies to providers (kind: provider)"
        if partner.qipp is not None:
            yield from _lengths(partner, ("qipp",), where, horizon)
            if partner.kind != PartnerKind.commissioner:
                yield (*where, "qipp"), "QIPP applies to commissioners (kind: commissioner)"
        for l_index, line in enumerate(partner.costs):
            line_where: Location = (*where, "costs", l_index)
            if line.price_series is not None and line.price_series not in model.price_series:
                known = ", ".join(model.price_series) or "none declared"
                yield (
                    (*line_where, "price_series"),
                    f"price series {line.price_series!r} is not in price_series ({known})",
                )
            if line.basis is not None and line.payee is None:
                yield (*line_where, "basis"), "a payment basis needs a payee (a contract)"


def finance_findings(model: Model) -> list[Finding]:
    """Every problem of the finance fields of a structurally valid model (empty if none)."""
    return [*_non_recurrent(model), *_prices(model)]

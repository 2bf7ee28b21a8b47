"""Year-varying inputs edited year by year (no Streamlit here).

A finance lead's daily work is a path: a control total of -19,500, -9,800, 0, 0, 0; funding
growth of 5.2%, 5.0%, 5.0%, 5.7%, 5.2%. Each such input (the system assumptions, each partner's
control total, each driver's growth, each funding stream's growth and each cost line's rates)
is listed here with its values for every projected year; the Inputs page shows a row per year
and turns the rows back into one overlay entry, a list of one value a year, with
:func:`year_entry`. Changing one year changes only that year; an untouched path adds nothing.

>>> from finmodel.io.yaml_io import load_model
>>> found = year_inputs(load_model("models/minimal.yaml"), {})
>>> found["control_totals.trust"].values, found["control_totals.trust"].label
([-20.0, -20.0, -20.0], 'Example Trust: control total')
>>> year_entry(found["control_totals.trust"], [-20.0, -15.0, -20.0], {})
[-20.0, -15.0, -20.0]
>>> year_entry(found["control_totals.trust"], [-20.0, -20.0, -20.0], {}) is MISSING
True
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Literal

from finmodel.app.assumptions import MISSING
from finmodel.app.finance_assumptions import finance_assumptions
from finmodel.domain.model import Model
from finmodel.domain.overlay import OverlayPathError, apply_overlay

YearKind = Literal["rate", "money"]

#: The system assumptions that take a value a year (besides the finance assumptions).
SYSTEM_RATES = {"non_demographic_growth": "Non-demographic growth"}
#: A cost line's rates (each inherits the system's unless the line sets it).
LINE_RATES = ("demand_growth", "non_demographic_growth", "inflation", "efficiency")


@dataclass(frozen=True)
class YearInput:
    """One year-varying input: its path, name, kind and values a year (with the starting
    scenario applied; an inherited rate shows the values it inherits)."""

    path: str
    label: str
    group: str
    """"System", "Control totals", "Drivers", "Funding streams" or "Cost lines"."""
    kind: YearKind
    values: list[float]
    """One value per projected year: fractions for rates, £k for money."""


def _per_year(value: Any, horizon: int) -> list[float] | None:
    if isinstance(value, Mapping):
        value = value.get("value")
    if value is None:
        return None
    if isinstance(value, list):
        numbers = [float(v) for v in value]
        return (numbers + numbers[-1:] * horizon)[:horizon] if numbers else None
    return [float(value)] * horizon


def _raw(model: Model, base: Mapping[str, Any]) -> dict[str, Any]:
    data = model.model_dump(mode="json", exclude_unset=True, by_alias=True)
    try:
        return apply_overlay(data, base)
    except OverlayPathError:
        return data


def _at(raw: Mapping[str, Any], path: str) -> Any:
    """The value at a dotted path of the raw model (list items by id; 0.0 when unset)."""
    node: Any = raw
    for key in path.split("."):
        if isinstance(node, list):
            node = next((i for i in node if isinstance(i, Mapping) and i.get("id") == key), None)
        elif isinstance(node, Mapping):
            node = node.get(key)
        else:
            node = None
        if node is None:
            return 0.0
    return node


def year_inputs(model: Model, base: Mapping[str, Any]) -> dict[str, YearInput]:
    """Every year-varying input of ``model`` with ``base`` (a scenario's overlay) applied,
    by dotted path, in the order a finance lead looks for them."""
    raw = _raw(model, base)
    horizon = int(raw.get("timeline", {}).get("horizon", model.timeline.horizon))
    system = raw.get("assumptions", {})
    found: dict[str, YearInput] = {}

    def add(path: str, label: str, group: str, kind: YearKind, value: Any) -> None:
        values = _per_year(value, horizon)
        if values is not None:
            found[path] = YearInput(path, label, group, kind, values)

    for spec in finance_assumptions(model):  # named as the sidebar names them
        if spec.kind in ("rate", "share"):
            add(spec.path, f"System: {spec.label}", "System", "rate", _at(raw, spec.path))
    for name, label in SYSTEM_RATES.items():
        add(
            f"assumptions.{name}",
            f"System: {label.lower()}",
            "System",
            "rate",
            system.get(name, 0.0),
        )
    names = {p["id"]: p.get("name") or p["id"] for p in raw.get("partners", [])}
    for pid, entry in (raw.get("control_totals") or {}).items():
        add(f"control_totals.{pid}", f"{names.get(pid, pid)}: control total", "Control totals",
            "money", entry)  # fmt: skip
    for did, driver in (raw.get("drivers") or {}).items():
        add(f"drivers.{did}.growth", f"{driver.get('name') or did}: growth", "Drivers", "rate",
            driver.get("growth"))  # fmt: skip
    for partner in raw.get("partners", []):
        pid = partner["id"]
        for stream in partner.get("funding", []):
            own = stream.get("funding_growth")
            add(
                f"partners.{pid}.funding.{stream['id']}.funding_growth",
                f"{names[pid]}, {stream.get('name') or stream['id']}: funding growth",
                "Funding streams",
                "rate",
                own if own is not None else system.get("funding_growth", 0.0),
            )
    for partner in raw.get("partners", []):
        pid = partner["id"]
        for line in partner.get("costs", []):
            driven = line.get("demand_driver") is not None
            for field in LINE_RATES:
                if (field == "demand_growth") == driven and field in (
                    "demand_growth",
                    "non_demographic_growth",
                ):
                    continue  # a driven line grows by its driver plus non-demographic growth
                own = line.get(field)
                add(
                    f"partners.{pid}.costs.{line['id']}.{field}",
                    f"{names[pid]}, {line.get('name') or line['id']}: {field.replace('_', ' ')}",
                    "Cost lines",
                    "rate",
                    own if own is not None else system.get(field, 0.0),
                )
    return found


def shown_values(spec: YearInput, values: Sequence[float] | None = None) -> list[float]:
    """Values as the page shows them: rates in percent (2 decimals), £k as they are."""
    chosen = spec.values if values is None else values
    if spec.kind == "rate":
        return [round(float(v) * 100, 10) for v in chosen]
    return [float(v) for v in chosen]


def _stored(spec: YearInput, shown: Sequence[float]) -> list[float]:
    if spec.kind == "rate":
        return [round(float(v) / 100, 12) for v in shown]
    return [float(v) for v in shown]


def year_entry(spec: YearInput, shown: Sequence[float], base: Mapping[str, Any]) -> Any:
    """The overlay entry of the rows shown: the list of values a year when any year differs
    from the starting point, else the starting scenario's own entry (MISSING when it has none).

    ``shown`` is in display units (percent for rates).
    """
    start = shown_values(spec)
    if len(shown) == len(start) and all(
        math.isclose(a, b, rel_tol=0, abs_tol=1e-9) for a, b in zip(shown, start, strict=True)
    ):
        return base.get(spec.path, MISSING)
    return _stored(spec, shown)

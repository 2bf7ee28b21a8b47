"""The sidebar's main assumptions as dotted-path overlay entries (no Streamlit here).

Every change a finance lead makes in the app becomes an entry ``{dotted.path: value}``, the same
paths a model file's ``scenarios[].set`` uses; the app applies them with
:func:`finmodel.domain.validation.with_overlay` (so the same validation applies) and the
scenario store saves exactly those entries.

Rates are shown in percent (3.25 means 0.0325 a year) and stored as fractions. A year-varying
value (a list, one per projected year) is shown by its first projected year; it is kept as the
list unless the user types a different number, which then applies to every year.

The *base* of an entry is the value a loaded scenario gave it, else the model's value: an
unchanged widget reproduces the base exactly (lists included), a widget back at the model's own
value adds no entry, anything else is a new scalar.

>>> from finmodel.io.yaml_io import load_model
>>> m = load_model("models/minimal.yaml")
>>> [spec.path for spec in main_assumptions(m)][:2]
['assumptions.demand_growth', 'assumptions.inflation']
>>> entry_for(3.5, base=MISSING, model_value=0.03, kind="rate")
0.035
>>> entry_for(3.0, base=MISSING, model_value=0.03, kind="rate") is MISSING
True
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

from finmodel.app.finance_assumptions import (
    NO_SOURCE,
    AssumptionSpec,
    Kind,
    finance_assumptions,
)
from finmodel.domain.model import Model, RiskShareMethod
from finmodel.domain.overlay import OverlayPathError, apply_overlay

__all__ = ["AssumptionSpec", "Kind", "entry_for", "main_assumptions", "to_display"]

HORIZON_PATH = "timeline.horizon"
RISK_METHOD_PATH = "risk_share.method"


class _Missing:
    def __repr__(self) -> str:
        return "MISSING"


#: No value: the path is not in the overlay (or the cell is blank).
MISSING: Any = _Missing()

#: Labels of the risk-share methods, as a finance reader says them.
RISK_METHOD_LABELS = {
    RiskShareMethod.proportional_to_baseline_expenditure.value: "Proportional to base-year spend",
    RiskShareMethod.fixed_shares.value: "Fixed shares",
    RiskShareMethod.none.value: "No risk share",
}


def investment_choices(model: Model) -> list[AssumptionSpec]:
    """The selected option of each investment case that lists its options (``options[].id``)."""
    specs = []
    data = model.model_dump(mode="json").get("investments") or {}
    for inv_id, inv in data.items():
        if not isinstance(inv, Mapping):
            continue
        options = inv.get("options") or []
        ids = tuple(
            str(o["id"]) for o in options if isinstance(o, Mapping) and o.get("id") is not None
        )
        if not ids:
            continue
        labels = {
            str(o["id"]): str(o.get("name") or o["id"])
            for o in options
            if isinstance(o, Mapping) and o.get("id") is not None
        }
        current = inv.get("option") or inv.get("selected_option") or ids[0]
        specs.append(
            AssumptionSpec(
                path=f"investments.{inv_id}.option",
                label=f"Investment: {inv.get('name') or inv_id}",
                kind="choice",
                model_value=str(current),
                source=str(inv.get("source") or "the model's investment case"),
                help="The option laid over the projection (do nothing adds no cost).",
                options=ids,
                option_labels=labels,
            )
        )
    return specs


def main_assumptions(model: Model) -> list[AssumptionSpec]:
    """The sidebar's main assumptions for a model, in display order: the finance ones the model
    declares (:func:`finance_assumptions`), the horizon, the risk-share method, investments."""
    specs = finance_assumptions(model)
    specs.append(
        AssumptionSpec(
            path=HORIZON_PATH,
            label="Horizon (years projected)",
            kind="int",
            model_value=model.timeline.horizon,
            source=f"model file timeline (base year {model.timeline.base_year})",
            help="Years projected after the base year. Per-year lists are cut or extended "
            "(repeating the last year) to fit.",
        )
    )
    methods = [m.value for m in RiskShareMethod]
    if not model.risk_share.shares:
        methods.remove(RiskShareMethod.fixed_shares.value)
        if model.risk_share.method == RiskShareMethod.fixed_shares:
            methods.append(RiskShareMethod.fixed_shares.value)
    specs.append(
        AssumptionSpec(
            path=RISK_METHOD_PATH,
            label="Risk share method",
            kind="choice",
            model_value=model.risk_share.method.value,
            source=model.risk_share.source or NO_SOURCE,
            help="How the system variance against its control total is shared among partners.",
            options=tuple(methods),
            option_labels=RISK_METHOD_LABELS,
        )
    )
    specs += investment_choices(model)
    return specs


# ------------------------------------------------------------------ display <-> stored values
def to_display(value: Any, kind: Kind) -> Any:
    """The widget value of a stored value: rates in percent, a list by its first year.

    >>> to_display([0.02, 0.03], "rate"), to_display(None, "rate"), to_display(12.5, "money")
    (2.0, None, 12.5)
    """
    if value is MISSING or value is None:
        return None
    if isinstance(value, list):
        value = value[0] if value else None
        if value is None:
            return None
    if kind in ("rate", "share"):
        return round(float(value) * 100, 10)
    if kind == "money":
        return float(value)
    if kind == "int":
        return int(value)
    return str(value)


def from_display(shown: Any, kind: Kind) -> Any:
    """The stored value of a widget value (percent back to a fraction, rounded to 1e-12).

    >>> from_display(3.25, "rate"), from_display(7, "int")
    (0.0325, 7)
    """
    if kind in ("rate", "share"):
        return round(float(shown) / 100, 12)
    if kind == "money":
        return float(shown)
    if kind == "int":
        return int(shown)
    return str(shown)


def _blank(shown: Any) -> bool:
    return shown is None or (isinstance(shown, float) and math.isnan(shown))


def same_shown(x: Any, y: Any) -> bool:
    """Widget values equal for display purposes (blanks equal; numbers to 1e-9)."""
    if _blank(x) or _blank(y):
        return _blank(x) and _blank(y)
    if isinstance(x, int | float) and isinstance(y, int | float):
        return math.isclose(float(x), float(y), rel_tol=1e-9, abs_tol=1e-9)
    return bool(x == y)


def entry_for(shown: Any, *, base: Any, model_value: Any, kind: Kind) -> Any:
    """The overlay entry for a widget: the base when unchanged, MISSING when at the model value.

    A blank (None/NaN) means "as in the model" and gives MISSING.
    """
    if _blank(shown):
        return MISSING
    if base is not MISSING and same_shown(shown, to_display(base, kind)):
        return base
    if same_shown(shown, to_display(model_value, kind)):
        return MISSING
    return from_display(shown, kind)


# ------------------------------------------------------------------------------ the horizon
def _year_lists(node: Any, horizon: int, path: tuple[str, ...]) -> list[tuple[str, list[Any]]]:
    """Dotted paths of numeric lists of exactly ``horizon`` numbers (per-year values)."""
    found: list[tuple[str, list[Any]]] = []
    if isinstance(node, Mapping):
        for key, value in node.items():
            if path == () and key in ("scenarios", "uncertainty"):
                continue
            found += _year_lists(value, horizon, (*path, str(key)))
    elif isinstance(node, list):
        if (
            node
            and len(node) == horizon
            and all(isinstance(v, int | float) and not isinstance(v, bool) for v in node)
        ):
            found.append((".".join(path), node))
        else:
            for item in node:
                if isinstance(item, Mapping) and item.get("id") is not None:
                    found += _year_lists(item, horizon, (*path, str(item["id"])))
    return found


def resize(values: list[Any], horizon: int) -> list[Any]:
    """A per-year list cut to ``horizon`` values or extended by repeating its last value.

    >>> resize([1, 2, 3], 2), resize([1, 2], 4)
    ([1, 2], [1, 2, 2, 2])
    """
    return list(values[:horizon]) + [values[-1]] * max(0, horizon - len(values))


def horizon_entries(model: Model, settings: Mapping[str, Any], horizon: int) -> dict[str, Any]:
    """Extra entries that fit every per-year list to a new horizon (with ``settings`` applied).

    Returns ``{}`` when the horizon is the model's. Named scenarios in the model whose values are
    per-year lists would no longer fit, so they are cleared (``scenarios: []``) in that case.

    >>> from finmodel.io.yaml_io import load_model
    >>> m = load_model("models/minimal.yaml")
    >>> horizon_entries(m, {"assumptions.inflation": [0.01, 0.02, 0.03]}, 2)
    {'assumptions.inflation': [0.01, 0.02]}
    """
    old = model.timeline.horizon
    if horizon == old:
        return {}
    data = model.model_dump(mode="json", exclude_unset=True, by_alias=True)
    try:
        data = apply_overlay(data, {k: v for k, v in settings.items() if k != HORIZON_PATH})
    except OverlayPathError:
        return {}  # the overlay itself is wrong; with_overlay will say where
    extra: dict[str, Any] = {
        path: resize(values, horizon) for path, values in _year_lists(data, old, ())
    }
    scenario_lists = any(
        isinstance(v, list)
        for s in data.get("scenarios") or []
        for v in (s.get("set") or {}).values()
    )
    if scenario_lists:
        extra["scenarios"] = []
    return extra

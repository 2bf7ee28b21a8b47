"""Where the appendix's figures came from: the scenario and every overlay entry.

The Cover lists each input the run changed from the model file, by dotted path, with the value
in the file and the value used: the entries of the named scenario (``--scenario``) and then the
overlay the caller passes (the app's what-ifs), which is applied on top and so wins.

Example
-------
>>> from finmodel import load_model, project
>>> model = load_model("models/minimal.yaml")
>>> entries = provenance_entries(project(model, "high_demand"), model, {})
>>> entries[0].origin, entries[0].path
('scenario high_demand', 'assumptions.demand_growth')
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from finmodel.domain.model import Model
from finmodel.domain.overlay import OverlayPathError, get_at, resolve_path
from finmodel.engine.result import ProjectionResult

#: Longest value shown on the Cover (longer lists are cut with an ellipsis).
MAX_SHOWN = 120


@dataclass(frozen=True)
class ProvenanceEntry:
    """One input the run set by dotted path."""

    origin: str
    """``scenario <id>`` or ``overlay`` (set on top of the scenario, e.g. in the app)."""
    path: str
    """The dotted path, as in a scenario's ``set:``."""
    in_file: str
    """The value in the model file, as text (``not set in the file`` when absent)."""
    used: str
    """The value the run used, as text."""


def shown(value: Any) -> str:
    """A value as short text: provenance-wrapped values show their value; lists as JSON.

    >>> shown({"value": [0.03, 0.04], "source": "x"})
    '[0.03, 0.04]'
    """
    if isinstance(value, Mapping) and "value" in value:
        value = value["value"]
    text = json.dumps(value, ensure_ascii=False) if not isinstance(value, str) else value
    return text if len(text) <= MAX_SHOWN else text[: MAX_SHOWN - 1] + "…"


def _value_at(data: Any, path: str) -> str:
    try:
        return shown(get_at(data, resolve_path(data, path, allow_missing_leaf=False)))
    except (OverlayPathError, KeyError, IndexError, TypeError):
        return "not set in the file"


def provenance_entries(
    result: ProjectionResult, model_as_loaded: Model | None, overlay: Mapping[str, Any]
) -> list[ProvenanceEntry]:
    """The scenario's entries (if ``result.scenario`` names one of ``model_as_loaded``'s
    scenarios), then ``overlay``'s; values in the file from ``model_as_loaded`` (None: not
    known), values used from ``result.model``."""
    used = result.model.model_dump(mode="json")
    loaded = model_as_loaded.model_dump(mode="json") if model_as_loaded is not None else None
    settings: list[tuple[str, str]] = []
    if model_as_loaded is not None and result.scenario:
        scenario = next((s for s in model_as_loaded.scenarios if s.id == result.scenario), None)
        if scenario is not None:
            settings += [(f"scenario {scenario.id}", path) for path in scenario.set]
    settings += [("overlay", path) for path in overlay]
    return [
        ProvenanceEntry(
            origin,
            path,
            _value_at(loaded, path) if loaded is not None else "not known",
            _value_at(used, path),
        )
        for origin, path in settings
    ]

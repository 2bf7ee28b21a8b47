"""Records of the scenario store: a saved scenario, an audit row, and the comparison of two.

These are plain frozen dataclasses with no database code, so the app can show and compare them
without touching SQLite. :func:`compare_scenarios` is the pure comparison the store's
:meth:`~finmodel.app.store.ScenarioStore.compare` uses.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime  # noqa: F401  (UTC: used by the doctests)
from typing import Any, Literal, TypeAlias

__all__ = [
    "Action",
    "AssumptionValue",
    "AuditEntry",
    "JSONValue",
    "SavedScenario",
    "ScenarioComparison",
    "compare_scenarios",
]

AssumptionValue: TypeAlias = bool | int | float | str | list["AssumptionValue"]
"""An override value: a number, text, true/false, or a (nested) list of them (one per year)."""
JSONValue: TypeAlias = bool | int | float | str | list["JSONValue"] | dict[str, "JSONValue"] | None
"""Any JSON value (used for the results snapshot)."""
Action = Literal["save", "update", "delete"]


@dataclass(frozen=True, slots=True)
class SavedScenario:
    """A saved scenario as read back from the store.

    ``assumptions`` maps dotted paths to override values (rates are fractions a year, money in
    £k, as in the model file). ``results`` is the optional headline snapshot saved with it.
    ``saved_at`` is when this revision was saved, ``created_at`` when the name was first saved,
    both timezone-aware UTC. ``revision`` is 1 on first save and rises by one on each update.
    """

    id: int
    name: str
    model_name: str
    model_hash: str
    assumptions: dict[str, AssumptionValue]
    saved_by: str
    saved_at: datetime
    created_at: datetime
    revision: int
    note: str | None
    results: dict[str, JSONValue] | None

    def to_json(self) -> dict[str, Any]:
        """The record as a JSON-ready dict (times as ISO-8601 text), as written to the audit."""
        return {
            "id": self.id,
            "name": self.name,
            "model_name": self.model_name,
            "model_hash": self.model_hash,
            "assumptions": dict(self.assumptions),
            "saved_by": self.saved_by,
            "saved_at": self.saved_at.isoformat(),
            "created_at": self.created_at.isoformat(),
            "revision": self.revision,
            "note": self.note,
            "results": self.results,
        }


@dataclass(frozen=True, slots=True)
class AuditEntry:
    """One row of the audit trail: who did what to which scenario, when, and the before/after.

    ``before`` is None for a first save, ``after`` is None for a delete; otherwise each is the
    scenario record as :meth:`SavedScenario.to_json` gives it.
    """

    id: int
    action: Action
    scenario_id: int
    scenario_name: str
    model_name: str
    user: str
    at: datetime
    before: dict[str, Any] | None
    after: dict[str, Any] | None


@dataclass(frozen=True, slots=True)
class ScenarioComparison:
    """The differences between two saved scenarios' inputs (and their results snapshots).

    ``only_in_first`` / ``only_in_second``: paths set by one scenario only, with the value.
    ``changed``: paths set by both with different values, as ``(first, second)``.
    ``results_changed``: dotted result keys whose snapshot values differ, as ``(first, second)``,
    None where a side lacks the key. ``same_model`` is true when both were saved against the same
    model name and model file hash.
    """

    first: SavedScenario
    second: SavedScenario
    only_in_first: dict[str, AssumptionValue]
    only_in_second: dict[str, AssumptionValue]
    changed: dict[str, tuple[AssumptionValue, AssumptionValue]]
    results_changed: dict[str, tuple[JSONValue, JSONValue]]
    same_model: bool

    @property
    def same_inputs(self) -> bool:
        """True when both scenarios set exactly the same paths to the same values."""
        return not (self.only_in_first or self.only_in_second or self.changed)


def compare_scenarios(first: SavedScenario, second: SavedScenario) -> ScenarioComparison:
    """Differences in inputs (and results snapshots) between two scenarios, paths sorted.

    Numbers compare by value (``1`` equals ``1.0``), but true/false never equals a number.

    >>> t = datetime(2024, 4, 1, tzinfo=UTC)
    >>> a = SavedScenario(1, "A", "m", "0" * 64, {"x.a": 1, "x.b": 0.02}, "u", t, t, 1, None, None)
    >>> b = SavedScenario(2, "B", "m", "0" * 64, {"x.b": 0.03, "x.c": "opt2"}, "u", t, t, 1,
    ...                   None, None)
    >>> c = compare_scenarios(a, b)
    >>> c.only_in_first, c.only_in_second, c.changed
    ({'x.a': 1}, {'x.c': 'opt2'}, {'x.b': (0.02, 0.03)})
    """
    a, b = first.assumptions, second.assumptions
    only_first = {k: a[k] for k in sorted(a.keys() - b.keys())}
    only_second = {k: b[k] for k in sorted(b.keys() - a.keys())}
    changed = {k: (a[k], b[k]) for k in sorted(a.keys() & b.keys()) if not _same(a[k], b[k])}
    ra = _flatten(first.results or {})
    rb = _flatten(second.results or {})
    results_changed = {
        k: (ra.get(k), rb.get(k))
        for k in sorted(ra.keys() | rb.keys())
        if (k in ra) != (k in rb) or not _same(ra.get(k), rb.get(k))
    }
    return ScenarioComparison(
        first=first,
        second=second,
        only_in_first=only_first,
        only_in_second=only_second,
        changed=changed,
        results_changed=results_changed,
        same_model=(first.model_name, first.model_hash) == (second.model_name, second.model_hash),
    )


def _same(x: Any, y: Any) -> bool:
    """JSON-value equality where bools are not numbers and 1 == 1.0."""
    if isinstance(x, bool) or isinstance(y, bool):
        return type(x) is type(y) and x == y
    if isinstance(x, int | float) and isinstance(y, int | float):
        return x == y
    if isinstance(x, list) and isinstance(y, list):
        return len(x) == len(y) and all(_same(p, q) for p, q in zip(x, y, strict=True))
    if isinstance(x, dict) and isinstance(y, dict):
        return x.keys() == y.keys() and all(_same(x[k], y[k]) for k in x)
    return type(x) is type(y) and x == y


def _flatten(tree: Mapping[str, Any], prefix: str = "") -> dict[str, Any]:
    """Nested dicts to dotted keys; lists and scalars are leaves."""
    flat: dict[str, Any] = {}
    for key, value in tree.items():
        path = f"{prefix}{key}"
        if isinstance(value, dict) and value:
            flat.update(_flatten(value, path + "."))
        else:
            flat[path] = value
    return flat

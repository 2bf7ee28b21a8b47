"""Scenario overlays: set values in a model by dotted path.

A dotted path walks mappings by key and lists by element ``id``:
``partners.icb.costs.chc.demand_growth`` is the ``demand_growth`` of the cost line ``chc`` of the
partner ``icb``. List items (by id) and dict entries (by key) must exist; the last key may be
absent (an override not yet given), and so may a section above it that the model format
allows (``investments.ipa_uplift.discount.schedule`` with no ``discount:`` written), which the
overlaid copy gains. The overlaid model is validated again, so a misspelt field is still an
error. Where a path lands on a value written with its provenance (``{value: ..., source: ...}``),
the value is replaced and the provenance kept.

Example
-------
>>> data = {"partners": [{"id": "icb", "costs": [{"id": "chc", "baseline": 300}]}]}
>>> apply_overlay(data, {"partners.icb.costs.chc.baseline": 310})["partners"][0]["costs"][0]
{'id': 'chc', 'baseline': 310}
"""

from __future__ import annotations

import copy
from collections.abc import Mapping
from typing import Any

from finmodel.domain import schema_paths

PathKey = tuple[str | int, ...]


class OverlayPathError(KeyError):
    """A dotted path names something the model does not have."""

    def __init__(self, path: str, reason: str):
        self.path = path
        self.reason = reason
        super().__init__(f"{path}: {reason}")

    def __str__(self) -> str:
        return f"unknown path {self.path!r}: {self.reason}"


def resolve_path(data: Any, path: str, *, allow_missing_leaf: bool = True) -> PathKey:
    """The concrete key tuple (keys and list indices) of a dotted path in raw model data.

    With ``allow_missing_leaf`` (an overlay) the last key may be absent, and so may keys above
    it that are fields of the model format holding a section (an investment's ``discount:``, a
    partner's ``cip:``): :func:`apply_overlay` creates those mappings. List items (by id) and
    dict entries (investments, control totals) must exist. Raises :class:`OverlayPathError`.

    >>> resolve_path({"partners": [{"id": "a"}, {"id": "b", "x": 1}]}, "partners.b.x")
    ('partners', 1, 'x')
    >>> resolve_path({"partners": [{"id": "a"}]}, "partners.a.cip.planned")
    ('partners', 0, 'cip', 'planned')
    """
    segments = path.split(".")
    if not path or any(not s for s in segments):
        raise OverlayPathError(path, "empty segment")
    node = data
    keys: list[str | int] = []
    creating = False  # below a mapping the overlay creates
    for depth, segment in enumerate(segments):
        last = depth == len(segments) - 1
        where = ".".join(segments[:depth]) or "the model"
        if creating or (isinstance(node, Mapping) and _absent(node, segment, last)):
            if not allow_missing_leaf:
                raise OverlayPathError(path, f"no {segment!r} under {where}")
            if creating or not last:
                _check_creatable(path, where, (*keys, segment), node, last)
            keys.append(segment)
            creating = True
            node = None
        elif isinstance(node, Mapping):
            keys.append(segment)
            node = node[segment]
        elif isinstance(node, list):
            index = _item_index(path, node, segment)
            keys.append(index)
            node = node[index]
        else:
            raise OverlayPathError(path, f"{where} is a value, not a section")
    return tuple(keys)


def _absent(node: Mapping[str, Any], segment: str, last: bool) -> bool:
    """True when a key is missing (or, above the leaf, written as null)."""
    return segment not in node or (not last and node[segment] is None)


def _check_creatable(path: str, where: str, loc: PathKey, node: Any, last: bool) -> None:
    """Refuse a missing key the overlay may not create: not a field of the model there (a dict
    entry may only be a new leaf), or, above the leaf, a field holding a value or a list."""
    segment = str(loc[-1])
    fields = schema_paths.model_fields(loc[:-1])
    new_entry = last and not fields and schema_paths.holds_section(loc[:-1])
    if not schema_paths.is_field(loc) and not new_entry:
        present = [str(k) for k in node] if isinstance(node, Mapping) else []
        hint = schema_paths.did_you_mean(segment, present + fields)
        raise OverlayPathError(path, f"no {segment!r} under {where}{hint}")
    if last or schema_paths.holds_section(loc):
        return
    if schema_paths.holds_list(loc):
        item = path.split(".")[len(loc)]
        raise OverlayPathError(path, f"no item with id {item!r} under {where}.{segment} (none)")
    raise OverlayPathError(path, f"{where}.{segment} is a value, not a section")


def _item_index(path: str, items: list[Any], segment: str) -> int:
    """The index of the list item whose id is ``segment``."""
    for i, item in enumerate(items):
        if isinstance(item, Mapping) and str(item.get("id")) == segment:
            return i
    ids = [str(item.get("id")) for item in items if isinstance(item, Mapping)]
    raise OverlayPathError(path, f"no item with id {segment!r} (ids: {', '.join(ids) or 'none'})")


def get_at(data: Any, keys: PathKey) -> Any:
    """The value at a concrete key tuple (KeyError/IndexError if absent)."""
    node = data
    for key in keys:
        node = node[key]
    return node


def apply_overlay(data: Mapping[str, Any], settings: Mapping[str, Any]) -> dict[str, Any]:
    """A deep copy of raw model data with each dotted path set to its value.

    Raises :class:`OverlayPathError` for the first path that does not resolve; use
    :func:`overlay_problems` to collect all of them.
    """
    result = copy.deepcopy(dict(data))
    for path, value in settings.items():
        keys = resolve_path(result, path)
        parent = _make_parents(result, keys)
        leaf = keys[-1]
        current = parent.get(leaf) if isinstance(parent, Mapping) else parent[leaf]
        if isinstance(current, Mapping) and "value" in current and not isinstance(value, Mapping):
            parent[leaf] = {**current, "value": copy.deepcopy(value)}
        else:
            parent[leaf] = copy.deepcopy(value)
    return result


def _make_parents(data: Any, keys: PathKey) -> Any:
    """The container of the last key, creating the missing (or null) mappings above it."""
    node = data
    for key in keys[:-1]:
        if isinstance(node, dict) and node.get(key) is None:
            node[key] = {}
        node = node[key]
    return node


def overlay_problems(data: Mapping[str, Any], settings: Mapping[str, Any]) -> list[tuple[str, str]]:
    """Every path of an overlay that does not resolve, as (path, reason) pairs."""
    problems = []
    for path in settings:
        try:
            resolve_path(data, path)
        except OverlayPathError as err:
            problems.append((path, str(err)))
    return problems

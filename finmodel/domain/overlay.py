"""Scenario overlays: set values in a model by dotted path.

A dotted path walks mappings by key and lists by element ``id``:
``partners.icb.costs.chc.demand_growth`` is the ``demand_growth`` of the cost line ``chc`` of the
partner ``icb``. Every segment but the last must exist; the last may be absent (an override
not yet given), and the overlaid model is validated again, so a misspelt field is still an
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

    >>> resolve_path({"partners": [{"id": "a"}, {"id": "b", "x": 1}]}, "partners.b.x")
    ('partners', 1, 'x')
    """
    segments = path.split(".")
    if not path or any(not s for s in segments):
        raise OverlayPathError(path, "empty segment")
    node = data
    keys: list[str | int] = []
    for depth, segment in enumerate(segments):
        last = depth == len(segments) - 1
        if isinstance(node, Mapping):
            if segment not in node:
                if last and allow_missing_leaf:
                    keys.append(segment)
                    return tuple(keys)
                raise OverlayPathError(
                    path, f"no {segment!r} under {'.'.join(segments[:depth]) or 'the model'}"
                )
            keys.append(segment)
            node = node[segment]
        elif isinstance(node, list):
            index = next(
                (
                    i
                    for i, item in enumerate(node)
                    if isinstance(item, Mapping) and str(item.get("id")) == segment
                ),
                None,
            )
            if index is None:
                ids = [str(item.get("id")) for item in node if isinstance(item, Mapping)]
                raise OverlayPathError(
                    path, f"no item with id {segment!r} (ids: {', '.join(ids) or 'none'})"
                )
            keys.append(index)
            node = node[index]
        else:
            raise OverlayPathError(path, f"{'.'.join(segments[:depth])} is a value, not a section")
    return tuple(keys)


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
        parent = get_at(result, keys[:-1])
        leaf = keys[-1]
        current = parent.get(leaf) if isinstance(parent, Mapping) else parent[leaf]
        if isinstance(current, Mapping) and "value" in current and not isinstance(value, Mapping):
            parent[leaf] = {**current, "value": copy.deepcopy(value)}
        else:
            parent[leaf] = copy.deepcopy(value)
    return result


def overlay_problems(data: Mapping[str, Any], settings: Mapping[str, Any]) -> list[tuple[str, str]]:
    """Every path of an overlay that does not resolve, as (path, reason) pairs."""
    problems = []
    for path in settings:
        try:
            resolve_path(data, path)
        except OverlayPathError as err:
            problems.append((path, str(err)))
    return problems

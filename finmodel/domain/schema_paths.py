"""The model format seen along a path of keys: which keys it allows, which hold sections.

A location is a tuple of keys and list indices into raw model data, e.g.
``("partners", 0, "cip", "planned")``. Walking the pydantic models of :mod:`finmodel.domain`
along it tells the overlay which missing keys it may create (a field that holds a section,
such as an investment's ``discount:`` or a partner's ``cip:``) and tells validation which keys
to suggest for a misspelt one.

Example
-------
>>> holds_section(("partners", 0, "cip")), holds_section(("partners", 0, "qipp"))
(True, False)
>>> "planned" in model_fields(("partners", 0, "cip"))
True
"""

from __future__ import annotations

import difflib
import types
import typing
from collections.abc import Iterable
from typing import Any

from pydantic import BaseModel

from finmodel.domain.model import Model

Location = tuple[str | int, ...]


def did_you_mean(word: str, known: Iterable[str]) -> str:
    """A " (did you mean 'x'?)" hint naming the closest known spelling, or "" when none is close.

    >>> did_you_mean("trustt", ["trust", "icb"]), did_you_mean("zzz", ["trust"])
    (" (did you mean 'trust'?)", '')
    """
    close = difflib.get_close_matches(str(word), [str(k) for k in known], n=1, cutoff=0.6)
    return f" (did you mean {close[0]!r}?)" if close else ""


def flatten_type(tp: Any) -> list[Any]:
    """The types a field annotation can hold (through Optional, unions and Annotated)."""
    origin = typing.get_origin(tp)
    if origin is typing.Annotated:
        return flatten_type(typing.get_args(tp)[0])
    if origin in (typing.Union, types.UnionType):
        return [t for arg in typing.get_args(tp) for t in flatten_type(arg)]
    return [tp]


def _models(tp: Any) -> list[type[BaseModel]]:
    return [t for t in flatten_type(tp) if isinstance(t, type) and issubclass(t, BaseModel)]


def _field(model: type[BaseModel], key: str | int) -> Any:
    field = model.model_fields.get(str(key))
    if field is None:
        field = next((f for f in model.model_fields.values() if f.alias == key), None)
    return field


def step_type(tp: Any, key: str | int) -> Any:
    """The annotation one key below a type: a model's field, a list's item, a dict's value."""
    for option in flatten_type(tp):
        if isinstance(option, type) and issubclass(option, BaseModel):
            field = _field(option, key)
            if field is not None:
                return field.annotation
        origin = typing.get_origin(option)
        if origin is list and isinstance(key, int):
            return typing.get_args(option)[0]
        if origin is dict and isinstance(key, str):
            return typing.get_args(option)[1]
    return None


def type_at(loc: Location) -> Any:
    """The annotation at a location of the model format, or None where the format has none."""
    tp: Any = Model
    for key in loc:
        tp = step_type(tp, key)
        if tp is None:
            return None
    return tp


def allowed_keys(loc: Location) -> list[str]:
    """The keys the model format allows beside the last key of ``loc`` (for "did you mean").

    >>> "horizon" in allowed_keys(("timeline", "horizn"))
    True
    """
    tp = type_at(loc[:-1])
    return [field.alias or name for m in _models(tp) for name, field in m.model_fields.items()]


def model_fields(loc: Location) -> list[str]:
    """The field names of the model(s) at a location ([] for a dict, list or value)."""
    return allowed_keys((*loc, ""))


def is_field(loc: Location) -> bool:
    """True when the last key of ``loc`` is a field of the model holding it (not a dict key)."""
    parent = type_at(loc[:-1])
    return bool(loc) and any(_field(m, loc[-1]) is not None for m in _models(parent))


def holds_section(loc: Location) -> bool:
    """True when the value at ``loc`` may be a mapping of keys (a model or a dict).

    >>> holds_section(("assumptions",)), holds_section(("assumptions", "inflation"))
    (True, False)
    """
    tp = type_at(loc)
    return any(
        (isinstance(t, type) and issubclass(t, BaseModel)) or typing.get_origin(t) is dict
        for t in flatten_type(tp)
    )


def holds_list(loc: Location) -> bool:
    """True when the value at ``loc`` may be a list of sections (items addressed by id)."""
    return any(
        typing.get_origin(t) is list and _models(typing.get_args(t)[0])
        for t in flatten_type(type_at(loc))
    )

"""Lookup in the versioned data tables of the appraisal package, and the error it raises.

Every table (discount rates, GDP deflators, optimism bias) is kept by version id in a mapping;
:func:`lookup` finds an entry or raises :class:`AppraisalError` naming the known ones.

>>> lookup({"a": 1}, "a", "example table version")
1
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TypeVar

from finmodel.errors import FinmodelError

V = TypeVar("V")


class AppraisalError(FinmodelError, ValueError):
    """An appraisal input is not usable: unknown table version, schedule, project type, ...

    The integrating layer turns it into an :class:`~finmodel.errors.InputError` naming the place
    in the model file.
    """


AppraisalError.__module__ = "finmodel.appraisal.discounting"


def lookup(entries: Mapping[str, V], key: str, what: str, where: str = "") -> V:
    """The entry ``key`` of ``entries``, or :class:`AppraisalError` naming the known keys.

    The message is ``unknown {what} {key!r}{where}; known: k1, k2, ...`` (keys sorted).

    >>> lookup({"b": 2, "a": 1}, "c", "thing", " in v1")
    Traceback (most recent call last):
    ...
    finmodel.appraisal.discounting.AppraisalError: unknown thing 'c' in v1; known: a, b
    """
    try:
        return entries[key]
    except KeyError:
        known = ", ".join(sorted(entries))
        raise AppraisalError(f"unknown {what} {key!r}{where}; known: {known}") from None

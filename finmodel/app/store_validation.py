"""Checks on what is saved in the scenario store: names, users, notes, paths and values.

Each ``_clean_*`` function strips and normalises one field and appends a
:class:`~finmodel.errors.Problem` for every thing wrong with it, so the store can report every
problem together. Nothing is evaluated: values must be numbers, text, true/false or lists of them.
"""

from __future__ import annotations

import math
import re
import unicodedata
from collections.abc import Mapping

from finmodel.app.store_records import AssumptionValue, JSONValue
from finmodel.errors import Problem

MAX_NAME_LENGTH = 120
MAX_USER_LENGTH = 80
MAX_NOTE_LENGTH = 2_000
MAX_MODEL_NAME_LENGTH = 200
MAX_PATH_LENGTH = 256
MAX_ASSUMPTIONS = 10_000
MAX_LIST_LENGTH = 1_000
MAX_TEXT_VALUE_LENGTH = 1_000
MAX_RESULTS_CHARS = 1_000_000
_MAX_RESULTS_DEPTH = 12

_SEGMENT = r"(?:[A-Za-z_][A-Za-z0-9_]*|[0-9]+)"
_PATH_RE = re.compile(rf"^{_SEGMENT}(?:\.{_SEGMENT})*$")
_SHA256_RE = re.compile(r"^[0-9a-f]{64}$")


def _has_control_chars(text: str, allowed: str = "") -> bool:
    return any(unicodedata.category(ch) in ("Cc", "Zl", "Zp") and ch not in allowed for ch in text)


def _has_lone_surrogate(text: str) -> bool:
    """True when ``text`` holds half of a UTF-16 pair (not valid Unicode; SQLite refuses it)."""
    return any("\ud800" <= ch <= "\udfff" for ch in text)


def _surrogate_problem(place: str) -> Problem:
    return Problem(
        "scenario", place, "is not valid Unicode text (it holds a lone surrogate character)"
    )


def _clean_text(
    value: object,
    field: str,
    max_length: int,
    problems: list[Problem],
    *,
    required: bool,
    multiline: bool = False,
) -> str | None:
    """Strip and NFC-normalise a free-text field; record a problem and return None if invalid."""
    if value is None:
        if required:
            problems.append(Problem("scenario", field, "is required"))
        return None
    if not isinstance(value, str):
        problems.append(Problem("scenario", field, f"must be text, not {type(value).__name__}"))
        return None
    if _has_lone_surrogate(value):
        problems.append(_surrogate_problem(field))
        return None
    text = unicodedata.normalize("NFC", value).strip()
    if not text:
        if required:
            problems.append(Problem("scenario", field, "is required (it is empty)"))
        return None
    if len(text) > max_length:
        problems.append(
            Problem("scenario", field, f"is {len(text)} characters long; at most {max_length}")
        )
        return None
    if _has_control_chars(text, "\n\t" if multiline else ""):
        problems.append(Problem("scenario", field, "must not contain control characters"))
        return None
    return text


def _unwrap_numpy(value: object) -> object:
    """numpy scalars and arrays to plain Python values (without importing numpy)."""
    if type(value).__module__ == "numpy" and hasattr(value, "tolist"):
        return value.tolist()
    return value


def _clean_assumption_value(
    value: object, place: str, problems: list[Problem], depth: int = 0
) -> AssumptionValue | None:
    value = _unwrap_numpy(value)
    if isinstance(value, bool):
        return value
    if isinstance(value, int):
        return value
    if isinstance(value, float):
        if not math.isfinite(value):
            problems.append(Problem("scenario", place, f"must be a finite number, not {value}"))
            return None
        return value
    if isinstance(value, str):
        if _has_lone_surrogate(value):
            problems.append(_surrogate_problem(place))
            return None
        if len(value) > MAX_TEXT_VALUE_LENGTH:
            problems.append(
                Problem("scenario", place, f"text longer than {MAX_TEXT_VALUE_LENGTH} characters")
            )
            return None
        return value
    if isinstance(value, list | tuple):
        if depth >= 2:
            problems.append(Problem("scenario", place, "lists nested more than two deep"))
            return None
        if len(value) > MAX_LIST_LENGTH:
            problems.append(Problem("scenario", place, f"more than {MAX_LIST_LENGTH} items"))
            return None
        n_before = len(problems)
        items = [
            _clean_assumption_value(item, f"{place}[{i}]", problems, depth + 1)
            for i, item in enumerate(value)
        ]
        if len(problems) > n_before:
            return None
        return [item for item in items if item is not None]
    problems.append(
        Problem(
            "scenario",
            place,
            f"must be a number, text, true/false or a list of them, not {type(value).__name__}",
        )
    )
    return None


def _clean_assumptions(
    assumptions: object, problems: list[Problem]
) -> dict[str, AssumptionValue] | None:
    if not isinstance(assumptions, Mapping):
        problems.append(
            Problem(
                "scenario",
                "assumptions",
                f"must be a mapping of dotted path to value, not {type(assumptions).__name__}",
            )
        )
        return None
    if len(assumptions) > MAX_ASSUMPTIONS:
        problems.append(Problem("scenario", "assumptions", f"more than {MAX_ASSUMPTIONS} paths"))
        return None
    clean: dict[str, AssumptionValue] = {}
    for path, value in assumptions.items():
        if not isinstance(path, str):
            problems.append(
                Problem("scenario", repr(path), "a path must be text like assumptions.inflation")
            )
            continue
        shown = path if len(path) <= 80 else path[:77] + "..."
        if len(path) > MAX_PATH_LENGTH or not _PATH_RE.match(path):
            problems.append(
                Problem(
                    "scenario",
                    shown,
                    "is not a dotted path of identifiers (like partners.icb.costs.chc.inflation)",
                )
            )
            continue
        cleaned = _clean_assumption_value(value, path, problems)
        if cleaned is not None:
            clean[path] = cleaned
    return clean


def _clean_json(value: object, place: str, problems: list[Problem], depth: int = 0) -> JSONValue:
    value = _unwrap_numpy(value)
    if depth > _MAX_RESULTS_DEPTH:
        problems.append(Problem("scenario", place, "nested too deeply"))
        return None
    if isinstance(value, str) and _has_lone_surrogate(value):
        problems.append(_surrogate_problem(place))
        return None
    if value is None or isinstance(value, bool | int | str):
        return value
    if isinstance(value, float):
        if not math.isfinite(value):
            problems.append(Problem("scenario", place, f"must be a finite number, not {value}"))
            return None
        return value
    if isinstance(value, list | tuple):
        return [_clean_json(v, f"{place}[{i}]", problems, depth + 1) for i, v in enumerate(value)]
    if isinstance(value, Mapping):
        out: dict[str, JSONValue] = {}
        for key, item in value.items():
            if not isinstance(key, str):
                problems.append(Problem("scenario", f"{place}.{key!r}", "keys must be text"))
                continue
            out[key] = _clean_json(item, f"{place}.{key}", problems, depth + 1)
        return out
    problems.append(Problem("scenario", place, f"is not JSON data (a {type(value).__name__})"))
    return None

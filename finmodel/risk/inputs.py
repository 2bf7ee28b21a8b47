"""Which engine inputs an ``uncertainty:`` key (or a goal-seek assumption) moves, and their ranges.

A dotted path names a numeric input the way scenarios do (``assumptions.inflation``,
``partners.lth.costs.pay.efficiency``, ``drivers.over_65.growth``); the compiled inputs
(:func:`finmodel.engine.inputs.compile_model`) list every valid path in ``slots`` with the array
elements it sets. A pattern may use ``*`` (any text within one segment) or ``?`` (one character) to match
every id there: ``partners.*.costs.pay.efficiency``.

:func:`resolve_uncertainty` turns the model's ``uncertainty:`` section into
:class:`UncertainInput` objects sorted by key (the sampler's column order) with every problem
as a finding naming the YAML place. :func:`input_target` does the same for one path given on the
command line (goal seek).

Valid ranges of the values an input may take (after ``apply``):

=================================  ===========================================================
rates (growth, inflation)          -0.999 to 9.999 (a rate a year must stay above -1)
efficiency                         -0.999 to 0.999 (a cost cannot fall by 100% or more)
baselines (£k)                     0 or more
control totals (£k)                any value
service-model parameters           the range of the parameter's field (a share in [0, 1], ...)
=================================  ===========================================================

>>> from finmodel.io.yaml_io import load_model
>>> target = input_target(load_model("models/minimal.yaml"), "assumptions.inflation")
>>> target.paths, target.valid
(('assumptions.inflation',), (-0.999, 9.999))
"""

from __future__ import annotations

import difflib
import math
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np

from finmodel.domain.checks import Finding
from finmodel.domain.distributions import Distribution, ValidRange
from finmodel.domain.model import Model
from finmodel.domain.uncertainty import ApplyMode, UncertainInput
from finmodel.engine.inputs import ProjectionInputs, Slot, compile_model
from finmodel.errors import InputError, Problem
from finmodel.risk.service_draws import ServiceInput, service_inputs

RATE_RANGE: ValidRange = (-0.999, 9.999)
EFFICIENCY_RANGE: ValidRange = (-0.999, 0.999)
MONEY_RANGE: ValidRange = (0.0, None)
ANY_RANGE: ValidRange = (None, None)
SHARE_RANGE: ValidRange = (0.0, 1.0)

#: Valid range and a readable kind of each compiled input array.
ARRAY_RANGES: dict[str, tuple[ValidRange, str]] = {
    "driver_growth": (RATE_RANGE, "a growth rate a year"),
    "direct_growth": (RATE_RANGE, "a growth rate a year"),
    "inflation": (RATE_RANGE, "an inflation rate a year"),
    "efficiency": (EFFICIENCY_RANGE, "an efficiency rate a year"),
    "funding_growth": (RATE_RANGE, "a growth rate a year"),
    "cost_baseline": (MONEY_RANGE, "a base-year amount, £k"),
    "fund_baseline": (MONEY_RANGE, "a base-year amount, £k"),
    "control_total": (ANY_RANGE, "a control total, £k"),
    "cip_planned": (SHARE_RANGE, "planned CIP, a share of own costs a year"),
    "cip_delivered": (SHARE_RANGE, "the share of planned CIP delivered"),
    "cip_recurrent": (SHARE_RANGE, "the share of delivered CIP that is recurrent"),
    "nonrec_base": (MONEY_RANGE, "a non-recurrent amount, £k"),
    "nonrec_projected": (MONEY_RANGE, "a non-recurrent amount, £k"),
    "fund_uplift": (RATE_RANGE, "a growth rate a year"),
    "convergence_pace": (SHARE_RANGE, "the share of the distance from target closed a year"),
}


@dataclass(frozen=True)
class InputTarget:
    """The engine inputs one drawn (or goal-sought) value moves, and how."""

    key: str
    """The key as written (a dotted path or pattern)."""
    paths: tuple[str, ...]
    """Every concrete path it sets, sorted."""
    slots: tuple[Slot, ...]
    """Array elements set, merged over the paths (one slot per array)."""
    apply: ApplyMode
    """set (replace), add (input + value) or scale (input * value)."""
    valid: ValidRange
    """Range the input's values are clipped to (the tightest over the arrays it sets)."""
    service: tuple[ServiceInput, ...] = ()
    """Service-model parameters it sets (``investments.<id>.service.parameters.<name>``)."""


@dataclass(frozen=True)
class UncertainValue:
    """One uncertain input of a model: its distribution and where its draws go."""

    key: str
    spec: UncertainInput
    distribution: Distribution
    target: InputTarget


@dataclass(frozen=True)
class Resolution:
    """The resolved ``uncertainty:`` section: inputs sorted by key, and problems found."""

    inputs: list[UncertainValue]
    findings: list[Finding]


def _piece_at(piece: str, text: str, at: int) -> bool:
    """True when ``piece`` (literal but for ``?``) matches ``text`` at position ``at``."""
    if "?" not in piece:
        return at >= 0 and text.startswith(piece, at)
    return (
        at >= 0
        and at + len(piece) <= len(text)
        and all(ch == "?" or ch == text[at + i] for i, ch in enumerate(piece))
    )


def _find_piece(piece: str, text: str, start: int) -> int:
    """Leftmost position >= ``start`` where ``piece`` matches, or -1."""
    if "?" not in piece:
        return text.find(piece, start)
    for at in range(start, len(text) - len(piece) + 1):
        if _piece_at(piece, text, at):
            return at
    return -1


def _segment_matches(pattern: str, text: str) -> bool:
    """True when one path segment ``text`` matches ``pattern`` (``*`` any run of characters,
    ``?`` one character, everything else literal).

    The pieces between the ``*`` are matched in order, each at its leftmost place (which is
    always right for such patterns): no backtracking, time at most ``len(pattern) x
    len(text)`` and usually linear.

    >>> _segment_matches("a*b?d", "axxbcd"), _segment_matches("*Z", "a" * 60)
    (True, False)
    """
    if len(pattern) - pattern.count("*") > len(text):
        return False  # more characters to match than the text has
    pieces = pattern.split("*")
    if len(pieces) == 1:
        return len(pattern) == len(text) and _piece_at(pattern, text, 0)
    first, *middle, last = pieces
    if not _piece_at(first, text, 0):
        return False
    position = len(first)
    for piece in middle:
        found = _find_piece(piece, text, position)
        if found < 0:
            return False
        position = found + len(piece)
    return len(text) - len(last) >= position and _piece_at(last, text, len(text) - len(last))


def path_matches(pattern: str, path: str) -> bool:
    """True when the dotted ``path`` matches ``pattern`` segment by segment (a wildcard never
    crosses a dot; both must have the same number of segments).

    >>> path_matches("partners.*.baseline", "partners.icb.baseline")
    True
    """
    return _segments_match([_simplify(w) for w in pattern.split(".")], path)


def _segments_match(wanted: Sequence[str], path: str) -> bool:
    if path.count(".") != len(wanted) - 1:
        return False
    for w, p in zip(wanted, path.split("."), strict=True):
        if w == p or w == "*":  # a pattern matches itself; a lone * matches any one segment
            continue
        if ("*" not in w and "?" not in w) or not _segment_matches(w, p):
            return False
    return True


def _simplify(segment: str) -> str:
    """Runs of ``*`` are one ``*`` (so a pattern of a million stars costs one step)."""
    return re.sub(r"\*+", "*", segment)


def matching_paths(pattern: str, known: Sequence[str]) -> list[str]:
    """Known paths matched by a dotted path or a pattern with wildcards in its segments.

    A wildcard never crosses a dot: ``*`` stands for any run of characters within one id,
    ``?`` for one character. Matching is literal otherwise and linear-time per segment, so a
    pattern full of ``*`` answers instantly.

    >>> matching_paths("partners.*.baseline", ["partners.a.baseline", "partners.b.baseline", "x"])
    ['partners.a.baseline', 'partners.b.baseline']
    """
    if not any(ch in pattern for ch in "*?"):
        return [pattern] if pattern in known else []
    wanted = [_simplify(w) for w in pattern.split(".")]
    return sorted(path for path in known if _segments_match(wanted, path))


def _unknown_message(pattern: str, known: Sequence[str]) -> str:
    close = difflib.get_close_matches(pattern, known, n=3, cutoff=0.6)
    hint = f"; did you mean {', '.join(close)}?" if close else ""
    return f"{pattern!r} is not a numeric input of this model{hint}"


def _merge_slots(paths: Sequence[str], slots: Mapping[str, tuple[Slot, ...]]) -> tuple[Slot, ...]:
    by_array: dict[tuple[str, bool], set[int]] = {}
    for path in paths:
        for slot in slots[path]:
            by_array.setdefault((slot.array, slot.per_year), set()).update(slot.index.tolist())
    return tuple(
        Slot(array, np.array(sorted(index), dtype=np.int64), per_year)
        for (array, per_year), index in sorted(by_array.items())
    )


def _tightest(slots: Sequence[Slot]) -> ValidRange:
    lower: float | None = None
    upper: float | None = None
    for slot in slots:
        (lo, hi), _ = ARRAY_RANGES[slot.array]
        if lo is not None:
            lower = lo if lower is None else max(lower, lo)
        if hi is not None:
            upper = hi if upper is None else min(upper, hi)
    return lower, upper


def _target(
    key: str,
    paths: Sequence[str],
    apply: ApplyMode,
    inputs: ProjectionInputs,
    service: Mapping[str, ServiceInput],
) -> InputTarget:
    engine_paths = [p for p in paths if p in inputs.slots]
    merged = _merge_slots(engine_paths, inputs.slots)
    items = tuple(service[p] for p in sorted(set(paths)) if p in service)
    lower, upper = _tightest(merged)
    for item in items:
        lo, hi = item.valid
        if lo is not None:
            lower = lo if lower is None else max(lower, lo)
        if hi is not None:
            upper = hi if upper is None else min(upper, hi)
    return InputTarget(key, tuple(sorted(set(paths))), merged, apply, (lower, upper), items)


def known_inputs(
    model: Model, inputs: ProjectionInputs
) -> tuple[list[str], dict[str, ServiceInput]]:
    """Every numeric input path of a model (sorted) and its service-model parameters."""
    service = service_inputs(model)
    return sorted([*inputs.slots, *service]), service


def base_values(inputs: ProjectionInputs, slot: Slot) -> np.ndarray:
    """The deterministic values of a slot's elements: ``(n,)`` or ``(n, H)``."""
    array = getattr(inputs, slot.array)
    if slot.array == "control_total":
        return np.asarray(array[slot.index, 1:])
    return np.asarray(array[slot.index])


def _drawn_bounds(dist: Distribution, apply: ApplyMode, base: np.ndarray) -> tuple[float, float]:
    """Smallest and largest value the input can take (means for unbounded distributions)."""
    lo, hi = dist.support
    if math.isinf(lo) or math.isinf(hi):
        lo = hi = dist.mean
    if apply == "set" or base.size == 0:
        return lo, hi
    b_lo, b_hi = float(np.min(base)), float(np.max(base))
    if apply == "add":
        return b_lo + lo, b_hi + hi
    corners = [b_lo * lo, b_lo * hi, b_hi * lo, b_hi * hi]
    return min(corners), max(corners)


def _range_findings(key: str, value: UncertainValue, inputs: ProjectionInputs) -> list[Finding]:
    findings: list[Finding] = []
    dist = value.distribution
    bounded = not any(math.isinf(x) for x in dist.support)
    for slot in value.target.slots:
        if slot.index.size == 0:
            continue
        (lower, upper), kind = ARRAY_RANGES[slot.array]
        lo, hi = _drawn_bounds(dist, value.spec.apply, base_values(inputs, slot))
        what = "values drawn" if bounded else "the mean value"
        how = "" if value.spec.apply == "set" else f" (after apply: {value.spec.apply})"
        if lower is not None and lo < lower:
            field = "low" if bounded and value.spec.low is not None else None
            findings.append(
                (
                    ("uncertainty", key) + ((field,) if field else ()),
                    f"{what} reach {lo:g}{how}, below the valid minimum {lower:g} of {kind}",
                )
            )
        if upper is not None and hi > upper:
            field = "high" if bounded and value.spec.high is not None else None
            findings.append(
                (
                    ("uncertainty", key) + ((field,) if field else ()),
                    f"{what} reach {hi:g}{how}, above the valid maximum {upper:g} of {kind}",
                )
            )
    for item in value.target.service:
        lower, upper = item.valid
        lo, hi = _drawn_bounds(dist, value.spec.apply, np.array([item.base]))
        what = "values drawn" if bounded else "the mean value"
        if lower is not None and lo < lower:
            findings.append(
                (
                    ("uncertainty", key, "low") if bounded else ("uncertainty", key),
                    f"{what} reach {lo:g}, below the valid minimum {lower:g} of {item.parameter}",
                )
            )
        if upper is not None and hi > upper:
            findings.append(
                (
                    ("uncertainty", key, "high") if bounded else ("uncertainty", key),
                    f"{what} reach {hi:g}, above the valid maximum {upper:g} of {item.parameter}",
                )
            )
    return findings


def resolve_uncertainty(model: Model, inputs: ProjectionInputs | None = None) -> Resolution:
    """The model's uncertain inputs sorted by key, with every problem of the section.

    ``inputs`` are the model's compiled inputs (compiled here when not given). A model whose
    structure does not compile (reported by the other checks) gives no findings here.
    """
    if inputs is None:
        try:
            inputs = compile_model(model)
        except Exception:  # broken references are reported by the other whole-model checks
            return Resolution([], [])
    known, service = known_inputs(model, inputs)
    findings: list[Finding] = []
    values: list[UncertainValue] = []
    owner: dict[tuple[str, int], str] = {}
    for key in sorted(model.uncertainty):
        spec = model.uncertainty[key]
        paths: list[str] = []
        matched = matching_paths(key, known)
        if not matched:
            findings.append((("uncertainty", key), _unknown_message(key, known)))
        paths += matched
        for i, extra in enumerate(spec.also):
            found = matching_paths(extra, known)
            if not found:
                findings.append((("uncertainty", key, "also", i), _unknown_message(extra, known)))
            paths += found
        if not paths:
            continue
        target = _target(key, paths, spec.apply, inputs, service)
        clash = []
        used = [(slot.array, i) for slot in target.slots for i in slot.index.tolist()]
        used += [(item.path, 0) for item in target.service]
        for place in used:
            other = owner.setdefault(place, key)
            if other != key and other not in clash:
                clash.append(other)
        if clash:
            findings.append(
                (
                    ("uncertainty", key),
                    f"sets some of the same inputs as {', '.join(repr(c) for c in clash)}: "
                    "each input may have one distribution",
                )
            )
            continue
        value = UncertainValue(key, spec, spec.distribution(), target)
        findings += _range_findings(key, value, inputs)
        values.append(value)
    return Resolution(values, findings)


def uncertain_inputs(model: Model, inputs: ProjectionInputs) -> list[UncertainValue]:
    """The model's uncertain inputs sorted by key; :class:`InputError` if any is invalid."""
    resolution = resolve_uncertainty(model, inputs)
    if resolution.findings:
        raise InputError(
            Problem(model.origin, ".".join(str(k) for k in keys), message)
            for keys, message in resolution.findings
        )
    return resolution.inputs


def input_target(
    model: Model,
    path: str,
    *,
    apply: ApplyMode = "set",
    inputs: ProjectionInputs | None = None,
    place: str = "--assumption",
) -> InputTarget:
    """The inputs one path (or pattern) sets, for goal seek; :class:`InputError` if unknown."""
    inputs = compile_model(model) if inputs is None else inputs
    known, service = known_inputs(model, inputs)
    paths = matching_paths(path, known)
    if not paths:
        raise InputError([Problem(model.origin, place, _unknown_message(path, known))])
    return _target(path, paths, apply, inputs, service)

"""Validation of raw model data into a :class:`Model`, collecting every problem.

Structural problems come from pydantic; whole-model problems from :mod:`finmodel.domain.checks`;
scenario overlays are applied and validated too, so a scenario that names an unknown path or
sets an invalid value is reported where the scenario says it. Problems are returned as
``(keys, message)`` findings; the file readers turn them into lines naming the file and place.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable, Mapping
from typing import Any

from pydantic import ValidationError

from finmodel.domain.checks import Finding, Location, check_model
from finmodel.domain.model import Model, Scenario
from finmodel.domain.overlay import OverlayPathError, apply_overlay, overlay_problems
from finmodel.errors import Problem, ScenarioError


def did_you_mean(word: str, known: Iterable[str]) -> str:
    """A " (did you mean 'x'?)" hint naming the closest known spelling, or "" when none is close.

    >>> did_you_mean("trustt", ["trust", "icb"]), did_you_mean("zzz", ["trust"])
    (" (did you mean 'trust'?)", '')
    """
    close = difflib.get_close_matches(str(word), [str(k) for k in known], n=1, cutoff=0.6)
    return f" (did you mean {close[0]!r}?)" if close else ""


def _clean_location(data: Any, loc: tuple[Any, ...]) -> Location:
    """Keep the part of a pydantic location that exists in the data, plus one missing key."""
    node = data
    keys: list[str | int] = []
    for part in loc:
        if (isinstance(node, Mapping) and part in node) or (
            isinstance(node, list) and isinstance(part, int) and 0 <= part < len(node)
        ):
            keys.append(part)
            node = node[part]
        else:
            if isinstance(node, Mapping) and isinstance(part, str) and keys[-1:] != [part]:
                keys.append(part)
            break
    return tuple(keys)


def _message(error: Any) -> str:
    kind = error.get("type", "")
    if kind == "extra_forbidden":
        return "unknown key (not part of the model format; check the spelling)"
    if kind == "missing":
        return "required but missing"
    return str(error.get("msg", "invalid value"))


def _other_union_branch(data: Any, loc: tuple[Any, ...]) -> bool:
    """True for an error of the list branch of a scalar-or-list value when a scalar was given,
    or of the scalar branch when a list was given: only the branch the user chose is reported."""
    for depth, part in enumerate(loc):
        if (
            isinstance(part, str)
            and part.startswith(("list[", "float", "int", "constrained-"))
            and depth > 0
        ):
            try:
                value = _value_at(data, loc[:depth])
            except (KeyError, IndexError, TypeError):
                return False
            return part.startswith("list[") != isinstance(value, list)
    return False


def _value_at(data: Any, keys: tuple[Any, ...]) -> Any:
    for key in keys:
        data = data[key]
    return data


def structural_findings(data: Any, error: ValidationError) -> list[Finding]:
    """Pydantic errors as findings, merging the several errors a union type gives for one value."""
    merged: dict[Location, list[str]] = {}
    for err in error.errors():
        if _other_union_branch(data, tuple(err["loc"])):
            continue
        loc = _clean_location(data, tuple(err["loc"]))
        messages = merged.setdefault(loc, [])
        text = _message(err)
        if text not in messages:
            messages.append(text)
    return [(loc, "; or ".join(msgs)) for loc, msgs in merged.items()]


def display_path(data: Any, keys: Location) -> str:
    """A dotted path with list items named by their id: ``partners.icb.costs.chc.baseline``."""
    node = data
    parts: list[str] = []
    for key in keys:
        if isinstance(node, list) and isinstance(key, int):
            item = node[key] if 0 <= key < len(node) else None
            item_id = item.get("id") if isinstance(item, Mapping) else None
            parts.append(str(item_id) if item_id is not None else f"[{key}]")
            node = item
        else:
            parts.append(str(key))
            node = node.get(key) if isinstance(node, Mapping) else None
    return ".".join(parts)


def validate_data(data: Any, *, check_scenarios: bool = True) -> tuple[Model | None, list[Finding]]:
    """Validate raw model data. Returns the model (None if structurally invalid) and findings.

    With ``check_scenarios`` each of the model's scenarios is applied and validated too.
    """
    if not isinstance(data, Mapping):
        return None, [
            ((), "a model file must be a mapping of keys (name, timeline, partners, ...)")
        ]
    try:
        model = Model.model_validate(data)
    except ValidationError as err:
        return None, structural_findings(data, err)
    findings = check_model(model)
    raw_scenarios = data.get("scenarios") or []
    for index in range(len(model.scenarios) if check_scenarios else 0):
        base: Location = ("scenarios", index, "set")
        settings = raw_scenarios[index].get("set") or {}
        for path, reason in overlay_problems(data, settings):
            findings.append(((*base, path), reason))
        if any(f[0][:3] == base for f in findings):
            continue
        overlaid = {k: v for k, v in apply_overlay(data, settings).items() if k != "scenarios"}
        _, sub_findings = validate_data(overlaid)
        already = set(findings)
        for loc, message in sub_findings:
            if (loc, message) not in already:  # the model's own problems are reported once
                findings.append(((*base, scenario_path_for(settings, loc, overlaid)), message))
    return model, findings


def scenario_path_for(settings: Mapping[str, Any], loc: Location, data: Any) -> str:
    """The overlay path a problem in an overlaid model most likely comes from."""
    shown = display_path(data, loc)
    for path in settings:
        if shown == path or shown.startswith(path + ".") or path.startswith(shown + "."):
            return path
    return shown


def with_overlay(
    model: Model,
    settings: Mapping[str, Any],
    label: str = "scenario",
    *,
    check_scenarios: bool = False,
) -> Model:
    """The model with values set by dotted path, validated; :class:`ScenarioError` lists problems.

    The overlaid model's own scenarios are not re-validated unless ``check_scenarios`` is set:
    each is validated when it is applied, and re-checking all of them on every what-if
    dominated the cost of an overlay.

    >>> from finmodel.io.yaml_io import load_model
    >>> m = load_model("models/minimal.yaml")
    >>> with_overlay(m, {"assumptions.inflation": 0.0}).assumptions.inflation
    0.0
    """
    if not settings:
        return model
    data = model.model_dump(mode="json", exclude_unset=True, by_alias=True)
    try:
        overlaid = apply_overlay(data, settings)
    except OverlayPathError:
        problems = [
            Problem(label, path, reason) for path, reason in overlay_problems(data, settings)
        ]
        raise ScenarioError(problems) from None
    new_model, findings = validate_data(overlaid, check_scenarios=check_scenarios)
    if new_model is None or findings:
        raise ScenarioError(
            Problem(label, scenario_path_for(settings, loc, overlaid), message)
            for loc, message in findings
        )
    return new_model


def apply_scenario(model: Model, scenario: str | Scenario | None) -> Model:
    """The model with a named scenario (or a :class:`Scenario`) applied; None gives the model."""
    if scenario is None:
        return model
    if isinstance(scenario, str):
        try:
            scenario = model.scenario(scenario)
        except KeyError:
            known = ", ".join(s.id for s in model.scenarios) or "none"
            raise ScenarioError(
                [
                    Problem(
                        model.origin, "--scenario", f"no scenario {scenario!r} (scenarios: {known})"
                    )
                ]
            ) from None
    return with_overlay(
        model, scenario.set, label=f"{model.origin}: scenario {scenario.id}"
    ).with_origin(model.origin)

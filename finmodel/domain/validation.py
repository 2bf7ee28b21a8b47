"""Validation of raw model data into a :class:`Model`, collecting every problem.

Structural problems come from pydantic; whole-model problems from :mod:`finmodel.domain.checks`;
scenario overlays are applied and validated too, so a scenario that names an unknown path or
sets an invalid value is reported where the scenario says it. Problems are returned as
``(keys, message)`` findings; the file readers turn them into lines naming the file and place.

Checks that need more than the typed model (the ``uncertainty:`` section is resolved against
the compiled model, :func:`finmodel.risk.model_checks.uncertainty_findings`) belong to the
layers above; they pass them in as ``checks`` (:data:`ModelCheck`), so this package never
imports upwards.
"""

from __future__ import annotations

import difflib
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from typing import Any

from pydantic import ValidationError

from finmodel.domain.checks import Finding, Location, check_model
from finmodel.domain.model import Model, Scenario
from finmodel.domain.overlay import (
    OverlayPathError,
    apply_overlay,
    get_at,
    overlay_problems,
    resolve_path,
)
from finmodel.domain.schema_paths import allowed_keys, did_you_mean
from finmodel.errors import Problem, ScenarioError

#: A whole-model check added by a layer above the domain: ``(keys, message)`` findings.
ModelCheck = Callable[[Model], list[Finding]]


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


#: What a blank template (or an empty file) is told to fill in.
NO_PARTNERS = (
    "no partners yet: add at least one partner (the Partners sheet of a budget workbook, or "
    "`partners:` in YAML) with its funding and cost lines, then its control total"
)


def _message(error: Any, data: Any = None, loc: Location = ()) -> str:
    kind = error.get("type", "")
    if kind == "extra_forbidden":
        known = allowed_keys(loc)
        return "unknown key (not part of the model format; check the spelling)" + (
            did_you_mean(str(loc[-1]), known) if loc and known else ""
        )
    if kind == "missing":
        return "required but missing"
    if kind == "too_short" and tuple(loc) == ("partners",):
        return NO_PARTNERS
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
        text = _message(err, data, loc)
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


def validate_data(
    data: Any, *, check_scenarios: bool = True, checks: Sequence[ModelCheck] = ()
) -> tuple[Model | None, list[Finding]]:
    """Validate raw model data. Returns the model (None if structurally invalid) and findings.

    With ``check_scenarios`` each of the model's scenarios is applied and validated too.
    ``checks`` are further whole-model checks, run on the model and on each scenario.
    """
    if not isinstance(data, Mapping):
        return None, [
            ((), "a model file must be a mapping of keys (name, timeline, partners, ...)")
        ]
    try:
        model = Model.model_validate(data)
    except ValidationError as err:
        found = structural_findings(data, err)
        places = {loc for loc, _ in found}
        more = [f for f in raw_findings(data, check_scenarios) if f[0] not in places]
        return None, _once(found + more)
    findings = check_model(model)
    for check in checks:
        findings += check(model)
    findings = with_suggestions(data, findings)
    raw_scenarios = data.get("scenarios") or []
    for index in range(len(model.scenarios) if check_scenarios else 0):
        base: Location = ("scenarios", index, "set")
        settings = raw_scenarios[index].get("set") or {}
        for path, reason in overlay_problems(data, settings):
            findings.append(((*base, path), with_path_hint(data, path, reason)))
        if any(f[0][:3] == base for f in findings):
            continue
        overlaid = {k: v for k, v in apply_overlay(data, settings).items() if k != "scenarios"}
        _, sub_findings = validate_data(overlaid, checks=checks)
        already = set(findings)
        for loc, message in sub_findings:
            if (loc, message) not in already:  # the model's own problems are reported once
                findings.append(((*base, scenario_path_for(settings, loc, overlaid)), message))
    return model, _once(findings)


def _once(findings: list[Finding]) -> list[Finding]:
    """Each problem once, in the order found."""
    return list(dict.fromkeys(findings))


def leaf_paths(data: Any, prefix: str = "") -> Iterator[str]:
    """Every dotted path of raw model data (list items by id), for "did you mean" on paths.

    >>> list(leaf_paths({"a": {"b": 1}, "p": [{"id": "x", "c": 2}]}))
    ['a', 'a.b', 'p', 'p.x', 'p.x.id', 'p.x.c']
    """
    if isinstance(data, Mapping):
        for key, value in data.items():
            if key == "scenarios":
                continue
            path = f"{prefix}{key}"
            yield path
            yield from leaf_paths(value, path + ".")
    elif isinstance(data, list):
        for item in data:
            if isinstance(item, Mapping) and "id" in item:
                path = f"{prefix}{item['id']}"
                yield path
                yield from leaf_paths(item, path + ".")


def _partner_ids(data: Mapping[str, Any]) -> list[str]:
    partners = data.get("partners")
    items = partners if isinstance(partners, list) else []
    return [str(p["id"]) for p in items if isinstance(p, Mapping) and p.get("id") is not None]


def with_suggestions(data: Any, findings: list[Finding]) -> list[Finding]:
    """Findings about an unknown payee or control-total partner with a "did you mean" hint."""
    ids = _partner_ids(data) if isinstance(data, Mapping) else []
    out = []
    for loc, message in findings:
        name = None
        if loc[-1:] == ("payee",) and "is not a partner" in message:
            name = str(_value_at(data, loc))
        elif len(loc) == 2 and loc[0] == "control_totals" and "is not a partner" in message:
            name = str(loc[1])
        if name is not None and "did you mean" not in message:
            message += did_you_mean(name, ids)
        out.append((loc, message))
    return out


def _length_finding(value: Any, horizon: int | None, loc: Location) -> Iterator[Finding]:
    if isinstance(value, Mapping):
        value = value.get("value")
    if horizon is not None and isinstance(value, list) and len(value) != horizon:
        yield (
            loc,
            f"needs a single number or a list of exactly {horizon} values (horizon), "
            f"got {len(value)}",
        )


def raw_findings(data: Mapping[str, Any], check_scenarios: bool = True) -> list[Finding]:
    """The whole-model checks that can run on data that does not validate: payees and
    control-total partners that are not partners, partners in the control total without one,
    year lists of the wrong length and scenario paths that do not resolve, so one run of
    ``validate`` reports field and cross-reference problems together."""
    findings: list[Finding] = []
    ids = _partner_ids(data)
    timeline = data.get("timeline")
    horizon = timeline.get("horizon") if isinstance(timeline, Mapping) else None
    horizon = horizon if isinstance(horizon, int) and not isinstance(horizon, bool) else None
    assumptions = data.get("assumptions")
    for name, value in assumptions.items() if isinstance(assumptions, Mapping) else []:
        findings += _length_finding(value, horizon, ("assumptions", name))
    raw_partners = data.get("partners")
    partners: list[Any] = raw_partners if isinstance(raw_partners, list) else []
    for p, partner in enumerate(partners):
        if not isinstance(partner, Mapping):
            continue
        for group in ("funding", "costs"):
            lines = partner.get(group)
            for n, line in enumerate(lines if isinstance(lines, list) else []):
                if not isinstance(line, Mapping):
                    continue
                for field in RATE_FIELDS:
                    findings += _length_finding(
                        line.get(field), horizon, ("partners", p, group, n, field)
                    )
                payee = line.get("payee") if group == "costs" else None
                if payee is not None and str(payee) not in ids:
                    findings.append(
                        (
                            ("partners", p, group, n, "payee"),
                            f"payee {payee!r} is not a partner" + did_you_mean(str(payee), ids),
                        )
                    )
    totals = data.get("control_totals")
    totals = totals if isinstance(totals, Mapping) else {}
    for key, value in totals.items():
        if str(key) not in ids:
            message = f"{key!r} is not a partner" + did_you_mean(str(key), ids)
            findings.append((("control_totals", key), message))
        findings += _length_finding(value, horizon, ("control_totals", key))
    for p, partner in enumerate(partners):
        if (
            isinstance(partner, Mapping)
            and partner.get("in_control_total", True) is True
            and partner.get("id") is not None
            and str(partner["id"]) not in {str(k) for k in totals}
        ):
            findings.append(
                (
                    ("partners", p, "in_control_total"),
                    f"partner {partner['id']!r} is in the control total but control_totals "
                    "has no entry for it",
                )
            )
    raw_scenarios = data.get("scenarios")
    scenarios: list[Any] = raw_scenarios if isinstance(raw_scenarios, list) else []
    for index, scenario in enumerate(scenarios if check_scenarios else []):
        settings = scenario.get("set") if isinstance(scenario, Mapping) else None
        if not isinstance(settings, Mapping):
            continue
        settings = {k: v for k, v in settings.items() if isinstance(k, str)}  # others: fields
        problems = dict(overlay_problems(data, settings))
        for path in settings:
            reason = problems.get(path) or _unknown_leaf(data, path)
            if reason is not None:
                findings.append(
                    (("scenarios", index, "set", path), with_path_hint(data, path, reason))
                )
    return findings


def _closest(word: str, options: Iterable[str]) -> str | None:
    close = difflib.get_close_matches(word, list(dict.fromkeys(options)), n=1, cutoff=0.6)
    return close[0] if close else None


def with_path_hint(data: Any, path: str, reason: str) -> str:
    """A reason for refusing a path, with a whole-path "did you mean" unless it has one."""
    return reason if "did you mean" in reason else reason + path_hint(data, path)


def path_hint(data: Any, path: str) -> str:
    """A " (did you mean 'a.b.c'?)" hint for a dotted path, each misspelt key or id replaced by
    the closest one the data (or the model format) has; "" when none is close.

    >>> path_hint({"assumptions": {"inflation": 0.02}}, "assumptions.inflaton")
    " (did you mean 'assumptions.inflation'?)"
    """
    node: Any = data
    keys: list[str | int] = []
    names: list[str] = []
    for segment in path.split("."):
        if isinstance(node, list):
            ids = [str(i.get("id")) for i in node if isinstance(i, Mapping)]
            name = segment if segment in ids else _closest(segment, ids)
            if name is None:
                return ""
            keys.append(ids.index(name))
            node = node[ids.index(name)]
        else:
            present = list(node) if isinstance(node, Mapping) else []
            options = [str(k) for k in present] + allowed_keys((*keys, segment))
            name = segment if segment in options else _closest(segment, options)
            if name is None:
                return ""
            keys.append(name)
            node = node.get(name) if isinstance(node, Mapping) else None
        names.append(name)
    suggestion = ".".join(names)
    return f" (did you mean {suggestion!r}?)" if suggestion != path else ""


def _unknown_leaf(data: Mapping[str, Any], path: str) -> str | None:
    """Why a scenario path that resolves up to its last key names no field, or None."""
    keys = resolve_path(data, path)
    try:
        get_at(data, keys)
        return None
    except (KeyError, IndexError, TypeError):
        known = allowed_keys(keys)
        if not known or str(keys[-1]) in known:
            return None
        return f"unknown path {path!r}: no {keys[-1]!r} in the model format"


#: Fields that take one rate or a list of one rate a year.
RATE_FIELDS = (
    "demand_growth",
    "inflation",
    "efficiency",
    "funding_growth",
    "non_demographic_growth",
)


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
    checks: Sequence[ModelCheck] = (),
) -> Model:
    """The model with values set by dotted path, validated; :class:`ScenarioError` lists problems.

    The overlaid model's own scenarios are not re-validated unless ``check_scenarios`` is set:
    each is validated when it is applied, and re-checking all of them on every what-if
    dominated the cost of an overlay. ``checks`` are further whole-model checks (see
    :func:`validate_data`).

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
    new_model, findings = validate_data(overlaid, check_scenarios=check_scenarios, checks=checks)
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

"""Checks that need the whole model: references, list lengths, control totals, risk shares.

Each check yields ``(keys, message)`` where ``keys`` is the concrete location in the model data
(mapping keys and list indices, as pydantic reports them), so the loader can name the YAML path
and line. Every problem is collected; nothing stops at the first.
"""

from __future__ import annotations

import math
from collections.abc import Iterator
from typing import Any

from finmodel.domain.finance_checks import finance_findings
from finmodel.domain.investment_checks import investment_findings
from finmodel.domain.model import ControlTotalEntry, Model, RiskShareMethod
from finmodel.domain.types import is_consistent_year
from finmodel.tolerances import SHARE_SUM_TOLERANCE

Location = tuple[str | int, ...]
Finding = tuple[Location, str]


def _length_problem(value: Any, horizon: int) -> str | None:
    if isinstance(value, list) and len(value) != horizon:
        return f"needs a single number or a list of exactly {horizon} values (horizon), got {len(value)}"
    return None


def _year_values(
    obj: Any, fields: tuple[str, ...], where: Location, horizon: int
) -> Iterator[Finding]:
    for name in fields:  # __dict__: a pydantic model's missing attribute is slow to miss
        message = _length_problem(obj.__dict__.get(name), horizon)
        if message:
            yield (*where, name), message


def _sources(obj: Any, where: Location) -> Iterator[Finding]:
    for key in getattr(obj, "sources", {}):
        if key not in type(obj).model_fields or key in ("sources", "source", "id", "name"):
            yield (*where, "sources", key), f"{key!r} is not a figure of this item"


def check_model(model: Model) -> list[Finding]:
    """Every whole-model problem of a structurally valid model; empty when it is consistent.

    >>> from finmodel.domain.model import Model
    >>> m = Model.model_validate({"name": "x", "timeline": {"base_year": "2019/20", "horizon": 1},
    ...     "partners": [{"id": "a", "name": "A", "kind": "provider", "place": "P",
    ...                   "costs": [{"id": "c", "baseline": 1, "payee": "zz"}]}]})
    >>> [msg for _, msg in check_model(m)][:1]
    ["payee 'zz' is not a partner"]
    """
    findings: list[Finding] = []
    horizon = model.timeline.horizon
    rate_fields = (
        "demand_growth",
        "inflation",
        "efficiency",
        "funding_growth",
        "non_demographic_growth",
    )
    if not is_consistent_year(model.timeline.base_year):
        findings.append(
            (("timeline", "base_year"), "the two years must be consecutive, e.g. 2019/20")
        )
    findings += _year_values(model.assumptions, rate_fields, ("assumptions",), horizon)
    findings += _sources(model.assumptions, ("assumptions",))
    for driver_id, driver in model.drivers.items():
        findings += _year_values(driver, ("growth",), ("drivers", driver_id), horizon)

    partner_ids = {p.id for p in model.partners}  # a set: one look-up per line, not a scan
    seen: set[str] = set()
    for p_index, partner in enumerate(model.partners):
        where: Location = ("partners", p_index)
        if partner.id in seen:
            findings.append(((*where, "id"), f"partner id {partner.id!r} is used twice"))
        seen.add(partner.id)
        line_ids: set[str] = set()
        for group in ("funding", "costs"):
            for l_index, line in enumerate(getattr(partner, group)):
                line_where: Location = (*where, group, l_index)
                if line.id in line_ids:
                    findings.append(
                        (
                            (*line_where, "id"),
                            f"line id {line.id!r} is used twice in partner {partner.id!r}",
                        )
                    )
                line_ids.add(line.id)
                findings += _year_values(line, rate_fields, line_where, horizon)
                findings += _sources(line, line_where)
        for l_index, line in enumerate(partner.costs):
            line_where = (*where, "costs", l_index)
            if line.payee is not None:
                if line.payee not in partner_ids:
                    findings.append(
                        ((*line_where, "payee"), f"payee {line.payee!r} is not a partner")
                    )
                elif line.payee == partner.id:
                    findings.append(((*line_where, "payee"), "a partner cannot pay itself"))
            if line.demand_driver is not None:
                if line.demand_driver not in model.drivers:
                    known = ", ".join(model.drivers) or "none declared"
                    findings.append(
                        (
                            (*line_where, "demand_driver"),
                            f"driver {line.demand_driver!r} is not in drivers ({known})",
                        )
                    )
                if line.demand_growth is not None:
                    findings.append(
                        (
                            (*line_where, "demand_growth"),
                            "give demand_growth or demand_driver, not both",
                        )
                    )
            elif line.non_demographic_growth is not None:
                findings.append(
                    (
                        (*line_where, "non_demographic_growth"),
                        "non_demographic_growth needs a demand_driver",
                    )
                )

    in_ct = {p.id for p in model.partners if p.in_control_total}
    for partner_id, entry in model.control_totals.items():
        where = ("control_totals", partner_id)
        if partner_id not in partner_ids:
            findings.append((where, f"{partner_id!r} is not a partner"))
        elif partner_id not in in_ct:
            findings.append(
                (where, f"{partner_id!r} is not in the control total (in_control_total: false)")
            )
        value = entry.value if isinstance(entry, ControlTotalEntry) else entry
        message = _length_problem(value, horizon)
        if message:
            findings.append((where, message))
    for p_index, partner in enumerate(model.partners):
        if partner.in_control_total and partner.id not in model.control_totals:
            findings.append(
                (
                    ("partners", p_index, "in_control_total"),
                    f"partner {partner.id!r} is in the control total but control_totals has no entry for it",
                )
            )

    risk = model.risk_share
    if risk.method == RiskShareMethod.fixed_shares:
        if not risk.shares:
            findings.append(
                (
                    ("risk_share", "method"),
                    "fixed_shares needs `shares:` for the partners in the control total",
                )
            )
        else:
            for partner_id in risk.shares:
                if partner_id not in in_ct:
                    findings.append(
                        (
                            ("risk_share", "shares", partner_id),
                            f"{partner_id!r} is not a partner in the control total",
                        )
                    )
            total = sum(risk.shares.values())
            if not math.isclose(total, 1.0, abs_tol=SHARE_SUM_TOLERANCE):
                findings.append(
                    (("risk_share", "shares"), f"shares must sum to 1, they sum to {total:.6g}")
                )
    elif risk.shares:
        findings.append(
            (
                ("risk_share", "shares"),
                f"shares are only used with fixed_shares, not {risk.method.value}",
            )
        )

    scenario_ids: set[str] = set()
    for s_index, scenario in enumerate(model.scenarios):
        if scenario.id in scenario_ids:
            findings.append(
                (("scenarios", s_index, "id"), f"scenario id {scenario.id!r} is used twice")
            )
        scenario_ids.add(scenario.id)

    findings += finance_findings(model)
    findings += investment_findings(model)
    return findings

"""Readable names and value formats for the Risk page's inputs (no Streamlit, no arithmetic).

The uncertainty engine names inputs by dotted path (``partners.*.costs.pay.efficiency``); a
finance lead reads "Pay and Non-pay: efficiency (CIP), 7 providers". This module turns paths
(and patterns with ``*``) into such names from the model's own names of partners, lines,
funding streams, drivers and investments, and formats an input's value by its kind: a rate as a
percentage, money as £k, a multiple of the modelled value as a percentage of it.

>>> from finmodel.io.yaml_io import load_model
>>> m = load_model("models/minimal.yaml")
>>> input_label(m, "assumptions.efficiency")
'Efficiency (lines without their own rate)'
>>> format_value(m, "assumptions.efficiency", 0.015066, "set")
'1.51%'
>>> format_value(m, "assumptions.efficiency", 1.2, "scale")
'120% of modelled'
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from typing import Literal

from finmodel.app.finance_assumptions import finance_label
from finmodel.domain.model import Model, Partner
from finmodel.domain.uncertainty import ApplyMode
from finmodel.formatting import money
from finmodel.risk.inputs import matching_paths, path_matches

ValueKind = Literal["rate", "money", "number"]

#: Names of the system-wide assumptions (as the sidebar shows them).
ASSUMPTION_NAMES = {
    "demand_growth": "Demand growth",
    "inflation": "Inflation",
    "efficiency": "Efficiency",
    "funding_growth": "Funding growth",
    "non_demographic_growth": "Non-demographic growth",
}
#: Names of the fields of a cost line or funding stream.
FIELD_NAMES = {
    "baseline": "base-year amount",
    "demand_growth": "demand growth",
    "non_demographic_growth": "non-demographic growth",
    "inflation": "inflation",
    "efficiency": "efficiency (CIP)",
    "funding_growth": "funding growth",
}
#: Short names of service-model parameters (the rest: the name with spaces).
PARAMETER_NAMES = {
    "referrals_per_month": "referrals a month",
    "referral_growth": "referral growth",
    "initial_queue": "referrals waiting at the start",
    "initial_queue_over_28_days": "referrals waiting over 28 days at the start",
    "conversion_rate": "share of assessments found eligible",
    "initial_caseload": "caseload at the start",
    "monthly_exit_rate": "caseload leaving a month",
    "initial_outstanding_reviews": "reviews outstanding at the start",
    "initial_overdue_reviews": "overdue reviews at the start",
    "base_fte": "staff in post (FTE)",
    "assessments_per_fte_month": "assessments per FTE a month",
    "reviews_per_fte_month": "reviews per FTE a month",
    "cost_per_fte_k": "cost per FTE (£k a year)",
    "priority_max_share": "largest share of time on priority work",
    "package_cost_k_per_year": "package cost (£k a year)",
    "package_cost_growth": "package cost growth",
    "review_finding_rate": "share of reviews finding over-provision",
    "review_saving_k_per_year": "saving per over-provided package (£k a year)",
    "next_month_within_28_days": "next-month decisions within 28 days",
    "standard_share": "28-day standard (share)",
    "backlog_clear_threshold": "backlog counted as cleared at (reviews)",
    "queue_withdrawal_rate": "referrals leaving the queue undecided a month",
    "recruitment_lag_months": "recruitment lag (months)",
    "interim_lag_months": "interim staff lag (months)",
    "interim_premium": "interim staff premium",
    "vacancy_factor": "vacancy factor",
    "pay_growth": "staff pay growth",
    "saving_persistence_months": "months a package saving lasts",
    "saving_erosion_rate": "package savings eroding a month",
    "retrospective_cost_k": "cost of a late eligible decision (£k)",
    "acute_share_waiting": "share waiting in an acute bed",
    "bed_day_value_k": "value of an acute bed day (£k)",
    "qaly_loss_per_year_waiting": "QALYs lost per year waiting",
    "qaly_value_k": "value of a QALY (£k)",
    "council_funded_share_waiting": "share waiting funded by a council",
    "council_cost_k_per_year": "council care cost (£k a year)",
}
#: Service parameters that are rates or shares (shown as percentages).
PERCENT_PARAMETERS = {
    "referral_growth",
    "conversion_rate",
    "monthly_exit_rate",
    "priority_max_share",
    "package_cost_growth",
    "review_finding_rate",
    "next_month_within_28_days",
    "standard_share",
    "queue_withdrawal_rate",
    "interim_premium",
    "vacancy_factor",
    "pay_growth",
    "saving_erosion_rate",
    "acute_share_waiting",
    "council_funded_share_waiting",
}
_KIND_PLURAL = {
    "commissioner": "commissioners",
    "provider": "providers",
    "local_authority": "councils",
    "vcfse": "voluntary-sector partners",
}


def short_name(name: str) -> str:
    """A name without its trailing explanation in brackets: ``"Pay (staff costs)"`` -> ``"Pay"``.

    >>> short_name("Non-pay (drugs, clinical supplies)"), short_name("(x)")
    ('Non-pay', '(x)')
    """
    shorter = re.sub(r"\s*\([^()]*\)\s*$", "", name).strip()
    return shorter or name


def _join(names: Sequence[str]) -> str:
    unique = list(dict.fromkeys(names))
    if len(unique) <= 1:
        return unique[0] if unique else ""
    if len(unique) > 3:
        return f"{', '.join(unique[:2])} and {len(unique) - 2} more"
    return f"{', '.join(unique[:-1])} and {unique[-1]}"


def _partners_text(partners: Sequence[Partner]) -> str:
    if len(partners) == 1:
        return partners[0].name
    kinds = {p.kind.value for p in partners}
    if len(kinds) == 1 and (kind := kinds.pop()) in _KIND_PLURAL:
        return f"{len(partners)} {_KIND_PLURAL[kind]}"
    return f"{len(partners)} partners"


def _partner_line_paths(model: Model, pattern: str) -> list[tuple[Partner, str, str, str]]:
    """(partner, section, item name, field) for every concrete path a partner pattern matches."""
    parts = pattern.split(".")
    if len(parts) != 5 or parts[0] != "partners" or parts[2] not in ("costs", "funding"):
        return []
    known = [
        f"partners.{p.id}.{section}.{item.id}.{parts[4]}"
        for p in model.partners
        for section, items in (("costs", p.costs), ("funding", p.funding))
        for item in items
    ]
    by_id = {p.id: p for p in model.partners}
    found = []
    for path in matching_paths(pattern, known):
        _, pid, section, item_id, field = path.split(".")
        partner = by_id[pid]
        items = partner.costs if section == "costs" else partner.funding
        item = next(i for i in items if i.id == item_id)
        found.append((partner, section, short_name(item.name or item.id), field))
    return found


def _partner_label(model: Model, patterns: Sequence[str]) -> str | None:
    found = [hit for pattern in patterns for hit in _partner_line_paths(model, pattern)]
    if not found:
        return None
    fields = _join([FIELD_NAMES.get(f, f.replace("_", " ")) for _, _, _, f in found])
    items = [name for _, _, name, _ in found]
    partners = list({p.id: p for p, _, _, _ in found}.values())
    if len(set(items)) > 3 and all("*" in p.split(".")[3] for p in patterns):
        what = "every line" if found[0][1] == "costs" else "every funding stream"
    else:
        what = _join(items)
    if len(partners) == 1:
        return f"{partners[0].name}: {what}, {fields}"
    return f"{what}: {fields}, {_partners_text(partners)}"


def input_label(model: Model, path: str, also: Iterable[str] = ()) -> str:
    """A readable name of an input given by dotted path (or pattern); ``also``: paths taking
    the same value that belong in the name when they are the same field of other lines.

    >>> from finmodel.io.yaml_io import load_model
    >>> input_label(load_model("models/minimal.yaml"), "control_totals.icb")
    'Example ICB: control total'
    """
    parts = path.split(".")
    head = parts[0]
    named = finance_label(model, path)
    if head in ("tariff", "price_series") and named is not None:
        return named
    if head == "assumptions" and len(parts) == 2:
        name = named or ASSUMPTION_NAMES.get(parts[1], parts[1].replace("_", " ").capitalize())
        lines = [p for p in also if p.startswith("partners.") and p.endswith(f".{parts[1]}")]
        return f"{name}, every line" if any(".*." in p for p in lines) else name
    if head == "drivers" and len(parts) == 3:
        driver = model.drivers.get(parts[1])
        name = short_name(driver.name) if driver is not None and driver.name else parts[1]
        return f"{name}: growth" if parts[2] == "growth" else f"{name}: {parts[2]}"
    if head == "control_totals" and len(parts) == 2:
        names = [p.name for p in model.partners if path_matches(parts[1], p.id)]
        who = names[0] if len(names) == 1 else f"{len(names)} partners"
        return f"{who}: control total"
    if head == "investments" and len(parts) == 5 and parts[2:4] == ["service", "parameters"]:
        investment = model.investments.get(parts[1])
        name = getattr(investment, "name", None) or parts[1]
        same = [parts[4]] + [
            p.split(".")[4]
            for p in also
            if p.split(".")[:4] == parts[:4] and len(p.split(".")) == 5 and p != path
        ]
        return f"{name}: {_join([PARAMETER_NAMES.get(s, s.replace('_', ' ')) for s in same])}"
    if head == "investments" and len(parts) == 5 and parts[2::2] == ["risks", "probability"]:
        investment = model.investments.get(parts[1])
        name = getattr(investment, "name", None) or parts[1]
        risk = next((r for r in getattr(investment, "risks", []) if r.id == parts[3]), None)
        what = risk.name if risk is not None and risk.name else parts[3].replace("_", " ")
        return f"{name}: probability of risk '{what}'"
    if head == "partners":
        lever = _lever_label(model, parts, named)
        if lever is not None:
            return lever
        same_field = [
            p for p in also if p.split(".")[::4] == parts[::4] and p.split(".")[1] == parts[1]
        ]
        label = _partner_label(model, [path, *same_field])
        if label is not None:
            return label[0].upper() + label[1:]
    return path


_CIP_NAMES = {
    "planned": "CIP planned",
    "delivered": "CIP delivered share",
    "recurrent": "CIP recurrent share",
}
_AMOUNT_NAMES = {"base_year": "base-year amount", "projected": "projected amount"}


def _lever_label(model: Model, parts: list[str], named: str | None) -> str | None:
    """The name of a partner's NHS lever: its QIPP, CIP plan, a converging allocation's pace,
    a non-recurrent item's amount (``*`` for every item); None for other paths."""
    if named is not None:  # a finance assumption (convergence pace) is named as the sidebar
        return named
    partners = [p for p in model.partners if path_matches(parts[1], p.id)]
    if not partners:
        return None
    who = _partners_text(partners)
    if len(parts) == 3 and parts[2] == "qipp":
        return f"{who}: QIPP"
    if len(parts) == 4 and parts[2] == "cip" and parts[3] in _CIP_NAMES:
        return f"{who}: {_CIP_NAMES[parts[3]]}"
    if len(parts) == 5 and parts[2] == "non_recurrent" and parts[4] in _AMOUNT_NAMES:
        partners = [
            p for p in partners if any(path_matches(parts[3], i.id) for i in p.non_recurrent)
        ]
        who = _partners_text(partners) if partners else who
        items = [
            short_name(i.name or i.id)
            for p in partners
            for i in p.non_recurrent
            if path_matches(parts[3], i.id)
        ]
        what = "every non-recurrent item" if "*" in parts[3] and len(items) > 1 else _join(items)
        return f"{who}: {what or parts[3]}, {_AMOUNT_NAMES[parts[4]]}"
    return None


def value_kind(path: str) -> ValueKind:
    """How an input's values read: a ``rate`` (a fraction a year or a share), ``money`` (£k) or
    a plain ``number`` (counts, staff)."""
    last = path.rsplit(".", 1)[-1]
    if path.startswith("control_totals.") or last in ("baseline", *_AMOUNT_NAMES):
        return "money"
    if ".service.parameters." in path:
        if last in PERCENT_PARAMETERS:
            return "rate"
        return "money" if last.endswith(("_k", "_k_per_year")) else "number"
    if last in FIELD_NAMES or last == "growth" or path.startswith("assumptions."):
        return "rate"
    return "number"


def format_value(model: Model, path: str, value: float | None, apply: ApplyMode = "set") -> str:
    """An input's value as a finance reader reads it: ``3.25%``, ``£1,234k``, ``120.5``; with
    ``apply="add"`` a change (``+0.50 points``), with ``"scale"`` a share of the modelled value.

    >>> from finmodel.io.yaml_io import load_model
    >>> format_value(load_model("models/minimal.yaml"), "assumptions.inflation", 0.005, "add")
    '+0.50 points'
    """
    del model  # the kind follows from the path alone; kept for a stable signature
    if value is None:
        return "varies"
    kind = value_kind(path)
    if apply == "scale":
        return f"{value:.0%} of modelled"
    if apply == "add":
        if kind == "rate":
            return f"{value * 100:+.2f} points"
        return f"{'+' if value >= 0 else ''}{money(value)}" + ("k" if kind == "money" else "")
    if kind == "rate":
        return f"{value:.2%}"
    if kind == "money":
        return f"£{money(value)}k"
    return f"{value:,.4g}" if abs(value) < 1e6 else f"{value:,.0f}"


def option_name(model: Model, investment: str, option: str) -> str:
    """The readable name of an investment option (its id when it has none)."""
    inv = model.investments.get(investment)
    for o in getattr(inv, "options", []) or []:
        if getattr(o, "id", None) == option:
            return str(getattr(o, "name", None) or option)
    return option


_NPSV_LABEL = re.compile(r"^NPSV of (?P<inv>\S+) option (?P<opt>\S+) \((?P<why>.*)\), £k real$")


def npsv_title(model: Model, label: str) -> str:
    """The engine's NPSV tornado label with the investment's and options' names for their ids.

    >>> from finmodel.io.yaml_io import load_model
    >>> npsv_title(load_model("models/minimal.yaml"), "something else")
    'something else'
    """
    match = _NPSV_LABEL.match(label)
    if match is None or match["inv"] not in model.investments:
        return label
    inv_id = match["inv"]
    investment = getattr(model.investments[inv_id], "name", None) or inv_id
    why = match["why"]
    for option in getattr(model.investments[inv_id], "options", []) or []:
        name = f"“{option_name(model, inv_id, option.id)}”"
        why = re.sub(rf"\b{re.escape(option.id)}\b", name, why)
    option = option_name(model, inv_id, match["opt"])
    return f"{investment}: NPSV of “{option}” ({why})"

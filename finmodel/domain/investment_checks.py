"""Whole-model checks of the investment cases (SPEC section 5).

:func:`investment_findings` gives every problem of every investment as a (location, message)
finding, so the loader can name the YAML path and line: option ids used once; ``option`` and
``do_nothing`` naming options; funders and beneficiaries that are partners with shares summing to
1 (or a basis some partner has); start years on the model's timeline; known discount, deflator
and optimism-bias tables; one-off and recurrent amounts that make sense; ``sources`` keyed by
figures of the item; a service model that starts before the options it serves.
"""

from __future__ import annotations

import math
from collections.abc import Iterator, Mapping
from typing import TYPE_CHECKING

from finmodel.domain.appraisal_tables import DEFLATOR_TABLES, DISCOUNT_TABLES
from finmodel.domain.investment_shares import basis_weights
from finmodel.domain.investments import (
    Benefit,
    BenefitType,
    Cost,
    Finding,
    Investment,
    Location,
    OptimismBias,
    Option,
    ShareBasis,
    year_start,
)
from finmodel.domain.optimism_bias import OPTIMISM_BIAS_TABLES
from finmodel.domain.service_parameters import IpaServiceParameters
from finmodel.domain.tables import AppraisalError
from finmodel.domain.types import Frozen, is_consistent_year
from finmodel.tolerances import SHARE_SUM_TOLERANCE

if TYPE_CHECKING:
    from finmodel.domain.model import Model


def investment_findings(model: Model) -> list[Finding]:
    """Whole-model problems of every investment as (location, message) findings.

    >>> from finmodel.io.yaml_io import load_model
    >>> m = load_model("models/minimal.yaml")
    >>> bad = m.model_copy(update={"investments": {"x": Investment.model_validate(
    ...     {"appraisal_period": 3, "options": [{"id": "a"}, {"id": "b", "start_year": "2020/21",
    ...      "costs": [{"id": "c", "amount": 5}], "funders": {"icb": 0.5, "zz": 0.4}}]})}})
    >>> [msg for _, msg in investment_findings(bad)]
    ["'zz' is not a partner", 'shares must sum to 1, they sum to 0.9']
    """
    findings: list[Finding] = []
    for inv_id, investment in model.investments.items():
        findings += _investment(model, ("investments", inv_id), investment)
    return findings


def _investment(model: Model, where: Location, inv: Investment) -> Iterator[Finding]:
    ids = inv.option_ids()
    seen: set[str] = set()
    for i, option in enumerate(inv.options):
        if option.id in seen:
            yield (*where, "options", i, "id"), f"option id {option.id!r} is used twice"
        seen.add(option.id)
    known = ", ".join(ids)
    for key in ("option", "do_nothing"):
        value = getattr(inv, key)
        if value is not None and value not in ids:
            yield (*where, key), f"{value!r} is not an option of this investment ({known})"
    yield from _sources(inv, where)
    yield from _settings(model, where, inv)
    yield from _split(model, (*where,), "funders", inv.funders, inv.funders_basis)
    yield from _split(model, (*where,), "beneficiaries", inv.beneficiaries, inv.beneficiaries_basis)
    if inv.optimism_bias is not None:
        yield from _optimism(inv.optimism_bias, (*where, "optimism_bias"))
    if inv.service is not None:
        yield from _service(model, (*where, "service"), inv)
    if inv.outcome is not None and inv.outcome.service_series and inv.service is None:
        yield (*where, "outcome", "service_series"), "needs a `service:` model to take it from"
    for i, option in enumerate(inv.options):
        yield from _option(model, (*where, "options", i), inv, option)
    case_years = inv.case_years(model)
    for i, risk in enumerate(inv.risks):
        for k, option_id in enumerate(risk.options or []):
            if option_id not in ids:
                yield (
                    (*where, "risks", i, "options", k),
                    f"{option_id!r} is not an option of this investment ({known})",
                )
        if risk.year not in case_years:
            yield (
                (*where, "risks", i, "year"),
                f"{risk.year} is outside the case's years ({case_years[0]} to {case_years[-1]})",
            )


def _settings(model: Model, where: Location, inv: Investment) -> Iterator[Finding]:
    base = model.timeline.base_year
    for key in ("price_base_year", "appraisal_start"):
        label = getattr(inv, key)
        if label is not None and not is_consistent_year(label):
            yield (*where, key), "the two years must be consecutive, e.g. 2020/21"
            return
    if inv.appraisal_start is not None and year_start(inv.appraisal_start) < year_start(base):
        yield (*where, "appraisal_start"), f"must not be before the model's base year {base}"
        return
    table = DISCOUNT_TABLES.get(inv.discount.version)
    if table is None:
        yield (
            (*where, "discount", "version"),
            f"unknown discount table version {inv.discount.version!r}; known: "
            + ", ".join(sorted(DISCOUNT_TABLES)),
        )
    elif inv.discount.schedule not in table.schedules:
        yield (
            (*where, "discount", "schedule"),
            f"unknown discount schedule {inv.discount.schedule!r}; known: "
            + ", ".join(sorted(table.schedules)),
        )
    deflators = inv.deflator or DEFLATOR_TABLES.get(inv.deflator_version)
    if deflators is None:
        yield (
            (*where, "deflator_version"),
            f"unknown deflator table version {inv.deflator_version!r}; known: "
            + ", ".join(sorted(DEFLATOR_TABLES)),
        )
        return
    first, last = year_start(next(iter(deflators.index))), year_start(list(deflators.index)[-1])
    years = inv.appraisal_years(model)
    needed = [year_start(years[0]), year_start(years[-1]), year_start(inv.base_price_year(model))]
    if inv.deflator_extend_rate is None and (min(needed) < first or max(needed) > last):
        yield (
            (*where, "deflator_extend_rate"),
            f"the appraisal ({years[0]} to {years[-1]}, prices of {inv.base_price_year(model)}) "
            f"goes beyond deflator table {deflators.version} ({next(iter(deflators.index))} to "
            f"{list(deflators.index)[-1]}): give deflator_extend_rate (deflator growth a year)",
        )


def _sources(obj: Frozen, where: Location, allowed: set[str] | None = None) -> Iterator[Finding]:
    fields = allowed if allowed is not None else set(type(obj).model_fields)
    for key in getattr(obj, "sources", {}):
        if key not in fields or key in ("sources", "source", "id", "name"):
            yield (*where, "sources", key), f"{key!r} is not a figure of this item"


def _split(
    model: Model,
    where: Location,
    name: str,
    shares: Mapping[str, float] | None,
    basis: ShareBasis | None,
    *,
    required: bool = False,
    purpose: str = "",
) -> Iterator[Finding]:
    partner_ids = {p.id for p in model.partners}
    if shares is not None and basis is not None:
        yield (*where, f"{name}_basis"), f"give {name} or {name}_basis, not both"
        return
    if shares is not None:
        for pid in shares:
            if pid not in partner_ids:
                yield (*where, name, pid), f"{pid!r} is not a partner"
        total = sum(shares.values())
        if not math.isclose(total, 1.0, abs_tol=SHARE_SUM_TOLERANCE):
            yield (*where, name), f"shares must sum to 1, they sum to {total:.6g}"
    elif basis is not None:
        here = (*where, f"{name}_basis")
        for k, pid in enumerate(basis.partners or []):
            if pid not in partner_ids:
                yield (*here, "partners", k), f"{pid!r} is not a partner"
            elif not any(c.id == basis.in_proportion_to for c in model.partner(pid).costs):
                yield (
                    (*here, "partners", k),
                    f"partner {pid!r} has no cost line {basis.in_proportion_to!r}",
                )
        weights = basis_weights(model, basis)
        if not weights:
            yield (
                (*here, "in_proportion_to"),
                f"no partner has a cost line {basis.in_proportion_to!r}",
            )
        elif sum(weights.values()) <= 0:
            yield (
                (*here, "in_proportion_to"),
                f"the {basis.in_proportion_to!r} baselines sum to 0: no shares to take",
            )
    elif required:
        yield where, f"needs {name} (or {name}_basis) {purpose}".rstrip()


def _optimism(ob: OptimismBias, where: Location) -> Iterator[Finding]:
    if ob.version not in OPTIMISM_BIAS_TABLES:
        yield (
            (*where, "version"),
            f"unknown optimism bias table version {ob.version!r}; known: "
            + ", ".join(sorted(OPTIMISM_BIAS_TABLES)),
        )
        return
    if ob.project_type == "none" and ob.combined is None:
        return
    if (ob.project_type is None) == (ob.combined is None):
        yield where, "give project_type or combined (one of them)"
        return
    try:
        ob.rate()
    except AppraisalError as err:
        key = "project_type" if ob.project_type is not None else "combined"
        yield (*where, key), str(err)


def _service(model: Model, where: Location, inv: Investment) -> Iterator[Finding]:
    link = inv.service
    assert link is not None
    yield from _sources(link, where, set(IpaServiceParameters.model_fields))
    if link.cash_releasing:
        yield from _split(
            model, where, "beneficiaries", link.beneficiaries, link.beneficiaries_basis
        )
    p = link.parameters
    service_start = p.start_year * 12 + p.start_month - 1
    for option in inv.options:
        if option.start_year is None or not is_consistent_year(option.start_year):
            continue
        if year_start(option.start_year) * 12 + 3 < service_start:
            yield (
                (*where, "parameters", "start_year"),
                f"the service model starts ({p.start_year}-{p.start_month:02d}) after option "
                f"{option.id!r} starts (April {year_start(option.start_year)})",
            )
            break


def _amount_findings(
    item: Cost | Benefit, where: Location, start: str | None, case_end: int
) -> Iterator[Finding]:
    yield from _sources(item, where)
    first = item.start_year or start
    for key in ("start_year", "end_year"):
        label = getattr(item, key)
        if label is not None and not is_consistent_year(label):
            yield (*where, key), "the two years must be consecutive, e.g. 2020/21"
            return
    if (
        item.start_year is not None
        and start is not None
        and year_start(item.start_year) < year_start(start)
    ):
        yield (*where, "start_year"), f"starts before the option does ({start})"
    if first is not None and year_start(first) > case_end:
        yield (*where, "start_year"), f"starts after the last year of the case ({case_end})"
    if item.recurrent:
        if isinstance(item.amount, list):
            yield (*where, "amount"), "a recurrent amount is one full-year number, not a list"
        if item.end_year is not None and first is not None and item.end_year < first:
            yield (*where, "end_year"), f"ends before it starts ({first})"
    else:
        for key in ("ramp_up", "end_year"):
            if getattr(item, key) not in (None, []):
                yield (*where, key), f"{key} is only for recurrent amounts (recurrent: true)"
        if item.uplift:
            yield (*where, "uplift"), "uplift is only for recurrent amounts (recurrent: true)"
        if isinstance(item.amount, list) and first is not None:
            last = year_start(first) + len(item.amount) - 1
            if last > case_end:
                yield (
                    (*where, "amount"),
                    f"{len(item.amount)} yearly amounts from {first} run past the last year of "
                    f"the case ({case_end}/{(case_end + 1) % 100:02d})",
                )


def _option(model: Model, where: Location, inv: Investment, option: Option) -> Iterator[Finding]:
    projected = model.years[1:]
    case_years = inv.case_years(model)
    case_end = year_start(case_years[-1])
    needs_start = bool(option.costs or option.benefits)
    if option.start_year is not None:
        if not is_consistent_year(option.start_year):
            yield (*where, "start_year"), "the two years must be consecutive, e.g. 2020/21"
            return
        if option.start_year not in projected:
            yield (
                (*where, "start_year"),
                f"start year {option.start_year} is not on the model's timeline "
                f"({projected[0]} to {projected[-1]})",
            )
    elif needs_start:
        yield (*where, "start_year"), "an option with costs or benefits needs a start_year"
    item_ids: set[str] = set()
    for group in ("costs", "benefits"):
        for k, item in enumerate(getattr(option, group)):
            here = (*where, group, k)
            if item.id in item_ids:
                yield (*here, "id"), f"id {item.id!r} is used twice in option {option.id!r}"
            item_ids.add(item.id)
            yield from _amount_findings(item, here, option.start_year, case_end)
            if isinstance(item, Benefit):
                yield from _benefit(model, here, inv, item)
            elif item.amount is None:
                yield (*here, "amount"), "a cost needs an amount (£k)"
    has_costs = any(c.amount for c in option.costs)
    if option.funders is not None or option.funders_basis is not None:
        yield from _split(model, where, "funders", option.funders, option.funders_basis)
    elif has_costs and inv.funders is None and inv.funders_basis is None:
        yield (*where, "funders"), "an option with costs needs funders (here or on the investment)"
    if option.optimism_bias is not None:
        yield from _optimism(option.optimism_bias, (*where, "optimism_bias"))
    if option.outcome_units is not None and (inv.outcome is None or inv.outcome.service_series):
        yield (
            (*where, "outcome_units"),
            "outcome_units need an investment `outcome:` not taken from the service model",
        )


def _benefit(model: Model, where: Location, inv: Investment, item: Benefit) -> Iterator[Finding]:
    if item.type == BenefitType.unmonetised:
        if item.amount is not None:
            yield (*where, "amount"), "an unmonetised benefit has no amount; describe it instead"
    elif item.amount is None:
        yield (*where, "amount"), f"a {item.type.value} benefit needs an amount (£k)"
    if item.type == BenefitType.cash_releasing:
        yield from _split(
            model, where, "beneficiaries", item.beneficiaries, item.beneficiaries_basis
        )
    elif item.beneficiaries is not None or item.beneficiaries_basis is not None:
        yield (
            (*where, "beneficiaries"),
            "only cash-releasing benefits have beneficiaries (they reduce expenditure)",
        )

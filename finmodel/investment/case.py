"""The whole case of one investment: economic case, financial case and service-model answers.

:func:`appraise_model` appraises one investment of a model (optionally under a scenario) and
returns an :class:`InvestmentCase`:

* **economic case** (:mod:`finmodel.investment.economic`): real £k of the price-base year,
  discounted, every option against do nothing: PV costs, PV benefits, NPSV, BCR, payback year,
  cost per unit of outcome, rank, switching values;
* **financial case** (:class:`FinancialCase`): nominal, undiscounted £k: each funder's cost each
  year, the cash released to each beneficiary, and what selecting each option does to every
  partner's surplus and to the system's variance against its control total (the model projected
  with each option selected in turn);
* **service answers** (SPEC section 6): months to clear the overdue review backlog, when 80% of
  decisions within 28 days is first reached, incomplete referrals over 28 days, caseload and
  package spend, by option.

:meth:`InvestmentCase.to_json` is what ``finmodel appraise --json`` prints.

Example
-------
>>> from finmodel.io.yaml_io import load_model
>>> case = appraise_model(load_model("models/lsc_ics.yaml"))
>>> [row["option"] for row in case.answers()][:2]
['do_nothing', 'business_case']
"""

from __future__ import annotations

import math
from dataclasses import dataclass, replace
from typing import Any

import numpy as np

from finmodel.domain.model import Model
from finmodel.domain.validation import apply_scenario
from finmodel.engine.inputs import compile_model
from finmodel.engine.projection import project_arrays
from finmodel.errors import InputError, Problem
from finmodel.investment.economic import EconomicCase, economic_case
from finmodel.investment.effects import expenditure_by_option
from finmodel.investment.least_cost import least_cost_view
from finmodel.investment.streams import FloatArray, InvestmentStreams, compile_investment
from finmodel.service.headlines import describe_course
from finmodel.service.ipa_results import NEVER

#: Series of the service model reported by financial year.
SERVICE_YEAR_SERIES = (
    "overdue_backlog",
    "incomplete_over_28_days",
    "queue",
    "assessments",
    "reviews_done",
    "caseload",
    "package_spend",
    "cash_released",
    "fte",
)


@dataclass(frozen=True)
class FinancialCase:
    """Nominal, undiscounted money of every option, incremental to do nothing (£k)."""

    years: tuple[str, ...]
    """Years of the money tables: the first projected year to the end of the case."""
    partner_ids: tuple[str, ...]
    """Partner ids (the ``P`` axis)."""
    partner_names: tuple[str, ...]
    """Partner names."""
    involved: tuple[int, ...]
    """Indices of the partners that fund or benefit under some option."""
    cost: FloatArray
    """Each partner's share of each option's costs ``(options, partners, years)``."""
    cash_released: FloatArray
    """Each partner's share of the cash each option releases ``(options, partners, years)``."""
    cash_effects: dict[str, FloatArray]
    """The service model's other cash effects (package spend of eligibility decided sooner,
    the retrospective liability for those waiting past 28 days, council care while they wait),
    each partner's share ``(options, partners, years)``, extra expenditure (+)."""
    model_years: tuple[str, ...]
    """The model's projected years."""
    surplus_change: FloatArray
    """Change in each partner's surplus from selecting each option ``(options, partners,
    projected years)``; equals ``-(cost - cash released)`` on those years."""
    system_surplus: FloatArray
    """System surplus with each option selected ``(options, projected years)``."""
    system_variance: FloatArray
    """System variance against its control total with each option selected."""
    system_variance_change: FloatArray
    """Change in the system variance against do nothing ``(options, projected years)``."""

    @property
    def net_cost(self) -> FloatArray:
        """Cost less cash released plus the other cash effects ``(options, partners, years)``:
        exactly what selecting the option lays over the projection."""
        total = self.cost - self.cash_released
        for values in self.cash_effects.values():
            total = total + values
        return total


@dataclass(frozen=True)
class InvestmentCase:
    """The economic case, financial case and service answers of one investment."""

    model: Model
    """The model appraised (scenario applied)."""
    scenario: str | None
    """The scenario applied, if any."""
    streams: InvestmentStreams
    """The compiled money streams and service run."""
    economic: EconomicCase
    """The Green Book appraisal."""
    financial: FinancialCase
    """The financial case."""

    @property
    def option_ids(self) -> tuple[str, ...]:
        """Option ids in order."""
        return self.streams.option_ids

    @property
    def preferred(self) -> int:
        """Index of the option with the highest NPSV (do nothing when none beats it)."""
        return int(self.economic.appraisal.preferred)

    @property
    def focus(self) -> int:
        """The option the per-funder tables show: the selected option when it is not do
        nothing, else the switching-value option (preferred, or best other than do nothing)."""
        s = self.streams
        if s.selected != s.baseline:
            return s.selected
        return self.economic.switching_option if self.economic.switching_option is not None else 0

    def first_full_year_index(self, option: int) -> int | None:
        """Index in :attr:`FinancialCase.years` of an option's first full year, or None."""
        label = self.streams.first_full_years[option]
        return self.financial.years.index(label) if label in self.financial.years else None

    def answers(self) -> list[dict[str, Any]]:
        """One row per option: the headline answers a board asks for (see the README table)."""
        s, a, f = self.streams, self.economic.appraisal, self.financial
        service = _service_answers(self)
        rows = []
        for o, option in enumerate(s.option_ids):
            year = self.first_full_year_index(o)
            row: dict[str, Any] = {
                "option": option,
                "name": s.option_names[o],
                "investment_k_a_year": float(s.service_investment_k[o]),
                "npsv": float(a.npsv[o]),
                "bcr": _num(a.bcr[o]),
                "rank": int(a.rank[o]),
                "first_full_year": f.years[year] if year is not None else None,
                "cost_to_funders_first_full_year": {
                    s.partner_ids[p]: (float(f.cost[o, p, year]) if year is not None else 0.0)
                    for p in f.involved
                    if np.any(s.funder_shares[:, p] != 0)
                },
            }
            row.update(service[o] if service else {})
            rows.append(row)
        return rows

    def to_json(self) -> dict[str, Any]:
        """Everything, as JSON-ready values (money in £k; null for not applicable)."""
        s, e, f = self.streams, self.economic, self.financial
        inv = s.investment
        rows = e.appraisal.as_rows()
        b = s.baseline
        options_json = []
        for o, row in enumerate(rows):
            options_json.append(
                {
                    **row,
                    "name": s.option_names[o],
                    "payback_year": None if o == b else e.payback_label(o),
                    "pv_costs_by_stream": {k: float(v[o]) for k, v in e.pv_costs.items()},
                    "pv_benefits_by_stream": {k: float(v[o]) for k, v in e.pv_benefits.items()},
                    "optimism_bias": {k: float(v[o]) for k, v in e.optimism_bias.items()},
                }
            )
        involved = [s.partner_ids[p] for p in f.involved]
        financial_options = {}
        for o, option in enumerate(s.option_ids):
            financial_options[option] = {
                "cost": {s.partner_ids[p]: _list(f.cost[o, p]) for p in f.involved},
                "cash_released": {
                    s.partner_ids[p]: _list(f.cash_released[o, p]) for p in f.involved
                },
                **{
                    key: {
                        s.partner_ids[p]: _list(values[o, p])
                        for p in f.involved
                        if np.any(values[:, p] != 0)
                    }
                    for key, values in f.cash_effects.items()
                },
                "net_cost": {s.partner_ids[p]: _list(f.net_cost[o, p]) for p in f.involved},
                "total_net_cost": _list(f.net_cost[o].sum(axis=0)),
                "surplus_change": {
                    s.partner_ids[p]: _list(f.surplus_change[o, p]) for p in f.involved
                },
                "system_surplus": _list(f.system_surplus[o]),
                "system_variance": _list(f.system_variance[o]),
                "system_variance_change": _list(f.system_variance_change[o]),
            }
        switching = None
        if e.switching_option is not None:
            switching = {
                "option": s.option_ids[e.switching_option],
                "streams": [
                    {
                        "stream": v.stream,
                        "kind": v.kind,
                        "present_value": v.present_value,
                        "switching_value": v.switching_value,
                    }
                    for v in e.switching
                ],
            }
        return {
            "investment": s.investment_id,
            "name": inv.name or s.investment_id,
            "scenario": self.scenario,
            "units": "gbp_thousands",
            "options": [
                {"id": i, "name": n} for i, n in zip(s.option_ids, s.option_names, strict=True)
            ],
            "do_nothing": s.option_ids[b],
            "selected": s.option_ids[s.selected],
            "preferred": s.option_ids[self.preferred],
            "answers": self.answers(),
            "economic_case": {
                "prices": f"real, {e.price_base_year} prices",
                "price_base_year": e.price_base_year,
                "years": list(e.years),
                "discount": {
                    "schedule": e.schedule,
                    "version": e.discount_version,
                    "mid_year": e.mid_year,
                },
                "deflator_version": getattr(e.deflator_version, "version", e.deflator_version),
                "discount_factors": _list(e.discount_factors),
                "real_factor": _list(e.real_factor),
                "outcome": s.outcome_name,
                "options": options_json,
                "switching_values": switching,
                "unmonetised_benefits": [
                    {"option": o, "name": n, "description": d} for o, n, d in s.unmonetised
                ],
            },
            "financial_case": {
                "prices": "nominal (cash), undiscounted",
                "years": list(f.years),
                "model_years": list(f.model_years),
                "partners": involved,
                "options": financial_options,
            },
            "service": _service_json(self),
            "least_cost": least_cost_view(self),
        }


def _num(value: Any) -> float | None:
    number = float(value)
    return None if math.isnan(number) else number


def _list(values: Any) -> list[float | None]:
    return [_num(v) for v in np.asarray(values, dtype=float).tolist()]


def _month_label(case: InvestmentCase, index: int) -> str | None:
    service = case.streams.service
    if service is None or index == NEVER:
        return None
    return service.month_labels[index]


def _service_answers(case: InvestmentCase) -> list[dict[str, Any]]:
    service = case.streams.service
    if service is None:
        return []
    clear = service.months_to_clear_backlog()
    first = service.first_month_meeting_standard()
    first_year = service.first_year_meeting_standard()
    annual = service.annual(("incomplete_over_28_days", "overdue_backlog", "assessments",
                             "decisions_within_28_days"))  # fmt: skip
    extra_fte = service.extra_fte_profile().max(axis=-1, initial=0.0)  # the most in post
    headlines = service.headlines()
    rows = []
    for o in range(len(case.option_ids)):
        months = int(clear[o])
        courses = {}
        for name, (course, at_end) in headlines.items():
            first_m, kept, lost = (
                int(course.first_reached[o]),
                int(course.sustained_from[o]),
                int(course.lost_in[o]),
            )
            value = float(at_end[o])
            shown = f"{value:.1%}" if name == "standard_28_days" else f"{value:,.0f}"
            courses[name] = {
                "first_reached": _month_label(case, first_m),
                "sustained_from": _month_label(case, kept),
                "lost_in": _month_label(case, lost),
                "at_end": value,
                "text": describe_course(first_m, kept, lost, service.month_labels, shown),
            }
        rows.append(
            {
                "standard_28_days": courses["standard_28_days"],
                "backlog_cleared": courses["backlog_cleared"],
                "extra_fte": float(extra_fte[o]),
                "months_to_clear_backlog": None if months == NEVER else months,
                "backlog_cleared_in": _month_label(case, max(months - 1, 0))
                if months != NEVER
                else None,
                "first_month_meeting_standard": _month_label(case, int(first[o])),
                "first_year_meeting_standard": None
                if int(first_year[o]) == NEVER
                else annual.years[int(first_year[o])],
                "incomplete_over_28_days_by_year": dict(
                    zip(
                        annual.years,
                        _list(annual.values["incomplete_over_28_days"][o]),
                        strict=True,
                    )
                ),
                "overdue_backlog_by_year": dict(
                    zip(annual.years, _list(annual.values["overdue_backlog"][o]), strict=True)
                ),
            }
        )
    return rows


def _service_json(case: InvestmentCase) -> dict[str, Any] | None:
    service = case.streams.service
    if service is None:
        return None
    annual = service.annual((*SERVICE_YEAR_SERIES, "decisions_within_28_days"))
    return {
        "model": "ipa_chc",
        "start": service.month_labels[0],
        "end": service.month_labels[-1],
        "months": service.months,
        "years": list(annual.years),
        "months_in_year": list(annual.months_in_year),
        "note": (
            "flows are totals in the year, stocks at the year's last month; months to clear the "
            "backlog count from the start month"
        ),
        "options": {
            option: {
                "share_within_28_days": _list(annual.share_within_28_days[o]),
                **{name: _list(annual.values[name][o]) for name in SERVICE_YEAR_SERIES},
            }
            for o, option in enumerate(case.option_ids)
        },
    }


def financial_case(model: Model, streams: InvestmentStreams) -> FinancialCase:
    """The financial case: nominal money by partner and the projection under each option."""
    n_model = len(model.years)
    surplus, system_surplus, system_variance = [], [], []
    # the model compiled once: selecting an option changes only the investments' net costs
    # laid over it (as finmodel.project does after setting the option and compiling again)
    inputs = compile_model(model)
    for extra in expenditure_by_option(model, streams):
        arrays = project_arrays(
            inputs if extra is None else replace(inputs, investment_expenditure=extra)
        )
        surplus.append(arrays.surplus[:, 1:])
        system_surplus.append(arrays.system_surplus[1:])
        system_variance.append(arrays.system_variance[1:])
    surplus_arr = np.asarray(surplus)
    variance = np.asarray(system_variance)
    b = streams.baseline
    cost = streams.costs_by_partner()[:, :, 1:]
    cash = streams.cash_released_by_partner()[:, :, 1:]
    effects = {
        key: (streams.cash_effects[key][:, None, :] * shares[:, :, None])[:, :, 1:]
        for key, shares in streams.cash_effect_shares.items()
    }
    shares = sum(
        (
            np.abs(v).sum(axis=0)
            for v in (
                streams.funder_shares,
                *streams.benefit_shares.values(),
                *streams.cash_effect_shares.values(),
            )
        ),
        np.zeros(len(streams.partner_ids)),
    )
    return FinancialCase(
        years=streams.years[1:],
        partner_ids=streams.partner_ids,
        partner_names=tuple(p.name for p in model.partners),
        involved=tuple(int(p) for p in np.flatnonzero(shares > 0)),
        cost=cost,
        cash_released=cash,
        cash_effects=effects,
        model_years=tuple(model.years[1:n_model]),
        surplus_change=surplus_arr - surplus_arr[b],
        system_surplus=np.asarray(system_surplus),
        system_variance=variance,
        system_variance_change=variance - variance[b],
    )


def appraise_model(
    model: Model, investment: str | None = None, scenario: str | None = None
) -> InvestmentCase:
    """Appraise one investment of a model (default: its first) under a scenario (default none).

    Raises :class:`~finmodel.errors.InputError` (exit status 2) when the model has no investment
    or the id is unknown, and :class:`~finmodel.errors.ScenarioError` for an unknown scenario.
    """
    applied = apply_scenario(model, scenario)
    if not applied.investments:
        raise InputError(
            [Problem(model.origin, "investments", "the model has no investment cases")]
        )
    investment_id = investment if investment is not None else next(iter(applied.investments))
    streams = compile_investment(applied, investment_id)
    return InvestmentCase(
        model=applied,
        scenario=scenario,
        streams=streams,
        economic=economic_case(streams),
        financial=financial_case(applied, streams),
    )

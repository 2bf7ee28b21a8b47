"""An investment case compiled into money streams by option and year, with its service model.

:func:`compile_investment` reads one investment of a validated model and returns
:class:`InvestmentStreams`: every cost and benefit stream as nominal (cash) £k shaped
``(..., options, years)`` over the *case years* (the model's base year to the later of the
model's last year and the appraisal's last year), the funders' and beneficiaries' shares
``(options, partners)``, and the linked service model's run. Leading dimensions ``...`` are
Monte Carlo draws of the service model's parameters (``service_overrides``); without them the
streams are ``(options, years)``.

Sign conventions: costs and benefits are positive amounts; a partner's *net cost* is its share
of the option's costs minus its share of the cash the option releases. Everything a partner
sees in the projection is *incremental to do nothing*: the do-nothing option's own costs and
the cash its reviews release are business as usual, already in the partners' cost lines.

The service model (SPEC section 6) runs once for every option (and draw) at once. Money buys
capacity exactly: every cost that buys staff (recurrent revenue, or non-recurrent revenue with
``team_months``) is a block of :class:`~finmodel.service.ipa_results.Funding` buying
``amount / cost_per_fte_k`` posts from April of its start year (staff arriving after the
recruitment lag) until its money stops (the end of ``end_year``, or after ``team_months``), and
the **cost stream is what the service model charges**: staff in post, at pay growing with
``pay_growth`` (nominal), not the amount typed in. The cash its reviews release, summed by
financial year, is the cash-releasing stream ``service_cash_released``.

Example
-------
>>> from finmodel.io.yaml_io import load_model
>>> s = compile_investment(load_model("models/lsc_ics.yaml"), "ipa_uplift")
>>> s.option_ids[:2], s.total_costs().shape == (len(s.option_ids), len(s.years))
(('do_nothing', 'business_case'), True)
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

import numpy as np
import numpy.typing as npt

from finmodel.appraisal.discounting import discount_factors
from finmodel.domain.investments import (
    BenefitType,
    CostKind,
    Investment,
    Option,
    amounts_by_year,
    benefit_beneficiaries,
    first_full_year,
    option_funders,
    option_optimism_bias,
    recurrent_revenue,
    resolve_shares,
)
from finmodel.domain.model import Model
from finmodel.errors import InputError, Problem
from finmodel.investment.service_benefits import (
    BENEFIT_NAMES,
    BENEFIT_TYPES,
    CASH_EFFECT_NAMES,
    HEALTH_STREAMS,
    service_streams,
    service_sums,
    uniform_rate,
)
from finmodel.service.ipa import RECORDED_SERIES, IpaServiceParameters, simulate_ipa_service
from finmodel.service.ipa_results import (
    STAFF_COST,
    Funding,
    IpaServiceResult,
    financial_year_of,
)

FloatArray = npt.NDArray[np.float64]

#: Name of the cash-releasing stream taken from the service model.
SERVICE_STREAM = "service_cash_released"
#: Readable name of that stream.
SERVICE_STREAM_NAME = "Cash released by reviews (service model)"
#: The cost stream carrying the risk register's expected cost (economic case only).
RISK_STREAM = "risk_register"
#: Its readable name.
RISK_NAME = "Risk register (expected cost)"


@dataclass(frozen=True)
class InvestmentStreams:
    """One investment's options as money streams by year (nominal £k), shares and service run."""

    investment_id: str
    """The investment's id in the model."""
    investment: Investment
    """The investment as written."""
    years: tuple[str, ...]
    """Case years: the model's base year to the later of its last year and the appraisal's."""
    n_model_years: int
    """How many of ``years`` are the model's timeline (``T``, base year included)."""
    appraisal_years: tuple[str, ...]
    """The appraisal years, year 0 first (a run of ``years``)."""
    appraisal_offset: int
    """Index in ``years`` of appraisal year 0."""
    option_ids: tuple[str, ...]
    """Option ids in order."""
    option_names: tuple[str, ...]
    """Option names (the id where none is given)."""
    baseline: int
    """Index of do nothing."""
    selected: int
    """Index of the option laid over the projection."""
    partner_ids: tuple[str, ...]
    """Partner ids in model order (the ``P`` axis of the shares)."""
    costs: dict[str, FloatArray]
    """Cost stream id -> nominal £k ``(options, years)`` (no optimism bias)."""
    cost_kinds: dict[str, CostKind]
    """Cost stream id -> capital or revenue."""
    cost_names: dict[str, str]
    """Cost stream id -> readable name."""
    optimism_bias: dict[str, FloatArray]
    """Cost stream id -> optimism-bias rate of each option ``(options,)`` (0 where none)."""
    benefits: dict[str, FloatArray]
    """Monetised benefit stream id -> nominal £k ``(..., options, years)``."""
    benefit_types: dict[str, BenefitType]
    """Benefit stream id -> its type."""
    benefit_names: dict[str, str]
    """Benefit stream id -> readable name."""
    funder_shares: FloatArray
    """Share of each option's costs borne by each partner ``(options, partners)``."""
    benefit_shares: dict[str, FloatArray]
    """Cash-releasing stream id -> share of it each partner receives ``(options, partners)``."""
    outcomes: FloatArray | None
    """Units of outcome by year ``(..., options, years)``, or None."""
    outcome_name: str | None
    """What one unit of outcome is."""
    unmonetised: tuple[tuple[str, str, str], ...]
    """Unmonetised benefits: (option id, name, description)."""
    service: IpaServiceResult | None
    """The service model's run, batch ``(..., options)``, or None."""
    service_investment_k: FloatArray
    """Recurrent investment buying service capacity, £k a year ``(options,)``."""
    first_full_years: tuple[str | None, ...]
    """Each option's first year with its recurrent costs at their full amount (None: no start)."""
    cash_effects: dict[str, FloatArray] = field(default_factory=dict)
    """Cash effects of the service model beyond costs and benefits, incremental to do nothing:
    extra expenditure (+) nominal £k ``(..., options, years)`` (see
    :mod:`finmodel.investment.service_benefits`); transfers, so not in the economic case."""
    cash_effect_shares: dict[str, FloatArray] = field(default_factory=dict)
    """Cash effect -> share of it each partner bears ``(options, partners)``."""
    cash_effect_names: dict[str, str] = field(default_factory=dict)
    """Cash effect -> readable name."""
    economic_only: frozenset[str] = frozenset()
    """Cost streams in the economic case only (the risk register's expected cost): left out of
    :meth:`total_costs` and so of the financial case and the projection."""
    benefit_factors: dict[str, FloatArray] = field(default_factory=dict)
    """Benefit stream -> the factor ``(options, years)`` already applied to it: ``1 -
    benefit_shortfall`` (optimism bias on benefits) and, for QALY streams, ``DF_health / DF`` on
    the appraisal years (so the case's one schedule discounts them at the health rates)."""

    @property
    def risk_costs(self) -> FloatArray | None:
        """Expected cost of the risk register, nominal £k ``(..., options, years)``, or None."""
        return self.costs.get(RISK_STREAM)

    @property
    def appraisal_slice(self) -> slice:
        """The appraisal years within ``years``."""
        return slice(self.appraisal_offset, self.appraisal_offset + len(self.appraisal_years))

    def total_costs(self) -> FloatArray:
        """Every cost stream summed (the economic-only ones left out), nominal £k ``(options,
        years)``: what the funders pay."""
        return _sum(
            (v for k, v in self.costs.items() if k not in self.economic_only),
            (len(self.option_ids), len(self.years)),
        )

    def cash_releasing(self) -> FloatArray:
        """Cash-releasing benefits summed, nominal £k ``(..., options, years)``."""
        streams = [
            v
            for k, v in self.benefits.items()
            if self.benefit_types[k] == BenefitType.cash_releasing
        ]
        return _sum(streams, (len(self.option_ids), len(self.years)))

    def costs_by_partner(self) -> FloatArray:
        """Each partner's share of each option's costs, less its share under do nothing,
        nominal £k ``(options, partners, years)``."""
        by_partner = self.total_costs()[..., :, None, :] * self.funder_shares[:, :, None]
        return by_partner - by_partner[..., self.baseline : self.baseline + 1, :, :]

    def cash_released_by_partner(self) -> FloatArray:
        """Each partner's share of each option's cash-releasing benefits, less do nothing's,
        nominal £k ``(..., options, partners, years)``."""
        shape = (len(self.option_ids), len(self.partner_ids), len(self.years))
        total: FloatArray = np.zeros(shape)
        for key, shares in self.benefit_shares.items():
            total = total + self.benefits[key][..., :, None, :] * shares[:, :, None]
        return total - total[..., self.baseline : self.baseline + 1, :, :]

    def cash_effects_by_partner(self) -> FloatArray:
        """Each partner's share of the service model's cash effects (package spend sooner,
        retrospective liability, council care), incremental to do nothing, nominal £k
        ``(..., options, partners, years)``."""
        total: FloatArray = np.zeros((len(self.option_ids), len(self.partner_ids), len(self.years)))
        for key, shares in self.cash_effect_shares.items():
            total = total + self.cash_effects[key][..., :, None, :] * shares[:, :, None]
        return total

    def net_of(self, option: int) -> FloatArray:
        """:meth:`net_by_partner` of one option, ``(..., partners, years)``, computed for it alone
        (the Monte Carlo path needs only the selected option)."""
        b = self.baseline
        costs = self.total_costs()
        total = (
            costs[..., option, None, :] * self.funder_shares[option, :, None]
            - costs[..., b, None, :] * self.funder_shares[b, :, None]
        )
        for key, shares in self.benefit_shares.items():
            values = self.benefits[key]
            total = total - (
                values[..., option, None, :] * shares[option, :, None]
                - values[..., b, None, :] * shares[b, :, None]
            )
        for key, shares in self.cash_effect_shares.items():
            total = total + self.cash_effects[key][..., option, None, :] * shares[option, :, None]
        return np.asarray(total)

    def net_by_partner(self) -> FloatArray:
        """Net cost to each partner (costs minus cash released plus the service model's cash
        effects), incremental to do nothing, nominal £k ``(..., options, partners, years)``: the
        extra expenditure (+) net of cash released (-) that selecting the option lays over the
        projection."""
        return (
            self.costs_by_partner()
            - self.cash_released_by_partner()
            + self.cash_effects_by_partner()
        )


def _sum(arrays: Iterable[FloatArray], shape: tuple[int, ...]) -> FloatArray:
    total: FloatArray = np.zeros(shape)
    for value in arrays:
        total = total + value
    return total


def _shares(partner_ids: list[str], shares: Mapping[str, float] | None) -> FloatArray:
    vector = np.zeros(len(partner_ids))
    for pid, share in (shares or {}).items():
        vector[partner_ids.index(pid)] = share
    return vector


def service_months(model: Model, investment: Investment, years: list[str]) -> tuple[int, list[int]]:
    """Months the service model runs (to the end of the last case year, or its own horizon if
    longer) and each option's investment start month (April of its start year)."""
    assert investment.service is not None
    p = investment.service.parameters
    start = p.start_year * 12 + p.start_month - 1
    end = (int(years[-1][:4]) + 1) * 12 + 2  # March after the last case year starts
    starts = [
        max(int(o.start_year[:4]) * 12 + 3 - start, 0) if o.start_year else 0
        for o in investment.options
    ]
    return max(p.horizon_months, end - start + 1), starts


def capacity_costs(investment: Investment) -> list[str]:
    """Ids of the costs that buy the service model's staff, in order of first appearance."""
    ids: list[str] = []
    for option in investment.options:
        for cost in option.costs:
            if cost.buys_capacity() and cost.id not in ids:
                ids.append(cost.id)
    return ids


def service_funding(investment: Investment, months: int) -> list[Funding]:
    """One :class:`Funding` block per cost that buys staff (see :func:`capacity_costs`), with
    arrays over the options: £k a year, first month (April of its start year) and the month
    the money stops (April after ``end_year``, or ``team_months`` later; never by default)."""
    assert investment.service is not None
    p = investment.service.parameters
    first = p.start_year * 12 + p.start_month - 1
    blocks = []
    for cost_id in capacity_costs(investment):
        amount, start, end = (np.zeros(len(investment.options)) for _ in range(3))
        end[:] = months + 1
        interim = False
        for o, option in enumerate(investment.options):
            for cost in option.costs:
                if cost.id != cost_id or not cost.buys_capacity():
                    continue
                label = cost.start_year or option.start_year
                begin = max(int(label[:4]) * 12 + 3 - first, 0) if label else 0
                amount[o], start[o], interim = cost.team_amount_k(), begin, cost.interim
                if cost.team_months is not None and not cost.recurrent:
                    end[o] = begin + cost.team_months
                elif cost.end_year is not None:
                    end[o] = max((int(cost.end_year[:4]) + 1) * 12 + 3 - first, 0)
        blocks.append(Funding(amount, start.astype(np.int64), end.astype(np.int64), interim))
    return blocks


def run_service(
    model: Model,
    investment: Investment,
    years: list[str],
    overrides: Mapping[str, npt.ArrayLike] | None = None,
    record: tuple[str, ...] | None = None,
    summaries: bool = False,
) -> IpaServiceResult:
    """Run the investment's service model for every option (and draw).

    ``overrides`` maps service parameters to one value per draw ``(D,)`` (or per draw and option
    ``(D, options)``); the result's batch is then ``(D, options)``. The result's funding blocks
    are a zero recurrent block followed by :func:`service_funding`'s, one per cost that buys
    staff (block ``1 + k`` is ``capacity_costs(investment)[k]``). ``summaries`` asks the run for
    the yearly sums and headline months the streams read
    (:func:`~finmodel.investment.service_benefits.service_sums`), keeping only the series in
    ``record`` (the Monte Carlo path: the same numbers, without writing every month out).
    """
    assert investment.service is not None
    months, starts = service_months(model, investment, years)
    params = investment.service.parameters.model_copy(update={"horizon_months": months})
    shaped = {
        name: (np.asarray(v, dtype=float)[:, None] if np.ndim(v) == 1 else np.asarray(v))
        for name, v in (overrides or {}).items()
    }
    sums: list[tuple[str, FloatArray]] = []
    if summaries:
        growth = shaped.get("package_cost_growth", params.package_cost_growth)
        by_year = year_matrix(params, years)
        sums = service_sums(investment, by_year, months, growth)
        if uniform_rate(growth) is None:  # package prices by draw: summed from the series
            record = tuple({*(record or ()), "caseload", "incomplete_over_28_days"})
        if not params.budget_held:  # the staff each block of money buys, charged by year
            blocks = len(capacity_costs(investment))
            sums += [(f"{STAFF_COST}{1 + k}", by_year) for k in range(blocks)]
    return simulate_ipa_service(
        params,
        np.zeros(len(investment.options)),
        overrides=shaped,
        investment_start=np.asarray(starts),
        record=record,
        funding=service_funding(investment, months),
        sums=sums,
        first_months=summaries,
    )


def year_matrix(params: IpaServiceParameters, years: tuple[str, ...] | list[str]) -> FloatArray:
    """:func:`service_by_year` before the run: a (months, years) matrix summing the months of
    a service model with these parameters into the given financial years."""
    labels = list(years)
    start = params.start_year * 12 + params.start_month - 1
    matrix = np.zeros((params.horizon_months, len(labels)))
    for m in range(params.horizon_months):
        fy = financial_year_of((start + m) // 12, (start + m) % 12 + 1)
        if fy in labels:
            matrix[m, labels.index(fy)] = 1.0
    return matrix


def service_by_year(result: IpaServiceResult, years: tuple[str, ...] | list[str]) -> FloatArray:
    """A (months, years) matrix summing a monthly flow into the given financial years."""
    labels = list(years)
    matrix = np.zeros((result.months, len(labels)))
    for m, fy in enumerate(result.financial_years):
        if fy in labels:
            matrix[m, labels.index(fy)] = 1.0
    return matrix


def compile_investment(
    model: Model,
    investment_id: str,
    *,
    service_overrides: Mapping[str, npt.ArrayLike] | None = None,
    record: tuple[str, ...] | None = None,
    summaries: bool = False,
) -> InvestmentStreams:
    """Compile one investment of a validated model into :class:`InvestmentStreams`.

    ``service_overrides`` gives draws of the service model's numeric parameters (see
    :func:`run_service`); ``record`` limits the service series kept (default all);
    ``summaries`` has the service run sum what the streams need as it goes (see
    :func:`run_service`; then ``record`` may be empty).
    Raises :class:`~finmodel.errors.InputError` for an unknown investment id.
    """
    try:
        inv = model.investments[investment_id]
    except KeyError:
        known = ", ".join(model.investments) or "none"
        raise InputError(
            [Problem(model.origin, "--investment", f"no investment {investment_id!r} ({known})")]
        ) from None
    years = inv.case_years(model)
    appraisal = inv.appraisal_years(model)
    overrides = dict(service_overrides or {})
    risk_probabilities = {
        key.split(".")[1]: np.asarray(overrides.pop(key), dtype=float)
        for key in list(overrides)
        if key.startswith("risks.")
    }
    service_overrides = overrides
    partner_ids = [p.id for p in model.partners]
    n_options, n_years = len(inv.options), len(years)

    costs: dict[str, FloatArray] = {}
    kinds: dict[str, CostKind] = {}
    cost_names: dict[str, str] = {}
    ob: dict[str, FloatArray] = {}
    benefits: dict[str, FloatArray] = {}
    types: dict[str, BenefitType] = {}
    benefit_names: dict[str, str] = {}
    benefit_shares: dict[str, FloatArray] = {}
    unmonetised: list[tuple[str, str, str]] = []
    funders = np.zeros((n_options, len(partner_ids)))
    for o, option in enumerate(inv.options):
        funders[o] = _shares(partner_ids, option_funders(model, inv, option))
        bias = option_optimism_bias(inv, option)
        for cost in option.costs:
            start = option.start_year or years[1]
            costs.setdefault(cost.id, np.zeros((n_options, n_years)))
            if inv.service is None or not cost.buys_capacity():  # else: the staff charged
                costs[cost.id][o] += amounts_by_year(cost, start, years)
            kinds.setdefault(cost.id, cost.kind)
            cost_names.setdefault(cost.id, cost.name or cost.id)
            rate = bias.rate() if bias is not None and cost.kind in bias.applies_to else 0.0
            ob.setdefault(cost.id, np.zeros(n_options))[o] = rate
        for benefit in option.benefits:
            if benefit.type == BenefitType.unmonetised:
                unmonetised.append(
                    (option.id, benefit.name or benefit.id, benefit.description or "")
                )
                continue
            key = benefit.id
            benefits.setdefault(key, np.zeros((n_options, n_years)))[o] += amounts_by_year(
                benefit, option.start_year or years[1], years
            )
            types.setdefault(key, benefit.type)
            benefit_names.setdefault(key, benefit.name or key)
            if benefit.type == BenefitType.cash_releasing:
                shares = benefit_beneficiaries(
                    model, inv, option, benefit.beneficiaries, benefit.beneficiaries_basis
                )
                benefit_shares.setdefault(key, np.zeros((n_options, len(partner_ids))))[o] = (
                    _shares(partner_ids, shares)
                )

    service = None
    cash_effects: dict[str, FloatArray] = {}
    cash_effect_shares: dict[str, FloatArray] = {}
    cash_effect_names: dict[str, str] = {}
    if inv.service is not None:
        service = run_service(model, inv, years, service_overrides, record, summaries)
        matrix = service_by_year(service, years)
        for k, cost_id in enumerate(capacity_costs(inv)):
            charged = service.sum_months(f"{STAFF_COST}{1 + k}", matrix)
            costs[cost_id] = (
                costs[cost_id] + charged.reshape(charged.shape[-2:])
                if (charged.ndim > 2 and charged.shape[:-2] == (1,) * (charged.ndim - 2))
                else costs[cost_id] + charged
            )
        link = inv.service
        extra = service_streams(inv, service, years, matrix, inv.base_price_year(model))
        if link.benefits_register:
            for key, values in extra.benefits.items():
                benefits[key] = values
                types[key] = BENEFIT_TYPES[key]
                benefit_names[key] = BENEFIT_NAMES[key]
            benefit_shares["avoided_retrospective"] = _beneficiaries(model, inv, partner_ids)
        if link.cash_effects:
            funders_by_option = funders.copy()
            councils = (
                _shares(partner_ids, resolve_shares(model, None, link.council_basis))
                if link.council_basis is not None
                else None
            )
            for key, values in extra.cash_effects.items():
                if key == "council_care":
                    if councils is None:
                        continue
                    shares_o = np.broadcast_to(councils, funders.shape).copy()
                else:
                    shares_o = funders_by_option
                cash_effects[key] = values
                cash_effect_shares[key] = shares_o
                cash_effect_names[key] = CASH_EFFECT_NAMES[key]
        if inv.service.cash_releasing:
            benefits[SERVICE_STREAM] = service.sum_months("cash_released", matrix)
            types[SERVICE_STREAM] = BenefitType.cash_releasing
            benefit_names[SERVICE_STREAM] = SERVICE_STREAM_NAME
            benefit_shares[SERVICE_STREAM] = _beneficiaries(model, inv, partner_ids)

    outcomes = _outcomes(inv, years, service)
    risks = risk_register(
        inv, years, _sum(costs.values(), (n_options, n_years)), risk_probabilities
    )
    if risks is not None:
        costs[RISK_STREAM] = risks
        kinds[RISK_STREAM] = CostKind.revenue
        cost_names[RISK_STREAM] = RISK_NAME
        ob[RISK_STREAM] = np.zeros(n_options)
    factors = _benefit_factors(inv, benefits, years, years.index(appraisal[0]), len(appraisal))
    benefits = {k: v * factors[k] for k, v in benefits.items()}
    return InvestmentStreams(
        investment_id=investment_id,
        investment=inv,
        years=tuple(years),
        n_model_years=len(model.years),
        appraisal_years=tuple(appraisal),
        appraisal_offset=years.index(appraisal[0]),
        option_ids=tuple(inv.option_ids()),
        option_names=tuple(o.name or o.id for o in inv.options),
        baseline=inv.baseline_index(),
        selected=inv.selected_index(),
        partner_ids=tuple(partner_ids),
        costs=costs,
        cost_kinds=kinds,
        cost_names=cost_names,
        optimism_bias=ob,
        benefits=benefits,
        benefit_types=types,
        benefit_names=benefit_names,
        funder_shares=funders,
        benefit_shares=benefit_shares,
        outcomes=outcomes,
        outcome_name=inv.outcome.name if inv.outcome is not None else None,
        unmonetised=tuple(unmonetised),
        service=service,
        service_investment_k=np.asarray([recurrent_revenue(o) for o in inv.options]),
        first_full_years=tuple(first_full_year(o) for o in inv.options),
        cash_effects=cash_effects,
        cash_effect_shares=cash_effect_shares,
        cash_effect_names=cash_effect_names,
        economic_only=frozenset({RISK_STREAM} if risks is not None else set()),
        benefit_factors=factors,
    )


def _benefit_factors(
    inv: Investment, benefits: Mapping[str, FloatArray], years: list[str], first: int, n: int
) -> dict[str, FloatArray]:
    """The factor applied to each benefit stream ``(options, years)``: ``1 - benefit_shortfall``
    of each option, times ``DF_health / DF`` on the appraisal years for QALY streams."""
    shortfall = np.asarray(
        [
            (b.benefit_shortfall if (b := option_optimism_bias(inv, o)) is not None else 0.0)
            for o in inv.options
        ]
    )
    base = np.broadcast_to((1.0 - shortfall)[:, None], (len(inv.options), len(years)))
    d = inv.discount
    ratio = np.ones(len(years))
    ratio[first : first + n] = discount_factors(
        n - 1, "health", d.mid_year, d.version
    ) / discount_factors(n - 1, d.schedule, d.mid_year, d.version)
    return {k: base * (ratio if k in HEALTH_STREAMS else 1.0) for k in benefits}


def risk_register(
    inv: Investment,
    years: list[str],
    costs: FloatArray,
    probabilities: Mapping[str, FloatArray] | None = None,
) -> FloatArray | None:
    """Expected cost of every risk, nominal £k ``(..., options, years)``: probability x (impact +
    share of the option's costs ``costs`` ``(..., options, years)``) in each of its years, for the
    options it names (default every option but do nothing). None when there is no risk.
    ``probabilities`` gives draws ``(D,)`` of a risk's probability by risk id (Monte Carlo).

    >>> from finmodel.domain.investments import Option, Risk
    >>> inv = Investment(options=[Option(id="dn"), Option(id="a")],
    ...     risks=[Risk(id="r", probability=0.5, impact=100, year="2020/21", years=2)])
    >>> risk_register(inv, ["2019/20", "2020/21", "2021/22"], np.zeros((2, 3))).tolist()
    [[0.0, 0.0, 0.0], [0.0, 50.0, 50.0]]
    """
    if not inv.risks:
        return None
    ids = inv.option_ids()
    b = inv.baseline_index()
    start = np.asarray([int(y[:4]) for y in years])
    out: FloatArray = np.zeros(costs.shape)
    for risk in inv.risks:
        chosen = [ids.index(i) for i in risk.options] if risk.options else [
            o for o in range(len(ids)) if o != b
        ]  # fmt: skip
        first = int(risk.year[:4])
        on = ((start >= first) & (start < first + risk.years)).astype(float)
        mask = np.zeros((len(ids), 1))
        mask[chosen] = 1.0
        impact = risk.impact + risk.impact_share_of_costs * costs
        drawn = (probabilities or {}).get(risk.id)
        chance = risk.probability if drawn is None else drawn.reshape(-1, 1, 1)
        out = out + chance * impact * on * mask
    return out


def _beneficiaries(model: Model, inv: Investment, partner_ids: list[str]) -> FloatArray:
    """Shares of the service model's cash-releasing benefits ``(options, partners)``."""
    link = inv.service
    assert link is not None
    return np.stack(
        [
            _shares(
                partner_ids,
                benefit_beneficiaries(
                    model, inv, option, link.beneficiaries, link.beneficiaries_basis
                ),
            )
            for option in inv.options
        ]
    )


def _outcomes(
    inv: Investment, years: list[str], service: IpaServiceResult | None
) -> FloatArray | None:
    if inv.outcome is None:
        return None
    if inv.outcome.service_series is not None:
        if service is None:
            return None
        return service.sum_months(inv.outcome.service_series, service_by_year(service, years))
    out = np.zeros((len(inv.options), len(years)))
    for o, option in enumerate(inv.options):
        out[o] = _units_by_year(option, years)
    return out


def _units_by_year(option: Option, years: list[str]) -> FloatArray:
    if option.outcome_units is None or option.start_year is None:
        return np.zeros(len(years))
    index = np.asarray([int(y[:4]) for y in years]) - int(option.start_year[:4])
    if isinstance(option.outcome_units, list):
        out = np.zeros(len(years))
        for k, value in enumerate(option.outcome_units):
            out[index == k] = value
        return out
    return np.where(index >= 0, float(option.outcome_units), 0.0)


#: Service series the Monte Carlo path needs (money, outcomes and the headline answers).
DRAW_SERIES = (
    "cash_released",
    "incomplete_over_28_days",
    "caseload",
    "overdue_backlog",
    "assessments",
    "decisions_within_28_days",
    "reviews_done",
)
assert set(DRAW_SERIES) <= set(RECORDED_SERIES)

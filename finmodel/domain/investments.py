"""Investment cases in the model file (SPEC section 5): options, costs, benefits, funders.

An investment has options (the first is *do nothing* unless ``do_nothing`` names another); each
option has a start year, capital and revenue costs by year, and benefits by type. The economic
case appraises every option against do nothing (real prices, discounted); the financial case is
nominal and undiscounted. A scenario selects an option by dotted path
(``investments.ipa_uplift.option: business_case``) and the projection lays the option's net cash
effect over the funders' and beneficiaries' expenditure.

Example (YAML, money in £k)::

    investments:
      ipa_uplift:
        name: IPA / CHC service uplift
        option: do_nothing                 # the option laid over the projection
        price_base_year: "2019/20"         # real prices of this year in the economic case
        appraisal_period: 10               # years, from appraisal_start (default: year 1)
        funders_basis: {in_proportion_to: chc}   # each partner's share of the `chc` line
        optimism_bias: {project_type: outsourcing, mitigation_share: 0.5}
        options:
          - id: do_nothing
          - id: business_case
            start_year: "2020/21"
            costs:
              - {id: staff, kind: revenue, recurrent: true, amount: 796, source: "..."}
            benefits:
              - {id: quality, type: unmonetised, description: "fewer people waiting"}

Conventions: amounts are nominal (cash) £k of the year they fall in, positive for costs and for
benefits. A *recurrent* amount is the full-year amount from its start year to the end of the
appraisal period (or ``end_year``), times ``ramp_up`` in its first years and growing with
``uplift``; a one-off amount is a number for the start year or a list, one per year from it.
Costs and benefits never go negative (a saving is a benefit). Every figure may carry ``source``
(the item) and ``sources`` (by field name).

This module holds the model-file types and the amounts they put in each year. Shares are
resolved in :mod:`finmodel.domain.investment_shares`; the whole-model checks (funders that are
partners, shares summing to 1, start years on the timeline, known tables) are in
:mod:`finmodel.domain.investment_checks`. Both are re-exported here.
"""

from __future__ import annotations

from enum import StrEnum
from typing import TYPE_CHECKING, Literal

import numpy as np
from pydantic import Field

from finmodel.domain.appraisal_tables import (
    DEFAULT_DEFLATOR_VERSION,
    DEFAULT_DISCOUNT_VERSION,
    DeflatorTable,
)
from finmodel.domain.investment_shares import (
    basis_weights,
    benefit_beneficiaries,
    option_funders,
    option_optimism_bias,
    resolve_shares,
)
from finmodel.domain.optimism_bias import (
    DEFAULT_OPTIMISM_BIAS_VERSION,
    combined_optimism_bias_rate,
    optimism_bias_rate,
)
from finmodel.domain.service_parameters import IpaServiceParameters
from finmodel.domain.tables import AppraisalError
from finmodel.domain.types import (
    Citation,
    Count,
    FinancialYear,
    Frozen,
    Identifier,
    Name,
    NonNegativeMoney,
    Rate,
    Share,
    Text,
    year_labels,
)

if TYPE_CHECKING:
    from finmodel.domain.model import Model

Location = tuple[str | int, ...]
Finding = tuple[Location, str]

# Public names, including those re-exported from investment_shares.
__all__ = [
    "Benefit",
    "BenefitType",
    "Cost",
    "CostKind",
    "DiscountSettings",
    "Finding",
    "Investment",
    "Location",
    "OptimismBias",
    "Option",
    "OutcomeMeasure",
    "Risk",
    "ServiceLink",
    "ShareBasis",
    "amounts_by_year",
    "basis_weights",
    "benefit_beneficiaries",
    "first_full_year",
    "option_funders",
    "option_optimism_bias",
    "recurrent_revenue",
    "resolve_shares",
    "year_start",
]


class CostKind(StrEnum):
    """Capital (one-off assets, works, equipment) or revenue (running costs: staff, services)."""

    capital = "capital"
    revenue = "revenue"


class BenefitType(StrEnum):
    """Benefit types of the DHSC cost-benefit (CIA) model.

    ``cash_releasing`` reduces a partner's expenditure (it enters the projection);
    ``non_cash_releasing`` frees capacity or time valued in money but not taken out of budgets;
    ``societal`` falls outside the system (people, carers, the wider economy); ``unmonetised``
    is described, not valued.
    """

    cash_releasing = "cash_releasing"
    non_cash_releasing = "non_cash_releasing"
    societal = "societal"
    unmonetised = "unmonetised"


class ShareBasis(Frozen):
    """Shares resolved when the model is compiled: in proportion to each partner's base-year
    baseline of one cost line (e.g. each CCG's ``chc`` line)."""

    in_proportion_to: Identifier
    """The cost line id whose base-year baseline sets each partner's share, e.g. ``chc``."""
    partners: list[Identifier] | None = None
    """The partners sharing; default: every partner that has that cost line."""
    source: Citation | None = None
    """Provenance of the basis (the agreement or the reason for it)."""


class OptimismBias(Frozen):
    """Optimism bias on costs in the economic case: the HMT upper bound for the project type
    times ``(1 - mitigation_share)``; a combined project weights several types."""

    project_type: str | None = None
    """A project type of the table, e.g. ``outsourcing``, ``standard_buildings``."""
    combined: dict[str, Share] | None = None
    """For a combined project: project type -> its share of the cost (shares sum to 1)."""
    mitigation_share: Share = 0.0
    """Share of the contributory factors mitigated (0 = the full upper bound), a fraction."""
    measure: Literal["cost", "capex", "opex"] = "cost"
    """Which bound: ``cost`` is capex for works and equipment and opex for outsourcing."""
    applies_to: list[CostKind] = Field(default_factory=lambda: [CostKind.capital, CostKind.revenue])
    """The cost kinds it raises (default both)."""
    version: str = DEFAULT_OPTIMISM_BIAS_VERSION
    """Version of the optimism-bias table (``hmt-2003``: HMT supplementary guidance)."""
    source: Citation | None = None
    """Provenance of the choice of project type and of the mitigation share."""

    benefit_shortfall: Share = 0.0
    """Share by which every monetised benefit is reduced in the economic case for optimism about
    benefits (Green Book: optimism bias affects benefits and timing as well as costs). The HMT
    table has no benefit bound: the share is a judgement and needs a ``source``."""

    def rate(self) -> float:
        """The optimism-bias rate on costs, a fraction (raises AppraisalError for unknown types).

        ``project_type: none`` means no HMT upper bound covers the costs (an in-house revenue
        staffing budget: the table's only operating-cost bound is for outsourcing), rate 0.

        >>> OptimismBias(project_type="none", benefit_shortfall=0.1).rate()
        0.0
        """
        if self.project_type == NO_BOUND:
            return 0.0
        if self.combined is not None:
            return float(
                combined_optimism_bias_rate(
                    self.combined, self.mitigation_share, self.measure, self.version
                )
            )
        if self.project_type is None:
            raise AppraisalError("optimism bias needs project_type or combined")
        return float(
            optimism_bias_rate(self.project_type, self.mitigation_share, self.measure, self.version)
        )


#: ``project_type`` meaning that no optimism-bias upper bound covers the costs.
NO_BOUND = "none"


class Risk(Frozen):
    """An entry of the risk register (DHSC CIA model): a risk to one or more options, its
    probability and its cost impact if it happens, by year. The economic case carries its
    expected cost (probability x impact), incremental to do nothing."""

    id: Identifier
    """Identifier, unique in the register."""
    name: str | None = None
    """A readable name."""
    description: Text | None = None
    """What could happen and what it would cost."""
    options: list[Identifier] | None = None
    """The options it applies to; default: every option but do nothing."""
    probability: Share
    """Probability that it happens (a fraction)."""
    impact: NonNegativeMoney = 0.0
    """Cost if it happens, £k nominal in each of its years."""
    impact_share_of_costs: Count = 0.0
    """Cost if it happens as a share of the option's costs in each of its years (a fraction),
    added to ``impact``: scales with the option."""
    year: FinancialYear
    """First year of the impact."""
    years: int = Field(default=1, ge=1, le=100)
    """Number of years the impact falls in, from ``year``."""
    source: Citation | None = None
    """Provenance of the probability and impact."""
    sources: dict[str, Citation] = Field(default_factory=dict)
    """Provenance of other figures, keyed by field name."""


class DiscountSettings(Frozen):
    """How the economic case discounts (Green Book STPR schedules, SPEC section 5)."""

    schedule: str = "standard"
    """Discount schedule: ``standard`` (3.5% declining) or ``health`` (1.5% declining, QALYs)."""
    version: str = DEFAULT_DISCOUNT_VERSION
    """Version of the discount-rate table."""
    mid_year: bool = False
    """Discount each year's flows to the middle of the year instead of its end."""
    source: Citation | None = None
    """Provenance of the discounting choice."""


class _Amounts(Frozen):
    """An amount of money by year (shared by costs and benefits)."""

    id: Identifier
    """Identifier, unique within the option; the same id in several options is one stream."""
    name: Name | None = None
    """A readable name."""
    amount: NonNegativeMoney | list[NonNegativeMoney] | None = None
    """£k, nominal (cash). Recurrent: the full-year amount. One-off: the start year's amount, or
    a list of amounts, one a year from the start year."""
    recurrent: bool = False
    """True: the amount falls every year from the start year to ``end_year`` (default: the last
    year of the case, the end of the appraisal period or of the model's horizon, whichever is
    later). False: a one-off amount (or profile)."""
    ramp_up: list[Share] = Field(default_factory=list)
    """Recurrent only: share of the full-year amount in each of the first years, e.g. [0.5]."""
    uplift: Rate = 0.0
    """Recurrent only: cash growth a year after the start year (pay awards, prices); 0 = flat."""
    start_year: FinancialYear | None = None
    """First year of the amount; default: the option's start year."""
    end_year: FinancialYear | None = None
    """Recurrent only: last year of the amount; default: the last year of the case."""
    source: Citation | None = None
    """Provenance of the amount."""
    sources: dict[str, Citation] = Field(default_factory=dict)
    """Provenance of other figures on this item, keyed by field name (e.g. ``ramp_up``)."""


class Cost(_Amounts):
    """A cost of an option, paid by its funders in their shares."""

    kind: CostKind = CostKind.revenue
    """``capital`` or ``revenue``. An option's recurrent revenue costs buy the linked service
    model's capacity (staff from the month they arrive to the end of ``end_year``), and so do
    non-recurrent revenue costs with ``team_months`` (a time-limited team)."""
    team_months: int | None = Field(default=None, ge=1, le=120)
    """Non-recurrent revenue only: the money (all its amounts together) buys a time-limited team
    for this many months from April of its start year, at ``amount x 12 / team_months`` £k a
    year. With a linked service model the cost charged is that of the team in post."""
    interim: bool = False
    """Whether the staff it buys are interim (agency or fixed-term): the service model's
    ``interim_lag_months`` and ``interim_premium`` apply."""

    def buys_capacity(self) -> bool:
        """Whether the cost buys the linked service model's staff.

        >>> Cost(id="s", amount=796, recurrent=True).buys_capacity()
        True
        >>> Cost(id="t", amount=1500, team_months=18).buys_capacity()
        True
        """
        if self.kind != CostKind.revenue:
            return False
        return self.recurrent or self.team_months is not None

    def team_amount_k(self) -> float:
        """£k a year the cost spends while it runs: the full-year amount of a recurrent cost,
        or a team's total spread over its months (0 for a profile-less recurrent list).

        >>> Cost(id="t", amount=[1000, 500], team_months=18).team_amount_k()
        1000.0
        """
        if self.amount is None:
            return 0.0
        if self.recurrent:
            return float(self.amount) if not isinstance(self.amount, list) else 0.0
        total = float(sum(self.amount)) if isinstance(self.amount, list) else float(self.amount)
        return total * 12.0 / float(self.team_months or 12)


class Benefit(_Amounts):
    """A benefit of an option. Cash-releasing benefits reduce the beneficiaries' expenditure."""

    type: BenefitType
    """cash_releasing | non_cash_releasing | societal | unmonetised."""
    description: Text | None = None
    """What the benefit is and how it is measured (required in spirit for unmonetised ones)."""
    beneficiaries: dict[Identifier, Share] | None = None
    """Cash-releasing only: partner -> share of the cash released (summing to 1); default: the
    investment's beneficiaries, else the option's funders."""
    beneficiaries_basis: ShareBasis | None = None
    """Cash-releasing only: beneficiaries' shares by a basis instead of fixed shares."""


class Option(Frozen):
    """One option of an investment case (do nothing, do minimum, ...)."""

    id: Identifier
    """Identifier, used by ``option:`` and in scenario paths."""
    name: Name | None = None
    """A readable name."""
    description: Text | None = None
    """What the option does."""
    start_year: FinancialYear | None = None
    """Financial year the option starts (on the model's projected timeline); needed when the
    option has costs or benefits."""
    costs: list[Cost] = Field(default_factory=list)
    """Capital and revenue costs."""
    benefits: list[Benefit] = Field(default_factory=list)
    """Benefits by type."""
    funders: dict[Identifier, Share] | None = None
    """Partner -> share of the option's costs (summing to 1); default: the investment's."""
    funders_basis: ShareBasis | None = None
    """Funders' shares by a basis instead of fixed shares."""
    optimism_bias: OptimismBias | None = None
    """Optimism bias overriding the investment's."""
    outcome_units: Count | list[Count] | None = None
    """Units of outcome a year (from the start year) when the investment has an outcome not
    taken from the service model (e.g. QALYs, people seen)."""
    source: Citation | None = None
    """Provenance of the option as a whole."""


class ServiceLink(Frozen):
    """The service model an investment drives (SPEC section 6): each option's recurrent revenue
    costs buy capacity, and the cash its reviews release is a cash-releasing benefit."""

    model: Literal["ipa_chc"] = "ipa_chc"
    """The service model: ``ipa_chc`` (IPA / Continuing Healthcare assessments and reviews)."""
    parameters: IpaServiceParameters
    """Its parameters; ``horizon_months`` is extended to reach the end of the appraisal period
    and of the model, and the investment starts in April of each option's start year."""
    sources: dict[str, Citation] = Field(default_factory=dict)
    """Provenance of each parameter, keyed by parameter name."""
    cash_releasing: bool = True
    """Count the cash released by reviews (package reductions) as a cash-releasing benefit."""
    beneficiaries: dict[Identifier, Share] | None = None
    """Partner -> share of the cash released; default: the investment's beneficiaries, else the
    option's funders."""
    beneficiaries_basis: ShareBasis | None = None
    """Beneficiaries' shares by a basis instead of fixed shares."""
    benefits_register: bool = True
    """Derive the other benefits from the service model (avoided retrospective reimbursement
    handling, acute bed days, wellbeing QALYs; zero where their unit values are zero)."""
    cash_effects: bool = True
    """Put the cash effects of deciding sooner in the financial case and the projection: the
    package spend of people found eligible sooner and the retrospective liability (the funders),
    and council care of people waiting (``council_basis``)."""
    council_basis: ShareBasis | None = None
    """The councils bearing the cost of care of people waiting past 28 days, e.g.
    ``{in_proportion_to: adult_social_care}``; none: the council cost is left out."""
    source: Citation | None = None
    """Provenance of the service model as a whole."""


class OutcomeMeasure(Frozen):
    """The unit of outcome for the cost-per-unit measure of the economic case."""

    name: Name
    """What one unit is, e.g. "review completed"."""
    service_series: Literal["reviews_done", "assessments", "decisions_within_28_days"] | None = None
    """Take the outcome from the linked service model (yearly totals); else each option's
    ``outcome_units``."""
    source: Citation | None = None
    """Provenance."""


class Investment(Frozen):
    """An investment case: options appraised against do nothing, one of them selected."""

    name: Name | None = None
    """A readable name."""
    description: Text | None = None
    """The proposal and the question it answers."""
    option: Identifier | None = None
    """The option laid over the projection; default: do nothing."""
    do_nothing: Identifier | None = None
    """The option every other is appraised against; default: the first option."""
    options: list[Option] = Field(min_length=1)
    """The options, do nothing first."""
    funders: dict[Identifier, Share] | None = None
    """Default funders of every option: partner -> share, summing to 1."""
    funders_basis: ShareBasis | None = None
    """Default funders by a basis, e.g. ``{in_proportion_to: chc}``."""
    beneficiaries: dict[Identifier, Share] | None = None
    """Default beneficiaries of cash-releasing benefits; default: each option's funders."""
    beneficiaries_basis: ShareBasis | None = None
    """Default beneficiaries by a basis."""
    optimism_bias: OptimismBias | None = None
    """Optimism bias on every option's costs (an option may override it)."""
    price_base_year: FinancialYear | None = None
    """Real prices of this year in the economic case; default: the model's base year."""
    appraisal_start: FinancialYear | None = None
    """Year 0 of the appraisal (not discounted); default: the first projected year."""
    appraisal_period: int = Field(default=10, ge=1, le=300)
    """Years appraised from ``appraisal_start``; may run past the model's horizon."""
    discount: DiscountSettings = Field(default_factory=DiscountSettings)
    """Discount schedule, table version and mid-year flag."""
    deflator_version: str = DEFAULT_DEFLATOR_VERSION
    """GDP deflator table used to turn nominal amounts into real ones."""
    deflator: DeflatorTable | None = None
    """A GDP deflator series of the user's own (e.g. the latest OBR forecast) with its
    ``citation``, used instead of the bundled table ``deflator_version``::

        deflator: {version: obr-2020-03, citation: "OBR EFO March 2020, table 1.7", status:
                   published, reference: "2019/20 = 100", index: {"2019/20": 100, ...}}
    """
    deflator_extend_rate: Rate | None = None
    """GDP deflator growth a year assumed past the table's last year (needed when the appraisal
    runs beyond it)."""
    service: ServiceLink | None = None
    """The service model the options drive, if any."""
    outcome: OutcomeMeasure | None = None
    """The unit of outcome for cost per unit of outcome."""
    risks: list[Risk] = Field(default_factory=list)
    """The risk register: expected costs by option and year in the economic case."""
    standard_by: FinancialYear | None = None
    """The least-cost view: the year by whose end the 28-day standard must be met and then kept
    to the end of the service horizon; default: the second appraisal year."""
    source: Citation | None = None
    """Provenance of the case as a whole (the business case document)."""
    sources: dict[str, Citation] = Field(default_factory=dict)
    """Provenance of other settings, keyed by field name (e.g. ``deflator_extend_rate``)."""

    # -- resolved settings -----------------------------------------------------------------
    def option_ids(self) -> list[str]:
        """Option ids in order."""
        return [o.id for o in self.options]

    def baseline_index(self) -> int:
        """Index of the do-nothing option."""
        ids = self.option_ids()
        return ids.index(self.do_nothing) if self.do_nothing in ids else 0

    def selected_index(self) -> int:
        """Index of the option laid over the projection (do nothing by default)."""
        ids = self.option_ids()
        return ids.index(self.option) if self.option in ids else self.baseline_index()

    def deflator_series(self) -> str | DeflatorTable:
        """The deflator the case uses: the user's series if given, else the bundled version."""
        return self.deflator if self.deflator is not None else self.deflator_version

    def base_price_year(self, model: Model) -> str:
        """The price-base year (default: the model's base year)."""
        return self.price_base_year or model.timeline.base_year

    def appraisal_years(self, model: Model) -> list[str]:
        """The appraisal years, year 0 first."""
        start = self.appraisal_start or model.years[1]
        return year_labels(start, self.appraisal_period - 1)

    def case_years(self, model: Model) -> list[str]:
        """Every year a case amount can fall in: the model's base year to the later of the
        model's last year and the appraisal's last year."""
        last = max(year_start(model.years[-1]), year_start(self.appraisal_years(model)[-1]))
        return year_labels(model.timeline.base_year, last - year_start(model.timeline.base_year))


def year_start(label: str) -> int:
    """The calendar year a financial year starts in.

    >>> year_start("2020/21")
    2020
    """
    return int(label[:4])


# ---------------------------------------------------------------------------------------------
# Amounts by year
# ---------------------------------------------------------------------------------------------


def amounts_by_year(item: Cost | Benefit, start: str, years: list[str]) -> np.ndarray:
    """Nominal £k of an item in each of ``years`` (zeros outside its years).

    >>> cost = Cost(id="staff", amount=100, recurrent=True, ramp_up=[0.5], uplift=0.1)
    >>> amounts_by_year(cost, "2020/21", ["2019/20", "2020/21", "2021/22", "2022/23"]).round(6)
    array([  0.,  50., 110., 121.])
    """
    first = year_start(item.start_year or start)
    index = np.asarray([year_start(y) for y in years]) - first
    out = np.zeros(len(years))
    if item.amount is None:
        return out
    if item.recurrent:
        last = year_start(item.end_year) - first if item.end_year else index.max(initial=0)
        on = (index >= 0) & (index <= last)
        ramp = np.ones(len(years))
        for k, share in enumerate(item.ramp_up):
            ramp[index == k] = share
        growth = (1.0 + item.uplift) ** np.maximum(index, 0)
        full = float(item.amount) if not isinstance(item.amount, list) else 0.0
        out = np.where(on, full * ramp * growth, 0.0)
    else:
        profile = [item.amount] if not isinstance(item.amount, list) else item.amount
        for k, value in enumerate(profile):
            out[index == k] = value
    return out


def first_full_year(option: Option) -> str | None:
    """The first year an option's recurrent costs all run at their full amount (after ramp-up).

    >>> first_full_year(Option(id="a", start_year="2020/21", costs=[
    ...     Cost(id="s", amount=1, recurrent=True, ramp_up=[0.5, 0.75])]))
    '2022/23'
    """
    if option.start_year is None:
        return None
    start = year_start(option.start_year)
    shift = 0
    for cost in option.costs:
        if cost.recurrent:
            full = next((k for k, s in enumerate(cost.ramp_up) if s >= 1.0), len(cost.ramp_up))
            shift = max(shift, year_start(cost.start_year or option.start_year) - start + full)
    return f"{start + shift}/{(start + shift + 1) % 100:02d}"


def recurrent_revenue(option: Option) -> float:
    """Full-year amount of an option's recurrent revenue costs (£k a year): what buys capacity.

    >>> recurrent_revenue(Option(id="a", start_year="2020/21", costs=[
    ...     Cost(id="s", amount=796, recurrent=True), Cost(id="it", kind="capital", amount=50)]))
    796.0
    """
    return float(
        sum(
            float(c.amount)
            for c in option.costs
            if c.recurrent and c.kind == CostKind.revenue and isinstance(c.amount, int | float)
        )
    )

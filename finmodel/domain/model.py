"""The model file: partners, funding streams, cost lines, assumptions, control totals.

These frozen pydantic models are the contract of SPEC section 3. They reject unknown keys and
document every field, so ``finmodel schema`` prints a self-describing JSON Schema. Structural
checks (types, ranges) happen here; checks that need the whole model (payees that exist, list
lengths equal to the horizon, control totals for every partner in the control total) are in
:mod:`finmodel.domain.checks`, which collects every problem before reporting.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Any

from pydantic import Field, PrivateAttr, model_validator

from finmodel.domain.correlation import RankCorrelation
from finmodel.domain.investments import Investment
from finmodel.domain.phasing import expand_phasing
from finmodel.domain.types import (
    Citation,
    FinancialYear,
    Frozen,
    Identifier,
    Name,
    NonNegativeMoney,
    Share,
    Text,
    YearMoney,
    YearRates,
    year_labels,
)
from finmodel.domain.uncertainty import UncertainInput

#: The four rates every cost line or funding stream can take from the system defaults.
RATE_FIELDS = ("demand_growth", "inflation", "efficiency", "funding_growth")


class PartnerKind(StrEnum):
    """The kind of organisation a partner is."""

    commissioner = "commissioner"
    provider = "provider"
    local_authority = "local_authority"
    vcfse = "vcfse"
    other = "other"


class RiskShareMethod(StrEnum):
    """How the system variance against its control total is shared among partners."""

    proportional_to_baseline_expenditure = "proportional_to_baseline_expenditure"
    fixed_shares = "fixed_shares"
    none = "none"


class PaymentBasis(StrEnum):
    """How a contract between partners is paid (NHS Payment Scheme terms).

    ``tariff``: activity-based at national or aligned prices (the variable element of aligned
    payment and incentive): it follows demand. ``block``: a fixed sum that does not follow
    activity. ``cost_and_volume``: an agreed price per unit times the volume delivered: it
    follows demand. Every basis moves its price by the cost uplift factor less the efficiency
    factor unless the line sets its own inflation or efficiency.
    """

    tariff = "tariff"
    block = "block"
    cost_and_volume = "cost_and_volume"


class Timeline(Frozen):
    """The model's years: the base year (outturn) and how many years are projected."""

    base_year: FinancialYear
    """The outturn year, e.g. "2019/20"; projections start the year after."""
    horizon: int = Field(ge=1, le=50)
    """Number of projected years after the base year (1 to 50)."""

    @property
    def years(self) -> list[str]:
        """Year labels from the base year to the last projected year."""
        return year_labels(self.base_year, self.horizon)


class Assumptions(Frozen):
    """System-wide default rates, each a scalar or a list of ``horizon`` values."""

    demand_growth: YearRates = 0.0
    """Activity volume growth a year (0.03 = 3%)."""
    inflation: YearRates = 0.0
    """Cost inflation a year, pay and prices (0.02 = 2%)."""
    efficiency: YearRates = 0.0
    """Cost improvement (CIP) a year as a fraction of cost; 0.01 takes 1% off cost."""
    funding_growth: YearRates = 0.0
    """Growth a year of external funding (allocations, grants, council tax)."""
    non_demographic_growth: YearRates = 0.0
    """Default growth a year on top of a demand driver, for lines that name a `demand_driver`."""
    cip_planned: YearRates = 0.0
    """Provider CIP planned a year as a share of own costs (used with `tariff:`)."""
    cip_delivered: YearShares = 1.0
    """Share of planned CIP delivered (used with `tariff:`)."""
    cip_recurrent: YearShares = 1.0
    """Share of delivered CIP that is recurrent (used with `tariff:`)."""
    qipp: YearRates = 0.0
    """Commissioner QIPP savings a year on lines that are not contracts with partners (CHC,
    prescribing, primary care, running costs), as a share of cost (used with `tariff:`)."""
    source: Citation | None = None
    """Provenance of these assumptions as a whole."""
    sources: dict[str, Citation] = Field(default_factory=dict)
    """Provenance of each assumption, keyed by field name (e.g. `inflation`)."""


#: A year-varying share in [0, 1]: one number for every projected year, or one per year.
YearShares = Share | list[Share]


class CipPlan(Frozen):
    """A provider's cost improvement programme (CIP): savings on its own costs (no payee).

    Each year ``planned x delivered`` of the cost base is saved; of that, ``recurrent`` carries
    into the run rate (a lower cost base from then on) and the rest is non-recurrent (saved in
    that year only: vacancies held, one-off releases). Delivered savings never exceed plan.
    """

    planned: YearRates | None = None
    """Planned savings a year as a share of own costs (0.05 = 5%); default: the assumptions."""
    delivered: YearShares | None = None
    """Share of the plan delivered (0.84 = 84%); default: the assumptions."""
    recurrent: YearShares | None = None
    """Share of delivered savings that is recurrent (0.69 = 69%); default: the assumptions."""
    source: Citation | None = None
    """Provenance of the plan."""
    sources: dict[str, Citation] = Field(default_factory=dict)
    """Provenance of each figure, keyed by field name."""


class PriceSeries(Frozen):
    """A named price index, e.g. Agenda for Change pay awards, drugs or other non-pay prices."""

    name: str | None = None
    """A readable name, e.g. "Agenda for Change pay award"."""
    growth: YearRates
    """Price growth a year, a scalar or a list of ``horizon`` values."""
    source: Citation | None = None
    """Provenance of the series."""


class Tariff(Frozen):
    """The price rules of contracts between partners (NHS Payment Scheme).

    Declaring it switches the model to NHS efficiency rules: contract prices move by
    ``(1 + cost uplift) x (1 - efficiency) - 1``; demand applies where the payment basis follows
    activity; providers' own costs take their CIP and commissioners' other lines their QIPP;
    `assumptions.efficiency` then applies only to the lines of other partners (councils).
    """

    cost_uplift: YearRates | None = None
    """Cost uplift factor a year (0.0483 = 4.83%); if absent, derived from `weights`."""
    weights: dict[Identifier, Share] = Field(default_factory=dict)
    """Weights of price series (ids in `price_series:`) making the cost uplift; sum to 1."""
    efficiency: YearRates = 0.0
    """Tariff efficiency factor a year: contract prices fall by it (0.02 = 2%)."""
    default_basis: PaymentBasis = PaymentBasis.tariff
    """Payment basis of a contract that does not state one."""
    source: Citation | None = None
    """Provenance of the tariff rules as a whole."""
    sources: dict[str, Citation] = Field(default_factory=dict)
    """Provenance of each figure, keyed by field name."""


class Driver(Frozen):
    """A named demand driver: a growth series such as the population aged 65 and over."""

    name: Name | None = None
    """A readable name, e.g. "Population aged 65 and over (ONS 2018-based SNPP)"."""
    growth: YearRates
    """Growth a year of the driver, a scalar or a list of ``horizon`` values."""
    source: Citation | None = None
    """Provenance of the growth series."""


class Convergence(Frozen):
    """Convergence of an allocation towards its fair-share target at a stated pace.

    The target grows with the stream's funding growth (the national uplift); the distance from
    target, ``allocation / target - 1``, closes by ``pace`` each year:
    ``distance[t] = distance[0] x (1 - pace)^t``.
    """

    fair_share: NonNegativeMoney
    """The base-year fair-share target allocation, £k (the needs-based formula's figure)."""
    pace: Share
    """Share of the distance from target closed each year (0.25 closes a quarter a year)."""
    source: Citation | None = None
    """Provenance of the target."""
    sources: dict[str, Citation] = Field(default_factory=dict)
    """Provenance of the pace and other figures, keyed by field name."""


class FundingStream(Frozen):
    """External income of a partner (allocation, grant, council tax)."""

    id: Identifier
    """Identifier, unique within the partner."""
    name: Name | None = None
    """A readable name."""
    baseline: NonNegativeMoney
    """Base-year (outturn) amount, £k."""
    funding_growth: YearRates | None = None
    """Growth a year overriding the system default."""
    convergence: Convergence | None = None
    """Convergence towards a fair-share target (allocations); growth then adds the closing of
    the distance from target to `funding_growth`."""
    source: Citation | None = None
    """Provenance of the baseline."""
    sources: dict[str, Citation] = Field(default_factory=dict)
    """Provenance of other figures on this stream, keyed by field name."""


class CostLine(Frozen):
    """A partner's expenditure on one thing; with a `payee` it is an internal flow (a contract)."""

    id: Identifier
    """Identifier, unique within the partner."""
    name: Name | None = None
    """A readable name."""
    baseline: NonNegativeMoney
    """Base-year (outturn) cost, £k."""
    payee: Identifier | None = None
    """The partner paid: it books the same amount as income (eliminated on consolidation)."""
    demand_growth: YearRates | None = None
    """Volume growth a year overriding the system default (not with `demand_driver`)."""
    demand_driver: Identifier | None = None
    """A driver in `drivers:`; demand growth is then (1 + driver) x (1 + non-demographic) - 1."""
    non_demographic_growth: YearRates | None = None
    """Growth a year on top of the demand driver (defaults to the system assumption)."""
    inflation: YearRates | None = None
    """Cost inflation a year overriding the system default."""
    efficiency: YearRates | None = None
    """Cost improvement a year overriding the system default (or the CIP, QIPP or tariff
    efficiency factor the line would take with `tariff:`)."""
    basis: PaymentBasis | None = None
    """Payment basis of a contract (with `payee`): tariff | block | cost_and_volume."""
    price_series: Identifier | None = None
    """A series in `price_series:` (pay, drugs, non-pay) giving this line's inflation."""
    ring_fence: Identifier | None = None
    """A ring-fence this spend counts towards, e.g. `mental_health` (checked and reported)."""
    source: Citation | None = None
    """Provenance of the baseline."""
    sources: dict[str, Citation] = Field(default_factory=dict)
    """Provenance of other figures on this line, keyed by field name."""


class Partner(Frozen):
    """An organisation in the system."""

    id: Identifier
    """Identifier used in payees, control totals and scenario paths."""
    name: Name
    """The organisation's name."""
    kind: PartnerKind
    """commissioner | provider | local_authority | vcfse | other."""
    place: Name
    """The place (sub-system partnership) it belongs to."""
    in_control_total: bool = True
    """Whether it is in the system control total (NHS bodies are; councils usually are not)."""
    illustrative: bool = False
    """True when the partner's figures (and so its surplus or deficit) are invented, not
    published: every output that shows the partner says so."""
    funding: list[FundingStream] = Field(default_factory=list)
    """External funding streams."""
    costs: list[CostLine] = Field(default_factory=list)
    """Cost lines."""
    non_recurrent: list[NonRecurrentItem] = Field(default_factory=list)
    """Non-recurrent income, savings and costs: in the reported position, not the underlying."""
    cip: CipPlan | None = None
    """A provider's CIP, overriding the assumptions' CIP rates (used with `tariff:`)."""
    qipp: YearRates | None = None
    """A commissioner's QIPP rate, overriding the assumptions' (used with `tariff:`)."""
    source: Citation | None = None
    """Provenance of the partner's figures as a whole."""


#: A year-varying amount of money that cannot be negative (non-recurrent items are signed by kind).
NonNegativeYearMoney = NonNegativeMoney | list[NonNegativeMoney]


class NonRecurrentKind(StrEnum):
    """What a non-recurrent item is; its kind sets its sign in the position.

    Income (deficit support, winter funding, one-off grants) and non-recurrent savings improve
    the reported surplus; one-off costs worsen it. None of them is carried into the next year's
    run rate, so the underlying position leaves them all out.
    """

    deficit_support = "deficit_support"
    winter_funding = "winter_funding"
    one_off_grant = "one_off_grant"
    non_recurrent_cip = "non_recurrent_cip"
    one_off_cost = "one_off_cost"


#: Kinds of non-recurrent item booked as income, as a saving (less expenditure), as a cost.
NON_RECURRENT_INCOME = frozenset(
    {
        NonRecurrentKind.deficit_support,
        NonRecurrentKind.winter_funding,
        NonRecurrentKind.one_off_grant,
    }
)
NON_RECURRENT_SAVING = frozenset({NonRecurrentKind.non_recurrent_cip})
NON_RECURRENT_COST = frozenset({NonRecurrentKind.one_off_cost})


class NonRecurrentItem(Frozen):
    """A partner's non-recurrent income, saving or cost: in the reported position only.

    Amounts are positive; the kind gives the sign (income and savings +, costs -).
    """

    id: Identifier
    """Identifier, unique within the partner."""
    name: str | None = None
    """A readable name, e.g. "Deficit support 2024/25"."""
    kind: NonRecurrentKind
    """deficit_support | winter_funding | one_off_grant | non_recurrent_cip | one_off_cost."""
    base_year: NonNegativeMoney = 0.0
    """Amount in the base year (outturn), £k."""
    projected: NonNegativeYearMoney = 0.0
    """Amount in each projected year, £k: a scalar or a list of ``horizon`` values."""
    taper_to_zero_by: FinancialYear | None = None
    """If set, the base-year amount tapers in equal steps to zero in this year (then stays
    zero), as planning guidance withdraws deficit support; `projected` must then be 0."""
    source: Citation | None = None
    """Provenance of the amounts."""
    sources: dict[str, Citation] = Field(default_factory=dict)
    """Provenance of other figures on this item, keyed by field name."""


class ControlTotalEntry(Frozen):
    """A control total with its provenance."""

    value: YearMoney
    """Planned surplus (+) or deficit (-), £k: a scalar or a list of ``horizon`` values."""
    source: Citation | None = None
    """Provenance of the control total."""


class RiskShare(Frozen):
    """The risk-share agreement among the partners in the control total."""

    method: RiskShareMethod = RiskShareMethod.none
    """proportional_to_baseline_expenditure | fixed_shares | none."""
    shares: dict[Identifier, Share] | None = None
    """With `fixed_shares`: a share per partner in the control total, summing to 1."""
    source: Citation | None = None
    """Provenance of the agreement."""


class Scenario(Frozen):
    """A named overlay: values set by dotted path on top of the model."""

    id: Identifier
    """Identifier, used with `--scenario`."""
    name: Name | None = None
    """A readable name."""
    description: Text | None = None
    """What the scenario tests and why."""
    set: dict[str, Any] = Field(default_factory=dict)
    """Values by dotted path, e.g. `partners.icb.costs.chc.demand_growth: 0.07`."""


class Model(Frozen):
    """A health and care system: its partners, their money, assumptions and agreements."""

    name: Name
    """The model's name."""
    units: str = "gbp_thousands"
    """Units of money; only `gbp_thousands` (£k) is supported."""
    description: Text | None = None
    """What the model represents."""
    timeline: Timeline
    """Base year and horizon."""
    assumptions: Assumptions = Field(default_factory=Assumptions)
    """System-wide default rates."""
    drivers: dict[Identifier, Driver] = Field(default_factory=dict)
    """Named demand drivers, e.g. `over_65`."""
    price_series: dict[Identifier, PriceSeries] = Field(default_factory=dict)
    """Named price series, e.g. `pay`, `drugs`, `non_pay`, for lines and the cost uplift."""
    tariff: Tariff | None = None
    """Contract price rules (cost uplift, efficiency factor); switches on NHS efficiency rules."""
    partners: list[Partner] = Field(min_length=1)
    """The organisations in the system."""
    control_totals: dict[Identifier, YearMoney | ControlTotalEntry] = Field(default_factory=dict)
    """Planned surplus (+) or deficit (-) per partner in the control total, £k."""
    risk_share: RiskShare = Field(default_factory=RiskShare)
    """How the system variance is shared."""
    investments: dict[Identifier, Investment] = Field(default_factory=dict)
    """Investment cases with options, appraised by Green Book rules."""
    uncertainty: dict[str, UncertainInput] = Field(default_factory=dict)
    """Distributions of inputs keyed by dotted path, for Monte Carlo and sensitivity."""
    correlations: list[RankCorrelation] = Field(default_factory=list)
    """Rank correlations between ``uncertainty:`` keys (Iman-Conover in Monte Carlo)."""
    scenarios: list[Scenario] = Field(default_factory=list)
    """Named overlays."""

    _origin: str | None = PrivateAttr(default=None)
    _compiled: Any = PrivateAttr(default=None)

    @property
    def origin(self) -> str:
        """The file the model was read from (for messages), else its name."""
        return self._origin or self.name

    def with_origin(self, origin: str) -> Model:
        """Record the file the model was read from; returns the model itself."""
        self._origin = origin
        return self

    @property
    def compiled_cache(self) -> Any:
        """The engine's compiled inputs of this model, kept by the engine (None until compiled)."""
        return self._compiled

    def keep_compiled(self, value: Any) -> None:
        """Keep the engine's compiled inputs on the model (the model itself is unchanged)."""
        self._compiled = value

    @model_validator(mode="before")
    @classmethod
    def _expand_phasing(cls, data: Any) -> Any:
        """Rates given as a phasing profile (``{total, profile, year}``) become yearly rates."""
        return expand_phasing(data)

    @model_validator(mode="after")
    def _units_supported(self) -> Model:
        if self.units != "gbp_thousands":
            raise ValueError(f"units {self.units!r} is not supported; use gbp_thousands")
        return self

    @property
    def years(self) -> list[str]:
        """Year labels from the base year to the last projected year."""
        return self.timeline.years

    def partner(self, partner_id: str) -> Partner:
        """The partner with this id (KeyError if none)."""
        for partner in self.partners:
            if partner.id == partner_id:
                return partner
        raise KeyError(partner_id)

    def scenario(self, scenario_id: str) -> Scenario:
        """The scenario with this id (KeyError if none)."""
        for scenario in self.scenarios:
            if scenario.id == scenario_id:
                return scenario
        raise KeyError(scenario_id)

    def control_total_values(self, partner_id: str) -> YearMoney | None:
        """The control total of a partner without its provenance, or None."""
        entry = self.control_totals.get(partner_id)
        return entry.value if isinstance(entry, ControlTotalEntry) else entry

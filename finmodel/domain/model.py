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
from finmodel.domain.types import (
    Citation,
    FinancialYear,
    Frozen,
    Identifier,
    NonNegativeMoney,
    Share,
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
    source: Citation | None = None
    """Provenance of these assumptions as a whole."""
    sources: dict[str, Citation] = Field(default_factory=dict)
    """Provenance of each assumption, keyed by field name (e.g. `inflation`)."""


class Driver(Frozen):
    """A named demand driver: a growth series such as the population aged 65 and over."""

    name: str | None = None
    """A readable name, e.g. "Population aged 65 and over (ONS 2018-based SNPP)"."""
    growth: YearRates
    """Growth a year of the driver, a scalar or a list of ``horizon`` values."""
    source: Citation | None = None
    """Provenance of the growth series."""


class FundingStream(Frozen):
    """External income of a partner (allocation, grant, council tax)."""

    id: Identifier
    """Identifier, unique within the partner."""
    name: str | None = None
    """A readable name."""
    baseline: NonNegativeMoney
    """Base-year (outturn) amount, £k."""
    funding_growth: YearRates | None = None
    """Growth a year overriding the system default."""
    source: Citation | None = None
    """Provenance of the baseline."""
    sources: dict[str, Citation] = Field(default_factory=dict)
    """Provenance of other figures on this stream, keyed by field name."""


class CostLine(Frozen):
    """A partner's expenditure on one thing; with a `payee` it is an internal flow (a contract)."""

    id: Identifier
    """Identifier, unique within the partner."""
    name: str | None = None
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
    """Cost improvement a year overriding the system default."""
    source: Citation | None = None
    """Provenance of the baseline."""
    sources: dict[str, Citation] = Field(default_factory=dict)
    """Provenance of other figures on this line, keyed by field name."""


class Partner(Frozen):
    """An organisation in the system."""

    id: Identifier
    """Identifier used in payees, control totals and scenario paths."""
    name: str = Field(min_length=1, max_length=200)
    """The organisation's name."""
    kind: PartnerKind
    """commissioner | provider | local_authority | vcfse | other."""
    place: str = Field(min_length=1, max_length=100)
    """The place (sub-system partnership) it belongs to."""
    in_control_total: bool = True
    """Whether it is in the system control total (NHS bodies are; councils usually are not)."""
    funding: list[FundingStream] = Field(default_factory=list)
    """External funding streams."""
    costs: list[CostLine] = Field(default_factory=list)
    """Cost lines."""
    source: Citation | None = None
    """Provenance of the partner's figures as a whole."""


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
    name: str | None = None
    """A readable name."""
    description: str | None = None
    """What the scenario tests and why."""
    set: dict[str, Any] = Field(default_factory=dict)
    """Values by dotted path, e.g. `partners.icb.costs.chc.demand_growth: 0.07`."""


class Model(Frozen):
    """A health and care system: its partners, their money, assumptions and agreements."""

    name: str = Field(min_length=1)
    """The model's name."""
    units: str = "gbp_thousands"
    """Units of money; only `gbp_thousands` (£k) is supported."""
    description: str | None = None
    """What the model represents."""
    timeline: Timeline
    """Base year and horizon."""
    assumptions: Assumptions = Field(default_factory=Assumptions)
    """System-wide default rates."""
    drivers: dict[Identifier, Driver] = Field(default_factory=dict)
    """Named demand drivers, e.g. `over_65`."""
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

    @property
    def origin(self) -> str:
        """The file the model was read from (for messages), else its name."""
        return self._origin or self.name

    def with_origin(self, origin: str) -> Model:
        """Record the file the model was read from; returns the model itself."""
        self._origin = origin
        return self

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

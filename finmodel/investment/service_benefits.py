"""The benefits register and cash effects a service model drives (DHSC CIA vocabulary).

Every stream here is derived from the service model's own drivers (reviews done, decisions
made late, people waiting past 28 days), never typed in as a constant, and is *incremental to
do nothing* (zero for do nothing), nominal £k by case year ``(..., options, years)``:

Benefits (economic case; unit values are real prices of the case's price-base year, turned to
cash with the GDP deflator so that the economic case turns them back exactly):

* **cash-releasing** ``service_cash_released``: package reductions found at review, lasting
  while the person stays (see :mod:`finmodel.service.ipa`); ``avoided_retrospective``: fewer
  eligible decisions made after 28 days than do nothing, times the cost of handling one
  (``retrospective_cost_k``: reimbursement from day 28 calculated and paid, disputes, legal);
* **non-cash-releasing** ``acute_bed_days``: fewer acute bed days of people waiting past 28
  days for a decision in hospital (``incomplete_over_28_days x acute_share_waiting x 30.44``
  days a month), valued at ``bed_day_value_k``; the beds are used by others, not closed;
* **societal** ``wellbeing_qalys``: QALYs not lost by people waiting past 28 days
  (``qaly_loss_per_year_waiting`` a person-year) valued at ``qaly_value_k``, discounted at the
  Green Book **health** schedule (:data:`HEALTH_STREAMS`).

Cash effects (financial case and projection only; transfers in the economic case):

* ``package_spend``: the CHC packages of people found eligible sooner (the caseload's package
  spend less do nothing's), paid by the funders (CCGs);
* ``retrospective_liability``: the change in the liability accruing for eligible people waiting
  past 28 days (funded retrospectively from day 28 once decided): do nothing's accrual is the
  eligible share of those waiting x the package cost; an option that decides sooner accrues
  less (negative), paid by the funders;
* ``council_care``: the cost councils bear for people waiting past 28 days whose care they fund
  meanwhile, split among the partners in ``council_basis`` (adult social care).

Example
-------
>>> from finmodel.io.yaml_io import load_model
>>> from finmodel.investment.streams import compile_investment
>>> s = compile_investment(load_model("models/lsc_ics.yaml"), "ipa_uplift")
>>> sorted(s.cash_effects)
['council_care', 'package_spend', 'retrospective_liability']
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import numpy.typing as npt

from finmodel.appraisal.discounting import to_nominal
from finmodel.domain.investments import BenefitType, Investment
from finmodel.service.ipa_results import IpaServiceResult, sum_months

FloatArray = npt.NDArray[np.float64]

#: Average days in a month (365.25 / 12).
DAYS_PER_MONTH = 30.4375

#: Benefit streams discounted at the Green Book health schedule (QALYs).
HEALTH_STREAMS = frozenset({"wellbeing_qalys"})

BENEFIT_NAMES = {
    "avoided_retrospective": "Avoided retrospective reimbursement handling (service model)",
    "acute_bed_days": "Acute bed days of people waiting in hospital (service model)",
    "wellbeing_qalys": "Wellbeing of people waiting: QALYs (service model)",
}
BENEFIT_TYPES = {
    "avoided_retrospective": BenefitType.cash_releasing,
    "acute_bed_days": BenefitType.non_cash_releasing,
    "wellbeing_qalys": BenefitType.societal,
}
CASH_EFFECT_NAMES = {
    "package_spend": "CHC packages of people found eligible sooner",
    "retrospective_liability": "Retrospective funding liability for those waiting past 28 days",
    "council_care": "Council care of people waiting past 28 days",
}


@dataclass(frozen=True)
class ServiceStreams:
    """Benefits and cash effects derived from one service run (nominal £k, incremental)."""

    benefits: dict[str, FloatArray] = field(default_factory=dict)
    """Benefit stream -> ``(..., options, years)``."""
    cash_effects: dict[str, FloatArray] = field(default_factory=dict)
    """Cash effect -> extra expenditure (+) ``(..., options, years)``."""


def uniform_rate(rate: npt.ArrayLike) -> float | None:
    """The package cost growth when it is one value over the batch (else None)."""
    values = np.asarray(rate)
    if values.size == 0 or bool(np.all(values == values.flat[0])):
        return float(values.flat[0]) if values.size else 0.0
    return None


def package_price_matrix(by_year: FloatArray, rate: float, months: int) -> FloatArray:
    """``by_year`` with each month weighted by its package price index ``(1 + rate) ** (m /
    12)``: sums a monthly count into person-months at each month's prices, by year."""
    return by_year * ((1.0 + rate) ** (np.arange(months) / 12.0))[:, None]


def service_sums(
    inv: Investment, by_year: FloatArray, months: int, package_growth: npt.ArrayLike
) -> list[tuple[str, FloatArray]]:
    """The period sums of service series that :func:`service_streams` and the cash-releasing
    and outcome streams read (for :func:`finmodel.service.ipa.simulate_ipa_service`'s
    ``sums``), so that a Monte Carlo run need not keep the monthly series."""
    wanted = [
        ("assessments", by_year),
        ("decisions_within_28_days", by_year),
        ("incomplete_over_28_days", by_year),
        ("cash_released", by_year),
    ]
    one = uniform_rate(package_growth)
    if one is not None:
        grown = package_price_matrix(by_year, one, months)
        wanted += [("incomplete_over_28_days", grown), ("caseload", grown)]
    if inv.outcome is not None and inv.outcome.service_series is not None:
        wanted.append((inv.outcome.service_series, by_year))
    return wanted


def _incremental(values: FloatArray, baseline: int) -> FloatArray:
    """``values`` less do nothing's (option axis second to last)."""
    return values - values[..., baseline : baseline + 1, :]


def service_streams(
    inv: Investment,
    service: IpaServiceResult,
    years: list[str],
    by_year: FloatArray,
    price_base: str,
) -> ServiceStreams:
    """The benefits register and cash effects of a service run (see the module docstring).

    ``by_year`` sums months into ``years`` (:func:`finmodel.investment.streams.service_by_year`);
    unit values are real prices of ``price_base``, made nominal with the investment's deflator.
    """
    r = service.resolved
    b = inv.baseline_index()
    cash_index = to_nominal(
        np.ones(len(years)), years, price_base, inv.deflator_series(), inv.deflator_extend_rate
    )

    def yearly(name: str) -> FloatArray:
        return service.sum_months(name, by_year)

    def unit(name: str) -> FloatArray:
        return np.asarray(r[name])[..., None]

    # Yearly sums first, then per-batch factors: no elementwise work on (batch, months) arrays.
    # Package prices grow monthly: folded into the year matrix when the growth is one value.
    rate = np.asarray(r["package_cost_growth"])
    one = uniform_rate(rate)
    if one is not None:
        grown = package_price_matrix(by_year, one, service.months)

        def yearly_grown(name: str) -> FloatArray:
            return service.sum_months(name, grown)

    else:
        months = np.arange(service.months) / 12.0

        def yearly_grown(name: str) -> FloatArray:
            return sum_months(service.get(name) * (1.0 + rate[..., None]) ** months, by_year)

    waiting = "incomplete_over_28_days"  # month-end stock: person-months
    late = yearly("assessments") - yearly("decisions_within_28_days")
    late_eligible = late * r["conversion_rate"][..., None]
    person_months = yearly(waiting)
    benefits = {
        # fewer late eligible decisions than do nothing: a saving (+)
        "avoided_retrospective": -_incremental(late_eligible, b)
        * unit("retrospective_cost_k")
        * cash_index,
        "acute_bed_days": -_incremental(person_months, b)
        * unit("acute_share_waiting")
        * DAYS_PER_MONTH
        * unit("bed_day_value_k")
        * cash_index,
        "wellbeing_qalys": -_incremental(person_months, b)
        / 12.0
        * unit("qaly_loss_per_year_waiting")
        * unit("qaly_value_k")
        * cash_index,
    }
    waiting_grown = yearly_grown(waiting) / 12.0  # person-years at each month's prices
    package = unit("package_cost_k_per_year")
    cash_effects = {
        "package_spend": _incremental(yearly_grown("caseload") / 12.0 * package, b),
        "retrospective_liability": _incremental(
            waiting_grown * unit("conversion_rate") * package, b
        ),
        "council_care": _incremental(
            waiting_grown * unit("council_funded_share_waiting") * unit("council_cost_k_per_year"),
            b,
        ),
    }
    return ServiceStreams(benefits=benefits, cash_effects=cash_effects)
